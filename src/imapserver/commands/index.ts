/**
 * The typed command table: every ImapCommand name maps to the state it needs (RFC 9051 §3,
 * §6.1-6.4) and its handler. The session checks the state before running a handler, so a handler
 * in "auth" or "selected" can rely on ctx.mail / ctx.selected being set.
 */
import type { CommandTable } from '../context.ts';
import { capability, check, enable, id, idle, logout, namespace, noop } from './session.ts';
import { authenticate, login, starttls } from './auth.ts';
import { create, remove, rename, status, subscribe } from './mailboxes.ts';
import { list, lsub } from './list.ts';
import { close, select, unselect } from './select.ts';
import { fetch } from './fetch.ts';
import { store } from './store.ts';
import { copy } from './copy.ts';
import { expunge } from './expunge.ts';
import { append } from './append.ts';
import { search } from './search.ts';

export const COMMANDS: CommandTable = {
  CAPABILITY: { state: 'any', run: capability },
  NOOP: { state: 'any', run: noop },
  LOGOUT: { state: 'any', run: logout },
  ID: { state: 'any', run: id },
  STARTTLS: { state: 'unauth', run: starttls },
  AUTHENTICATE: { state: 'unauth', run: authenticate },
  LOGIN: { state: 'unauth', run: login },
  ENABLE: { state: 'auth', run: enable },
  NAMESPACE: { state: 'auth', run: namespace },
  IDLE: { state: 'auth', run: idle },
  SELECT: { state: 'auth', run: select },
  EXAMINE: { state: 'auth', run: select },
  CREATE: { state: 'auth', run: create },
  DELETE: { state: 'auth', run: remove },
  RENAME: { state: 'auth', run: rename },
  SUBSCRIBE: { state: 'auth', run: subscribe },
  UNSUBSCRIBE: { state: 'auth', run: subscribe },
  LIST: { state: 'auth', run: list },
  LSUB: { state: 'auth', run: lsub },
  STATUS: { state: 'auth', run: status },
  APPEND: { state: 'auth', run: append },
  CHECK: { state: 'selected', run: check },
  CLOSE: { state: 'selected', run: close },
  UNSELECT: { state: 'selected', run: unselect },
  EXPUNGE: { state: 'selected', run: expunge },
  'UID EXPUNGE': { state: 'selected', run: expunge },
  SEARCH: { state: 'selected', run: search },
  FETCH: { state: 'selected', run: fetch },
  STORE: { state: 'selected', run: store },
  COPY: { state: 'selected', run: copy },
  MOVE: { state: 'selected', run: copy },
};
