/**
 * IMAP authentication over raw sockets: RFC 9051 §6.2 (STARTTLS, AUTHENTICATE, LOGIN), RFC 4959
 * SASL-IR, LOGINDISABLED before TLS, SCRAM-SHA-256, the shared login throttle, the per-user
 * session limit, the login timeout and the error limit.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, createHmac, pbkdf2Sync, randomBytes } from 'node:crypto';
import { startTestServer, PASSWORD, type TestServer } from '../helpers/server.ts';
import { RawImap, imapLogin } from '../helpers/imap-client.ts';
import { plainIr } from '../helpers/pop3-client.ts';

let srv: TestServer;
before(async () => {
  srv = await startTestServer();
});
after(() => srv.close());

const caps = (r: { untagged: string[] }) => r.untagged.find((l) => l.startsWith('* CAPABILITY '))!.split(' ').slice(2);

test('before TLS: CAPABILITY offers STARTTLS and LOGINDISABLED, no AUTH=; LOGIN and AUTHENTICATE are refused', async () => {
  const c = await RawImap.open(srv.port('imap'));
  assert.match(c.greeting, /^\* OK \[CAPABILITY IMAP4rev1 IMAP4rev2 STARTTLS LOGINDISABLED .*\] mx\.example\.test IMAP4rev2 mailwarden ready$/);
  const before = caps(await c.cmd('CAPABILITY'));
  assert.ok(before.includes('STARTTLS') && before.includes('LOGINDISABLED'));
  assert.ok(!before.some((x) => x.startsWith('AUTH=')));
  assert.equal((await c.login('alice@example.test', PASSWORD)).tagged, 'a2 NO [PRIVACYREQUIRED] Plaintext authentication is disabled here: use STARTTLS (or the implicit-TLS port) first');
  assert.match((await c.cmd(`AUTHENTICATE PLAIN ${plainIr('alice@example.test', PASSWORD)}`)).tagged, /^a3 NO \[PRIVACYREQUIRED\]/);
  for (const cmd of ['SELECT INBOX', 'LIST "" "*"', 'STATUS INBOX (MESSAGES)', 'ENABLE IMAP4rev2', 'FETCH 1 FLAGS', 'IDLE']) {
    assert.match((await c.cmd(cmd)).tagged, /^a\d+ BAD Log in first$/, cmd);
  }
  assert.match((await c.cmd('NOOP')).tagged, /OK NOOP completed/);
  const r = await c.cmd('LOGOUT');
  assert.deepEqual(r.untagged, ['* BYE mx.example.test IMAP server logging out']);
  assert.equal(r.tagged, 'a11 OK LOGOUT completed');
  assert.ok(await c.waitClosed());
});

test('STARTTLS: then CAPABILITY offers AUTH=PLAIN, LOGIN, SCRAM-SHA-256 and no STARTTLS; LOGIN works', async () => {
  const c = await RawImap.open(srv.port('imap'));
  assert.equal((await c.starttls()).tagged, 'a1 OK Begin TLS negotiation now');
  const after = caps(await c.cmd('CAPABILITY'));
  assert.ok(!after.includes('STARTTLS') && !after.includes('LOGINDISABLED'));
  assert.deepEqual(after.filter((x) => x.startsWith('AUTH=')), ['AUTH=PLAIN', 'AUTH=LOGIN', 'AUTH=SCRAM-SHA-256']);
  assert.match((await c.cmd('STARTTLS')).tagged, /^a3 BAD (TLS is already active|Already)/);
  const r = await c.login('Alice@Example.Test', PASSWORD);
  assert.match(r.tagged, /^a4 OK \[CAPABILITY IMAP4rev1 IMAP4rev2 SASL-IR .*\] Logged in$/);
  assert.ok(!r.tagged.includes('AUTH='), 'no AUTH= after login');
  assert.match((await c.cmd('LOGIN x y')).tagged, /^a5 BAD Already logged in$/);
  c.close();
});

test('STARTTLS with a command pipelined behind it is refused and the pipelined input discarded (CVE-2011-0411)', async () => {
  const c = await RawImap.open(srv.port('imap'));
  c.write('a1 STARTTLS\r\na2 LOGIN alice@example.test x\r\n');
  const r = await c.until('a1');
  assert.equal(r.tagged, 'a1 BAD Nothing may follow STARTTLS before the TLS handshake; the pipelined input was discarded');
  assert.match((await c.cmd('NOOP')).tagged, / OK NOOP/, 'still talking plaintext; a2 was never run');
  c.close();
});

test('AUTHENTICATE PLAIN: with SASL-IR, with a continuation, "=" empty response, cancel, bad base64, bad password', async () => {
  const c = await RawImap.open(srv.port('imaps'), { tls: true });
  assert.match((await c.cmd(`AUTHENTICATE PLAIN ${plainIr('bob@example.test', 'wrong')}`)).tagged, /^a1 NO \[AUTHENTICATIONFAILED\] Invalid credentials$/);
  c.write('a2 AUTHENTICATE PLAIN\r\n');
  assert.equal(await c.response(), '+ ');
  c.write('*\r\n');
  assert.equal((await c.until('a2')).tagged, 'a2 BAD Authentication cancelled');
  c.write('a3 AUTHENTICATE PLAIN\r\n');
  assert.equal(await c.response(), '+ ');
  c.write('not base64!\r\n');
  assert.equal((await c.until('a3')).tagged, 'a3 BAD The response is not base64');
  c.write('a4 AUTHENTICATE PLAIN =\r\n');
  assert.equal((await c.until('a4')).tagged, 'a4 BAD Malformed authentication data: PLAIN message must contain exactly two NUL separators');
  c.write('a5 AUTHENTICATE CRAM-MD5\r\n');
  assert.equal((await c.until('a5')).tagged, 'a5 NO [CANNOT] Unsupported authentication mechanism CRAM-MD5');
  c.write('a6 AUTHENTICATE PLAIN\r\n');
  assert.equal(await c.response(), '+ ');
  c.write(`${plainIr('bob@example.test', PASSWORD)}\r\n`);
  assert.match((await c.until('a6')).tagged, /^a6 OK \[CAPABILITY .*\] Logged in$/);
  c.close();
});

test('AUTHENTICATE LOGIN (two challenges)', async () => {
  const c = await RawImap.open(srv.port('imaps'), { tls: true });
  c.write('a1 AUTHENTICATE LOGIN\r\n');
  assert.equal(Buffer.from((await c.response()).slice(2), 'base64').toString(), 'Username:');
  c.write(`${Buffer.from('bob@example.test').toString('base64')}\r\n`);
  assert.equal(Buffer.from((await c.response()).slice(2), 'base64').toString(), 'Password:');
  c.write(`${Buffer.from(PASSWORD).toString('base64')}\r\n`);
  assert.match((await c.until('a1')).tagged, /^a1 OK \[CAPABILITY .*\] Logged in$/);
  c.close();
});

test('AUTHENTICATE SCRAM-SHA-256 (RFC 5802/7677): server-final verified, then an empty response', async () => {
  const c = await RawImap.open(srv.port('imaps'), { tls: true });
  const user = 'bob@example.test';
  const cnonce = randomBytes(18).toString('base64');
  const clientFirstBare = `n=${user},r=${cnonce}`;
  c.write(`a1 AUTHENTICATE SCRAM-SHA-256 ${Buffer.from(`n,,${clientFirstBare}`).toString('base64')}\r\n`);
  const serverFirst = Buffer.from((await c.response()).slice(2), 'base64').toString();
  const attrs = Object.fromEntries(serverFirst.split(',').map((kv) => [kv[0], kv.slice(2)]));
  assert.ok(attrs.r!.startsWith(cnonce));
  const salted = pbkdf2Sync(PASSWORD, Buffer.from(attrs.s!, 'base64'), Number(attrs.i), 32, 'sha256');
  const clientKey = createHmac('sha256', salted).update('Client Key').digest();
  const storedKey = createHash('sha256').update(clientKey).digest();
  const withoutProof = `c=biws,r=${attrs.r}`;
  const authMessage = `${clientFirstBare},${serverFirst},${withoutProof}`;
  const sig = createHmac('sha256', storedKey).update(authMessage).digest();
  const proof = Buffer.from(clientKey.map((b, i) => b ^ sig[i]!));
  c.write(`${Buffer.from(`${withoutProof},p=${proof.toString('base64')}`).toString('base64')}\r\n`);
  const serverFinal = Buffer.from((await c.response()).slice(2), 'base64').toString();
  const serverKey = createHmac('sha256', salted).update('Server Key').digest();
  assert.equal(serverFinal, `v=${createHmac('sha256', serverKey).update(authMessage).digest('base64')}`);
  c.write('\r\n');
  assert.match((await c.until('a1')).tagged, /^a1 OK \[CAPABILITY .*\] Logged in$/);
  c.close();
});

test('ID, NAMESPACE, ENABLE', async () => {
  const c = await imapLogin(srv.port('imaps'), 'alice@example.test', PASSWORD);
  const id = await c.cmd('ID ("name" "test-client" "version" "1")');
  assert.deepEqual(id.untagged, ['* ID ("name" "mailwarden" "vendor" "mailwarden" "support-url" "https://github.com/mailwarden")']);
  assert.deepEqual((await c.cmd('NAMESPACE')).untagged, ['* NAMESPACE (("" "/")) NIL NIL']);
  assert.deepEqual((await c.cmd('ENABLE IMAP4rev2 X-UNKNOWN CONDSTORE')).untagged, ['* ENABLED IMAP4rev2 CONDSTORE']);
  assert.deepEqual((await c.cmd('ENABLE IMAP4rev2')).untagged, ['* ENABLED'], 'already enabled: not listed again');
  c.close();
});

test('throttle, limits and timeouts on a lab server (plaintext on loopback, tight limits)', async (t) => {
  const lab = await startTestServer({
    auth: { plaintext: 'loopback', max_failures_per_ip: 3 },
    imap: { max_connections_per_user: 2, login_timeout_seconds: 1, max_errors: 3 },
  });
  t.after(() => lab.close());
  // auth.plaintext = "loopback": LOGIN without TLS from 127.0.0.1, AUTH= advertised
  const a = await RawImap.open(lab.port('imap'));
  assert.ok(a.greeting.includes('AUTH=PLAIN') && !a.greeting.includes('LOGINDISABLED'));
  assert.match((await a.login('alice@example.test', PASSWORD)).tagged, / OK /);
  const b = await RawImap.open(lab.port('imap'));
  assert.match((await b.login('alice@example.test', PASSWORD)).tagged, / OK /);
  const third = await RawImap.open(lab.port('imap'));
  assert.equal((await third.login('alice@example.test', PASSWORD)).tagged, 'a1 NO [LIMIT] Too many connections for this user (at most 2)');
  a.close();
  await new Promise((r) => setTimeout(r, 100));
  assert.match((await third.login('alice@example.test', PASSWORD)).tagged, / OK /, 'a closed session frees its slot');
  b.close();
  third.close();
  // three failures lock the IP out; then even the right password is refused
  const d = await RawImap.open(lab.port('imap'));
  for (let i = 1; i <= 3; i++) assert.match((await d.login('bob@example.test', `wrong${i}`)).tagged, /NO \[AUTHENTICATIONFAILED\]|BYE/);
  const e = await RawImap.open(lab.port('imap'));
  assert.match((await e.login('bob@example.test', PASSWORD)).tagged, /^a1 NO \[UNAVAILABLE\] Too many failed logins; try again in \d+ seconds$/);
  e.close();
  d.close();
  // the error limit: BYE after max_errors BADs
  const f = await RawImap.open(lab.port('imap'));
  await f.cmd('FOO');
  await f.cmd('BAR');
  f.write('a3 BAZ\r\n');
  assert.match(await f.response(), /^a3 BAD Unknown command BAZ$/);
  assert.equal(await f.response(), '* BYE Too many errors');
  assert.ok(await f.waitClosed());
  // the login timeout
  const g = await RawImap.open(lab.port('imap'));
  assert.equal(await g.response(3000), '* BYE Autologout; idle for too long');
  assert.ok(await g.waitClosed());
});
