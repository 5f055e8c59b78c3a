/**
 * [attachments] settings on a live MX, one server at a time: action = "junk" (a blocked file goes
 * to Junk instead of being refused), macros = "reject", and the optional clamd hook against a
 * fake ClamAV daemon on 127.0.0.1 speaking INSTREAM: a virus refused, a clean message delivered
 * with clamd=ok, an unreachable or failing daemon a 451 (clamd_on_error = "tempfail") or a
 * delivery marked clamd=error ("accept").
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import MailComposer from 'nodemailer/lib/mail-composer';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { RawSmtp, message } from '../helpers/smtp-client.ts';
import { ooxmlSample } from '../../src/attachments/samples.ts';
import { EICAR, startFakeClamd } from '../../src/attachments/fake-clamd.ts';

async function sendMx(srv: TestServer, raw: string) {
  const c = await RawSmtp.open(srv.port('mx'));
  await c.cmd('EHLO partner.test');
  await c.cmd('MAIL FROM:<paul@partner.test>');
  await c.cmd('RCPT TO:<alice@example.test>');
  assert.equal((await c.cmd('DATA')).code, 354);
  const body = raw.replace(/\r?\n/g, '\r\n').replace(/^\./gm, '..');
  const reply = await c.cmd(`${body.endsWith('\r\n') ? body : `${body}\r\n`}.`, 15000);
  c.close();
  return reply;
}

const compose = async (subject: string, attachments: Array<{ filename: string; content: Buffer | string }>) =>
  (await new MailComposer({ from: 'Paul <paul@partner.test>', to: 'alice@example.test', subject, text: 'See attached.', attachments }).compile().build()).toString('latin1');
const field = (m: string) => /^X-Mailwarden-Attachments:.*(?:\r\n[ \t].*)*/im.exec(m)?.[0].replace(/\r\n[ \t]/g, ' ') ?? null;
const find = async (srv: TestServer, marker: string, mailbox = 'INBOX') => (await srv.mailbox('alice@example.test', mailbox)).find((m) => m.includes(marker));

test('action = "junk": a blocked attachment is delivered to Junk with the reason; macros = "reject" refuses a .docm', async (t) => {
  const srv = await startTestServer({ attachments: { action: 'junk', macros: 'reject' } });
  t.after(() => srv.close());
  assert.equal((await sendMx(srv, await compose('junked exe', [{ filename: 'setup.exe', content: 'x' }]))).code, 250);
  const m = await find(srv, 'junked exe', 'Junk');
  assert.ok(m, 'in Junk');
  assert.match(field(m)!, /^X-Mailwarden-Attachments: junk; scanned=1; "setup\.exe": blocked file type \.exe$/);
  const r = await sendMx(srv, await compose('macro refused', [{ filename: 'q3.docm', content: ooxmlSample(true) }]));
  assert.equal(r.code, 550);
  assert.match(r.text, /"q3\.docm": Office macros/);
});

test('clamd: a virus is refused, a clean message is delivered with clamd=ok (the whole message is streamed)', async (t) => {
  const clamd = await startFakeClamd('scan');
  const srv = await startTestServer({ attachments: { clamd: clamd.address } });
  t.after(async () => {
    await srv.close();
    await clamd.close();
  });
  const r = await sendMx(srv, message('Paul <paul@partner.test>', 'alice@example.test', 'eicar test', `${EICAR}\r\n`));
  assert.equal(r.code, 550);
  assert.match(r.text, /550 5\.7\.1 message refused: virus Eicar-Test-Signature found by the virus scanner/);
  const raw = message('Paul <paul@partner.test>', 'alice@example.test', 'clean for clamd', 'just text\r\n');
  assert.equal((await sendMx(srv, raw)).code, 250);
  assert.equal(field((await find(srv, 'clean for clamd'))!), 'X-Mailwarden-Attachments: clean; scanned=0; clamd=ok');
  assert.equal(clamd.scans.length, 2);
  assert.equal(clamd.scans[1], Buffer.byteLength(raw), 'clamd got the message as received');
});

test('clamd unreachable or failing: 451 4.3.0 with clamd_on_error = "tempfail" (the default), clamd=error with "accept"', async (t) => {
  const failing = await startFakeClamd('limit', { limit: 16 });
  const closed = await startFakeClamd('close');
  const hanging = await startFakeClamd('hang');
  t.after(async () => {
    await failing.close();
    await closed.close();
    await hanging.close();
  });
  for (const [target, extra] of [[failing.address, {}], [closed.address, {}], [hanging.address, { clamd_timeout: '300ms' }]] as const) {
    const srv = await startTestServer({ attachments: { clamd: target, ...extra } });
    const r = await sendMx(srv, message('Paul <paul@partner.test>', 'alice@example.test', 'clamd down', 'a message long enough to pass the fake limit\r\n'));
    await srv.close();
    assert.equal(r.code, 451, `${target}: ${r.text}`);
    assert.match(r.text, /451 4\.3\.0 the virus scanner is not available/);
  }
  const srv = await startTestServer({ attachments: { clamd: closed.address, clamd_on_error: 'accept' } });
  t.after(() => srv.close());
  assert.equal((await sendMx(srv, message('Paul <paul@partner.test>', 'alice@example.test', 'accepted anyway'))).code, 250);
  assert.equal(field((await find(srv, 'accepted anyway'))!), 'X-Mailwarden-Attachments: clean; scanned=0; clamd=error');
});
