/**
 * DMARC aggregate reports (RFC 7489 §7.2): the MX records every evaluation of a domain that asks
 * for reports (delivered or rejected), `dmarc send-reports` (function and CLI) queues one gzip'd
 * XML report per policy domain to its rua= addresses, DKIM-signed, never twice, and never to an
 * external destination that did not verify (§7.1).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { gunzipSync } from 'node:zlib';
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { XMLParser } from 'fast-xml-parser';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { RawSmtp, message } from '../helpers/smtp-client.ts';
import { Directory } from '../../src/directory/directory.ts';
import { silentLogger } from '../../src/lib/logger.ts';
import { dmarcReportDeps, sendDmarcReports } from '../../src/app/dmarc-reports.ts';

const ZONE = `
none.test. IN TXT "v=spf1 -all"
_dmarc.none.test. IN TXT "v=DMARC1; p=none; rua=mailto:reports@none.test,mailto:dmarc@verified.example!10m,mailto:dmarc@unverified.example"
none.test._report._dmarc.verified.example. IN TXT "v=DMARC1"
bank.test. IN TXT "v=spf1 ip4:192.0.2.1 -all"
_dmarc.bank.test. IN TXT "v=DMARC1; p=reject; rua=mailto:dmarc@bank.test"
legit.test. IN TXT "v=spf1 ip4:127.0.0.1 -all"
_dmarc.legit.test. IN TXT "v=DMARC1; p=reject"
`;

const ARRAYS = new Set(['feedback.record', 'feedback.record.auth_results.dkim', 'feedback.record.auth_results.spf']);
const parser = new XMLParser({ isArray: (_n, jpath) => ARRAYS.has(String(jpath)), parseTagValue: false });
type Rec = { row: { source_ip: string; count: string; policy_evaluated: { disposition: string; dkim: string; spf: string } }; identifiers: { header_from: string }; auth_results: { dkim?: unknown[]; spf: Array<{ domain: string; scope: string; result: string }> } };
type Feedback = { feedback: { report_metadata: { org_name: string; report_id: string }; policy_published: { domain: string; p: string }; record: Rec[] } };

let srv: TestServer;
before(async () => {
  srv = await startTestServer({ zone: ZONE } as never);
});
after(() => srv.close());

async function send(from: string, headerFrom: string, subject: string) {
  const c = await RawSmtp.open(srv.port('mx'));
  await c.cmd('EHLO sender.example');
  await c.cmd(`MAIL FROM:<${from}>`);
  await c.cmd('RCPT TO:<alice@example.test>');
  await c.cmd('DATA');
  const reply = await c.cmd(`${message(headerFrom, 'alice@example.test', subject, 'Hello.\r\n')}.`);
  c.close();
  return reply;
}

const deps = () => {
  const { config, store, resolver } = srv.app;
  return dmarcReportDeps({ config, store, resolver, directory: new Directory(store, { subaddressSeparator: '+' }), logger: silentLogger() });
};

/** The report XML of a queued report message. */
async function reportOf(blobId: number): Promise<{ raw: string; feedback: Feedback['feedback'] }> {
  const raw = (await srv.app.store.readBlob(blobId)).toString('utf8');
  const part = raw.split(/\r\n--=_dmarc_[0-9a-f]+/).find((p) => p.includes('Content-Type: application/gzip'));
  assert.ok(part, 'gzip attachment');
  const b64 = part.split('\r\n\r\n')[1]!.replace(/\r\n/g, '');
  return { raw, feedback: (parser.parse(gunzipSync(Buffer.from(b64, 'base64')).toString('utf8')) as Feedback).feedback };
}

async function reportsTo(domain: string) {
  return (await srv.app.store.listQueue()).filter((e) => e.domain === domain);
}

test('forged p=none mail is delivered and flagged, reported to rua (and a verified external rua), never twice', async () => {
  assert.equal((await send('x@none.test', 'x@none.test', 'forged one')).code, 250);
  assert.equal((await send('y@none.test', 'Boss <boss@none.test>', 'forged two')).code, 250);
  assert.match((await srv.mailbox('alice@example.test')).find((m) => m.includes('forged one'))!, /dmarc=fail \(p=NONE dis=NONE\) header\.from=none\.test/);
  // a rejected forgery counts too; a domain without rua= is not recorded
  assert.equal((await send('ceo@bank.test', 'ceo@bank.test', 'wire money')).code, 550);
  assert.equal((await send('news@legit.test', 'news@legit.test', 'legit')).code, 250);

  const outcomes = await sendDmarcReports(deps());
  assert.deepEqual(outcomes.map((o) => o.policyDomain).sort(), ['bank.test', 'none.test']);
  const none = outcomes.find((o) => o.policyDomain === 'none.test')!;
  assert.deepEqual(none.sentTo, ['reports@none.test', 'dmarc@verified.example']);
  assert.deepEqual(none.skipped.map((s) => s.uri), ['mailto:dmarc@unverified.example']);
  assert.match(none.skipped[0]!.reason, /not verified.*none\.test\._report\._dmarc\.unverified\.example/);

  const [entry] = await reportsTo('none.test');
  assert.ok(entry, 'a report queued for none.test');
  assert.deepEqual(entry.recipients.map((r) => r.address), ['reports@none.test']);
  assert.equal(entry.mailFrom, 'postmaster@example.test');
  assert.equal((await reportsTo('verified.example')).length, 1);
  assert.equal((await reportsTo('unverified.example')).length, 0, 'the unverified external destination gets nothing');

  const { raw, feedback } = await reportOf(entry.blobId);
  assert.match(raw, /^DKIM-Signature: /, 'signed: example.test is ours');
  assert.match(raw, /\r\nSubject: Report Domain: none\.test Submitter: example\.test Report-ID: <none\.test\.\d+\.\d+>\r\n/);
  assert.match(raw, /filename="example\.test!none\.test!\d+!\d+\.xml\.gz"/);
  assert.equal(feedback.report_metadata.org_name, 'example.test');
  assert.equal(feedback.policy_published.domain, 'none.test');
  assert.equal(feedback.policy_published.p, 'none');
  assert.equal(feedback.record.length, 1);
  const rec = feedback.record[0]!;
  assert.equal(rec.row.source_ip, '127.0.0.1');
  assert.equal(rec.row.count, '2');
  assert.deepEqual(rec.row.policy_evaluated, { disposition: 'none', dkim: 'fail', spf: 'fail' });
  assert.equal(rec.identifiers.header_from, 'none.test');
  assert.deepEqual(rec.auth_results.spf, [{ domain: 'none.test', scope: 'mfrom', result: 'fail' }]);
  assert.equal(rec.auth_results.dkim, undefined, 'no DKIM signature');

  const [bank] = await reportsTo('bank.test');
  assert.ok(bank);
  const b = (await reportOf(bank.blobId)).feedback.record;
  assert.deepEqual(b.map((r) => [r.row.count, r.row.policy_evaluated.disposition]), [['1', 'reject']]);

  // nothing new: nothing sent again
  const queued = (await srv.app.store.listQueue()).length;
  assert.deepEqual(await sendDmarcReports(deps()), []);
  assert.equal((await srv.app.store.listQueue()).length, queued);
});

test('CLI: mailwarden dmarc send-reports against the data directory reports only the new evaluations', async () => {
  assert.equal((await send('z@none.test', 'z@none.test', 'forged three')).code, 250);
  const before = (await reportsTo('none.test')).length;
  const config = join(srv.dir, 'cli.toml');
  writeFileSync(config, `hostname = "mx.example.test"\ndata_dir = "${srv.dir}"\n[dns]\nzone_file = "${join(srv.dir, 'lab.zone')}"\n`);
  const main = new URL('../../src/cli/main.ts', import.meta.url).pathname;
  const run = () => new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile(process.execPath, [main, '--config', config, 'dmarc', 'send-reports', '--since', '1h', '--json'], { timeout: 30000 }, (err, stdout, stderr) => resolve({ code: err ? 1 : 0, stdout, stderr }));
  });
  const r = await run();
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout) as Array<{ policyDomain: string; messages: number; sentTo: string[] }>;
  assert.deepEqual(out.map((o) => [o.policyDomain, o.messages, o.sentTo]), [['none.test', 1, ['reports@none.test', 'dmarc@verified.example']]]);
  const entries = await reportsTo('none.test');
  assert.equal(entries.length, before + 1);
  const { feedback } = await reportOf(entries.at(-1)!.blobId);
  assert.equal(feedback.record[0]!.row.count, '1');
  const again = await run();
  assert.deepEqual(JSON.parse(again.stdout), []);
});
