/** Bad input gets a clear, standard reply, never a crash, hang or silent drop. */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, PASSWORD, type TestServer } from '../helpers/server.ts';
import { RawSmtp, plain, message } from '../helpers/smtp-client.ts';

let srv: TestServer;
before(async () => {
  srv = await startTestServer({
    limits: { max_message_size: 10_000, max_recipients: 3, max_connections_per_ip: 5, command_timeout_seconds: 1, data_timeout_seconds: 1, max_errors: 6 },
  });
});
after(() => srv.close());

async function mx(): Promise<RawSmtp> {
  const c = await RawSmtp.open(srv.port('mx'));
  await c.cmd('EHLO client.test');
  return c;
}

/** After each bad input the server must still serve a normal delivery on a new connection. */
async function stillWorks(subject: string): Promise<void> {
  const c = await mx();
  await c.cmd('MAIL FROM:<a@x.test>');
  await c.cmd('RCPT TO:<alice@example.test>');
  await c.cmd('DATA');
  assert.equal((await c.cmd(`${message('a@x.test', 'alice@example.test', subject)}.`)).code, 250);
  c.close();
}

test('overlong command line: 500 5.5.2, the tail of the line is not executed', async () => {
  const c = await mx();
  c.write(`MAIL FROM:<${'a'.repeat(1200)}@x.test>\r\n`);
  assert.match((await c.read()).text, /^500 5\.5\.2 line too long/);
  assert.equal((await c.cmd('NOOP')).code, 250, 'session continues');
  c.close();
});

test('oversize message: SIZE= above the limit is 552 5.3.4 at MAIL; an oversize body is 552 5.3.4 at end of DATA and not stored', async () => {
  const c = await mx();
  const ehlo = await c.cmd('EHLO client.test');
  assert.ok(ehlo.lines.some((l) => l.endsWith('SIZE 10000')));
  assert.match((await c.cmd('MAIL FROM:<a@x.test> SIZE=20000')).text, /^552 5\.3\.4/);
  await c.cmd('MAIL FROM:<a@x.test>');
  await c.cmd('RCPT TO:<bob@example.test>');
  await c.cmd('DATA');
  c.write(message('a@x.test', 'bob@example.test', 'too-big', 'x'.repeat(900) + '\r\n').repeat(1) + `${'y'.repeat(900)}\r\n`.repeat(15));
  assert.match((await c.cmd('.')).text, /^552 5\.3\.4 message size exceeds the limit of 10000 bytes/);
  assert.ok(!(await srv.mailbox('bob@example.test')).some((m) => m.includes('too-big')));
  c.close();
});

test('too many recipients: 452 4.5.3 after max_recipients, the accepted ones still get the message', async () => {
  const c = await mx();
  await c.cmd('MAIL FROM:<a@x.test>');
  for (const r of ['alice', 'bob', 'sales']) assert.equal((await c.cmd(`RCPT TO:<${r}@example.test>`)).code, 250);
  assert.match((await c.cmd('RCPT TO:<carol@other.test>')).text, /^452 4\.5\.3 too many recipients/);
  await c.cmd('DATA');
  assert.equal((await c.cmd(`${message('a@x.test', 'x@example.test', 'three-rcpts')}.`)).code, 250);
  c.close();
});

test('commands out of order: 503 5.5.1', async () => {
  const c = await RawSmtp.open(srv.port('mx'));
  assert.match((await c.cmd('MAIL FROM:<a@x.test>')).text, /^503 5\.5\.1 send EHLO/);
  await c.cmd('EHLO x.test');
  assert.match((await c.cmd('RCPT TO:<alice@example.test>')).text, /^503 5\.5\.1 need MAIL/);
  assert.match((await c.cmd('DATA')).text, /^503 5\.5\.1 need MAIL/);
  await c.cmd('MAIL FROM:<a@x.test>');
  assert.match((await c.cmd('MAIL FROM:<a@x.test>')).text, /^503 5\.5\.1 nested MAIL/);
  assert.match((await c.cmd('DATA')).text, /^503 5\.5\.1 need RCPT/);
  c.close();
});

test('unknown commands, bad syntax and parameters get 500/501/555 with enhanced codes', async () => {
  const c = await mx();
  assert.match((await c.cmd('FOO bar')).text, /^500 5\.5\.1 command "FOO" not recognized/);
  assert.match((await c.cmd('MAIL TO:<a@x.test>')).text, /^501 5\.5\.4 syntax error/);
  assert.match((await c.cmd('MAIL FROM:<a@x.test> FOO=BAR')).text, /^555 5\.5\.4 MAIL\/RCPT parameter FOO/);
  assert.match((await c.cmd('MAIL FROM:<not an address>')).text, /^501 5\.1\.3/);
  assert.match((await c.cmd('MAIL FROM:<jörg@x.test>')).text, /^553 5\.6\.7 non-ASCII address requires the SMTPUTF8/);
  assert.match((await c.cmd('MAIL FROM:<jörg@x.test> SMTPUTF8')).text, /^250 /);
  c.close();
});

test('binary garbage: 500 5.5.2, and too many errors end the session with 421', async () => {
  const c = await mx();
  c.write(Buffer.from([0x00, 0xff, 0x01, 0x02, 0x0d, 0x0a]));
  assert.match((await c.read()).text, /^500 5\.5\.2 command contains NUL/);
  for (let i = 0; i < 5; i++) c.write('GARBAGE\r\n'); // 6 errors in all = max_errors
  const replies = [];
  for (let i = 0; i < 6; i++) replies.push((await c.read()).text);
  assert.ok(replies.slice(0, 5).every((r) => r.startsWith('500 5.5.1')));
  assert.match(replies.at(-1)!, /^421 4\.7\.0 .*too many errors/);
  assert.ok(await c.waitClosed());
  await stillWorks('after-garbage');
});

test('a client that stalls is disconnected with 421 4.4.2 (command and DATA timeouts)', async () => {
  const c = await mx();
  assert.match((await c.read(4000)).text, /^421 4\.4\.2 .*idle for too long/);
  assert.ok(await c.waitClosed());
  const d = await mx();
  await d.cmd('MAIL FROM:<a@x.test>');
  await d.cmd('RCPT TO:<alice@example.test>');
  await d.cmd('DATA');
  d.write('Subject: stalled\r\n\r\nhalf a mess');
  assert.match((await d.read(4000)).text, /^421 4\.4\.2/);
  assert.ok(!(await srv.mailbox('alice@example.test')).some((m) => m.includes('Subject: stalled')), 'no partial message stored');
});

test('bare LF and bare CR in DATA: never end-of-data, message refused with 550 5.6.11', async () => {
  for (const fake of ['\n.\n', '\r.\r', '\r\n.\n', '\n.\r\n']) {
    const c = await mx();
    await c.cmd('MAIL FROM:<a@x.test>');
    await c.cmd('RCPT TO:<alice@example.test>');
    await c.cmd('DATA');
    c.write(`Subject: smuggle ${JSON.stringify(fake)}\r\n\r\nhello${fake}MAIL FROM:<ceo@example.test>\r\nRCPT TO:<alice@example.test>\r\nDATA\r\nSubject: smuggled\r\n\r\nx\r\n`);
    const r = await c.cmd('.');
    assert.match(r.text, /^550 5\.6\.11 message contains a bare CR or LF/, JSON.stringify(fake));
    assert.equal((await c.cmd('NOOP')).code, 250, 'no extra replies: nothing was executed as commands');
    c.close();
  }
  assert.ok(!(await srv.mailbox('alice@example.test')).some((m) => m.includes('smuggle')));
});

test('an over-long line inside DATA is refused (550 5.6.0)', async () => {
  const c = await mx();
  await c.cmd('MAIL FROM:<a@x.test>');
  await c.cmd('RCPT TO:<alice@example.test>');
  await c.cmd('DATA');
  c.write(`Subject: long\r\n\r\n${'z'.repeat(2000)}\r\n`);
  assert.match((await c.cmd('.')).text, /^550 5\.6\.0 message has a line longer than 1000/);
  c.close();
});

test('too many connections from one IP: 421 4.7.0, others unaffected', async () => {
  const held: RawSmtp[] = [];
  for (let i = 0; i < 5; i++) held.push(await RawSmtp.open(srv.port('mx'), { localAddress: '127.0.0.9' }));
  const extra = await RawSmtp.open(srv.port('mx'), { localAddress: '127.0.0.9', greeting: false });
  assert.match((await extra.read()).text, /^421 4\.7\.0 .*too many connections from your address/);
  assert.ok(await extra.waitClosed());
  await stillWorks('other-ip-fine');
  held.forEach((h) => h.close());
});

test('STARTTLS with pipelined plaintext after it is refused (RFC 3207 §4.2, CVE-2011-0411 class)', async () => {
  const c = await RawSmtp.open(srv.port('submission'));
  await c.cmd('EHLO x.test');
  c.write(`STARTTLS\r\nAUTH PLAIN ${plain('alice@example.test', PASSWORD)}\r\n`);
  assert.match((await c.read()).text, /^501 5\.5\.4 no commands may follow STARTTLS/);
  c.close();
});

test('the early-talker check refuses clients that send before the greeting', async (t) => {
  const s2 = await startTestServer({ limits: { greeting_delay_ms: 300 } });
  t.after(() => s2.close());
  const c = await RawSmtp.open(s2.port('mx'), { greeting: false });
  c.write('EHLO impatient.test\r\n');
  assert.match((await c.read()).text, /^554 5\.5\.0 you talked before the greeting/);
  assert.ok(await c.waitClosed());
  const ok = await RawSmtp.open(s2.port('mx'));
  assert.equal((await ok.cmd('EHLO patient.test')).code, 250);
  ok.close();
});

test('pipelined transaction (RFC 2920) gets every reply in order', async () => {
  const c = await mx();
  c.write(`RSET\r\nMAIL FROM:<a@x.test>\r\nRCPT TO:<nobody@example.test>\r\nRCPT TO:<bob@example.test>\r\nDATA\r\n`);
  const codes = [];
  for (let i = 0; i < 5; i++) codes.push((await c.read()).code);
  assert.deepEqual(codes, [250, 250, 550, 250, 354]);
  assert.equal((await c.cmd(`${message('a@x.test', 'bob@example.test', 'pipelined')}.`)).code, 250);
  c.close();
});
