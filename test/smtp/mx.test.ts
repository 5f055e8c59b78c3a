/** The MX listener: local delivery, trace header, unknown users, and never an open relay. */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { RawSmtp, message } from '../helpers/smtp-client.ts';

let srv: TestServer;
before(async () => {
  srv = await startTestServer();
});
after(() => srv.close());

test('MX delivers to a local user, adds Received, answers 250 only once stored', async () => {
  const c = await RawSmtp.open(srv.port('mx'));
  const ehlo = await c.cmd('EHLO client.elsewhere.test');
  assert.equal(ehlo.code, 250);
  for (const ext of ['PIPELINING', 'SIZE 26214400', '8BITMIME', 'SMTPUTF8', 'ENHANCEDSTATUSCODES', 'STARTTLS']) assert.ok(ehlo.lines.some((l) => l.slice(4) === ext), `EHLO offers ${ext}`);
  assert.ok(!ehlo.lines.some((l) => l.includes('AUTH')), 'the MX never offers AUTH');
  assert.match((await c.cmd('MAIL FROM:<someone@elsewhere.test>')).text, /^250 2\.1\.0/);
  assert.match((await c.cmd('RCPT TO:<Alice@Example.TEST>')).text, /^250 2\.1\.5/);
  assert.equal((await c.cmd('DATA')).code, 354);
  const r = await c.cmd(`${message('someone@elsewhere.test', 'alice@example.test', 'hello via MX')}.`);
  assert.match(r.text, /^250 2\.0\.0 message accepted, queued as \S+/);
  const box = await srv.mailbox('alice@example.test');
  assert.equal(box.length, 1);
  // trace fields on top (RFC 5321 §4.4, RFC 8601 §5): our Authentication-Results, Received-SPF, Received
  assert.match(box[0]!, /^Authentication-Results: mx\.example\.test;\r\n\tspf=none smtp\.mailfrom=someone@elsewhere\.test;\r\n\tdkim=none;\r\n\tdmarc=none header\.from=elsewhere\.test;\r\n\tarc=none smtp\.remote-ip=127\.0\.0\.1\r\nReceived-SPF: none /);
  assert.match(box[0]!, /\r\nReceived: from client\.elsewhere\.test \(\[127\.0\.0\.1\]\)\r\n\tby mx\.example\.test \(mailwarden\) with ESMTP id \S+\r\n\tfor <alice@example\.test>;\r\n\t\w{3}, \d+ \w{3} \d{4}/);
  assert.match(box[0]!, /Subject: hello via MX\r\n/);
  assert.equal((await c.cmd('QUIT')).code, 221);
});

test('MX: aliases fan out, subaddresses deliver to the user, each user once', async () => {
  const c = await RawSmtp.open(srv.port('mx'));
  await c.cmd('EHLO x.test');
  await c.cmd('MAIL FROM:<>'); // the null sender (bounces) is allowed on the MX
  assert.equal((await c.cmd('RCPT TO:<sales@example.test>')).code, 250);
  assert.equal((await c.cmd('RCPT TO:<bob+news@example.test>')).code, 250);
  await c.cmd('DATA');
  assert.equal((await c.cmd(`${message('x@x.test', 'sales@example.test', 'fan-out')}.`)).code, 250);
  const bob = await srv.mailbox('bob@example.test');
  assert.equal(bob.filter((m) => m.includes('Subject: fan-out')).length, 1, 'bob gets one copy');
  assert.equal((await srv.mailbox('alice@example.test')).filter((m) => m.includes('Subject: fan-out')).length, 1);
  c.close();
});

test('MX: unknown user is 550 5.1.1, unknown domain 550 5.7.1', async () => {
  const c = await RawSmtp.open(srv.port('mx'));
  await c.cmd('EHLO x.test');
  await c.cmd('MAIL FROM:<a@x.test>');
  assert.match((await c.cmd('RCPT TO:<nobody@example.test>')).text, /^550 5\.1\.1 <nobody@example\.test>: no such user here/);
  assert.match((await c.cmd('RCPT TO:<victim@gmail.test>')).text, /^550 5\.7\.1 .*relay denied/);
  assert.match((await c.cmd('DATA')).text, /^554 5\.5\.1/, 'DATA with every recipient refused');
  c.close();
});

// RFC 2505 §2.6-2.7 and the classic relay tests: none of these may reach another host.
const relayTricks: Array<[string, RegExp]> = [
  ['<victim@remote.test>', /^550 5\.7\.1 .*relay denied/], // plain relay
  ['<victim%remote.test@example.test>', /^550 5\.7\.1 .*%-hack/], // percent hack
  ['<remote.test!victim@example.test>', /^550 5\.7\.1 .*!-path/], // UUCP bang path
  ['<"victim@remote.test"@example.test>', /^550 5\.7\.1 .*quoted local part/], // quoted local part hiding "@"
  ['<"victim%remote.test"@example.test>', /^550 5\.7\.1 .*relay denied/],
  ['<@example.test:victim@remote.test>', /^550 5\.7\.1 .*relay denied/], // source route via us to a foreign host
  ['<@example.test,@mx.example.test:victim@remote.test>', /^550 5\.7\.1 .*relay denied/],
  ['<victim@[192.0.2.1]>', /^550 5\.7\.1 .*address literal/],
  ['<victim@remote.test.>', /^501 5\.1\.3/], // trailing dot: not a valid domain
  ['<victim@example.test@remote.test>', /^501 5\.1\.3/],
];
for (const [rcpt, expected] of relayTricks) {
  test(`MX refuses relay trick RCPT TO:${rcpt}`, async () => {
    const c = await RawSmtp.open(srv.port('mx'));
    await c.cmd('EHLO attacker.test');
    await c.cmd('MAIL FROM:<attacker@attacker.test>');
    assert.match((await c.cmd(`RCPT TO:${rcpt}`)).text, expected);
    c.close();
  });
}

test('MX: a source route to a local user is ignored as RFC 5321 §4.1.2 says, and the mail delivered', async () => {
  const c = await RawSmtp.open(srv.port('mx'));
  await c.cmd('EHLO x.test');
  await c.cmd('MAIL FROM:<a@x.test>');
  assert.equal((await c.cmd('RCPT TO:<@relay.test:bob@example.test>')).code, 250);
  c.close();
});

test('MX: AUTH is not available (503) and MAIL needs no AUTH', async () => {
  const c = await RawSmtp.open(srv.port('mx'));
  await c.cmd('EHLO x.test');
  assert.match((await c.cmd('AUTH PLAIN AGFsaWNlAHg=')).text, /^503 5\.5\.1 AUTH is not offered on this port/);
  c.close();
});

test('MX: STARTTLS works and the Received header says ESMTPS with the cipher', async () => {
  const c = await RawSmtp.open(srv.port('mx'));
  await c.cmd('EHLO x.test');
  await c.startTls();
  const ehlo = await c.cmd('EHLO x.test');
  assert.ok(!ehlo.lines.some((l) => l.includes('STARTTLS')), 'no STARTTLS after TLS');
  await c.cmd('MAIL FROM:<a@x.test>');
  await c.cmd('RCPT TO:<carol@other.test>');
  await c.cmd('DATA');
  assert.equal((await c.cmd(`${message('a@x.test', 'carol@other.test', 'over tls')}.`)).code, 250);
  const box = await srv.mailbox('carol@other.test');
  assert.match(box.at(-1)!, /with ESMTPS id \S+\r\n\t\(using TLSv1\.[23] with cipher \S+\)/);
  c.close();
});

test('MX: a large message (2 MiB, streamed to the spool) is stored byte for byte', async () => {
  const c = await RawSmtp.open(srv.port('mx'));
  await c.cmd('EHLO x.test');
  await c.cmd('MAIL FROM:<a@x.test> SIZE=2200000');
  await c.cmd('RCPT TO:<bob@example.test>');
  assert.equal((await c.cmd('DATA')).code, 354);
  const line = `${'0123456789'.repeat(7)}\r\n`;
  const body = `From: a@x.test\r\nSubject: big one\r\n\r\n${line.repeat(29_000)}..leading dot line\r\n`;
  c.write(body.replace(/^\.\./m, '...')); // dot-stuffed on the wire
  assert.equal((await c.cmd('.', 15000)).code, 250);
  const stored = (await srv.mailbox('bob@example.test')).find((m) => m.includes('Subject: big one'))!;
  assert.equal(stored.slice(stored.indexOf('From: a@x.test\r\nSubject: big one')), body.replace(/^\.\./m, '..'));
  c.close();
});
