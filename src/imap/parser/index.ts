/**
 * Command dispatch: RFC 9051 §2.2.1 and §9
 *
 *   command = tag SP (command-any / command-auth / command-nonauth / command-select) CRLF
 *   uid     = "UID" SP (copy / move / fetch / search / store / uid-expunge)
 *
 * parseCommand turns one framed command into a typed ImapCommand, or a CommandError with the tag
 * (when one could be read) and a reason for `tag BAD reason`. It never throws: the Scanner's
 * ParseFailure is caught here and only here. Whether a command is allowed in the current state
 * (not authenticated / authenticated / selected) is the session's decision, not the parser's.
 */
import type { Frame } from '../tokenizer.ts';
import { ParseFailure, Scanner } from './scanner.ts';
import type { ImapCommand, ParseResult } from './types.ts';
import { parseAuthenticate, parseEnable, parseId, parseLogin, parseNoArgs } from './session.ts';
import { parseCreate, parseMailboxOnly, parseRename, parseSelect, parseStatus } from './mailbox.ts';
import { parseList, parseLsub } from './list.ts';
import { parseAppend } from './append.ts';
import { parseSearch } from './search.ts';
import { parseFetch } from './fetch.ts';
import { parseStore } from './store.ts';
import { parseCopy, parseUidExpunge } from './copy.ts';

type CommandParser = (s: Scanner, tag: string, uid: boolean) => ImapCommand;

/** Commands by name (upper case). */
const COMMANDS: Readonly<Record<string, CommandParser>> = {
  CAPABILITY: parseNoArgs('CAPABILITY'),
  NOOP: parseNoArgs('NOOP'),
  LOGOUT: parseNoArgs('LOGOUT'),
  STARTTLS: parseNoArgs('STARTTLS'),
  AUTHENTICATE: parseAuthenticate,
  LOGIN: parseLogin,
  ID: parseId,
  ENABLE: parseEnable,
  NAMESPACE: parseNoArgs('NAMESPACE'),
  SELECT: parseSelect('SELECT'),
  EXAMINE: parseSelect('EXAMINE'),
  CREATE: parseCreate,
  DELETE: parseMailboxOnly('DELETE'),
  RENAME: parseRename,
  SUBSCRIBE: parseMailboxOnly('SUBSCRIBE'),
  UNSUBSCRIBE: parseMailboxOnly('UNSUBSCRIBE'),
  LIST: parseList,
  LSUB: parseLsub,
  STATUS: parseStatus,
  APPEND: parseAppend,
  IDLE: parseNoArgs('IDLE'),
  CHECK: parseNoArgs('CHECK'),
  CLOSE: parseNoArgs('CLOSE'),
  UNSELECT: parseNoArgs('UNSELECT'),
  EXPUNGE: parseNoArgs('EXPUNGE'),
  SEARCH: parseSearch,
  FETCH: parseFetch,
  STORE: parseStore,
  COPY: parseCopy('COPY'),
  MOVE: parseCopy('MOVE'),
};

/** Commands that may follow "UID " (RFC 9051 §6.4.9). */
const UID_COMMANDS: Readonly<Record<string, CommandParser>> = {
  FETCH: parseFetch,
  SEARCH: parseSearch,
  STORE: parseStore,
  COPY: parseCopy('COPY'),
  MOVE: parseCopy('MOVE'),
  EXPUNGE: parseUidExpunge,
};

export function parseCommand(frame: Frame): ParseResult {
  const s: Scanner = new Scanner(frame);
  let tag: string | undefined;
  try {
    tag = s.tag();
    s.sp();
    let name = s.atom('command name').toUpperCase();
    let parser = COMMANDS[name];
    let uid = false;
    if (name === 'UID') {
      uid = true;
      s.sp();
      name = s.atom('command name').toUpperCase();
      parser = UID_COMMANDS[name];
      if (parser === undefined) s.fail(`UID ${name.slice(0, 40)} is not a UID command`);
    }
    if (parser === undefined) s.fail(`Unknown command ${name.slice(0, 40)}`);
    return { ok: true, command: parser(s, tag, uid) };
  } catch (err) {
    if (err instanceof ParseFailure) return { ok: false, error: { tag, reason: err.message, code: null } };
    // A bug in a parser must not take the connection down: report it as a server-side failure.
    return { ok: false, error: { tag, reason: 'Internal parser error', code: 'SERVERBUG' } };
  }
}

export type { ImapCommand, ParseResult, CommandError } from './types.ts';
