/**
 * The upstream backend: the Resolver port over configured recursive servers ("host:port"),
 * every type through our dns-packet stub (stub.ts), so TLSA works and every answer has a TTL.
 *
 * Implements, on the reply: RFC 1035 §4.1.1 (RCODE 3 = NXDOMAIN; NOERROR with no matching
 * record = NODATA, RFC 2308 §2.2), RFC 1034 §4.3.2 / RFC 2181 §10.1.1 (follow the CNAME chain
 * in the answer section from the query name; the answer TTL is the smallest along the chain),
 * RFC 2308 §5 (negative TTL = min(SOA TTL, SOA MINIMUM) from the authority section),
 * RFC 5452 §6 (ignore answer records that are not on the chain from our question).
 */
import type { RecordType as PacketType } from 'dns-packet';
import { fromWire, resolverFromLookup, type RecordLookup, type RecordType, type ZoneRecord } from './records.ts';
import type { DnsAnswer, Resolver } from './resolver.ts';
import { parseServerAddress, RCODE, stubQuery, type ServerAddress, type StubOptions, type StubReply } from './stub.ts';
import { MAX_CNAME_CHAIN } from './zone.ts';

export type UpstreamOptions = {
  /** "127.0.0.1:5353", "[::1]:53", "9.9.9.9" (port 53), or parsed addresses. */
  servers: readonly (string | ServerAddress)[];
  /** Per attempt, ms. Default 2000. */
  timeoutMs?: number;
  /** Rounds over the server list. Default 2. */
  tries?: number;
  /** EDNS(0) UDP size; 0 disables EDNS. Default 1232. */
  ednsUdpSize?: number;
};

export const UPSTREAM_DEFAULTS = { timeoutMs: 2000, tries: 2 } as const;

/** Parse the server list; throws on an entry that is not an IP literal with optional port. */
export function parseServers(servers: readonly (string | ServerAddress)[]): ServerAddress[] {
  return servers.map((s) => {
    if (typeof s !== 'string') return s;
    const parsed = parseServerAddress(s);
    if (parsed === undefined) throw new TypeError(`invalid DNS server "${s}": expected an IP address with an optional :port`);
    return parsed;
  });
}

/** Turn a stub reply into the port's answer for `name`/`type`. */
export function answerFromReply(reply: StubReply, name: string, type: RecordType): DnsAnswer<ZoneRecord[]> {
  if (reply.status === 'temperror') return reply;
  const answers = (reply.packet.answers ?? []).map(fromWire).filter((r) => r !== undefined);
  let current = name;
  let ttl = Number.POSITIVE_INFINITY;
  for (let hop = 0; hop <= MAX_CNAME_CHAIN; hop++) {
    const matching = answers.filter((r) => r.name === current && r.type === type);
    if (matching.length > 0) {
      return { status: 'ok', records: matching, ttl: Math.min(ttl, ...matching.map((r) => r.ttl)) };
    }
    const cname = answers.find((r) => r.name === current && r.type === 'CNAME');
    if (cname === undefined || cname.type !== 'CNAME' || type === 'CNAME') break;
    ttl = Math.min(ttl, cname.ttl);
    current = cname.data;
  }
  const soa = (reply.packet.authorities ?? []).map(fromWire).find((r) => r?.type === 'SOA');
  const negative = soa?.type === 'SOA' ? { ttl: Math.min(soa.ttl, soa.data.minimum) } : {};
  return { status: reply.rcode === RCODE.NXDOMAIN ? 'nxdomain' : 'nodata', ...negative };
}

/** The RecordLookup over upstream servers (also used by the system backend for TLSA if needed). */
export function upstreamLookup(opts: UpstreamOptions): RecordLookup {
  const stub: StubOptions = {
    servers: parseServers(opts.servers),
    timeoutMs: opts.timeoutMs ?? UPSTREAM_DEFAULTS.timeoutMs,
    tries: opts.tries ?? UPSTREAM_DEFAULTS.tries,
    ...(opts.ednsUdpSize === undefined ? {} : { ednsUdpSize: opts.ednsUdpSize }),
  };
  return async (name, type) => answerFromReply(await stubQuery(name, type as PacketType, stub), name, type);
}

/** The upstream backend. Throws TypeError at construction on an invalid server entry. */
export function upstreamResolver(opts: UpstreamOptions): Resolver {
  return resolverFromLookup(upstreamLookup(opts));
}
