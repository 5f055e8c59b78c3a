/**
 * Which MTA-STS policy applies to a recipient domain (RFC 8461 §3.3, §5.1), with the policy cache:
 *
 *  1. Look up `_mta-sts.<domain>` TXT (§3.1).
 *  2. A cached, unexpired policy whose id equals the record's id is used as it is (no fetch).
 *  3. Otherwise (no cache, expired, or the id changed) the policy is fetched over HTTPS (§3.3); a
 *     valid one replaces the cache entry with expiry fetched_at + max_age.
 *  4. When the TXT lookup fails or finds no record, or the fetch or parse fails, a cached
 *     unexpired policy is still used (§5.1: an attacker who blocks DNS or HTTPS must not turn
 *     the policy off); without one the domain has no policy and delivery is opportunistic.
 *
 * The cache is a narrow slice of the store port; DNS comes through the Resolver port and the
 * fetch is injected, so this module has no sockets of its own (delivery/mtasts.test.ts).
 */
import type { Resolver } from '../dns/resolver.ts';
import type { MtaStsPolicyStore } from '../store/ports.ts';
import { selectStsRecord } from '../standards/mtasts/record.ts';
import { parseStsPolicy, type StsPolicy } from '../standards/mtasts/policy.ts';
import type { FetchResult } from '../standards/mtasts/fetch.ts';

export interface AppliedPolicy {
  domain: string;
  id: string;
  policy: StsPolicy;
  /** 'fetched' now, or from the cache ('cache': id unchanged; 'cache-fallback': TXT or fetch failed). */
  source: 'fetched' | 'cache' | 'cache-fallback';
  /** Why the cache had to be used, for 'cache-fallback'. */
  note?: string;
}

export interface PolicyLookupDeps {
  resolver: Resolver;
  cache: Pick<MtaStsPolicyStore, 'get' | 'put'>;
  /** Fetches the policy text of `domain` over HTTPS (standards/mtasts/fetch.ts). */
  fetch(domain: string): Promise<FetchResult>;
  now?: () => number;
}

export type PolicyLookup = (domain: string) => Promise<{ applied: AppliedPolicy | null; note?: string }>;

export function mtaStsPolicyLookup(deps: PolicyLookupDeps): PolicyLookup {
  const now = deps.now ?? Date.now;
  return async (domainIn) => {
    const domain = domainIn.toLowerCase();
    const cached = await deps.cache.get(domain);
    const t = now();
    const live = cached && cached.expiresAt > t ? parseStsPolicy(cached.policy) : null;
    const fallback = (why: string): { applied: AppliedPolicy | null; note: string } =>
      live?.ok ? { applied: { domain, id: cached!.id, policy: live.policy, source: 'cache-fallback', note: why }, note: why } : { applied: null, note: why };

    const txt = await deps.resolver.txt(`_mta-sts.${domain}`);
    if (txt.status === 'temperror') return fallback(`TXT lookup of _mta-sts.${domain} failed (${txt.reason})`);
    if (txt.status !== 'ok') return fallback(`no _mta-sts.${domain} TXT record`);
    const rec = selectStsRecord(txt.records.map((r) => r.text));
    if (!rec.ok) return fallback(`_mta-sts.${domain}: ${rec.error}`);
    const id = rec.record.id;
    // §3.3: the cached policy stays current while the record's id is unchanged.
    if (live?.ok && cached!.id === id) return { applied: { domain, id, policy: live.policy, source: 'cache' } };
    const fetched = await deps.fetch(domain);
    if (!fetched.ok) return fallback(fetched.error);
    const parsed = parseStsPolicy(fetched.text);
    if (!parsed.ok) return fallback(`policy of ${domain} is invalid: ${parsed.error}`);
    const fetchedAt = now();
    await deps.cache.put({ domain, id, policy: fetched.text, fetchedAt, expiresAt: fetchedAt + parsed.policy.maxAge * 1000 });
    return { applied: { domain, id, policy: parsed.policy, source: 'fetched' } };
  };
}
