/** RFC 5321 §5.1 route selection and RFC 7505 null MX, as a table over a MockResolver. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MockResolver } from '../dns/index.ts';
import { hostAddresses, resolveRoute } from './mx.ts';

const dns = new MockResolver({
  'multi.test': { MX: [{ priority: 20, exchange: 'c.multi.test' }, { priority: 10, exchange: 'a.multi.test' }, { priority: 10, exchange: 'b.multi.test' }] },
  'nomx.test': { A: ['192.0.2.1'] }, // exists, no MX: implicit MX
  'nullmx.test': { MX: [{ priority: 0, exchange: '' }] },
  'broken.test': { temperror: true },
  'a.multi.test': { A: ['192.0.2.10'], AAAA: ['2001:db8::10'] },
  'flaky-host.test': { temperror: ['A'] },
});

test('route: preference order, random among equals (§5.1)', async () => {
  const orders = new Set<string>();
  for (const r of [0.1, 0.9]) {
    let i = 0;
    const route = await resolveRoute(dns, 'multi.test', () => (i++ % 2 === 0 ? r : 1 - r));
    assert.equal(route.kind, 'hosts');
    const names = route.kind === 'hosts' ? route.hosts.map((h) => h.name) : [];
    assert.equal(names[2], 'c.multi.test', 'preference 20 last');
    orders.add(names.slice(0, 2).join(','));
  }
  assert.equal(orders.size, 2, 'equal preferences are shuffled');
});

test('route: implicit MX, null MX, NXDOMAIN, temporary failure', async () => {
  const cases: Array<[string, unknown]> = [
    ['nomx.test', { kind: 'hosts', hosts: [{ name: 'nomx.test', preference: 0, implicit: true }] }], // §5.1 implicit MX
    ['nullmx.test', { kind: 'fail', permanent: true, status: '5.1.10' }], // RFC 7505 §3
    ['nowhere.test', { kind: 'fail', permanent: true, status: '5.1.2' }], // NXDOMAIN
    ['broken.test', { kind: 'fail', permanent: false, status: '4.4.3' }], // SERVFAIL/timeout: retry
  ];
  for (const [domain, want] of cases) {
    const r = await resolveRoute(dns, domain);
    const { reason: _reason, ...rest } = r as { reason?: string };
    assert.deepEqual(rest, want, domain);
  }
});

test('host addresses: IPv4 then IPv6; none; temperror', async () => {
  assert.deepEqual(await hostAddresses(dns, 'a.multi.test'), { kind: 'ok', addresses: ['192.0.2.10', '2001:db8::10'] });
  assert.deepEqual(await hostAddresses(dns, 'nowhere.test'), { kind: 'none' });
  assert.equal((await hostAddresses(dns, 'flaky-host.test')).kind, 'temperror');
});
