/**
 * Publishing our own MTA-STS policy (RFC 8461 §3.1-§3.3): the HTTPS listener serves
 * /.well-known/mta-sts.txt for Host mta-sts.<local domain> (text/plain, mx = our hostname, the
 * configured mode and max_age), 404 for other hosts; `dns records` (recordsToPublish) adds the
 * `_mta-sts` TXT with the id of exactly that text, and the mta-sts A/AAAA records; mode none
 * publishes nothing.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:https';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { configSchema } from '../../src/config/schema.ts';
import { publishedMtaStsRecord } from '../../src/app/mtasts.ts';
import { recordsToPublish, formatZone } from '../../src/dns/publish.ts';
import { parseZone } from '../../src/dns/index.ts';
import { parseStsPolicy, policyId } from '../../src/standards/mtasts/policy.ts';
import { selectStsRecord } from '../../src/standards/mtasts/record.ts';

let S: TestServer;

before(async () => {
  S = await startTestServer({ hostname: 'MX.Example.test', mta_sts: { mode: 'enforce', max_age: 86400 } });
});
after(async () => S?.close());

function get(host: string, path = '/.well-known/mta-sts.txt'): Promise<{ status: number; type: string; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: S.port('https'), path, headers: { Host: host }, rejectUnauthorized: false, agent: false }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type'] ?? ''), body }));
    });
    req.on('error', reject);
    req.end();
  });
}

test('GET /.well-known/mta-sts.txt with Host mta-sts.<local domain>: the policy, text/plain', async () => {
  const r = await get(`mta-sts.example.test:${S.port('https')}`);
  assert.equal(r.status, 200);
  assert.match(r.type, /^text\/plain/);
  assert.deepEqual(parseStsPolicy(r.body), { ok: true, policy: { mode: 'enforce', mx: ['mx.example.test'], maxAge: 86400 } });
  assert.equal((await get('MTA-STS.other.test')).status, 200, 'every local domain, Host case-insensitive');
});

test('other hosts and paths: 404', async () => {
  assert.equal((await get('mta-sts.unknown.test')).status, 404, 'not a local domain');
  assert.equal((await get('example.test')).status, 404, 'not the policy host');
  assert.equal((await get('mta-sts.example.test', '/.well-known/mta-sts.txt.bak')).status, 404);
});

test('dns records: _mta-sts TXT with the id of the served text, mta-sts A/AAAA; mode none: nothing', async () => {
  const config = S.app.config;
  const p = publishedMtaStsRecord(config)!;
  assert.equal(p.mode, 'enforce');
  const served = await get('mta-sts.example.test');
  assert.equal(p.text, served.body);
  assert.equal(p.id, policyId(served.body));
  const pub = recordsToPublish({ domain: 'example.test', mxHost: 'mx.example.test', ips: ['192.0.2.25', '2001:db8::25'], dkim: [], mtaSts: { id: p.id, mode: p.mode } });
  const txt = pub.records.find((r) => r.name === '_mta-sts.example.test');
  assert.equal(txt?.type, 'TXT');
  const rec = selectStsRecord([txt!.value]);
  assert.ok(rec.ok);
  assert.equal(rec.record.id, p.id);
  assert.deepEqual(pub.records.filter((r) => r.name === 'mta-sts.example.test').map((r) => [r.type, r.value]), [['A', '192.0.2.25'], ['AAAA', '2001:db8::25']]);
  assert.ok(parseZone(formatZone(pub)).ok, 'still a valid zone');
  assert.deepEqual(pub.records.filter((r) => r.name.startsWith('_smtp._tls')).map((r) => r.value), ['v=TLSRPTv1; rua=mailto:postmaster@example.test'], 'the TLS-RPT record (RFC 8460 §3, docs/outbound.md "TLS reporting")');
  // the default: testing; none: no records at all
  const defaults = configSchema.parse({});
  assert.equal(defaults.mta_sts.mode, 'testing');
  assert.equal(publishedMtaStsRecord(defaults)?.mode, 'testing');
  assert.equal(publishedMtaStsRecord({ ...defaults, mta_sts: { ...defaults.mta_sts, mode: 'none' } }), null);
  const none = recordsToPublish({ domain: 'example.test', mxHost: 'mx.example.test', ips: ['192.0.2.25'], dkim: [] });
  assert.equal(none.records.some((r) => r.name.includes('mta-sts')), false);
});
