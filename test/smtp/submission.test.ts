/**
 * Submission with real clients: nodemailer (STARTTLS on 587-style, implicit TLS on 465-style,
 * PLAIN and LOGIN), Python's smtplib, swaks; and SCRAM-SHA-256 / CRAM-MD5 typed by hand.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { createHmac, createHash, pbkdf2Sync, randomBytes } from 'node:crypto';
import nodemailer from 'nodemailer';
import { startTestServer, PASSWORD, type TestServer } from '../helpers/server.ts';
import { RawSmtp } from '../helpers/smtp-client.ts';

const run = promisify(execFile);
let srv: TestServer;
before(async () => {
  srv = await startTestServer({ auth: { cram_md5: true } });
});
after(() => srv.close());

for (const method of ['PLAIN', 'LOGIN'] as const) {
  test(`nodemailer: STARTTLS + AUTH ${method} on submission, local and remote recipients`, async () => {
    const t = nodemailer.createTransport({ host: '127.0.0.1', port: srv.port('submission'), secure: false, requireTLS: true, auth: { user: 'alice@example.test', pass: PASSWORD, method }, tls: { rejectUnauthorized: false } });
    const info = await t.sendMail({ from: '"Alice" <alice@example.test>', to: ['bob@example.test', 'someone@remote.test'], subject: `via nodemailer ${method}`, text: 'hi' });
    assert.deepEqual(info.accepted.sort(), ['bob@example.test', 'someone@remote.test']);
    assert.match(info.response, /^250 2\.0\.0 message accepted/);
    assert.ok((await srv.mailbox('bob@example.test')).some((m) => m.includes(`Subject: via nodemailer ${method}`) && /with ESMTPSA/.test(m)));
    const q = await srv.app.store.listQueue();
    assert.ok(q.some((e) => e.domain === 'remote.test' && e.mailFrom === 'alice@example.test' && e.recipients.some((r) => r.address === 'someone@remote.test' && r.status === 'pending')), 'remote recipient queued');
    t.close();
  });
}

test('nodemailer: implicit TLS (submissions, RFC 8314)', async () => {
  const t = nodemailer.createTransport({ host: '127.0.0.1', port: srv.port('submissions'), secure: true, auth: { user: 'bob@example.test', pass: PASSWORD }, tls: { rejectUnauthorized: false } });
  await t.sendMail({ from: 'bob@example.test', to: 'alice@example.test', subject: 'implicit tls', text: 'hi' });
  assert.ok((await srv.mailbox('alice@example.test')).some((m) => m.includes('Subject: implicit tls')));
  t.close();
});

test('nodemailer: wrong password is 535 5.7.8', async () => {
  const t = nodemailer.createTransport({ host: '127.0.0.1', port: srv.port('submissions'), secure: true, auth: { user: 'bob@example.test', pass: 'wrong password' }, tls: { rejectUnauthorized: false } });
  await assert.rejects(t.sendMail({ from: 'bob@example.test', to: 'alice@example.test', subject: 'x', text: 'x' }), (e: Error & { responseCode?: number; response?: string }) => e.responseCode === 535 && /5\.7\.8/.test(e.response ?? ''));
  t.close();
});

test('Python smtplib: starttls, login, sendmail', async () => {
  const script = `
import smtplib, ssl, sys
ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
s = smtplib.SMTP('127.0.0.1', int(sys.argv[1]), timeout=10)
s.ehlo(); s.starttls(context=ctx); s.ehlo()
s.login('alice@example.test', sys.argv[2])
refused = s.sendmail('alice@example.test', ['bob@example.test'], b'From: Alice <alice@example.test>\\r\\nTo: bob@example.test\\r\\nSubject: from smtplib\\r\\n\\r\\nhello\\r\\n')
print('refused', refused)
s.quit()
`;
  const { stdout } = await run('/usr/bin/python3', ['-c', script, String(srv.port('submission')), PASSWORD], { timeout: 20000 });
  assert.match(stdout, /refused \{\}/);
  assert.ok((await srv.mailbox('bob@example.test')).some((m) => m.includes('Subject: from smtplib')));
});

test('swaks: STARTTLS + AUTH PLAIN, the banner command works', async () => {
  const { stdout } = await run('swaks', ['--server', `127.0.0.1:${srv.port('submission')}`, '--tls', '--auth', 'PLAIN', '--auth-user', 'alice@example.test', '--auth-password', PASSWORD, '--from', 'alice@example.test', '--to', 'bob@example.test', '--header', 'Subject: from swaks'], { timeout: 20000 });
  assert.match(stdout, /<~ {2}250 2\.0\.0 message accepted/);
  assert.ok((await srv.mailbox('bob@example.test')).some((m) => m.includes('Subject: from swaks')));
});

test('AUTH SCRAM-SHA-256 (RFC 5802/7677) typed by hand, with server signature check', async () => {
  const c = await RawSmtp.open(srv.port('submissions'), { tls: true });
  const ehlo = await c.cmd('EHLO client.test');
  assert.ok(ehlo.lines.some((l) => /AUTH .*SCRAM-SHA-256/.test(l)));
  const cnonce = randomBytes(12).toString('base64');
  const first = `n=alice@example.test,r=${cnonce}`;
  const r1 = await c.cmd(`AUTH SCRAM-SHA-256 ${Buffer.from(`n,,${first}`).toString('base64')}`);
  assert.equal(r1.code, 334);
  const serverFirst = Buffer.from(r1.text.slice(4), 'base64').toString();
  const attrs = Object.fromEntries(serverFirst.split(',').map((kv) => [kv[0], kv.slice(2)]));
  assert.ok(attrs.r!.startsWith(cnonce));
  const salted = pbkdf2Sync(PASSWORD, Buffer.from(attrs.s!, 'base64'), Number(attrs.i), 32, 'sha256');
  const clientKey = createHmac('sha256', salted).update('Client Key').digest();
  const storedKey = createHash('sha256').update(clientKey).digest();
  const finalNoProof = `c=biws,r=${attrs.r}`;
  const authMessage = `${first},${serverFirst},${finalNoProof}`;
  const sig = createHmac('sha256', storedKey).update(authMessage).digest();
  const proof = Buffer.from(clientKey.map((b, i) => b ^ sig[i]!));
  const r2 = await c.cmd(Buffer.from(`${finalNoProof},p=${proof.toString('base64')}`).toString('base64'));
  assert.equal(r2.code, 334, r2.text);
  const serverKey = createHmac('sha256', salted).update('Server Key').digest();
  const expectV = createHmac('sha256', serverKey).update(authMessage).digest('base64');
  assert.equal(Buffer.from(r2.text.slice(4), 'base64').toString(), `v=${expectV}`);
  assert.match((await c.cmd('')).text, /^235 2\.7\.0/);
  assert.equal((await c.cmd('MAIL FROM:<alice@example.test>')).code, 250);
  c.close();
});

test('AUTH CRAM-MD5 (RFC 2195) when enabled in config', async () => {
  const c = await RawSmtp.open(srv.port('submissions'), { tls: true });
  assert.ok((await c.cmd('EHLO client.test')).lines.some((l) => /AUTH .*CRAM-MD5/.test(l)));
  const r1 = await c.cmd('AUTH CRAM-MD5');
  assert.equal(r1.code, 334);
  const challenge = Buffer.from(r1.text.slice(4), 'base64').toString();
  assert.match(challenge, /^<\S+@mx\.example\.test>$/);
  const digest = createHmac('md5', PASSWORD).update(challenge).digest('hex');
  assert.match((await c.cmd(Buffer.from(`bob@example.test ${digest}`).toString('base64'))).text, /^235 2\.7\.0/);
  c.close();
});

test('AUTH LOGIN typed by hand, and "*" cancels an exchange (501)', async () => {
  const c = await RawSmtp.open(srv.port('submissions'), { tls: true });
  await c.cmd('EHLO client.test');
  assert.equal((await c.cmd('AUTH LOGIN')).code, 334);
  assert.match((await c.cmd('*')).text, /^501 5\.7\.0 authentication cancelled/);
  const r = await c.cmd('AUTH LOGIN');
  assert.equal(Buffer.from(r.text.slice(4), 'base64').toString(), 'Username:');
  assert.equal((await c.cmd(Buffer.from('alice@example.test').toString('base64'))).code, 334);
  assert.match((await c.cmd(Buffer.from(PASSWORD).toString('base64'))).text, /^235 /);
  assert.match((await c.cmd('AUTH PLAIN')).text, /^503 5\.5\.1 already authenticated/);
  c.close();
});
