// The caching decorator with a fake clock: TTL expiry (RFC 1035 §3.2.1), negative caching
// (RFC 2308 §5), no caching of failures (RFC 2308 §7), LRU bound, shared in-flight queries.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cachingResolver } from './cache.ts';
import type { DnsAnswer, Resolver } from './resolver.ts';

type Script = Record<string, DnsAnswer<string[]>>;

/** A Resolver whose a() answers from a script and counts calls per name. */
function scripted(script: Script): { resolver: Resolver; calls: Map<string, number> } {
  const calls = new Map<string, number>();
  const a = async (name: string): Promise<DnsAnswer<string[]>> => {
    calls.set(name, (calls.get(name) ?? 0) + 1);
    return script[name] ?? { status: 'nxdomain' };
  };
  const unused = async () => ({ status: 'temperror', reason: 'not scripted' }) as const;
  return { resolver: { a, aaaa: a, mx: unused, txt: unused, ptr: unused, tlsa: unused }, calls };
}

function fakeClock() {
  let now = 1_000_000;
  return { now: () => now, advance: (seconds: number) => (now += seconds * 1000) };
}

test('positive answers live for their TTL, served with the remaining TTL', async () => {
  const clock = fakeClock();
  const { resolver, calls } = scripted({ 'a.test': { status: 'ok', records: ['192.0.2.1'], ttl: 60 } });
  const cache = cachingResolver(resolver, { clock });
  assert.deepEqual(await cache.a('a.test'), { status: 'ok', records: ['192.0.2.1'], ttl: 60 });
  clock.advance(45);
  assert.deepEqual(await cache.a('A.Test.'), { status: 'ok', records: ['192.0.2.1'], ttl: 15 });
  assert.equal(calls.get('a.test'), 1);
  clock.advance(15);
  await cache.a('a.test');
  assert.equal(calls.get('a.test'), 2, 'expired at exactly the TTL');
});

test('TTL clamps: minTtl, maxTtl, and TTL 0 is not cached', async () => {
  const clock = fakeClock();
  const { resolver, calls } = scripted({
    'zero.test': { status: 'ok', records: ['192.0.2.1'], ttl: 0 },
    'long.test': { status: 'ok', records: ['192.0.2.2'], ttl: 1_000_000 },
  });
  const cache = cachingResolver(resolver, { clock, maxTtl: 100 });
  await cache.a('zero.test');
  await cache.a('zero.test');
  assert.equal(calls.get('zero.test'), 2, 'RFC 1035 §3.2.1: TTL 0 = do not cache');
  await cache.a('long.test');
  clock.advance(101);
  await cache.a('long.test');
  assert.equal(calls.get('long.test'), 2, 'maxTtl caps the lifetime');

  const floored = cachingResolver(resolver, { clock, minTtl: 30 });
  await floored.a('zero.test');
  clock.advance(29);
  assert.deepEqual(await floored.a('zero.test'), { status: 'ok', records: ['192.0.2.1'], ttl: 1 });
  assert.equal(calls.get('zero.test'), 3);
});

test('negative caching: NXDOMAIN and NODATA, SOA TTL capped by negativeTtl', async () => {
  const clock = fakeClock();
  const { resolver, calls } = scripted({
    'gone.test': { status: 'nxdomain', ttl: 30 },
    'empty.test': { status: 'nodata' },
    'soa-long.test': { status: 'nxdomain', ttl: 86_400 },
  });
  const cache = cachingResolver(resolver, { clock, negativeTtl: 120 });
  assert.deepEqual(await cache.a('gone.test'), { status: 'nxdomain', ttl: 30 });
  assert.deepEqual(await cache.a('empty.test'), { status: 'nodata' });
  clock.advance(20);
  assert.deepEqual(await cache.a('gone.test'), { status: 'nxdomain', ttl: 10 });
  assert.deepEqual(await cache.a('empty.test'), { status: 'nodata', ttl: 100 }, 'no SOA TTL: negativeTtl');
  assert.equal(calls.get('gone.test'), 1);
  assert.equal(calls.get('empty.test'), 1);
  clock.advance(10);
  await cache.a('gone.test');
  assert.equal(calls.get('gone.test'), 2, 'RFC 2308 §5: the SOA-derived TTL applies');
  await cache.a('soa-long.test');
  clock.advance(121);
  await cache.a('soa-long.test');
  assert.equal(calls.get('soa-long.test'), 2, 'negativeTtl caps a long SOA MINIMUM');
});

test('temperror is never cached (RFC 2308 §7)', async () => {
  const clock = fakeClock();
  const { resolver, calls } = scripted({ 'down.test': { status: 'temperror', reason: 'timeout' } });
  const cache = cachingResolver(resolver, { clock });
  assert.equal((await cache.a('down.test')).status, 'temperror');
  assert.equal((await cache.a('down.test')).status, 'temperror');
  assert.equal(calls.get('down.test'), 2);
  assert.equal(cache.size, 0);
});

test('bounded: least recently used entries are evicted first', async () => {
  const clock = fakeClock();
  const ok = (ip: string): DnsAnswer<string[]> => ({ status: 'ok', records: [ip], ttl: 300 });
  const { resolver, calls } = scripted({ 'a.test': ok('192.0.2.1'), 'b.test': ok('192.0.2.2'), 'c.test': ok('192.0.2.3') });
  const cache = cachingResolver(resolver, { clock, maxEntries: 2 });
  await cache.a('a.test');
  await cache.a('b.test');
  await cache.a('a.test'); // a is now the most recent
  await cache.a('c.test'); // evicts b
  assert.equal(cache.size, 2);
  await cache.a('a.test');
  assert.equal(calls.get('a.test'), 1);
  await cache.a('b.test');
  assert.equal(calls.get('b.test'), 2);
});

test('types are cached apart, and concurrent identical queries share one lookup', async () => {
  const clock = fakeClock();
  const { resolver, calls } = scripted({ 'a.test': { status: 'ok', records: ['192.0.2.1'], ttl: 60 } });
  const cache = cachingResolver(resolver, { clock });
  const [x, y] = await Promise.all([cache.a('a.test'), cache.a('a.test')]);
  assert.deepEqual(x, y);
  assert.equal(calls.get('a.test'), 1);
  await cache.aaaa('a.test');
  assert.equal(calls.get('a.test'), 2, 'AAAA is a different key');
  cache.clear();
  await cache.a('a.test');
  assert.equal(calls.get('a.test'), 3);
});
