/**
 * Webmail login, logout and the session gate.
 *
 * Login checks the password with the same code as IMAP LOGIN (imapserver/commands/auth.ts): the
 * server-wide LoginThrottle first (a locked-out IP gets no answer at all), then LoginAttempt
 * (directory/login-attempt.ts: the per-(account, IP) lockout and the per-account slowdown, and
 * Directory.authenticate with its constant-cost check for unknown accounts), then recordFailure /
 * recordSuccess. Guesses over the web therefore count against the same limits as IMAP, POP3 and
 * SMTP AUTH. Every failure and lockout is logged (never the password).
 *
 * The login form is protected against login CSRF by a double-submit token: a random value in a
 * __Host- cookie and in the form, which another site can neither read nor set. A new session id
 * is made at every login (no fixation). The gate ends a session whose account was deleted or
 * whose password changed since the login.
 */
import type { Context, Hono, MiddlewareHandler } from 'hono';
import { getCookie } from 'hono/cookie';
import { getConnInfo } from '@hono/node-server/conninfo';
import { LoginAttempt, type LoginDeps } from '../directory/login-attempt.ts';
import { normalizeIp } from '../lib/net.ts';
import type { Logger } from '../lib/logger.ts';
import type { Store, User } from '../store/ports.ts';
import { UserMailboxes, type MailboxDeps } from '../mailbox/user-mailboxes.ts';
import { SESSION_COOKIE, credentialOf, randomToken, type SessionStore, type WebSession } from './session.ts';
import { crossSiteReason, sameToken } from './csrf.ts';
import { loginPage } from './views/login.ts';

export const LOGIN_COOKIE = '__Host-mw_login';

export type WebmailEnv = { Variables: { session: WebSession; user: User; ux: UserMailboxes } };

export interface AuthDeps {
  store: Store;
  login: LoginDeps;
  mailboxes: MailboxDeps;
  sessions: SessionStore;
  logger: Logger;
}

/** The client's IP (the TCP peer: no proxy headers are trusted). */
export function clientIp(c: Context): string {
  try {
    return normalizeIp(getConnInfo(c).remote.address ?? '');
  } catch {
    return '';
  }
}

/** RFC 6265 §4.1: Secure; HttpOnly; SameSite=Strict; Path=/ and no Domain (the __Host- prefix rules). */
export function cookie(name: string, value: string, maxAgeSeconds?: number): string {
  return `${name}=${value}; Path=/; Secure; HttpOnly; SameSite=Strict${maxAgeSeconds === undefined ? '' : `; Max-Age=${maxAgeSeconds}`}`;
}

/** Refuses POSTs that the browser says come from another site (csrf.ts). */
export function crossSite(c: Context): string | null {
  return crossSiteReason({ origin: c.req.header('origin'), secFetchSite: c.req.header('sec-fetch-site'), host: c.req.header('host') });
}

const field = (form: Record<string, unknown>, name: string, max: number) => {
  const v = form[name];
  return typeof v === 'string' ? v.slice(0, max) : '';
};

function showLogin(c: Context, status: 200 | 400 | 403 | 429 = 200, opts: { error?: string; username?: string } = {}) {
  const token = randomToken();
  c.header('Set-Cookie', cookie(LOGIN_COOKIE, token, 3600));
  return c.html(loginPage(token, opts), status);
}

export function authRoutes(app: Hono<WebmailEnv>, deps: AuthDeps): void {
  const { throttle } = deps.login;
  const log = deps.logger;

  app.get('/mail/login', async (c) => {
    if (deps.sessions.get(getCookie(c, SESSION_COOKIE))) return c.redirect('/mail/', 303);
    return showLogin(c);
  });

  app.post('/mail/login', async (c) => {
    const ip = clientIp(c);
    const cross = crossSite(c);
    if (cross) {
      log.warn({ ip, reason: cross }, 'webmail login refused: cross-site request');
      return c.text('cross-site request refused\n', 403);
    }
    const form = await c.req.parseBody();
    if (!sameToken(field(form, 'login_token', 200), getCookie(c, LOGIN_COOKIE) ?? '')) {
      log.warn({ ip }, 'webmail login refused: missing or wrong login token');
      return showLogin(c, 403, { error: 'The login form expired. Please try again.' });
    }
    const username = field(form, 'username', 320).trim();
    const password = field(form, 'password', 1024);
    if (username === '' || password === '') return showLogin(c, 400, { error: 'Enter your address and password.', username });
    // As IMAP LOGIN: a locked-out IP is refused before any credentials are looked at.
    const d = throttle.check(ip);
    if (d.kind === 'locked') {
      log.warn({ ip, scope: d.scope }, 'webmail login refused: locked out');
      c.header('Retry-After', String(Math.ceil(d.retryAfterMs / 1000)));
      return showLogin(c, 429, { error: `Too many failed logins; try again in ${Math.ceil(d.retryAfterMs / 1000)} seconds.`, username });
    }
    const attempt = new LoginAttempt(deps.login, ip);
    const address = await attempt.credentials().verifyPassword(username, password);
    const user = address ? await deps.store.getUser(address) : null;
    if (user) {
      throttle.recordSuccess(ip, user.address);
      const s = deps.sessions.create(user);
      log.info({ ip, username: user.address }, 'webmail login');
      c.header('Set-Cookie', cookie(SESSION_COOKIE, s.id));
      c.header('Set-Cookie', cookie(LOGIN_COOKIE, '', 0), { append: true });
      return c.redirect('/mail/', 303);
    }
    if (attempt.lockedMs !== null) {
      log.warn({ ip, username: attempt.username }, 'webmail login refused: locked out');
      c.header('Retry-After', String(Math.ceil(attempt.lockedMs / 1000)));
      return showLogin(c, 429, { error: `Too many failed logins; try again in ${Math.ceil(attempt.lockedMs / 1000)} seconds.`, username });
    }
    throttle.recordFailure(ip, attempt.username);
    log.warn({ ip, username: attempt.username, reason: 'credentials' }, 'webmail login failure');
    return showLogin(c, 403, { error: 'Wrong address or password.', username });
  });
}

/** The gate in front of every other /mail route: a live session of an unchanged account. */
export function requireSession(deps: AuthDeps): MiddlewareHandler<WebmailEnv> {
  let requests = 0;
  return async (c, next) => {
    const s = deps.sessions.get(getCookie(c, SESSION_COOKIE));
    const user = s ? await deps.store.getUserById(s.userId) : null;
    if (!s || !user || user.address !== s.address || credentialOf(user.passwordHash) !== s.credential) {
      if (s) {
        deps.sessions.destroy(s.id);
        deps.logger.info({ username: s.address }, 'webmail session ended: the account was deleted or its password changed');
      }
      if (c.req.method === 'GET' || c.req.method === 'HEAD') return c.redirect('/mail/login', 303);
      return c.text('not logged in\n', 403);
    }
    c.set('session', s);
    c.set('user', user);
    c.set('ux', new UserMailboxes(deps.mailboxes, user.id, `webmail-${++requests}`));
    await next();
  };
}

/** After requireSession on POSTs: same-origin only, and the session's CSRF token in the form. */
export function requireCsrf(log: Logger): MiddlewareHandler<WebmailEnv> {
  return async (c, next) => {
    if (c.req.method !== 'POST') return next();
    const s = c.get('session');
    const cross = crossSite(c);
    const form = cross ? {} : await c.req.parseBody();
    if (cross || !sameToken(field(form, 'csrf', 200), s.csrf)) {
      log.warn({ ip: clientIp(c), username: s.address, path: c.req.path, reason: cross ?? 'missing or wrong CSRF token' }, 'webmail request refused: CSRF check');
      return c.text('request refused: missing or wrong CSRF token, or a cross-site request\n', 403);
    }
    await next();
  };
}

export function logoutRoute(app: Hono<WebmailEnv>, deps: AuthDeps): void {
  app.post('/mail/logout', (c) => {
    const s = c.get('session');
    deps.sessions.destroy(s.id);
    deps.logger.info({ ip: clientIp(c), username: s.address }, 'webmail logout');
    c.header('Set-Cookie', cookie(SESSION_COOKIE, '', 0));
    return c.redirect('/mail/login', 303);
  });
}
