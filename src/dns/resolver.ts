/**
 * The Resolver port: the only way the rest of mailwarden asks the DNS anything.
 *
 * Implements the caller-visible semantics of RFC 1035 §4.1.1 (RCODE: NXDOMAIN vs. NOERROR),
 * RFC 2308 §1/§2 (negative answers: NXDOMAIN = "the name does not exist", NODATA = "the name
 * exists but has no record of this type"), RFC 3596 (AAAA), RFC 6698 §2 (TLSA), RFC 1035 §3.5 /
 * RFC 3596 §2.5 (PTR via reverse names). RFC 2782 (SRV) is not needed by mail and not offered.
 * RFC 7505 (null MX) is a caller rule: an MX answer `[{ priority: 0, exchange: '' }]` is a
 * null MX and delivery/ must treat it as "this domain accepts no mail".
 *
 * Every answer is a closed union so a caller cannot confuse "no such name" with "try later":
 * SPF (RFC 7208 §5/§2.6.6), DKIM (RFC 6376 §6.1.2) and DMARC (RFC 7489 §6.6.3) each decide
 * differently for NXDOMAIN, NODATA and temporary failure.
 *
 * Must never: throw for a DNS outcome (only the mailauth adapter throws, because that is the
 * contract it adapts to).
 */
import { ipFromReverseName, isIpLiteral } from './names.ts';

/** One answer. `ttl` is in seconds (RFC 1035 §3.2.1); for negative answers it is optional. */
export type DnsAnswer<T> =
  | { status: 'ok'; records: T; ttl: number }
  /** RFC 2308 §2.1: the name does not exist. `ttl` when the backend knows the negative TTL. */
  | { status: 'nxdomain'; ttl?: number }
  /** RFC 2308 §2.2: the name exists but has no record of the type asked. */
  | { status: 'nodata'; ttl?: number }
  /** Timeout, SERVFAIL, REFUSED, network error, undecodable reply: ask again later. */
  | { status: 'temperror'; reason: string };

/** RFC 1035 §3.3.9. `exchange` is canonical: '' is the root, i.e. a null MX (RFC 7505 §3). */
export type MxRecord = { priority: number; exchange: string };

/**
 * RFC 1035 §3.3.14: a TXT record is one or more <character-string>s of ≤ 255 octets each.
 * `chunks` keeps them apart; `text` is their concatenation, which is what SPF (RFC 7208 §3.3),
 * DKIM (RFC 6376 §3.6.2.2) and DMARC (RFC 7489 §6.4) want.
 */
export type TxtRecord = { chunks: string[]; text: string };

/** RFC 6698 §2.1: certificate usage, selector, matching type, certificate association data. */
export type TlsaRecord = { usage: number; selector: number; matchingType: number; data: Uint8Array };

/** Record types the port offers (what mail needs). */
export type QueryType = 'MX' | 'A' | 'AAAA' | 'TXT' | 'PTR' | 'TLSA';

export interface Resolver {
  mx(name: string): Promise<DnsAnswer<MxRecord[]>>;
  /** IPv4 addresses (RFC 1035 §3.4.1), dotted quad. */
  a(name: string): Promise<DnsAnswer<string[]>>;
  /** IPv6 addresses (RFC 3596 §2.2), RFC 5952 text form. */
  aaaa(name: string): Promise<DnsAnswer<string[]>>;
  txt(name: string): Promise<DnsAnswer<TxtRecord[]>>;
  /** PTR names for an IP address (the reverse name is built here, RFC 1035 §3.5, RFC 3596 §2.5). */
  ptr(ip: string): Promise<DnsAnswer<string[]>>;
  /** TLSA records, e.g. for `_25._tcp.mx.example.com` (RFC 6698 §3, RFC 7672 §2.2). */
  tlsa(name: string): Promise<DnsAnswer<TlsaRecord[]>>;
}

/** An error shaped like the ones node:dns/promises rejects with. */
export type DnsLikeError = Error & { code: string; hostname: string; syscall: string };

/** mailauth's `resolver` option: `(name, rrtype) => Promise<records>` like `dns.promises.resolve`. */
export type MailauthResolver = (name: string, rrtype: string) => Promise<unknown[]>;

function dnsError(code: string, syscall: string, name: string): DnsLikeError {
  return Object.assign(new Error(`${syscall} ${code} ${name}`), { code, hostname: name, syscall });
}

/**
 * Unwrap an answer the way node:dns/promises would: records, or a rejection with
 * ENOTFOUND (NXDOMAIN), ENODATA (NODATA), ETIMEOUT or ESERVFAIL (temporary failure).
 */
function unwrap<T, U>(answer: DnsAnswer<T>, syscall: string, name: string, map: (records: T) => U[]): U[] {
  switch (answer.status) {
    case 'ok':
      return map(answer.records);
    case 'nxdomain':
      throw dnsError('ENOTFOUND', syscall, name);
    case 'nodata':
      throw dnsError('ENODATA', syscall, name);
    case 'temperror':
      throw dnsError(/^(timeout|ETIMEOUT)/i.test(answer.reason) ? 'ETIMEOUT' : 'ESERVFAIL', syscall, name);
  }
}

/**
 * Adapt a Resolver to mailauth's contract. Result shapes follow node:dns/promises:
 * MX → `{ exchange, priority }[]`, A/AAAA → `string[]`, TXT → `string[][]` (chunks),
 * PTR → `string[]` (name may be a reverse name or an IP), TLSA → `{ certUsage, selector,
 * match, data: ArrayBuffer }[]` (node's resolveTlsa shape). Other types reject with ENOTIMP.
 */
export function toMailauthResolver(resolver: Resolver): MailauthResolver {
  return async (name, rrtype) => {
    const type = rrtype.toUpperCase();
    switch (type) {
      case 'MX':
        return unwrap(await resolver.mx(name), 'queryMx', name, (r) => r.map((mx) => ({ ...mx })));
      case 'A':
        return unwrap(await resolver.a(name), 'queryA', name, (r) => [...r]);
      case 'AAAA':
        return unwrap(await resolver.aaaa(name), 'queryAaaa', name, (r) => [...r]);
      case 'TXT':
        return unwrap(await resolver.txt(name), 'queryTxt', name, (r) => r.map((t) => [...t.chunks]));
      case 'PTR': {
        const ip = isIpLiteral(name) ? name : ipFromReverseName(name);
        if (ip === undefined) throw dnsError('ENOTFOUND', 'queryPtr', name);
        return unwrap(await resolver.ptr(ip), 'queryPtr', name, (r) => [...r]);
      }
      case 'TLSA':
        return unwrap(await resolver.tlsa(name), 'queryTlsa', name, (r) =>
          r.map((t) => ({
            certUsage: t.usage,
            selector: t.selector,
            match: t.matchingType,
            data: t.data.buffer.slice(t.data.byteOffset, t.data.byteOffset + t.data.byteLength),
          })),
        );
      default:
        throw dnsError('ENOTIMP', `query${type}`, name);
    }
  };
}
