/**
 * A caching decorator for the Resolver port.
 *
 * Implements RFC 1035 §3.2.1 / RFC 2181 §8 (a record may be cached for its TTL, and no
 * longer), RFC 2308 §5 (negative answers, NXDOMAIN and NODATA, are cached too, for the
 * negative TTL taken from the SOA when the backend reports one, capped by `negativeTtl`),
 * RFC 2308 §7 (server failures and timeouts are NOT cached: a temperror is retried on the next
 * query). A TTL of 0 means "use once, do not cache" (RFC 1035 §3.2.1) unless `minTtl` raises
 * it. Answers served from the cache carry the remaining TTL.
 *
 * Bounded: at most `maxEntries` answers, least recently used evicted first. Concurrent
 * identical queries share one upstream query. Time comes from an injected clock so tests
 * need no sleeping.
 */
import type { DnsAnswer, QueryType, Resolver } from './resolver.ts';

export type Clock = { now(): number };

export type CacheOptions = {
  /** Most answers kept (LRU eviction). Default 10 000. */
  maxEntries?: number;
  /** Floor for positive TTLs, seconds. Default 0. */
  minTtl?: number;
  /** Ceiling for positive TTLs, seconds. Default 86 400 (one day, as common resolvers do). */
  maxTtl?: number;
  /** Ceiling (and default) for negative TTLs, seconds. Default 300. RFC 2308 §5 says ≤ 3 h. */
  negativeTtl?: number;
  /** Milliseconds, monotonic. Default performance.now(). */
  clock?: Clock;
};

type Entry = { answer: DnsAnswer<unknown>; expiresAt: number; ttl: number };

export const CACHE_DEFAULTS = { maxEntries: 10_000, minTtl: 0, maxTtl: 86_400, negativeTtl: 300 } as const;

/** How long (seconds) an answer may be cached, or 0 for "not at all". */
function cacheSeconds(answer: DnsAnswer<unknown>, o: Required<Omit<CacheOptions, 'clock'>>): number {
  switch (answer.status) {
    case 'ok':
      return Math.min(Math.max(answer.ttl, o.minTtl), o.maxTtl);
    case 'nxdomain':
    case 'nodata':
      return Math.min(Math.max(answer.ttl ?? o.negativeTtl, o.minTtl), o.negativeTtl);
    case 'temperror':
      return 0; // RFC 2308 §7.1: do not cache server failures/timeouts here
  }
}

/** Copy of `answer` whose TTL is what is left of it. */
function withRemaining<T>(answer: DnsAnswer<T>, remaining: number): DnsAnswer<T> {
  if (answer.status === 'ok') return { ...answer, ttl: remaining };
  if (answer.status === 'nxdomain' || answer.status === 'nodata') return { status: answer.status, ttl: remaining };
  return answer;
}

export function cachingResolver(inner: Resolver, opts: CacheOptions = {}): Resolver & { readonly size: number; clear(): void } {
  const o = {
    maxEntries: opts.maxEntries ?? CACHE_DEFAULTS.maxEntries,
    minTtl: opts.minTtl ?? CACHE_DEFAULTS.minTtl,
    maxTtl: opts.maxTtl ?? CACHE_DEFAULTS.maxTtl,
    negativeTtl: opts.negativeTtl ?? CACHE_DEFAULTS.negativeTtl,
  };
  const clock = opts.clock ?? { now: () => performance.now() };
  // A Map iterates in insertion order: re-inserting on a hit makes the first key the LRU one.
  const entries = new Map<string, Entry>();
  const inflight = new Map<string, Promise<DnsAnswer<unknown>>>();

  function store(key: string, answer: DnsAnswer<unknown>): void {
    const seconds = cacheSeconds(answer, o);
    if (seconds <= 0 || o.maxEntries <= 0) return;
    entries.delete(key);
    entries.set(key, { answer, ttl: seconds, expiresAt: clock.now() + seconds * 1000 });
    while (entries.size > o.maxEntries) {
      const oldest = entries.keys().next().value;
      if (oldest === undefined) break;
      entries.delete(oldest);
    }
  }

  function cached<T>(type: QueryType, name: string, fetch: () => Promise<DnsAnswer<T>>): Promise<DnsAnswer<T>> {
    const key = `${type} ${name.toLowerCase().replace(/\.$/, '')}`;
    const hit = entries.get(key);
    if (hit !== undefined) {
      const left = hit.expiresAt - clock.now();
      if (left > 0) {
        entries.delete(key);
        entries.set(key, hit);
        return Promise.resolve(withRemaining(hit.answer as DnsAnswer<T>, Math.ceil(left / 1000)));
      }
      entries.delete(key);
    }
    const pending = inflight.get(key);
    if (pending !== undefined) return pending as Promise<DnsAnswer<T>>;
    const promise = fetch().then(
      (answer) => {
        inflight.delete(key);
        store(key, answer);
        return answer;
      },
      (err: unknown) => {
        inflight.delete(key);
        throw err;
      },
    );
    inflight.set(key, promise);
    return promise;
  }

  return {
    mx: (name) => cached('MX', name, () => inner.mx(name)),
    a: (name) => cached('A', name, () => inner.a(name)),
    aaaa: (name) => cached('AAAA', name, () => inner.aaaa(name)),
    txt: (name) => cached('TXT', name, () => inner.txt(name)),
    ptr: (ip) => cached('PTR', ip, () => inner.ptr(ip)),
    tlsa: (name) => cached('TLSA', name, () => inner.tlsa(name)),
    get size() {
      return entries.size;
    },
    clear() {
      entries.clear();
    },
  };
}
