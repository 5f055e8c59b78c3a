/**
 * SMTP TLS Reporting, sending side (RFC 8460), live: mailwarden A (a.test) delivers
 *  - to enforce.test, whose MTA-STS policy is enforce and whose MX (a fake SMTP on 127.0.0.3)
 *    offers no STARTTLS: one failed session (starttls-not-supported), message kept queued;
 *  - to good.test (mailwarden B on 127.0.0.2, STARTTLS with a certificate A trusts, enforce
 *    policy): one successful session.
 * Both publish `_smtp._tls` records; `mailwarden tlsrpt send-reports` then queues one report to
 * each mailto: rua (https: skipped), which A delivers: Subject, TLS-Report-* fields,
 * multipart/report; report-type="tlsrpt", a gzip JSON attachment whose counts match, DKIM-signed.
 * Also: `dns records` publishes our own _smtp._tls record.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { execFile } from 'node:child_process';
import { gunzipSync } from 'node:zlib';
import { join } from 'node:path';
import nodemailer from 'nodemailer';
import { validateConfig } from '../../src/config/load.ts';
import { startApp, type RunningApp } from '../../src/app/app.ts';
import { silentLogger } from '../../src/lib/logger.ts';
import { generateSelfSigned } from '../../src/tls/certificates.ts';
import { recordsToPublish } from '../../src/dns/publish.ts';
import { prepareData, startInstance, startFakeSmtp, waitFor, PASSWORD, type FakeSmtp, type Instance } from './helpers.ts';

const policy = (mode: string, mx: string) => `version: STSv1\r\nmode: ${mode}\r\nmx: ${mx}\r\nmax_age: 86400\r\n`;
const POLICIES: Record<string, string> = {
  'mta-sts.enforce.test': policy('enforce', 'mx.enforce.test'),
  'mta-sts.good.test': policy('enforce', 'mx.good.test'),
};

let A: RunningApp;
let B: Instance;
let fake: FakeSmtp;
let https: Server;
let aDir = '';
let zoneFile = '';
let submissionPort = 0;

before(async () => {
  const a = await prepareData(['a.test'], ['alice@a.test']);
  const b = await prepareData(['good.test'], ['bob@good.test', 'tls@good.test']);
  aDir = a.dir;
  B = await startInstance(b.dir, { hostname: 'mx.good.test', listen: { mx: ['127.0.0.2:0'] }, outbound: { enabled: false } });
  fake = await startFakeSmtp('127.0.0.3', () => '250 2.1.5 ok');
  const pair = await generateSelfSigned('mta-sts.enforce.test', 1, Object.keys(POLICIES));
  https = createServer({ cert: pair.cert, key: pair.key }, (req, res) => {
    const text = POLICIES[String(req.headers.host ?? '').replace(/:\d+$/, '')];
    if (!text || req.url !== '/.well-known/mta-sts.txt') return res.writeHead(404).end('not found\n');
    res.writeHead(200, { 'Content-Type': 'text/plain' }).end(text);
  });
  await new Promise<void>((r) => https.listen(0, '127.0.0.1', () => r()));
  const httpsPort = (https.address() as AddressInfo).port;
  const lines = [
    '$TTL 300',
    'enforce.test. IN MX 10 mx.enforce.test.', 'mx.enforce.test. IN A 127.0.0.3',
    'reports.test. IN MX 10 mx.reports.test.', 'mx.reports.test. IN A 127.0.0.3',
    'good.test. IN MX 10 mx.good.test.', 'mx.good.test. IN A 127.0.0.2',
    '_smtp._tls.enforce.test. IN TXT "v=TLSRPTv1; rua=mailto:tls@reports.test,https://reports.test/tlsrpt"',
    '_smtp._tls.good.test. IN TXT "v=TLSRPTv1; rua=mailto:tls@good.test"',
  ];
  for (const d of ['enforce', 'good']) lines.push(`_mta-sts.${d}.test. IN TXT "v=STSv1; id=${d}1"`, `mta-sts.${d}.test. IN A 127.0.0.1`);
  lines.push(await a.dkimZone('a.test', 'mx.a.test', '127.0.0.1'));
  zoneFile = join(a.dir, 'lab.zone');
  writeFileSync(zoneFile, lines.join('\n'));
  const caFile = join(a.dir, 'ca.pem');
  writeFileSync(caFile, pair.cert + readFileSync(join(b.dir, 'tls', 'selfsigned.crt'), 'utf8'));
  const outbound = { port_map: { '127.0.0.2': B.port('mx'), '127.0.0.3': fake.port }, mta_sts_port_map: { '127.0.0.1': httpsPort }, tls_ca_file: caFile, retry_schedule: ['1h'], poll_interval: '200ms', connect_timeout: '5s', command_timeout: '10s' };
  writeFileSync(join(a.dir, 'cli.toml'), `hostname = "mx.a.test"\ndata_dir = "${a.dir}"\n[dns]\nzone_file = "${zoneFile}"\n`);
  const cfg = validateConfig(
    { data_dir: a.dir, hostname: 'mx.a.test', listen: { mx: [], submission: ['127.0.0.1:0'], submissions: [], pop3: [], pop3s: [], imap: [], imaps: [], https: [] }, dns: { zone_file: zoneFile }, outbound },
    'test',
    a.dir,
    {},
  );
  A = await startApp(cfg, silentLogger());
  submissionPort = A.endpoints.find((e) => e.name === 'submission')!.address.port;
});

after(async () => {
  await A?.close();
  await B?.close();
  await fake?.close();
  https?.closeAllConnections();
  await new Promise<void>((r) => (https ? https.close(() => r()) : r()));
});

async function submit(to: string, subject: string): Promise<void> {
  const t = nodemailer.createTransport({ host: '127.0.0.1', port: submissionPort, secure: false, requireTLS: true, auth: { user: 'alice@a.test', pass: PASSWORD }, tls: { rejectUnauthorized: false } });
  await t.sendMail({ from: 'alice@a.test', to, subject, text: `${subject}\n` });
  t.close();
}

/** The gzip'd JSON report of a report message. */
function reportJson(raw: string): { json: any; filename: string } {
  const m = /Content-Type: application\/tlsrpt\+gzip; name="([^"]+)"\r\n[\s\S]*?\r\n\r\n([A-Za-z0-9+/=\r\n]+?)\r\n--/.exec(raw);
  assert.ok(m, 'an application/tlsrpt+gzip part');
  return { filename: m[1]!, json: JSON.parse(gunzipSync(Buffer.from(m[2]!, 'base64')).toString('utf8')) };
}

test('a failed session under MTA-STS enforce and a successful one are counted, then reported', async () => {
  await submit('carol@enforce.test', 'tls fail');
  await submit('bob@good.test', 'tls ok');
  await waitFor(async () => (await A.store.listDeliveryLog()).some((l) => l.address === 'carol@enforce.test'), 10000, 'the enforce attempt');
  await waitFor(async () => (await B.mailbox('bob@good.test')).some((m) => m.includes('Subject: tls ok')), 10000, 'delivery to B');
  assert.deepEqual((await A.store.tlsReports.pending('enforce.test')).map((r) => [r.policyType, r.mxHost, r.receivingIp, r.result, r.count]), [['sts', 'mx.enforce.test', '127.0.0.3', 'starttls-not-supported', 1]]);
  assert.deepEqual((await A.store.tlsReports.pending('good.test')).map((r) => [r.policyType, r.mxHost, r.result, r.count]), [['sts', 'mx.good.test', 'success', 1]]);

  const main = new URL('../../src/cli/main.ts', import.meta.url).pathname;
  const r = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile(process.execPath, [main, '--config', join(aDir, 'cli.toml'), 'tlsrpt', 'send-reports', '--json'], { timeout: 30000 }, (err, stdout, stderr) => resolve({ code: err ? 1 : 0, stdout, stderr }));
  });
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout) as Array<{ domain: string; successful: number; failed: number; sentTo: string[]; skipped: Array<{ uri: string }> }>;
  assert.deepEqual(out.map((o) => [o.domain, o.successful, o.failed, o.sentTo, o.skipped.map((s) => s.uri)]), [
    ['enforce.test', 0, 1, ['tls@reports.test'], ['https://reports.test/tlsrpt']],
    ['good.test', 1, 0, ['tls@good.test'], []],
  ]);
  assert.deepEqual(await A.store.tlsReports.pending('enforce.test'), [], 'marked reported');

  // the report to enforce.test's rua goes out through A's queue to reports.test's MX (the fake)
  const raw = await waitFor(async () => fake.messages.find((m) => m.includes('TLS-Report-Domain: enforce.test')), 10000, 'the enforce.test report');
  assert.match(raw, /\r\nSubject: Report Domain: enforce\.test Submitter: a\.test Report-ID: <[^>]+>\r\n/);
  assert.match(raw, /\r\nTLS-Report-Submitter: a\.test\r\n/);
  assert.match(raw, /Content-Type: multipart\/report; report-type="tlsrpt"/);
  assert.match(raw, /^DKIM-Signature: [^\r]*d=a\.test/m, 'DKIM-signed by our domain');
  const { json, filename } = reportJson(raw);
  assert.match(filename, /^a\.test!enforce\.test!\d+!\d+\.json\.gz$/);
  assert.equal(json['organization-name'], 'a.test');
  assert.equal(json['contact-info'], 'postmaster@a.test');
  assert.deepEqual(json.policies, [
    {
      policy: { 'policy-type': 'sts', 'policy-string': ['version: STSv1', 'mode: enforce', 'mx: mx.enforce.test', 'max_age: 86400'], 'policy-domain': 'enforce.test', 'mx-host': ['mx.enforce.test'] },
      summary: { 'total-successful-session-count': 0, 'total-failure-session-count': 1 },
      'failure-details': [{ 'result-type': 'starttls-not-supported', 'receiving-mx-hostname': 'mx.enforce.test', 'receiving-ip': '127.0.0.3', 'failed-session-count': 1 }],
    },
  ]);
  // The fake MX has the message once it said 250; the queue logs the delivery just after that.
  const logged = await waitFor(async () => (await A.store.listDeliveryLog()).filter((l) => l.address === 'tls@reports.test').at(-1), 10000, 'the report delivery logged');
  assert.equal(logged.result, 'delivered');

  // the one to good.test arrives in B's mailbox
  const good = await waitFor(async () => (await B.mailbox('tls@good.test')).find((m) => m.includes('TLS-Report-Domain: good.test')), 10000, 'the good.test report');
  assert.deepEqual(reportJson(good).json.policies.map((p: any) => [p.policy['policy-type'], p.summary['total-successful-session-count'], p.summary['total-failure-session-count']]), [['sts', 1, 0]]);
});

test('dns records publishes our _smtp._tls record (reports to postmaster)', () => {
  const pub = recordsToPublish({ domain: 'example.test', mxHost: 'mx.example.test', ips: [], dkim: [] });
  const r = pub.records.find((x) => x.name === '_smtp._tls.example.test');
  assert.equal(r?.type, 'TXT');
  assert.equal(r?.value, 'v=TLSRPTv1; rua=mailto:postmaster@example.test');
});
