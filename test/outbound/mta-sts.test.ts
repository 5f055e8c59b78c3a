/**
 * MTA-STS on the sending side (RFC 8461), live: a mailwarden instance A (a.test) delivers to
 *  - a fake SMTP server without STARTTLS on 127.0.0.3 (the MX of enforce.test, testing.test,
 *    plain.test, cached.test, wrongmx.test),
 *  - a second mailwarden B on 127.0.0.2 (good.test) with STARTTLS and a certificate A trusts,
 * while an HTTPS policy server on 127.0.0.1 serves the policies of mta-sts.<domain>. Checks:
 * enforce without STARTTLS → deferred (4.7.10, stays queued, the delivery log names MTA-STS);
 * enforce with a non-matching MX → deferred; enforce over verified TLS → delivered; testing →
 * delivered and the failure logged; no policy → opportunistic as before; a cached policy is used
 * when the fetch fails (§5.1).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { PassThrough } from 'node:stream';
import { join } from 'node:path';
import nodemailer from 'nodemailer';
import { validateConfig } from '../../src/config/load.ts';
import { startApp, type RunningApp } from '../../src/app/app.ts';
import { createLogger } from '../../src/lib/logger.ts';
import { generateSelfSigned } from '../../src/tls/certificates.ts';
import { prepareData, startInstance, startFakeSmtp, waitFor, PASSWORD, type FakeSmtp, type Instance } from './helpers.ts';

const policy = (mode: string, mx: string) => `version: STSv1\r\nmode: ${mode}\r\nmx: ${mx}\r\nmax_age: 86400\r\n`;
const POLICIES: Record<string, string> = {
  'mta-sts.enforce.test': policy('enforce', 'mx.enforce.test'),
  'mta-sts.testing.test': policy('testing', 'mx.testing.test'),
  'mta-sts.good.test': policy('enforce', 'mx.good.test'),
  'mta-sts.wrongmx.test': policy('enforce', '*.elsewhere.test'),
  // mta-sts.cached.test: 404 (the fetch fails; A has the policy cached)
};

let A: RunningApp;
let B: Instance;
let fake: FakeSmtp;
let https: Server;
let logText = '';
let submissionPort = 0;

before(async () => {
  const a = await prepareData(['a.test'], ['alice@a.test']);
  const b = await prepareData(['good.test'], ['bob@good.test']);
  B = await startInstance(b.dir, { hostname: 'mx.good.test', listen: { mx: ['127.0.0.2:0'] }, outbound: { enabled: false } });
  fake = await startFakeSmtp('127.0.0.3', () => '250 2.1.5 ok');
  const pair = await generateSelfSigned('mta-sts.enforce.test', 1, [...Object.keys(POLICIES), 'mta-sts.cached.test']);
  https = createServer({ cert: pair.cert, key: pair.key }, (req, res) => {
    const text = POLICIES[String(req.headers.host ?? '').replace(/:\d+$/, '')];
    if (!text || req.url !== '/.well-known/mta-sts.txt') return res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found\n');
    res.writeHead(200, { 'Content-Type': 'text/plain' }).end(text);
  });
  await new Promise<void>((r) => https.listen(0, '127.0.0.1', () => r()));
  const httpsPort = (https.address() as AddressInfo).port;
  const lines = ['$TTL 300'];
  for (const d of ['enforce', 'testing', 'plain', 'cached', 'wrongmx']) lines.push(`${d}.test. IN MX 10 mx.${d}.test.`, `mx.${d}.test. IN A 127.0.0.3`);
  lines.push('good.test. IN MX 10 mx.good.test.', 'mx.good.test. IN A 127.0.0.2');
  for (const d of ['enforce', 'testing', 'cached', 'good', 'wrongmx']) lines.push(`_mta-sts.${d}.test. IN TXT "v=STSv1; id=${d}1"`, `mta-sts.${d}.test. IN A 127.0.0.1`);
  lines.push(await a.dkimZone('a.test', 'mx.a.test', '127.0.0.1'));
  const zoneFile = join(a.dir, 'lab.zone');
  writeFileSync(zoneFile, lines.join('\n'));
  const caFile = join(a.dir, 'ca.pem');
  writeFileSync(caFile, pair.cert + readFileSync(join(b.dir, 'tls', 'selfsigned.crt'), 'utf8'));
  const cfg = validateConfig(
    {
      data_dir: a.dir,
      hostname: 'mx.a.test',
      listen: { mx: [], submission: ['127.0.0.1:0'], submissions: [], pop3: [], pop3s: [], imap: [], imaps: [], https: [] },
      dns: { zone_file: zoneFile },
      outbound: {
        port_map: { '127.0.0.2': B.port('mx'), '127.0.0.3': fake.port },
        mta_sts_port_map: { '127.0.0.1': httpsPort },
        tls_ca_file: caFile,
        retry_schedule: ['1s'],
        poll_interval: '200ms',
        connect_timeout: '5s',
        command_timeout: '10s',
      },
    },
    'test',
    a.dir,
    {},
  );
  const logs = new PassThrough();
  logs.on('data', (c: Buffer) => (logText += c.toString()));
  A = await startApp(cfg, createLogger('info', logs));
  // cached.test: a policy cached earlier (id cached0); the record now says cached1 and the fetch fails
  await A.store.mtaSts.put({ domain: 'cached.test', id: 'cached0', policy: policy('enforce', 'mx.cached.test'), fetchedAt: Date.now(), expiresAt: Date.now() + 3_600_000 });
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

const logOf = async (address: string) => (await A.store.listDeliveryLog()).filter((l) => l.address === address);
const delivered = (subject: string) => fake.messages.some((m) => m.includes(`Subject: ${subject}`));

test('enforce, MX without STARTTLS (stripped): not delivered, stays queued, deferred 4.7.10 naming MTA-STS', async () => {
  await submit('carol@enforce.test', 'sts enforce');
  const log = await waitFor(async () => ((await logOf('carol@enforce.test')).length >= 1 ? await logOf('carol@enforce.test') : null), 10000, 'an attempt');
  assert.equal(log[0]!.result, 'deferred');
  assert.equal(log[0]!.statusCode, '4.7.10');
  assert.match(log[0]!.reply, /^MTA-STS enforce: STARTTLS not offered by mx\.enforce\.test\[127\.0\.0\.3\] \(policy of enforce\.test, id enforce1\); not delivered in clear text$/);
  const q = (await A.store.listQueue()).find((e) => e.domain === 'enforce.test');
  assert.ok(q, 'still queued');
  assert.equal(delivered('sts enforce'), false, 'never sent in clear text');
  assert.equal((await A.store.mtaSts.get('enforce.test'))?.id, 'enforce1', 'the fetched policy is cached');
  // retried (1s schedule), still refused
  await waitFor(async () => (await logOf('carol@enforce.test')).length >= 2, 10000, 'a retry');
  assert.equal(delivered('sts enforce'), false);
});

test('enforce, no MX host matches the policy: deferred, not delivered', async () => {
  await submit('dave@wrongmx.test', 'sts wrongmx');
  const log = await waitFor(async () => (await logOf('dave@wrongmx.test'))[0], 10000, 'an attempt');
  assert.equal(log.result, 'deferred');
  assert.match(log.reply, /^MTA-STS enforce: no MX host of wrongmx\.test \(mx\.wrongmx\.test\) matches the policy \(mx: \*\.elsewhere\.test\)$/);
  assert.equal(delivered('sts wrongmx'), false);
});

test('enforce, STARTTLS with a certificate valid for the MX host: delivered, TLS verified', async () => {
  await submit('bob@good.test', 'sts good');
  await waitFor(async () => (await B.mailbox('bob@good.test')).some((m) => m.includes('Subject: sts good')), 10000, 'delivery to B');
  const log = await logOf('bob@good.test');
  assert.deepEqual(log.map((l) => [l.result, l.tls]), [['delivered', 'verified']]);
});

test('testing, MX without STARTTLS: delivered anyway, the failure logged', async () => {
  await submit('erin@testing.test', 'sts testing');
  await waitFor(async () => delivered('sts testing'), 10000, 'delivery');
  const log = await logOf('erin@testing.test');
  assert.deepEqual(log.map((l) => [l.result, l.tls]), [['delivered', 'none']]);
  assert.match(logText, /MTA-STS testing: STARTTLS not offered by mx\.testing\.test\[127\.0\.0\.3\]; delivered anyway/);
});

test('no policy: opportunistic as before (clear text when STARTTLS is not offered), nothing cached', async () => {
  await submit('frank@plain.test', 'sts plain');
  await waitFor(async () => delivered('sts plain'), 10000, 'delivery');
  assert.deepEqual((await logOf('frank@plain.test')).map((l) => [l.result, l.tls]), [['delivered', 'none']]);
  assert.equal(await A.store.mtaSts.get('plain.test'), null);
  assert.doesNotMatch(logText, /MTA-STS[^"]*plain\.test/);
});

test('§5.1: the fetch fails (404) but an unexpired cached enforce policy exists: it is applied', async () => {
  await submit('gina@cached.test', 'sts cached');
  const log = await waitFor(async () => (await logOf('gina@cached.test'))[0], 10000, 'an attempt');
  assert.equal(log.result, 'deferred');
  assert.match(log.reply, /^MTA-STS enforce: STARTTLS not offered by mx\.cached\.test/);
  assert.equal(delivered('sts cached'), false);
  assert.equal((await A.store.mtaSts.get('cached.test'))?.id, 'cached0', 'the cache is kept as it was');
  assert.match(logText, /"source":"cache-fallback"[^\n]*HTTP 404|HTTP 404[^\n]*"source":"cache-fallback"/);
});
