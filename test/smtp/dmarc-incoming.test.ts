/**
 * Incoming DMARC aggregate reports end to end: a reporter sends a gzip'd report (and a ZIP one, a
 * broken one, a retry) over SMTP to the MX at postmaster@ (the default [dmarc] report_mailbox,
 * what `dns records` publishes as rua=), the report is stored, its owner still gets the message,
 * and `mailwarden dmarc reports` lists it; ordinary mail to postmaster is not a report.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { RawSmtp } from '../helpers/smtp-client.ts';
import { addAlias } from '../../src/directory/accounts.ts';
import { GOOGLE_STYLE, YAHOO_MICROSOFT_STYLE } from '../../src/standards/dmarc/report-samples.ts';
import { zip } from '../../src/attachments/samples.ts';

const BIN = new URL('../../bin/mailwarden', import.meta.url).pathname;

let srv: TestServer;
let config: string;

before(async () => {
  srv = await startTestServer({
    zone: `google.test. IN TXT "v=spf1 ip4:127.0.0.1 -all"\n_dmarc.google.test. IN TXT "v=DMARC1; p=reject"\nyahoo.test. IN TXT "v=spf1 -all"\n`,
  } as never);
  await addAlias(srv.app.store, 'postmaster@example.test', ['alice@example.test']);
  config = join(srv.dir, 'mailwarden.toml');
  writeFileSync(config, `data_dir = "${srv.dir}"\n`);
});
after(() => srv.close());

function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(BIN, ['--config', config, ...args], { timeout: 30_000 }, (err, stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }));
  });
}

const b64 = (b: Buffer) => (b.toString('base64').match(/.{1,76}/g) ?? []).join('\r\n');

function reportMessage(from: string, subject: string, attachment: { type: string; name: string; data: Buffer }, messageId: string): string {
  return [
    `From: ${from}`,
    'To: postmaster@example.test',
    `Subject: ${subject}`,
    'Date: Sat, 28 Nov 2026 12:00:00 +0000',
    `Message-ID: ${messageId}`,
    'MIME-Version: 1.0',
    'Content-Type: multipart/mixed; boundary="r"',
    '',
    '--r',
    'Content-Type: text/plain; charset=utf-8',
    '',
    'This is an aggregate report from the reporter.',
    '--r',
    `Content-Type: ${attachment.type}; name="${attachment.name}"`,
    'Content-Transfer-Encoding: base64',
    `Content-Disposition: attachment; filename="${attachment.name}"`,
    '',
    b64(attachment.data),
    '--r--',
    '',
  ].join('\r\n');
}

async function send(mailFrom: string, rcpt: string, data: string): Promise<number> {
  const c = await RawSmtp.open(srv.port('mx'));
  await c.cmd('EHLO reporter.google.test');
  await c.cmd(`MAIL FROM:<${mailFrom}>`);
  assert.equal((await c.cmd(`RCPT TO:<${rcpt}>`)).code, 250);
  await c.cmd('DATA');
  const r = await c.cmd(`${data}.`, 20_000);
  c.close();
  return r.code;
}

/** A one-entry ZIP archive (APPNOTE §4.3), deflated. */
const zipOne = (name: string, data: Buffer): Buffer => zip([{ name, data }]);

type Listed = { id: number; status: string; reason: string | null; reporter: string | null; reportId: string | null; domain: string | null; begin: string | null; end: string | null; messages: number; dmarcPass: number; dmarcFail: number; disposition: Record<string, number>; part: string; carrierDmarc: string | null; recipients: string[] };

test('a gzip\'d report sent to postmaster@ over SMTP is stored, delivered to its owner, and listed by the CLI', async () => {
  const gz = reportMessage('noreply-dmarc-support@google.test', 'Report domain: example.test Submitter: google.test Report-ID: 13950925815476359733', { type: 'application/gzip', name: 'google.test!example.test!1700006400!1700092799.xml.gz', data: gzipSync(Buffer.from(GOOGLE_STYLE)) }, '<report-1@google.test>');
  assert.equal(await send('noreply-dmarc-support@google.test', 'postmaster@example.test', gz), 250);
  // the alias's owner still gets the message
  assert.ok((await srv.mailbox('alice@example.test')).some((m) => m.includes('Report-ID: 13950925815476359733')));

  const r = await cli(['dmarc', 'reports', '--json']);
  assert.equal(r.code, 0, r.stderr);
  const list = JSON.parse(r.stdout) as Listed[];
  assert.equal(list.length, 1);
  assert.deepEqual(
    { ...list[0], id: 0 },
    {
      ...list[0], id: 0, status: 'ok', reason: null, reporter: 'google.com', reportId: '13950925815476359733', domain: 'example.test',
      begin: '2023-11-15T00:00:00.000Z', end: '2023-11-15T23:59:59.000Z', messages: 46, dmarcPass: 43, dmarcFail: 3,
      disposition: { none: 43, quarantine: 3, reject: 0 }, part: 'google.test!example.test!1700006400!1700092799.xml', carrierDmarc: 'pass', recipients: ['postmaster@example.test'],
    },
  );

  // the same report again (a retry): still one row
  assert.equal(await send('noreply-dmarc-support@google.test', 'postmaster@example.test', gz), 250);
  assert.equal((JSON.parse((await cli(['dmarc', 'reports', '--json'])).stdout) as Listed[]).length, 1);
});

test('a ZIP report, a broken report and ordinary mail to postmaster@: listed, flagged, ignored', async () => {
  const zip = reportMessage('dmarcreport@yahoo.test', 'Report Domain: example.test Submitter: yahoo.test', { type: 'application/octet-stream', name: 'yahoo.test!example.test!1795737600!1795823999.zip', data: zipOne('yahoo.test!example.test!1795737600!1795823999.xml', Buffer.from(YAHOO_MICROSOFT_STYLE)) }, '<report-2@yahoo.test>');
  assert.equal(await send('dmarcreport@yahoo.test', 'postmaster@example.test', zip), 250);
  const broken = reportMessage('dmarcreport@yahoo.test', 'Report Domain: example.test Submitter: yahoo.test', { type: 'application/gzip', name: 'broken.xml.gz', data: gzipSync(Buffer.from(YAHOO_MICROSOFT_STYLE)).subarray(0, 200) }, '<report-3@yahoo.test>');
  assert.equal(await send('dmarcreport@yahoo.test', 'postmaster@example.test', broken), 250, 'a broken report is not refused');
  const ordinary = `From: someone@yahoo.test\r\nTo: postmaster@example.test\r\nSubject: your server\r\nMessage-ID: <hello@yahoo.test>\r\n\r\nHello postmaster.\r\n`;
  assert.equal(await send('someone@yahoo.test', 'postmaster@example.test', ordinary), 250);
  // a report sent to somebody who is not a report mailbox is just mail
  const toBob = reportMessage('dmarcreport@yahoo.test', 'Report Domain: example.test', { type: 'application/gzip', name: 'x.xml.gz', data: gzipSync(Buffer.from(GOOGLE_STYLE.replace('13950925815476359733', 'to-bob'))) }, '<report-4@yahoo.test>');
  assert.equal(await send('dmarcreport@yahoo.test', 'bob@example.test', toBob), 250);

  const list = JSON.parse((await cli(['dmarc', 'reports', '--json'])).stdout) as Listed[];
  assert.deepEqual(list.map((r) => [r.status, r.reporter, r.reportId]), [['malformed', null, null], ['ok', 'microsoft.example', '6a4e5f0b1c2d4e3fa9b8c7d6e5f4a3b2'], ['ok', 'google.com', '13950925815476359733']], 'newest first');
  const [bad, yahoo] = list;
  assert.equal(bad!.part, 'broken.xml.gz');
  assert.match(bad!.reason!, /corrupt gzip data/);
  assert.equal(bad!.carrierDmarc, 'none', 'yahoo.test publishes no DMARC record');
  assert.deepEqual([yahoo!.messages, yahoo!.dmarcPass, yahoo!.dmarcFail, yahoo!.disposition], [17, 12, 5, { none: 12, quarantine: 0, reject: 5 }]);
  // the raw message of the malformed one is kept for the dashboard
  const stored = await srv.app.store.dmarcIncoming.get(bad!.id);
  assert.ok(stored?.raw?.toString('latin1').includes('Message-ID: <report-3@yahoo.test>'));

  // the table, and --domain
  const table = await cli(['dmarc', 'reports']);
  assert.equal(table.code, 0);
  const lines = table.stdout.trimEnd().split('\n');
  assert.match(lines[0]!, /^ID +RECEIVED \(UTC\) +REPORTER +REPORT ID +DOMAIN +DATES +MESSAGES +PASS +FAIL +NONE\/QUAR\/REJ +STATUS$/);
  assert.equal(lines.length, 4);
  assert.match(lines[1]!, /MALFORMED broken\.xml\.gz: gzip "broken\.xml\.gz": corrupt gzip data .*, carrier dmarc=none$/);
  assert.match(lines[2]!, /microsoft\.example +6a4e5f0b1c2d4e3fa9b8c7d6e5f4a3b2 +example\.test +2026-11-27\.\.2026-11-27 +17 +12 +5 +12\/0\/5 +ok, carrier dmarc=none$/);
  assert.match(lines[3]!, /google\.com +13950925815476359733 +example\.test +2023-11-15\.\.2023-11-15 +46 +43 +3 +43\/3\/0 +ok$/);
  assert.equal((JSON.parse((await cli(['dmarc', 'reports', '--domain', 'example.test', '--json'])).stdout) as Listed[]).length, 3);
  const other = await cli(['dmarc', 'reports', '--domain', 'other.test']);
  assert.equal(other.stdout, 'no DMARC aggregate reports received for other.test\n');
  assert.equal((await cli(['dmarc', 'reports', '--limit', '0'])).code, 1);
});
