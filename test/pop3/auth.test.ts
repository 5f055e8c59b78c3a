/**
 * POP3 authentication: no credentials before TLS ([AUTH], RFC 2449/3206), STLS (RFC 2595), USER/PASS
 * (RFC 1939 §7), AUTH with SASL-IR and "*" cancel (RFC 5034), the loopback teaching mode, the
 * maildrop lock ([IN-USE]), and login throttling shared with SMTP.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, createHmac, pbkdf2Sync, randomBytes } from 'node:crypto';
import { startTestServer, PASSWORD, type TestServer } from '../helpers/server.ts';
import { RawPop3, deliver, plainIr } from '../helpers/pop3-client.ts';
import { RawSmtp, plain } from '../helpers/smtp-client.ts';

let srv: TestServer;
before(async () => {
  srv = await startTestServer();
  await deliver(srv, 'alice@example.test', 'Subject: hi\r\n\r\nhello\r\n');
});
after(() => srv.close());

test('plain port: CAPA hides USER/SASL before TLS, and USER, PASS, AUTH are refused with [AUTH]', async () => {
  const c = await RawPop3.open(srv.port('pop3'));
  assert.equal(await c.cmd('CAPA'), '+OK capability list follows');
  const caps = await c.lines();
  assert.deepEqual(caps, ['TOP', 'UIDL', 'RESP-CODES', 'AUTH-RESP-CODE', 'PIPELINING', 'STLS', 'IMPLEMENTATION mailwarden']);
  assert.match(await c.cmd('USER alice@example.test'), /^-ERR \[AUTH\] plaintext authentication is disabled here: send STLS first/);
  assert.match(await c.cmd(`PASS ${PASSWORD}`), /^-ERR \[AUTH\] /);
  assert.match(await c.cmd(`AUTH PLAIN ${plainIr('alice@example.test', PASSWORD)}`), /^-ERR \[AUTH\] /);
  assert.match(await c.cmd('AUTH'), /^-ERR \[AUTH\] /);
  assert.match(await c.cmd('STAT'), /^-ERR STAT is not allowed before login/);
  // STLS, then the same credentials work
  await c.stls();
  assert.match(await c.cmd('CAPA'), /^\+OK/);
  const after = await c.lines();
  assert.ok(after.includes('USER') && after.includes('SASL PLAIN LOGIN SCRAM-SHA-256') && !after.includes('STLS'), after.join());
  assert.match(await c.cmd('STLS'), /^-ERR TLS is already active/);
  assert.match(await c.login('alice@example.test', PASSWORD), /^\+OK logged in; maildrop has 1 message \(\d+ octets\)/);
  await c.cmd('QUIT');
});

test('STLS (RFC 2595 §4): commands pipelined after STLS are discarded, never acted on', async () => {
  const c = await RawPop3.open(srv.port('pop3'));
  c.write(`STLS\r\nUSER alice@example.test\r\nPASS ${PASSWORD}\r\n`);
  assert.match(await c.line(), /^-ERR nothing may follow STLS before the TLS handshake/);
  // still plaintext, still not logged in, and the USER/PASS were never seen
  assert.match(await c.cmd('STAT'), /^-ERR STAT is not allowed before login/);
  await c.stls();
  assert.match(await c.cmd(`PASS ${PASSWORD}`), /^-ERR send USER first/);
  c.close();
});

test('USER/PASS: wrong password is -ERR [AUTH]; PASS needs USER again after a failure', async () => {
  const c = await RawPop3.open(srv.port('pop3s'), { tls: true });
  assert.equal(await c.cmd('PASS x'), '-ERR send USER first');
  assert.equal(await c.cmd('USER alice@example.test'), '+OK send your password with PASS');
  assert.equal(await c.cmd('PASS wrong password'), '-ERR [AUTH] authentication failed: wrong user name or password');
  assert.equal(await c.cmd(`PASS ${PASSWORD}`), '-ERR send USER first');
  assert.match(await c.cmd('USER nobody@example.test'), /^\+OK/, 'USER does not reveal whether the account exists');
  assert.match(await c.cmd(`PASS ${PASSWORD}`), /^-ERR \[AUTH\]/);
  assert.match(await c.login('ALICE@Example.Test', PASSWORD), /^\+OK logged in/, 'the user name is case-insensitive');
  c.close();
});

test('AUTH PLAIN (RFC 5034): SASL-IR, "+ " continuation, "*" cancels, bad base64, unknown mechanism, bare AUTH lists', async () => {
  const c = await RawPop3.open(srv.port('pop3s'), { tls: true });
  assert.equal(await c.cmd('AUTH'), '+OK SASL mechanisms follow');
  assert.deepEqual(await c.lines(), ['PLAIN', 'LOGIN', 'SCRAM-SHA-256']);
  assert.equal(await c.cmd('AUTH GSSAPI'), '-ERR SASL mechanism GSSAPI is not available');
  assert.equal(await c.cmd('AUTH PLAIN'), '+ ');
  assert.equal(await c.cmd('*'), '-ERR authentication cancelled');
  assert.equal(await c.cmd('AUTH PLAIN'), '+ ');
  assert.match(await c.cmd('@@@'), /^-ERR cannot decode the authentication response/);
  assert.match(await c.cmd(`AUTH PLAIN ${plainIr('bob@example.test', 'nope nope')}`), /^-ERR \[AUTH\] authentication failed/);
  assert.equal(await c.cmd('AUTH PLAIN'), '+ ');
  assert.match(await c.cmd(plainIr('alice@example.test', PASSWORD)), /^\+OK logged in/);
  c.close();
  const d = await RawPop3.open(srv.port('pop3s'), { tls: true });
  assert.match(await d.cmd(`AUTH PLAIN ${plainIr('bob@example.test', PASSWORD)}`), /^\+OK logged in; maildrop has 0 messages/, 'SASL-IR');
  d.close();
});

test('AUTH LOGIN and AUTH SCRAM-SHA-256 (server-final answered with an empty line, RFC 5034 §4)', async () => {
  const c = await RawPop3.open(srv.port('pop3s'), { tls: true });
  const u = await c.cmd('AUTH LOGIN');
  assert.equal(Buffer.from(u.slice(2), 'base64').toString(), 'Username:');
  assert.match(await c.cmd(Buffer.from('bob@example.test').toString('base64')), /^\+ /);
  assert.match(await c.cmd(Buffer.from(PASSWORD).toString('base64')), /^\+OK logged in/);
  c.close();

  const s = await RawPop3.open(srv.port('pop3s'), { tls: true });
  const cnonce = randomBytes(12).toString('base64');
  const first = `n=carol@other.test,r=${cnonce}`;
  const r1 = await s.cmd(`AUTH SCRAM-SHA-256 ${Buffer.from(`n,,${first}`).toString('base64')}`);
  assert.match(r1, /^\+ /);
  const serverFirst = Buffer.from(r1.slice(2), 'base64').toString();
  const attrs = Object.fromEntries(serverFirst.split(',').map((kv) => [kv[0], kv.slice(2)]));
  const salted = pbkdf2Sync(PASSWORD, Buffer.from(attrs.s!, 'base64'), Number(attrs.i), 32, 'sha256');
  const clientKey = createHmac('sha256', salted).update('Client Key').digest();
  const storedKey = createHash('sha256').update(clientKey).digest();
  const finalNoProof = `c=biws,r=${attrs.r}`;
  const authMessage = `${first},${serverFirst},${finalNoProof}`;
  const sig = createHmac('sha256', storedKey).update(authMessage).digest();
  const proof = Buffer.from(clientKey.map((b, i) => b ^ sig[i]!));
  const r2 = await s.cmd(Buffer.from(`${finalNoProof},p=${proof.toString('base64')}`).toString('base64'));
  const serverKey = createHmac('sha256', salted).update('Server Key').digest();
  assert.equal(Buffer.from(r2.slice(2), 'base64').toString(), `v=${createHmac('sha256', serverKey).update(authMessage).digest('base64')}`);
  assert.match(await s.cmd(''), /^\+OK logged in/);
  s.close();
});

test('[IN-USE]: one POP3 session per maildrop; the lock goes with QUIT', async () => {
  const a = await RawPop3.open(srv.port('pop3s'), { tls: true });
  assert.match(await a.login('alice@example.test', PASSWORD), /^\+OK logged in/);
  const b = await RawPop3.open(srv.port('pop3s'), { tls: true });
  assert.equal(await b.login('alice@example.test', PASSWORD), '-ERR [IN-USE] your maildrop is in use by another POP3 session; close it and try again');
  assert.match(await b.cmd(`AUTH PLAIN ${plainIr('alice@example.test', PASSWORD)}`), /^-ERR \[IN-USE\]/);
  assert.match(await b.cmd('STAT'), /^-ERR STAT is not allowed before login/, 'still in AUTHORIZATION');
  assert.match(await a.cmd('QUIT'), /^\+OK/);
  await a.waitClosed();
  assert.match(await b.login('alice@example.test', PASSWORD), /^\+OK logged in/);
  b.close();
});

test('auth.plaintext = "loopback": USER/PASS without TLS from 127.0.0.1, advertised in CAPA', async (t) => {
  const lab = await startTestServer({ auth: { plaintext: 'loopback' } });
  t.after(() => lab.close());
  const c = await RawPop3.open(lab.port('pop3'));
  assert.match(await c.cmd('CAPA'), /^\+OK/);
  const caps = await c.lines();
  assert.ok(caps.includes('USER') && caps.includes('STLS'), caps.join());
  assert.match(await c.login('alice@example.test', PASSWORD), /^\+OK logged in/);
  c.close();
});

test('throttling is shared with SMTP: POP3 failures lock the (account, IP) out of SMTP AUTH too, other IPs unaffected', async (t) => {
  const lab = await startTestServer({ auth: { max_failures_per_ip: 10, max_failures_per_account_ip: 3, lockout_seconds: 60 } });
  t.after(() => lab.close());
  const attacker = await RawPop3.open(lab.port('pop3s'), { tls: true, localAddress: '127.0.0.2' });
  for (let i = 0; i < 3; i++) assert.match(await attacker.login('alice@example.test', `guess ${i}`), /^-ERR \[AUTH\]/);
  assert.match(await attacker.login('alice@example.test', PASSWORD), /^-ERR \[SYS\/TEMP\] too many failed logins, try again in \d+ seconds/);
  attacker.close();
  const smtp = await RawSmtp.open(lab.port('submissions'), { tls: true, localAddress: '127.0.0.2' });
  await smtp.cmd('EHLO attacker.test');
  assert.match((await smtp.cmd(`AUTH PLAIN ${plain('alice@example.test', PASSWORD)}`)).text, /^454 4\.7\.0 too many failed logins/);
  smtp.close();
  const real = await RawPop3.open(lab.port('pop3s'), { tls: true, localAddress: '127.0.0.3' });
  assert.match(await real.login('alice@example.test', PASSWORD), /^\+OK logged in/);
  real.close();
});
