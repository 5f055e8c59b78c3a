/**
 * Outbound delivery end to end: two mailwarden instances (a.test on 127.0.0.1, b.test on
 * 127.0.0.2) and fake SMTP servers on 127.0.0.3/.4, one static lab zone (in part the output of
 * `dns records`). A message submitted on A reaches B over STARTTLS with two DKIM signatures that
 * mailauth and Debian's python3-dkim verify; 4xx is retried per the schedule; 5xx and null MX
 * bounce with an RFC 3464 report; a message with the null sender is never bounced.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import nodemailer from 'nodemailer';
import { authenticate } from 'mailauth';
import { parseZone, toMailauthResolver, zoneResolver, type Zone } from '../../src/dns/index.ts';
import { prepareData, startInstance, startFakeSmtp, waitFor, PASSWORD, type FakeSmtp, type Instance } from './helpers.ts';

const run = promisify(execFile);
let A: Instance;
let B: Instance;
let flaky: FakeSmtp;
let zone: Zone;
let zoneText: string;

before(async () => {
  const a = await prepareData(['a.test'], ['alice@a.test']);
  const b = await prepareData(['b.test'], ['bob@b.test']);
  B = await startInstance(b.dir, { hostname: 'mx.b.test', listen: { mx: ['127.0.0.2:0'] }, outbound: { enabled: false } });
  // 451 to the first RCPT, 250 afterwards
  flaky = await startFakeSmtp('127.0.0.3', (n) => (n === 0 ? '451 4.3.0 try again later' : '250 2.1.5 ok'));
  zoneText = [
    '$TTL 300',
    'b.test. IN MX 10 mx.b.test.',
    'mx.b.test. IN A 127.0.0.2',
    'flaky.test. IN MX 10 mx.flaky.test.',
    'mx.flaky.test. IN A 127.0.0.3',
    'nullmx.test. IN MX 0 .',
    await a.dkimZone('a.test', 'mx.a.test', '127.0.0.1'), // `dns records a.test --ip 127.0.0.1`
  ].join('\n');
  const parsed = parseZone(zoneText);
  assert.ok(parsed.ok, JSON.stringify(!parsed.ok && parsed.error));
  zone = parsed.zone;
  const zoneFile = join(a.dir, 'lab.zone');
  writeFileSync(zoneFile, zoneText);
  const caFile = join(b.dir, 'tls', 'selfsigned.crt');
  assert.ok(existsSync(caFile));
  A = await startInstance(a.dir, {
    hostname: 'mx.a.test',
    listen: { mx: ['127.0.0.1:0'], submission: ['127.0.0.1:0'] },
    dns: { zone_file: zoneFile },
    outbound: {
      port_map: { '127.0.0.2': B.port('mx'), '127.0.0.3': flaky.port },
      retry_schedule: ['1s'],
      poll_interval: '200ms',
      tls_ca_file: caFile, // B's self-signed certificate: its MX certificate verifies
      connect_timeout: '5s',
      command_timeout: '10s',
    },
  });
});

after(async () => {
  await A?.close();
  await B?.close();
  await flaky?.close();
});

async function submit(to: string[], subject: string): Promise<void> {
  const t = nodemailer.createTransport({ host: '127.0.0.1', port: A.port('submission'), secure: false, requireTLS: true, auth: { user: 'alice@a.test', pass: PASSWORD }, tls: { rejectUnauthorized: false } });
  await t.sendMail({ from: '"Alice" <alice@a.test>', to, subject, text: `hello from A\n${subject}\n` });
  t.close();
}

test('A -> B over SMTP with STARTTLS (verified, recorded); dual DKIM verifies with mailauth and python3-dkim', async (t) => {
  await submit(['bob@b.test'], 'first contact');
  const msg = await waitFor(async () => (await B.mailbox('bob@b.test')).find((m) => m.includes('Subject: first contact')), 15000, 'delivery to B');
  assert.match(msg, /Received: from mx\.a\.test \(\[127\.0\.0\.1\]\)\r\n\tby mx\.b\.test \(mailwarden\) with ESMTPS/, 'B received it over TLS');
  assert.equal(msg.match(/^DKIM-Signature:/gm)?.length, 2, 'two signatures');
  assert.match(msg, /a=rsa-sha256; c=relaxed\/relaxed; d=a\.test; s=rsa\d{8};/);
  assert.match(msg, /a=ed25519-sha256; c=relaxed\/relaxed; d=a\.test; s=ed\d{8};/);
  assert.match(msg, /h=from:from:/, 'From oversigned');

  // the delivery log records the MX and the TLS outcome per recipient
  // (A records the result just after B's 250, so B may have stored the message a moment earlier)
  const line = await waitFor(async () => (await A.app.store.listDeliveryLog()).find((l) => l.address === 'bob@b.test' && l.result === 'delivered'), 5000, 'delivery recorded');
  assert.equal(line.tls, 'verified');
  assert.equal(line.remoteMta, 'mx.b.test');
  assert.equal(line.statusCode, '2.0.0');
  await waitFor(async () => (await A.app.store.listQueue()).length === 0, 5000, 'entry retired');

  // mailauth (independent verifier) with the same lab zone as resolver
  const res = await authenticate(Buffer.from(msg), { ip: '127.0.0.1', helo: 'mx.a.test', sender: 'alice@a.test', mta: 'mx.b.test', resolver: toMailauthResolver(zoneResolver(zone)) as never });
  assert.deepEqual(res.dkim.results.map((r) => [r.signingDomain, r.algo, r.status.result]).sort(), [['a.test', 'ed25519-sha256', 'pass'], ['a.test', 'rsa-sha256', 'pass']]);
  assert.equal(res.dmarc && res.dmarc.status.result, 'pass', 'DMARC aligned via DKIM');

  // Debian's python3-dkim (dkimpy), key records from the same zone
  assert.ok(existsSync('/usr/lib/python3/dist-packages/dkim'), 'python3-dkim must be installed (.ci/run installs it)');
  const txt: Record<string, string> = {};
  for (const r of zone.records()) if (r.type === 'TXT') txt[r.name] = r.data.join('');
  const file = join(A.dir, 'received.eml');
  writeFileSync(file, msg);
  const script = `
import dkim, json, sys
msg = open(sys.argv[1], 'rb').read()
txt = json.loads(sys.argv[2])
def dnsfunc(name, timeout=5):
    n = name.decode() if isinstance(name, bytes) else name
    return txt.get(n.rstrip('.').lower(), '').encode()
d = dkim.DKIM(msg)
print(json.dumps([d.verify(idx=i, dnsfunc=dnsfunc) for i in range(2)]))
`;
  const { stdout } = await run('/usr/bin/python3', ['-c', script, file, JSON.stringify(txt)], { timeout: 20000 });
  assert.deepEqual(JSON.parse(stdout), [true, true], 'dkimpy verifies both the RSA and the Ed25519 signature');
});

test('remote 5xx: a DSN (multipart/report, RFC 3464) lands in the sender\'s INBOX', async () => {
  await submit(['nobody@b.test'], 'to a ghost');
  const dsn = await waitFor(async () => (await A.mailbox('alice@a.test')).find((m) => m.includes('Final-Recipient: rfc822; nobody@b.test')), 15000, 'bounce');
  assert.match(dsn, /^From: Mail Delivery System <MAILER-DAEMON@mx\.a\.test>/m);
  assert.match(dsn, /^Content-Type: multipart\/report; report-type=delivery-status;/m);
  assert.match(dsn, /Content-Type: message\/delivery-status\r\n\r\nReporting-MTA: dns; mx\.a\.test\r\n/);
  assert.match(dsn, /Action: failed\r\nStatus: 5\.1\.1\r\nRemote-MTA: dns; mx\.b\.test\r\nDiagnostic-Code: smtp; 550 5\.1\.1/);
  assert.match(dsn, /Content-Type: text\/rfc822-headers\r\n\r\n[\s\S]*Subject: to a ghost/);
  await waitFor(async () => (await A.app.store.listQueue()).length === 0, 5000, 'entry retired after the bounce');
});

test('null MX (RFC 7505): bounced at once with 5.1.10, no retry', async () => {
  await submit(['x@nullmx.test'], 'to a null MX');
  const dsn = await waitFor(async () => (await A.mailbox('alice@a.test')).find((m) => m.includes('Final-Recipient: rfc822; x@nullmx.test')), 10000, 'bounce');
  assert.match(dsn, /Status: 5\.1\.10/);
  assert.match(dsn, /null MX/);
  const log = (await A.app.store.listDeliveryLog()).filter((l) => l.address === 'x@nullmx.test');
  assert.deepEqual(log.map((l) => l.result), ['failed'], 'one attempt, no retry');
});

test('remote 4xx then 250: deferred, retried after the scheduled wait, delivered once', async () => {
  const t0 = Date.now();
  await submit(['carol@flaky.test'], 'flaky path');
  await waitFor(async () => flaky.messages.length === 1, 15000, 'delivery after retry');
  await waitFor(async () => (await A.app.store.listQueue()).length === 0, 5000, 'entry retired');
  const log = (await A.app.store.listDeliveryLog()).filter((l) => l.address === 'carol@flaky.test');
  assert.deepEqual(log.map((l) => [l.result, l.statusCode]), [['deferred', '4.3.0'], ['delivered', '2.0.0']]);
  assert.ok(log[1]!.at - log[0]!.at >= 1000, `retried after the 1s schedule (${log[1]!.at - log[0]!.at} ms)`);
  assert.equal(log[0]!.tls, 'none', 'the fake server offers no STARTTLS: recorded as none');
  assert.equal(flaky.messages.length, 1, 'delivered exactly once');
  assert.match(flaky.messages[0]!, /Subject: flaky path/);
  assert.ok(Date.now() - t0 < 15000);
  assert.equal((await A.mailbox('alice@a.test')).filter((m) => m.includes('carol@flaky.test')).length, 0, 'no DSN for a 4xx');
});

test('a message with the null reverse-path is never bounced', async () => {
  const before = (await A.mailbox('alice@a.test')).length;
  const r = await A.app.store.ingest({ blob: { kind: 'buffer', data: Buffer.from('From: MAILER-DAEMON@mx.a.test\r\nTo: nobody@b.test\r\nSubject: a bounce\r\n\r\nbounce body\r\n') }, mailFrom: '', internalDate: Date.now(), deliveries: [], outbound: [{ address: 'nobody@b.test' }] });
  A.app.queue.wake();
  await waitFor(async () => (await A.app.store.getQueueEntry(r.queueIds[0]!)) === null, 10000, 'entry retired');
  const log = (await A.app.store.listDeliveryLog(r.queueIds[0]!)).map((l) => [l.result, l.statusCode]);
  assert.deepEqual(log, [['failed', '5.1.1']]);
  await new Promise((res) => setTimeout(res, 300));
  assert.equal((await A.mailbox('alice@a.test')).length, before, 'no DSN anywhere');
  assert.equal((await A.app.store.listQueue()).length, 0, 'nothing queued either');
});

test('the lab zone carries the published records (dns records output is a valid zone)', () => {
  assert.match(zoneText, /^a\.test\. 3600 IN TXT "v=spf1 ip4:127\.0\.0\.1 -all"$/m);
  assert.match(zoneText, /^_dmarc\.a\.test\. 3600 IN TXT "v=DMARC1; p=none; rua=mailto:postmaster@a\.test"$/m);
  assert.ok(zone.records().some((r) => r.type === 'TXT' && /^rsa\d{8}\._domainkey\.a\.test$/.test(r.name) && r.data.length > 1), 'RSA key split into 255-octet strings');
  assert.ok(readFileSync(join(A.dir, 'lab.zone'), 'utf8').includes('$TTL'));
});
