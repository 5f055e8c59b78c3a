/**
 * The dns/ module's public face and its one factory.
 *
 * createResolver picks a backend: a zone file when given (the lab, tests: no network at all),
 * else the upstream servers when given (our dns-packet stub, RFC 1035 §4.2, RFC 7766 §5,
 * RFC 6891), else the system resolver (node:dns, /etc/resolv.conf); then wraps it in the
 * TTL-respecting cache (RFC 2308 §5 negative caching; temperrors never cached) unless
 * `cache: false`. See docs/dns.md.
 */
import { cachingResolver, type CacheOptions } from './cache.ts';
import type { Resolver } from './resolver.ts';
import { systemResolver } from './system.ts';
import { upstreamResolver } from './upstream.ts';
import { formatZoneError, loadZoneFile, zoneResolver } from './zone.ts';

export type ResolverConfig = {
  /** Recursive servers, "ip[:port]" / "[ipv6]:port". Ignored when zoneFile is set. */
  servers?: readonly string[];
  /** A zone file (RFC 1035 master file, or the JSON form) to answer from instead of the network. */
  zoneFile?: string;
  /** Initial $ORIGIN for a master zone file without one. */
  zoneOrigin?: string;
  /** Per attempt, ms. Default 2000. */
  timeoutMs?: number;
  /** Rounds over the servers. Default 2. */
  tries?: number;
  /** true (default) = cache with defaults; false = no cache; object = cache with these options. */
  cache?: boolean | CacheOptions;
};

export type ResolverBackend = 'zone' | 'upstream' | 'system';

/** Which backend a configuration selects (exported so config docs and logs can say so). */
export function backendFor(cfg: ResolverConfig): ResolverBackend {
  if (cfg.zoneFile !== undefined) return 'zone';
  if (cfg.servers !== undefined && cfg.servers.length > 0) return 'upstream';
  return 'system';
}

/**
 * Build the application's Resolver. Rejects (at startup) on an unreadable or invalid zone
 * file or an invalid server address, with a message naming the file and line.
 */
export async function createResolver(cfg: ResolverConfig = {}): Promise<Resolver> {
  const timing = { timeoutMs: cfg.timeoutMs ?? 2000, tries: cfg.tries ?? 2 };
  let backend: Resolver;
  switch (backendFor(cfg)) {
    case 'zone': {
      const file = cfg.zoneFile as string;
      const loaded = await loadZoneFile(file, cfg.zoneOrigin === undefined ? {} : { origin: cfg.zoneOrigin });
      if (!loaded.ok) throw new Error(`zone file ${formatZoneError(loaded.error, file)}`);
      backend = zoneResolver(loaded.zone);
      break;
    }
    case 'upstream':
      backend = upstreamResolver({ servers: cfg.servers ?? [], ...timing });
      break;
    case 'system':
      backend = systemResolver(timing);
      break;
  }
  if (cfg.cache === false) return backend;
  return cachingResolver(backend, cfg.cache === true || cfg.cache === undefined ? {} : cfg.cache);
}

export { cachingResolver, CACHE_DEFAULTS, type CacheOptions, type Clock } from './cache.ts';
export { MockResolver, type MockData, type MockEntry, type MockQuery } from './mock.ts';
export { canonicalIPv6, ipFromReverseName, normalizeName, reverseName } from './names.ts';
export { RECORD_TYPES, type RecordType, type ZoneRecord } from './records.ts';
export {
  toMailauthResolver,
  type DnsAnswer,
  type MailauthResolver,
  type MxRecord,
  type QueryType,
  type Resolver,
  type TlsaRecord,
  type TxtRecord,
} from './resolver.ts';
export { respond } from './responder.ts';
export { startDnsServer, type DnsServer, type DnsServerOptions, type ListenAddress } from './server.ts';
export { parseServerAddress, type ServerAddress } from './stub.ts';
export { systemResolver, type SystemOptions } from './system.ts';
export { upstreamResolver, type UpstreamOptions } from './upstream.ts';
export { formatZoneError, loadZoneFile, parseZone, Zone, zoneResolver, type LookupResult, type ZoneResult } from './zone.ts';
export { parseMasterFile, type ZoneError } from './zonefile.ts';
export { parseJsonZone } from './zonejson.ts';
