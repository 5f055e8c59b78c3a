/**
 * The webmail (docs/webmail.md): server-rendered HTML on the HTTPS listener, all under /mail.
 * Read mail, see the spam filter's verdict and clues, our sender-authentication verdicts and the
 * phishing warnings, and train the filter with Spam / Not spam (or forget a message's training).
 *
 * Security model, in one place:
 *  - who: login with the IMAP password and the shared login throttle (auth.ts); a server-side
 *    session per login (session.ts); every mailbox and message is resolved for the session's user
 *    (UserMailboxes), so another user's mailbox or UID is simply not found (404);
 *  - what runs: no script at all; every page carries a strict CSP (no script source, styles from
 *    /mail/style.css only, frames only from us, frame-ancestors 'none'); every value in HTML is
 *    escaped (web/html.ts); mail HTML is shown as text unless asked, and then only inside
 *    <iframe sandbox> from a route whose own CSP allows no script, no remote image, no form;
 *  - what changes: only POSTs, each with the session's CSRF token and from our own origin
 *    (csrf.ts); GET only sets \Seen on the message it shows;
 *  - what leaves: no-store caching, no referrer; downloads are application/octet-stream
 *    attachments with nosniff.
 */
import { Hono, type Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { Store } from '../store/ports.ts';
import type { Logger } from '../lib/logger.ts';
import type { LoginDeps } from '../directory/login-attempt.ts';
import type { MailboxDeps, UserMailboxes } from '../mailbox/user-mailboxes.ts';
import { INBOX } from '../mailbox/names.ts';
import { html } from '../web/html.ts';
import { SessionStore } from './session.ts';
import { authRoutes, logoutRoute, requireCsrf, requireSession, type WebmailEnv } from './auth.ts';
import { ACTIONS, DONE_TEXT, FORGET_DONE, isJunk, runAction, type Action, type ForgetDone } from './actions.ts';
import { listPage } from './listing.ts';
import { bodyLeaves, leafText, messageLeaves, readMessageView } from './message.ts';
import { decodeTransferStream } from '../mail/mime/transfer-stream.ts';
import { boxUrl, messageUrl, page, type BoxInfo } from './views/layout.ts';
import { listView } from './views/list.ts';
import { messageView } from './views/message.ts';
import { STYLESHEET } from './views/style.ts';
import type { JunkStore, Label } from '../junk/ports.ts';
import { forgetTraining, storedMessageKeys, userTraining } from '../junk/message.ts';

export interface WebmailDeps {
  store: Store;
  /** The same login dependencies as IMAP (directory, store, the server-wide throttle). */
  login: LoginDeps;
  /** The same mailbox dependencies as IMAP, junkTraining included. */
  mailboxes: MailboxDeps;
  /**
   * The spam filter's statistics, for Forget training (absent: the filter is off, no button):
   * `trainGlobal` as [spam] train_global, the scopes the Spam / Not spam buttons train.
   */
  training?: { junk: JunkStore; trainGlobal: boolean };
  logger: Logger;
  /** Our authserv-id (the config hostname): only Authentication-Results with it are shown. */
  authservId: string;
  sessionIdleMs: number;
  sessionMaxMs: number;
  clock?: () => number;
}

/** Every webmail page. */
export const PAGE_CSP = "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-src 'self'; frame-ancestors 'none'; base-uri 'none'";
/** The message HTML inside the sandboxed iframe: no script, no remote anything, framed by us only. */
export const FRAME_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; form-action 'none'; base-uri 'none'; frame-ancestors 'self'; sandbox";

const UID = /^[1-9][0-9]{0,9}$/;
const PART = /^[1-9][0-9]{0,4}(\.[1-9][0-9]{0,4}){0,20}$/;

/** A file name safe in Content-Disposition (RFC 6266 §4.3, RFC 8187 filename*). */
export function contentDisposition(name: string): string {
  const clean = name.replace(/[\x00-\x1f\x7f"\\/\u202a-\u202e\u2066-\u2069]/g, '_').slice(0, 200) || 'attachment';
  const ascii = clean.replace(/[^\x20-\x7e]/g, '_');
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(clean).replace(/['()*]/g, (ch) => `%${ch.charCodeAt(0).toString(16).toUpperCase()}`)}`;
}

export function webmailApp(deps: WebmailDeps): Hono {
  const app = new Hono<WebmailEnv>();
  const sessions = new SessionStore({ idleMs: deps.sessionIdleMs, maxMs: deps.sessionMaxMs, ...(deps.clock ? { clock: deps.clock } : {}) });
  const auth = { store: deps.store, login: deps.login, mailboxes: deps.mailboxes, sessions, logger: deps.logger };
  const log = deps.logger;

  app.use('/mail/*', async (c, next) => {
    await next();
    const set = (name: string, value: string) => c.res.headers.has(name) || c.header(name, value);
    set('Content-Security-Policy', PAGE_CSP);
    set('X-Frame-Options', 'DENY');
    c.header('Cache-Control', 'no-store');
    c.header('Referrer-Policy', 'no-referrer');
    c.header('X-Content-Type-Options', 'nosniff');
    c.header('Cross-Origin-Opener-Policy', 'same-origin');
    c.header('Cross-Origin-Resource-Policy', 'same-origin');
  });
  app.use('/mail/*', bodyLimit({ maxSize: 64 * 1024, onError: (c) => c.text('request too large\n', 413) }));
  app.get('/mail/style.css', (c) => c.body(STYLESHEET, 200, { 'Content-Type': 'text/css; charset=utf-8' }));
  authRoutes(app, auth);
  app.use('/mail/*', requireSession(auth));
  app.use('/mail/*', requireCsrf(log));
  logoutRoute(app, auth);

  const notFound = (c: Context<WebmailEnv>) => c.html(page({ title: 'Not found', session: c.get('session') }, html`<h1>Not found</h1><p>No such mailbox or message. <a href="/mail/">Back to INBOX</a></p>`), 404);

  async function boxes(ux: UserMailboxes): Promise<BoxInfo[]> {
    const all = await ux.list();
    all.sort((a, b) => (a.name === INBOX ? -1 : b.name === INBOX ? 1 : a.name.localeCompare(b.name)));
    return Promise.all(all.map(async (m) => ({ name: m.name, specialUse: m.specialUse, ...(await ux.counts(m).then((n) => ({ unseen: n.unseen, total: n.messages }))) })));
  }

  /** The mailbox and message named in the path, of this user only; null means 404. */
  async function resolve(c: Context<WebmailEnv>) {
    const ux = c.get('ux');
    const uid = c.req.param('uid') ?? '';
    const mb = await ux.find(c.req.param('name') ?? '');
    if (!mb || !UID.test(uid)) return null;
    const m = await deps.store.getMessage(mb.id, Number(uid));
    return m ? { ux, mb, m } : null;
  }

  /** How this user's own statistics hold the message (the label their button trained), or null; a statistics failure is logged and shows no button. */
  async function trainedAs(ux: UserMailboxes, blobId: number): Promise<Label | null> {
    if (!deps.training) return null;
    try {
      return (await userTraining(deps.training.junk, ux.userId, await storedMessageKeys(ux.stream(blobId))))?.label ?? null;
    } catch (err) {
      log.warn({ err, userId: ux.userId }, 'webmail: cannot read the spam filter training of a message');
      return null;
    }
  }

  async function showBox(c: Context<WebmailEnv>, name: string) {
    const ux = c.get('ux');
    const mb = await ux.find(name);
    if (!mb) return notFound(c);
    const requested = Number.parseInt(c.req.query('page') ?? '0', 10);
    const p = await listPage(ux, mb, Number.isFinite(requested) ? requested : 0);
    const done = DONE_TEXT[c.req.query('done') ?? ''];
    return c.html(page({ title: mb.name, session: c.get('session'), boxes: await boxes(ux), current: mb.name }, listView(mb.name, p, done)));
  }

  app.get('/mail', (c) => c.redirect('/mail/', 303));
  app.get('/mail/', (c) => showBox(c, INBOX));
  app.get('/mail/box/:name', (c) => showBox(c, c.req.param('name')));

  app.get('/mail/box/:name/:uid', async (c) => {
    const r = await resolve(c);
    if (!r) return notFound(c);
    const { ux, mb, m } = r;
    // Opening a message marks it read, as every mail client does (RFC 9051 §6.4.5 BODY[] sets \Seen).
    if (!m.flags.includes('\\Seen')) await ux.setFlags(mb, [[m.uid, m.uid]], 'add', ['\\Seen']);
    const view = await readMessageView(ux, m, deps.authservId);
    const done = FORGET_DONE.find((d) => d === c.req.query('done'));
    const main = messageView({
      session: c.get('session'), box: mb.name, uid: m.uid, isJunk: isJunk(mb), seen: true, flagged: m.flags.includes('\\Flagged'),
      size: m.size, internalDate: m.internalDate, view, showHtml: c.req.query('view') === 'html', authservId: deps.authservId,
      trainedAs: await trainedAs(ux, m.blobId), notice: done ? DONE_TEXT[done] : undefined,
    });
    return c.html(page({ title: view.subject || '(no subject)', session: c.get('session'), boxes: await boxes(ux), current: mb.name }, main));
  });

  // The HTML part, for <iframe sandbox> only: its own CSP, framable by our pages only.
  app.get('/mail/box/:name/:uid/html', async (c) => {
    const r = await resolve(c);
    if (!r) return notFound(c);
    const leaf = bodyLeaves(await messageLeaves(r.ux, r.m)).html;
    if (!leaf) return notFound(c);
    const { text } = await leafText(r.ux, r.m.blobId, leaf);
    c.header('Content-Security-Policy', FRAME_CSP);
    c.header('X-Frame-Options', 'SAMEORIGIN');
    return c.body(text, 200, { 'Content-Type': 'text/html; charset=utf-8' });
  });

  app.get('/mail/box/:name/:uid/raw', async (c) => {
    const r = await resolve(c);
    if (!r) return notFound(c);
    c.header('Content-Security-Policy', "default-src 'none'; sandbox");
    return c.body(ReadableStream.from(r.ux.stream(r.m.blobId)), 200, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': String(r.m.size) });
  });

  app.get('/mail/box/:name/:uid/part/:path', async (c) => {
    const r = await resolve(c);
    const path = c.req.param('path');
    if (!r || !PART.test(path)) return notFound(c);
    const leaf = (await messageLeaves(r.ux, r.m)).find((l) => l.path === path);
    if (!leaf) return notFound(c);
    c.header('Content-Security-Policy', "default-src 'none'; sandbox");
    return c.body(ReadableStream.from(decodeTransferStream(r.ux.range(r.m.blobId, leaf.start, leaf.end), leaf.encoding)), 200, {
      'Content-Type': 'application/octet-stream',
      'Content-Disposition': contentDisposition(leaf.filename ?? `part-${leaf.path}.bin`),
    });
  });

  app.post('/mail/box/:name/:uid/action', async (c) => {
    const r = await resolve(c);
    if (!r) return notFound(c);
    const form = await c.req.parseBody();
    const action = ACTIONS.find((a) => a === form.action);
    if (!action) return c.text('unknown action\n', 400);
    const training = deps.training;
    const forget = training
      ? async (): Promise<ForgetDone> => {
          try {
            const outcomes = await forgetTraining(training, r.ux.userId, await storedMessageKeys(r.ux.stream(r.m.blobId)));
            log.info({ userId: r.ux.userId, outcomes }, 'spam filter training forgotten');
            return outcomes[0] === 'untrained' ? 'forgotten' : 'untrained';
          } catch (err) {
            log.error({ err, userId: r.ux.userId }, 'spam filter: forgetting a training failed');
            return 'unforgotten';
          }
        }
      : undefined;
    const result = await runAction(r.ux, r.mb, r.m.uid, action as Action, forget);
    log.info({ username: c.get('session').address, mailbox: r.mb.name, uid: r.m.uid, action, ...(result.done ? { done: result.done } : {}) }, 'webmail action');
    if (result.to === 'box') return c.redirect(`${boxUrl(r.mb.name)}?done=${result.done}`, 303);
    return c.redirect(`${messageUrl(r.mb.name, r.m.uid)}${result.done ? `?done=${result.done}` : ''}`, 303);
  });

  return app as unknown as Hono;
}
