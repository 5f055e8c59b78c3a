/**
 * Webmail login and sessions over real HTTPS: the form, the cookie's attributes, wrong passwords
 * and the lockout shared with IMAP (same throttle), login CSRF, logout, and sessions that end
 * when the account is deleted or its password changes, or after [webmail] session_idle / session_max.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, PASSWORD } from '../helpers/server.ts';
import { RawImap } from '../helpers/imap-client.ts';
import { setPassword } from '../../src/directory/accounts.ts';
import { Browser, hidden } from './helpers.ts';
import { PAGE_CSP } from '../../src/webmail/app.ts';

test('login page, login, session cookie, security headers, logout', async (t) => {
  const srv = await startTestServer();
  t.after(() => srv.close());
  const b = new Browser(srv.port('https'));
  const unauth = await b.get('/mail/');
  assert.equal(unauth.status, 303);
  assert.equal(unauth.headers.location, '/mail/login');

  const form = await b.get('/mail/login');
  assert.equal(form.status, 200);
  assert.match(form.body, /<form method="post" action="\/mail\/login">/);
  assert.equal(form.headers['content-security-policy'], PAGE_CSP);
  assert.equal(form.headers['x-frame-options'], 'DENY');
  assert.equal(form.headers['cache-control'], 'no-store');
  assert.equal(form.headers['referrer-policy'], 'no-referrer');
  assert.equal(form.headers['x-content-type-options'], 'nosniff');
  assert.doesNotMatch(form.body, /<script|style=/i, 'no inline script or style');

  const r = await b.post('/mail/login', { login_token: hidden(form.body, 'login_token'), username: 'Alice@Example.test', password: PASSWORD });
  assert.equal(r.status, 303, r.body);
  assert.equal(r.headers.location, '/mail/');
  const set = (r.headers['set-cookie'] ?? []).find((c) => c.startsWith('__Host-mw_session='));
  assert.ok(set, 'session cookie set');
  assert.match(set, /^__Host-mw_session=[A-Za-z0-9_-]{43}; Path=\/; Secure; HttpOnly; SameSite=Strict$/);
  assert.ok(!b.cookies.has('__Host-mw_login'), 'the login token cookie is cleared');

  const inbox = await b.get('/mail/');
  assert.equal(inbox.status, 200);
  assert.match(inbox.body, /alice@example\.test/);
  assert.match(inbox.body, /<h1>INBOX<\/h1>/);
  const id = b.cookies.get('__Host-mw_session')!;

  // logout destroys the session on the server: the old cookie no longer works
  const out = await b.post('/mail/logout', { csrf: hidden(inbox.body, 'csrf') });
  assert.equal(out.status, 303);
  assert.equal(out.headers.location, '/mail/login');
  const replay = new Browser(srv.port('https'));
  replay.cookies.set('__Host-mw_session', id);
  assert.equal((await replay.get('/mail/')).status, 303);
  // a second login gets a new session id
  assert.equal((await b.login('alice@example.test')).status, 303);
  assert.notEqual(b.cookies.get('__Host-mw_session'), id);
});

test('wrong password, unknown user, login CSRF; lockout shared with IMAP LOGIN', async (t) => {
  const srv = await startTestServer({ auth: { max_failures_per_account_ip: 3, max_failures_per_ip: 6 } } as never);
  t.after(() => srv.close());
  const b = new Browser(srv.port('https'));
  const wrong = await b.login('alice@example.test', 'not the password');
  assert.equal(wrong.status, 403);
  assert.match(wrong.body, /Wrong address or password/);
  assert.ok(!b.cookies.has('__Host-mw_session'));
  assert.match(wrong.body, /value="alice@example\.test"/, 'the address is kept in the form');
  assert.doesNotMatch(wrong.body, /not the password/, 'the password is never echoed');
  assert.equal((await b.login('nobody@example.test', 'x')).status, 403, 'unknown users look the same');

  // login CSRF: a POST without the form's token (or from another site) is refused before any check
  const noToken = await b.post('/mail/login', { username: 'alice@example.test', password: PASSWORD });
  assert.equal(noToken.status, 403);
  assert.ok(!b.cookies.has('__Host-mw_session'));
  const form = await b.get('/mail/login');
  const cross = await b.post('/mail/login', { login_token: hidden(form.body, 'login_token'), username: 'alice@example.test', password: PASSWORD }, { origin: 'https://evil.test' });
  assert.equal(cross.status, 403);

  // one more failure over IMAP: three for (alice, 127.0.0.1) in all, the pair is locked
  const imap = await RawImap.open(srv.port('imaps'), { tls: true });
  t.after(() => imap.socket.destroy());
  assert.match((await imap.login('alice@example.test', 'guess')).tagged, /NO \[AUTHENTICATIONFAILED\]/);
  assert.equal((await b.login('alice@example.test', 'guess 2')).status, 403, 'the third failure in all');
  const locked = await b.login('alice@example.test', PASSWORD);
  assert.equal(locked.status, 429, 'the right password is refused while locked');
  assert.match(locked.body, /Too many failed logins; try again in \d+ seconds/);
  assert.ok(Number(locked.headers['retry-after']) > 0);
  assert.ok(!b.cookies.has('__Host-mw_session'));
  assert.match((await imap.login('alice@example.test', PASSWORD)).tagged, /NO \[UNAVAILABLE\]/, 'and over IMAP too: one throttle');
  // another account from the same IP is not locked by alice's pair
  assert.equal((await new Browser(srv.port('https')).login('bob@example.test')).status, 303);
});

test('a session ends when its account is deleted or its password changes', async (t) => {
  const srv = await startTestServer();
  t.after(() => srv.close());
  const a = new Browser(srv.port('https'));
  const b = new Browser(srv.port('https'));
  assert.equal((await a.login('alice@example.test')).status, 303);
  assert.equal((await b.login('carol@other.test')).status, 303);
  assert.equal((await a.get('/mail/')).status, 200);
  assert.equal((await b.get('/mail/')).status, 200);

  await setPassword(srv.app.store, 'alice@example.test', 'a new long password', { cramMd5: false });
  const after = await a.get('/mail/');
  assert.equal(after.status, 303, 'password changed: logged out');
  assert.equal(after.headers.location, '/mail/login');
  const csrf = hidden((await b.get('/mail/')).body, 'csrf');
  assert.ok(await srv.app.store.deleteUser('carol@other.test'));
  assert.equal((await b.get('/mail/')).status, 303, 'account deleted: logged out');
  assert.equal((await b.post('/mail/logout', { csrf })).status, 403, 'and its POSTs are refused');
});

test('session limits from [webmail] on a real server: idle ends a session, and so does session_max however active', async (t) => {
  const srv = await startTestServer({ webmail: { session_idle: '1s', session_max: '3s' } } as never);
  t.after(() => srv.close());
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
  const b = new Browser(srv.port('https'));
  assert.equal((await b.login('alice@example.test')).status, 303);
  assert.equal((await b.get('/mail/')).status, 200);
  await sleep(1500); // idle longer than session_idle
  const idle = await b.get('/mail/');
  assert.equal(idle.status, 303, 'an idle session has ended');
  assert.equal(idle.headers.location, '/mail/login');

  const c = new Browser(srv.port('https'));
  assert.equal((await c.login('alice@example.test')).status, 303);
  const start = Date.now();
  // Active every 300 ms: never idle for 1 s, yet the session ends 3 s after login.
  while (Date.now() - start < 2200) {
    assert.equal((await c.get('/mail/')).status, 200, `active at ${Date.now() - start} ms`);
    await sleep(300);
  }
  while (Date.now() - start < 3300) {
    await c.get('/mail/');
    await sleep(300);
  }
  const over = await c.get('/mail/');
  assert.equal(over.status, 303, 'session_max ends an active session');
  assert.equal(over.headers.location, '/mail/login');
});
