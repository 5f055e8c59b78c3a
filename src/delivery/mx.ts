/**
 * Where mail for a domain goes (RFC 5321 §5.1): the MX records sorted by preference, with a
 * random order among equal preferences; the implicit MX (the domain's own A/AAAA) when the
 * domain has no MX; a null MX (RFC 7505) or a domain that does not exist is a permanent failure,
 * a DNS temporary failure a reason to retry.
 *
 * Pure apart from the injected Resolver port; never opens a connection.
 */
import type { Resolver } from '../dns/resolver.ts';

export interface MxHost {
  /** Host name (used for TLS SNI and certificate checks). */
  name: string;
  preference: number;
  /** True for the RFC 5321 §5.1 implicit MX (the domain itself). */
  implicit: boolean;
}

export type Route =
  | { kind: 'hosts'; hosts: MxHost[] }
  /** `status` is the RFC 3463 code for the DSN; permanent decides bounce vs retry. */
  | { kind: 'fail'; permanent: boolean; status: string; reason: string };

/** More MX hosts than this are not tried in one attempt (a sane bound, like Postfix's 5). */
export const MAX_MX_HOSTS = 10;
/** Addresses tried per host in one attempt. */
export const MAX_ADDRESSES_PER_HOST = 4;

export async function resolveRoute(resolver: Resolver, domain: string, random: () => number = Math.random): Promise<Route> {
  const mx = await resolver.mx(domain);
  switch (mx.status) {
    case 'temperror':
      return { kind: 'fail', permanent: false, status: '4.4.3', reason: `DNS lookup of MX for ${domain} failed temporarily (${mx.reason})` };
    case 'nxdomain':
      // RFC 5321 §5.1 / RFC 3463 X.1.2: the destination domain does not exist.
      return { kind: 'fail', permanent: true, status: '5.1.2', reason: `domain ${domain} does not exist (DNS NXDOMAIN)` };
    case 'nodata':
      // RFC 5321 §5.1: no MX records, so the domain itself is the implicit MX.
      return { kind: 'hosts', hosts: [{ name: domain, preference: 0, implicit: true }] };
    case 'ok': {
      const records = mx.records.filter((r) => r.exchange !== '');
      // RFC 7505 §3-4: a lone MX "0 ." says the domain accepts no mail: fail at once, no retry.
      if (records.length === 0) return { kind: 'fail', permanent: true, status: '5.1.10', reason: `domain ${domain} accepts no mail (null MX, RFC 7505)` };
      // RFC 5321 §5.1: sort by preference; randomize among equal preferences.
      const keyed = records.map((r) => ({ r, k: random() }));
      keyed.sort((a, b) => a.r.priority - b.r.priority || a.k - b.k);
      const seen = new Set<string>();
      const hosts: MxHost[] = [];
      for (const { r } of keyed) {
        if (seen.has(r.exchange)) continue;
        seen.add(r.exchange);
        hosts.push({ name: r.exchange, preference: r.priority, implicit: false });
      }
      return { kind: 'hosts', hosts: hosts.slice(0, MAX_MX_HOSTS) };
    }
  }
}

export type HostAddresses = { kind: 'ok'; addresses: string[] } | { kind: 'none' } | { kind: 'temperror'; reason: string };

/** The IPv4 then IPv6 addresses of an MX host (RFC 5321 §5.1 asks for both families). */
export async function hostAddresses(resolver: Resolver, host: string): Promise<HostAddresses> {
  const [a, aaaa] = await Promise.all([resolver.a(host), resolver.aaaa(host)]);
  const addresses = [...(a.status === 'ok' ? a.records.slice(0, MAX_ADDRESSES_PER_HOST) : []), ...(aaaa.status === 'ok' ? aaaa.records.slice(0, MAX_ADDRESSES_PER_HOST) : [])];
  if (addresses.length) return { kind: 'ok', addresses };
  if (a.status === 'temperror' || aaaa.status === 'temperror') return { kind: 'temperror', reason: a.status === 'temperror' ? a.reason : (aaaa as { reason: string }).reason };
  return { kind: 'none' };
}
