/** AUTH policy: no AUTH in clear text, the loopback teaching mode, and login throttling. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, PASSWORD } from '../helpers/server.ts';
import { RawSmtp, plain } from '../helpers/smtp-client.ts';

test('submission: AUTH before TLS is refused with 538 5.7.11 and not advertised; MAIL before AUTH is 530 5.7.0', async (t) => {
  const srv = await startTestServer();
  t.after(() => srv.close());
  const c = await RawSmtp.open(srv.port('submission'));
  const ehlo = await c.cmd('EHLO client.test');
  assert.ok(ehlo.lines.some((l) => l.endsWith('STARTTLS')));
  assert.ok(!ehlo.lines.some((l) => l.includes('AUTH')), 'AUTH is not advertised before TLS');
  assert.match((await c.cmd(`AUTH PLAIN ${plain('alice@example.test', PASSWORD)}`)).text, /^538 5\.7\.11 encryption required/);
  assert.match((await c.cmd('MAIL FROM:<alice@example.test>')).text, /^530 5\.7\.0 authentication required/);
  assert.match((await c.cmd('RCPT TO:<bob@example.test>')).text, /^503 5\.5\.1/);
  await c.startTls();
  const ehlo2 = await c.cmd('EHLO client.test');
  assert.ok(ehlo2.lines.some((l) => /^250[ -]AUTH PLAIN LOGIN SCRAM-SHA-256$/.test(l)), ehlo2.text);
  assert.match((await c.cmd(`AUTH PLAIN ${plain('alice@example.test', PASSWORD)}`)).text, /^235 2\.7\.0/);
  c.close();
});

test('auth.plaintext = "loopback": the classic hand-typed transcript works without TLS, and a forged From: is refused', async (t) => {
  const srv = await startTestServer({ auth: { plaintext: 'loopback' } });
  t.after(() => srv.close());
  const c = await RawSmtp.open(srv.port('submission'));
  assert.match((await c.cmd('HELO x')).text, /^250 mx\.example\.test hello x/);
  assert.match((await c.cmd(`AUTH PLAIN ${plain('alice@example.test', PASSWORD)}`)).text, /^235 /);
  assert.match((await c.cmd('MAIL FROM: alice@example.test')).text, /^250 2\.1\.0/);
  assert.match((await c.cmd('RCPT TO: bob@example.test')).text, /^250 2\.1\.5/);
  assert.match((await c.cmd('DATA')).text, /^354 /);
  c.write('From: alice@example.test\r\nTo: bob@example.test\r\nSubject: typed by hand\r\n\r\nHello Bob!\r\n');
  assert.match((await c.cmd('.')).text, /^250 2\.0\.0 message accepted/);
  assert.ok((await srv.mailbox('bob@example.test')).some((m) => m.includes('Subject: typed by hand') && / with SMTP id /.test(m)), 'HELO session: protocol SMTP in Received');
  // the same transcript with a forged From: header
  await c.cmd('MAIL FROM: alice@example.test');
  await c.cmd('RCPT TO: bob@example.test');
  await c.cmd('DATA');
  c.write('From: ceo@example.test\r\nTo: bob@example.test\r\nSubject: urgent wire transfer\r\n\r\nPay now.\r\n');
  assert.match((await c.cmd('.')).text, /^550 5\.7\.1 From: header address <ceo@example\.test> is not yours: alice@example\.test may only send as its own addresses/);
  assert.equal((await c.cmd('QUIT')).code, 221);
  assert.ok(!(await srv.mailbox('bob@example.test')).some((m) => m.includes('urgent wire transfer')));
});

test('throttling: an IP is locked out after repeated failures, the real user on another IP is not', async (t) => {
  const srv = await startTestServer({ auth: { max_failures_per_ip: 4, max_failures_per_account_ip: 3, lockout_seconds: 60 } });
  t.after(() => srv.close());
  const attacker = await RawSmtp.open(srv.port('submissions'), { tls: true, localAddress: '127.0.0.2' });
  await attacker.cmd('EHLO attacker.test');
  for (let i = 0; i < 3; i++) assert.match((await attacker.cmd(`AUTH PLAIN ${plain('alice@example.test', `guess${i}`)}`)).text, /^535 5\.7\.8/);
  // (account, IP) pair is now locked: even the right password is refused from this IP
  assert.match((await attacker.cmd(`AUTH PLAIN ${plain('alice@example.test', PASSWORD)}`)).text, /^454 4\.7\.0 too many failed logins/);
  assert.match((await attacker.cmd(`AUTH PLAIN ${plain('bob@example.test', 'guess')}`)).text, /^535 /);
  // the IP has reached its own limit: every account is refused from it now
  assert.match((await attacker.cmd(`AUTH PLAIN ${plain('bob@example.test', PASSWORD)}`)).text, /^454 4\.7\.0/);
  attacker.close();
  // the real user, from another address, still gets in
  const real = await RawSmtp.open(srv.port('submissions'), { tls: true, localAddress: '127.0.0.3' });
  await real.cmd('EHLO laptop.test');
  assert.match((await real.cmd(`AUTH PLAIN ${plain('alice@example.test', PASSWORD)}`)).text, /^235 2\.7\.0/);
  real.close();
});

test('bad AUTH input: unknown mechanism 504, non-base64 501, AUTH on HELO-less session 503', async (t) => {
  const srv = await startTestServer();
  t.after(() => srv.close());
  const c = await RawSmtp.open(srv.port('submissions'), { tls: true });
  assert.match((await c.cmd('AUTH PLAIN x')).text, /^503 5\.5\.1 send EHLO/);
  await c.cmd('EHLO x.test');
  assert.match((await c.cmd('AUTH GSSAPI')).text, /^504 5\.5\.4/);
  assert.match((await c.cmd('AUTH PLAIN !!!notbase64')).text, /^501 /);
  assert.match((await c.cmd('AUTH LOGIN')).text, /^334 /);
  assert.match((await c.cmd('@@@')).text, /^501 /);
  c.close();
});
