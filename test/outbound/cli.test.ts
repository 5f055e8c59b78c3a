/**
 * The outbound CLI: `dns records` (zone form that parses and that `dns serve` answers, JSON),
 * `dkim rotate|list` (private keys never printed), `queue list|show|retry|delete --json`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { parseZone, upstreamResolver } from '../../src/dns/index.ts';
import { SqliteStore } from '../../src/store/sqlite/store.ts';

const MAIN = new URL('../../src/cli/main.ts', import.meta.url).pathname;

function cli(config: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [MAIN, '--config', config, ...args], { timeout: 30000 }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

test('dns records / dkim / dns serve: the published zone is served and matches the keys', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'mailwarden-cli-out-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const config = join(dir, 'mailwarden.toml');
  writeFileSync(config, `hostname = "mx.a.test"\ndata_dir = "${dir}"\n`);
  assert.equal((await cli(config, ['domain', 'add', 'a.test'])).code, 0);
  const keys = JSON.parse((await cli(config, ['dkim', 'list', 'a.test', '--json'])).stdout) as Array<{ selector: string; algorithm: string; active: boolean }>;
  assert.deepEqual(keys.map((k) => [k.algorithm, k.active]).sort(), [['ed25519-sha256', true], ['rsa-sha256', true]], 'domain add made both keys');

  const zoneOut = await cli(config, ['dns', 'records', 'a.test', '--ip', '127.0.0.1', '--ip', '::1']);
  assert.equal(zoneOut.code, 0, zoneOut.stderr);
  assert.doesNotMatch(zoneOut.stdout, /PRIVATE KEY/);
  const parsed = parseZone(zoneOut.stdout);
  assert.ok(parsed.ok, `dns records output is a valid zone: ${JSON.stringify(!parsed.ok && parsed.error)}`);
  assert.match(zoneOut.stdout, /^a\.test\. 3600 IN MX 10 mx\.a\.test\.$/m);
  assert.match(zoneOut.stdout, /^a\.test\. 3600 IN TXT "v=spf1 ip4:127\.0\.0\.1 ip6:::1 -all"$/m);
  assert.match(zoneOut.stdout, /^_dmarc\.a\.test\. 3600 IN TXT "v=DMARC1; p=none; rua=mailto:postmaster@a\.test"$/m);
  assert.match(zoneOut.stdout, /p=quarantine and then p=reject/);
  const json = JSON.parse((await cli(config, ['dns', 'records', 'a.test', '--json'])).stdout) as { records: Array<{ name: string; type: string; value: string; chunks?: string[] }> };
  assert.equal(json.records.find((r) => r.type === 'TXT' && r.name === 'a.test')?.value, 'v=spf1 mx -all');
  const rsa = json.records.find((r) => r.name.startsWith('rsa'))!;
  assert.ok(rsa.chunks!.length >= 2 && rsa.chunks!.every((c) => Buffer.byteLength(c) <= 255), 'RSA key record split into 255-octet strings');

  // dns serve answers the zone over UDP (and TCP for the large TXT)
  const zoneFile = join(dir, 'a.zone');
  writeFileSync(zoneFile, zoneOut.stdout);
  const proc = spawn(process.execPath, [MAIN, '--config', config, 'dns', 'serve', '--zone', zoneFile, '--listen', '127.0.0.1:0'], { stdio: ['ignore', 'pipe', 'pipe'] });
  t.after(() => proc.kill('SIGTERM'));
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('dns serve did not start')), 15000);
    createInterface({ input: proc.stdout! }).on('line', (line) => {
      const m = /listening on 127\.0\.0\.1:(\d+)/.exec(line);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    });
  });
  const dns = upstreamResolver({ servers: [`127.0.0.1:${port}`], timeoutMs: 2000, tries: 2 });
  const mx = await dns.mx('a.test');
  assert.deepEqual(mx.status === 'ok' && mx.records, [{ priority: 10, exchange: 'mx.a.test' }]);
  const a = await dns.a('mx.a.test');
  assert.deepEqual(a.status === 'ok' && a.records, ['127.0.0.1']);
  for (const k of keys) {
    const txt = await dns.txt(`${k.selector}._domainkey.a.test`);
    assert.equal(txt.status, 'ok', k.selector);
    assert.match(txt.status === 'ok' ? txt.records[0]!.text : '', k.algorithm === 'rsa-sha256' ? /^v=DKIM1; k=rsa; p=MIIB/ : /^v=DKIM1; k=ed25519; p=[A-Za-z0-9+/]{43}=$/);
  }

  // rotation: new date-named selectors, old keys retired, nothing secret printed
  const rot = await cli(config, ['dkim', 'rotate', 'a.test', '--json']);
  assert.equal(rot.code, 0, rot.stderr);
  assert.doesNotMatch(rot.stdout, /PRIVATE/);
  const fresh = JSON.parse(rot.stdout) as Array<{ selector: string }>;
  assert.ok(fresh.every((f) => /^(rsa|ed)\d{8}[b-z]?$/.test(f.selector) && !keys.some((k) => k.selector === f.selector)));
  const after = JSON.parse((await cli(config, ['dkim', 'list', 'a.test', '--json'])).stdout) as Array<{ selector: string; active: boolean }>;
  assert.deepEqual(after.filter((k) => k.active).map((k) => k.selector).sort(), fresh.map((f) => f.selector).sort());
  assert.equal(after.filter((k) => !k.active).length, 2);
});

test('queue list|show|retry|delete --json', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'mailwarden-cli-q-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const config = join(dir, 'mailwarden.toml');
  writeFileSync(config, `data_dir = "${dir}"\n`);
  const s = new SqliteStore({ dataDir: dir });
  const later = Date.now() + 3600_000;
  const r = await s.ingest({ blob: { kind: 'buffer', data: Buffer.from('From: a@x.test\r\nSubject: q\r\n\r\nhi\r\n') }, mailFrom: 'a@x.test', internalDate: later, deliveries: [], outbound: [{ address: 'u1@far.test' }, { address: 'u2@far.test' }, { address: 'v@other.test' }] });
  await s.close();
  const [id1, id2] = r.queueIds;

  const list = JSON.parse((await cli(config, ['queue', 'list', '--json'])).stdout) as Array<{ id: number; domain: string; recipients: Array<{ address: string; status: string }> }>;
  assert.deepEqual(list.map((e) => [e.id, e.domain, e.recipients.map((x) => `${x.address}:${x.status}`)]), [[id1, 'far.test', ['u1@far.test:pending', 'u2@far.test:pending']], [id2, 'other.test', ['v@other.test:pending']]]);
  const show = JSON.parse((await cli(config, ['queue', 'show', String(id1), '--json'])).stdout) as { from: string; nextAttemptAt: string; log: unknown[] };
  assert.equal(show.from, 'a@x.test');
  assert.deepEqual(show.log, []);
  assert.ok(Date.parse(show.nextAttemptAt) > Date.now() + 1800_000);
  assert.equal((await cli(config, ['queue', 'retry', String(id1)])).code, 0);
  const shown = JSON.parse((await cli(config, ['queue', 'show', String(id1), '--json'])).stdout) as { nextAttemptAt: string };
  assert.ok(Date.parse(shown.nextAttemptAt) <= Date.now(), 'retry makes it due now');
  assert.equal((await cli(config, ['queue', 'delete', String(id1)])).code, 0);
  const miss = await cli(config, ['queue', 'show', String(id1)]);
  assert.equal(miss.code, 1);
  assert.match(miss.stderr, /no queue entry/);
  // the blob stays while the other entry of the same message needs it, and goes with the last one
  const s2 = new SqliteStore({ dataDir: dir });
  assert.ok((await s2.readBlob(r.blobId)).length > 0);
  await s2.close();
  assert.equal((await cli(config, ['queue', 'delete', String(id2)])).code, 0);
  const s3 = new SqliteStore({ dataDir: dir });
  await assert.rejects(s3.readBlob(r.blobId), /not found/);
  await s3.close();
  assert.deepEqual(JSON.parse((await cli(config, ['queue', 'list', '--json'])).stdout), []);
});
