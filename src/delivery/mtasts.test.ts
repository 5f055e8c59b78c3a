/**
 * The MTA-STS policy lookup and cache (RFC 8461 §3.3, §5.1) with a mock resolver, an in-memory
 * cache and a scripted fetch: fetched and cached; reused while the TXT id is unchanged; fetched
 * again when it changes or the cache has expired; the cached policy kept when the TXT lookup or
 * the fetch fails; no policy without a record or a cache.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MockResolver } from '../dns/mock.ts';
import type { MtaStsCachedPolicy } from '../store/ports.ts';
import type { FetchResult } from '../standards/mtasts/fetch.ts';
import { mtaStsPolicyLookup } from './mtasts.ts';

const ENFORCE = 'version: STSv1\nmode: enforce\nmx: mx.a.test\nmax_age: 100\n';
const TESTING = 'version: STSv1\nmode: testing\nmx: mx.a.test\nmax_age: 100\n';

function setup(records: Record<string, ConstructorParameters<typeof MockResolver>[0][string]>) {
  const cache = new Map<string, MtaStsCachedPolicy>();
  let clock = 1_000_000;
  let next: FetchResult = { ok: true, text: ENFORCE };
  const fetched: string[] = [];
  const lookup = mtaStsPolicyLookup({
    resolver: new MockResolver(records),
    cache: { get: async (d) => cache.get(d) ?? null, put: async (p) => void cache.set(p.domain, p) },
    fetch: async (d) => {
      fetched.push(d);
      return next;
    },
    now: () => clock,
  });
  return { cache, lookup, fetched, setNext: (r: FetchResult) => (next = r), advance: (ms: number) => (clock += ms) };
}

test('fetched once, cached with expiry = fetch time + max_age, reused while the id is unchanged', async () => {
  const s = setup({ '_mta-sts.a.test': { TXT: ['v=STSv1; id=one'] } });
  const r1 = await s.lookup('A.test');
  assert.equal(r1.applied?.source, 'fetched');
  assert.equal(r1.applied?.policy.mode, 'enforce');
  assert.deepEqual(s.cache.get('a.test'), { domain: 'a.test', id: 'one', policy: ENFORCE, fetchedAt: 1_000_000, expiresAt: 1_100_000 });
  const r2 = await s.lookup('a.test');
  assert.equal(r2.applied?.source, 'cache');
  assert.deepEqual(s.fetched, ['a.test'], 'no second fetch');
});

test('a changed TXT id fetches the policy again (§3.3); so does an expired cache', async () => {
  const s = setup({ '_mta-sts.a.test': { TXT: ['v=STSv1; id=two'] } });
  s.cache.set('a.test', { domain: 'a.test', id: 'one', policy: TESTING, fetchedAt: 0, expiresAt: 2_000_000 });
  const r = await s.lookup('a.test');
  assert.equal(r.applied?.source, 'fetched');
  assert.equal(r.applied?.policy.mode, 'enforce');
  assert.equal(s.cache.get('a.test')?.id, 'two');
  s.advance(200_000); // past max_age (100 s)
  s.setNext({ ok: true, text: TESTING });
  assert.equal((await s.lookup('a.test')).applied?.policy.mode, 'testing', 'expired: fetched again despite the same id');
  assert.equal(s.fetched.length, 2);
});

test('§5.1: a failed fetch, an invalid policy, a TXT temperror or a vanished record keep the cached unexpired policy', async () => {
  const s = setup({ '_mta-sts.a.test': { TXT: ['v=STSv1; id=new'] }, '_mta-sts.b.test': { temperror: true }, 'b.test': { A: ['192.0.2.1'] } });
  const cached = (d: string): MtaStsCachedPolicy => ({ domain: d, id: 'old', policy: ENFORCE, fetchedAt: 0, expiresAt: 2_000_000 });
  s.cache.set('a.test', cached('a.test'));
  s.setNext({ ok: false, error: 'connection refused' });
  let r = await s.lookup('a.test');
  assert.equal(r.applied?.source, 'cache-fallback');
  assert.equal(r.applied?.policy.mode, 'enforce');
  assert.match(r.note ?? '', /connection refused/);
  s.setNext({ ok: true, text: '<html>' });
  r = await s.lookup('a.test');
  assert.equal(r.applied?.source, 'cache-fallback', 'an invalid policy does not replace the cache');
  assert.equal(s.cache.get('a.test')?.id, 'old');
  s.cache.set('b.test', cached('b.test'));
  assert.equal((await s.lookup('b.test')).applied?.source, 'cache-fallback', 'TXT temperror');
  s.cache.set('c.test', cached('c.test'));
  assert.equal((await s.lookup('c.test')).applied?.policy.mode, 'enforce', 'TXT record gone (NXDOMAIN): the cached policy still applies');
  s.advance(1_500_000); // all expired now
  assert.equal((await s.lookup('c.test')).applied, null, 'an expired cache is not used');
});

test('no record and no cache: no policy (opportunistic); a record but a failed fetch and no cache: no policy', async () => {
  const s = setup({ '_mta-sts.a.test': { TXT: ['v=STSv1; id=1'] }, 'plain.test': { A: ['192.0.2.1'] }, '_mta-sts.two.test': { TXT: ['v=STSv1; id=1', 'v=STSv1; id=2'] } });
  assert.equal((await s.lookup('plain.test')).applied, null);
  assert.equal((await s.lookup('two.test')).applied, null, 'two STS records: no policy (§3.1)');
  s.setNext({ ok: false, error: 'HTTP 404' });
  const r = await s.lookup('a.test');
  assert.equal(r.applied, null);
  assert.match(r.note ?? '', /404/);
  assert.deepEqual(s.fetched, ['a.test'], 'no fetch without a valid record');
});
