/**
 * The attachment policy on a live server with the default configuration: messages built by
 * nodemailer's MailComposer (a real producer: base64, RFC 2231 and RFC 2047 file names) and sent
 * over raw SMTP to the MX, or through submission with nodemailer. Refusals are 550 5.7.1 naming
 * the file; macros and encrypted archives are delivered with X-Mailwarden-Attachments.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import nodemailer from 'nodemailer';
import MailComposer from 'nodemailer/lib/mail-composer';
import { startTestServer, PASSWORD, type TestServer } from '../helpers/server.ts';
import { RawSmtp } from '../helpers/smtp-client.ts';
import { isoSample, ooxmlSample, peSample, zip } from '../../src/attachments/samples.ts';

let srv: TestServer;
before(async () => {
  srv = await startTestServer();
});
after(() => srv.close());

type Attachment = { filename: string; content: Buffer | string; contentType?: string };

async function compose(subject: string, attachments: Attachment[], extra: Record<string, unknown> = {}): Promise<string> {
  const m = await new MailComposer({ from: 'Paul <paul@partner.test>', to: 'alice@example.test', subject, text: 'See attached.', attachments, ...extra }).compile().build();
  return m.toString('latin1');
}

async function sendMx(raw: string) {
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

const find = async (marker: string, mailbox = 'INBOX') => (await srv.mailbox('alice@example.test', mailbox)).find((m) => m.includes(marker));
const field = (m: string) => /^X-Mailwarden-Attachments:.*(?:\r\n[ \t].*)*/im.exec(m)?.[0].replace(/\r\n[ \t]/g, ' ') ?? null;

test('invoice.pdf.exe is refused at the end of DATA with 550 5.7.1 naming the file and the double extension', async () => {
  const r = await sendMx(await compose('double extension', [{ filename: 'invoice.pdf.exe', content: 'not really a program' }]));
  assert.equal(r.code, 550);
  assert.match(r.text, /550 5\.7\.1 message refused: attachment "invoice\.pdf\.exe": blocked file type \.exe \(double extension \.pdf\.exe\)/);
  assert.equal(await find('double extension'), undefined, 'nothing delivered');
});

test('a ZIP holding a .js is refused, naming the archive and the entry', async () => {
  const archive = zip([{ name: 'readme.txt', data: 'hello' }, { name: 'docs/run.js', data: 'WScript.Echo("x")' }]);
  const r = await sendMx(await compose('zip with js', [{ filename: 'docs.zip', content: archive }]));
  assert.equal(r.code, 550);
  assert.match(r.text, /attachment "docs\.zip" > "docs\/run\.js": blocked file type \.js/);
});

test('content sniffing: a Windows program named report.pdf, an ISO inside a ZIP', async () => {
  const r1 = await sendMx(await compose('disguised exe', [{ filename: 'report.pdf', content: peSample(), contentType: 'application/pdf' }]));
  assert.equal(r1.code, 550);
  assert.match(r1.text, /"report\.pdf": content is a Windows program \(PE\)/);
  const r2 = await sendMx(await compose('iso in zip', [{ filename: 'photos.zip', content: zip([{ name: 'photos.dat', data: isoSample() }]) }]));
  assert.equal(r2.code, 550);
  assert.match(r2.text, /"photos\.zip" > "photos\.dat": content is a disk image/);
});

test('a right-to-left override hiding .exe is refused (RFC 2231 and RFC 2047 encoded names)', async () => {
  const r = await sendMx(await compose('rtl trick', [{ filename: 'invoice\u202Efdp.exe', content: 'x' }]));
  assert.equal(r.code, 550);
  assert.match(r.text, /"invoice<U\+202E>fdp\.exe": /);
});

test('a macro-enabled .docm is delivered and flagged; a clean PDF is delivered with "clean"', async () => {
  const r = await sendMx(await compose('macro docm', [{ filename: 'report.docm', content: ooxmlSample(true) }]));
  assert.equal(r.code, 250);
  const m = (await find('macro docm'))!;
  assert.ok(m, 'delivered to INBOX');
  const f = field(m)!;
  assert.match(f, /^X-Mailwarden-Attachments: flag; scanned=1; /);
  assert.match(f, /"report\.docm": Office macros \(macro-enabled format \.docm\)/);
  assert.match(f, /Office macros \(contains word\/vbaproject\.bin\)/);
  // the same document as .docx without macros is clean
  await sendMx(await compose('clean docx', [{ filename: 'report.docx', content: ooxmlSample(false) }, { filename: 'scan.pdf', content: '%PDF-1.7\n%\xe2\xe3\n1 0 obj\n<<>>\nendobj\n' }]));
  assert.equal(field((await find('clean docx'))!), 'X-Mailwarden-Attachments: clean; scanned=2');
});

test('an encrypted ZIP is delivered and flagged; a zip bomb is refused quickly as unscannable', async () => {
  await sendMx(await compose('encrypted zip', [{ filename: 'secret.zip', content: zip([{ name: 'a.pdf', data: 'x', encrypted: true, method: 0 }]) }]));
  assert.match(field((await find('encrypted zip'))!)!, /"secret\.zip": encrypted archive/);
  // 64 MiB of zeros (64 KiB deflated) inside an archive inside an archive
  const bomb = zip([{ name: 'inner.zip', data: zip([{ name: 'zeros.bin', data: Buffer.alloc(64 * 1024 * 1024) }]) }]);
  const nested = zip([{ name: 'big.zip', data: zip([{ name: 'layer.zip', data: zip([{ name: 'x.zip', data: Buffer.alloc(200 * 1024 * 1024) }], {}) }]) }]);
  const started = Date.now();
  const r = await sendMx(await compose('zip bomb', [{ filename: 'bomb.zip', content: bomb }, { filename: 'nested.zip', content: nested }]));
  assert.equal(r.code, 550);
  assert.match(r.text, /"nested\.zip" > "big\.zip" > "layer\.zip" > "x\.zip": could not be checked: entry larger than 8388608 octets/);
  assert.ok(Date.now() - started < 10_000, 'bounded work');
});

test('submission: a user cannot send a blocked attachment (nodemailer gets the 550)', async () => {
  const t = nodemailer.createTransport({ host: '127.0.0.1', port: srv.port('submission'), secure: false, requireTLS: true, auth: { user: 'alice@example.test', pass: PASSWORD }, tls: { rejectUnauthorized: false } });
  await assert.rejects(
    t.sendMail({ from: 'alice@example.test', to: ['bob@example.test', 'x@remote.test'], subject: 'outgoing exe', text: 'x', attachments: [{ filename: 'tool.scr', content: 'x' }] }),
    (e: Error & { responseCode?: number; response?: string }) => e.responseCode === 550 && /"tool\.scr": blocked file type \.scr/.test(e.response ?? ''),
  );
  // a harmless attachment goes out, without our verdict header
  await t.sendMail({ from: 'alice@example.test', to: 'bob@example.test', subject: 'outgoing pdf', text: 'x', attachments: [{ filename: 'a.pdf', content: '%PDF-1.4\n' }] });
  t.close();
  const m = (await srv.mailbox('bob@example.test')).find((x) => x.includes('outgoing pdf'))!;
  assert.ok(m);
  assert.doesNotMatch(m, /X-Mailwarden-Attachments/);
  assert.equal((await srv.mailbox('bob@example.test')).filter((x) => x.includes('outgoing exe')).length, 0);
});

test('a forged X-Mailwarden-Attachments is stripped', async () => {
  const raw = await compose('forged verdict', [{ filename: 'a.pdf', content: '%PDF-1.4\n' }], { headers: { 'X-Mailwarden-Attachments': 'clean; scanned=0' } });
  assert.equal((await sendMx(raw)).code, 250);
  const m = (await find('forged verdict'))!;
  assert.equal(m.match(/^X-Mailwarden-Attachments:/gim)?.length, 1);
  assert.equal(field(m), 'X-Mailwarden-Attachments: clean; scanned=1');
});
