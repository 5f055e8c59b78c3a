/**
 * A Resolver built from the `zonedata` of an OpenSPF test-suite scenario (the pyspf YAML schema,
 * see shared/conformance/README.md "spf/"): the conformance tests' mock DNS.
 *
 * Semantics, as the suite's README fixes them: names compare case-insensitively (RFC 4343 §3);
 * a name not listed is NXDOMAIN, a listed name without the type is NODATA (RFC 2308 §2); CNAMEs
 * are followed as a recursive resolver would (RFC 1034 §4.3.2); `TIMEOUT` makes every type that
 * has no record listed before it a temporary failure; a name with SPF records and no TXT entry
 * at all also serves them as TXT (the suite's SPF-to-TXT rule; `TXT: NONE` switches it off); a
 * name that cannot exist in the DNS (RFC 1035 §2.3.4) is NXDOMAIN, as our other backends answer.
 *
 * Must never: be used outside tests and the lab; it validates nothing, on purpose (the suites
 * publish broken records to see what an SPF implementation does with them).
 */
import { canonicalIPv6, normalizeName, reverseName } from '../../dns/names.ts';
import type { DnsAnswer, MxRecord, Resolver, TlsaRecord, TxtRecord } from '../../dns/resolver.ts';

/** One zonedata entry: `TIMEOUT` or a one-key map `{ TYPE: value }`. */
export type SuiteRecord = string | Record<string, unknown>;
export type SuiteZone = Record<string, SuiteRecord[] | null | undefined>;

type Node = {
  records: Map<string, unknown[]>;
  /** Types that answer before a TIMEOUT entry; undefined when the name has no TIMEOUT. */
  answeringBeforeTimeout?: Set<string>;
};

/** Cap on CNAME hops, as a recursive resolver would have (RFC 1034 §4.3.2 loops). */
const MAX_CNAME_HOPS = 8;

function lower(name: string): string | undefined {
  return normalizeName(name);
}

function buildNodes(zone: SuiteZone): Map<string, Node> {
  const nodes = new Map<string, Node>();
  for (const [rawName, entries] of Object.entries(zone)) {
    const name = rawName.toLowerCase().replace(/\.$/, '');
    const node: Node = nodes.get(name) ?? { records: new Map() };
    nodes.set(name, node);
    let txtListed = false;
    for (const entry of entries ?? []) {
      if (entry === 'TIMEOUT') {
        node.answeringBeforeTimeout ??= new Set([...node.records.keys()].filter((t) => (node.records.get(t) ?? []).length > 0));
        continue;
      }
      if (typeof entry !== 'object' || entry === null) continue;
      for (const [rawType, value] of Object.entries(entry)) {
        const type = rawType.toUpperCase();
        if (type === 'TXT') txtListed = true;
        if (type === 'TXT' && value === 'NONE') {
          if (!node.records.has('TXT')) node.records.set('TXT', []);
          continue;
        }
        const list = node.records.get(type) ?? [];
        list.push(value);
        node.records.set(type, list);
      }
    }
    // The SPF-to-TXT rule: only when the name lists no TXT entry at all.
    if (!txtListed && node.records.has('SPF')) node.records.set('TXT', [...(node.records.get('SPF') ?? [])]);
    if (node.answeringBeforeTimeout?.has('SPF') && !txtListed) node.answeringBeforeTimeout.add('TXT');
  }
  return nodes;
}

function txtRecord(value: unknown): TxtRecord {
  const chunks = Array.isArray(value) ? value.map(String) : [String(value)];
  return { chunks, text: chunks.join('') };
}

/** The Resolver for one scenario. */
export function suiteResolver(zone: SuiteZone): Resolver {
  const nodes = buildNodes(zone);

  const lookup = (name: string, type: string, hops = 0): DnsAnswer<unknown[]> => {
    const n = lower(name);
    if (n === undefined || n === '') return { status: 'nxdomain' };
    const node = nodes.get(n);
    if (node === undefined) return { status: 'nxdomain' };
    if (node.answeringBeforeTimeout !== undefined && !node.answeringBeforeTimeout.has(type)) {
      return { status: 'temperror', reason: `timeout ${n} ${type}` };
    }
    const records = node.records.get(type) ?? [];
    if (records.length > 0) return { status: 'ok', records, ttl: 300 };
    const cname = node.records.get('CNAME')?.[0];
    if (typeof cname === 'string' && cname !== '' && hops < MAX_CNAME_HOPS) return lookup(cname, type, hops + 1);
    return { status: 'nodata' };
  };

  const typed = <T>(answer: DnsAnswer<unknown[]>, map: (v: unknown) => T): DnsAnswer<T[]> =>
    answer.status === 'ok' ? { status: 'ok', ttl: answer.ttl, records: answer.records.map(map) } : answer;

  return {
    mx: async (name) =>
      typed(lookup(name, 'MX'), (v): MxRecord => {
        const [priority, exchange] = v as [number, string];
        return { priority, exchange: String(exchange).toLowerCase().replace(/\.$/, '') };
      }),
    a: async (name) => typed(lookup(name, 'A'), (v) => String(v)),
    aaaa: async (name) => typed(lookup(name, 'AAAA'), (v) => canonicalIPv6(String(v)) ?? String(v)),
    txt: async (name) => typed(lookup(name, 'TXT'), txtRecord),
    ptr: async (ip) => {
      const rev = reverseName(ip);
      if (rev === undefined) return { status: 'nxdomain' };
      return typed(lookup(rev, 'PTR'), (v) => String(v).toLowerCase().replace(/\.$/, ''));
    },
    tlsa: async (): Promise<DnsAnswer<TlsaRecord[]>> => ({ status: 'nodata' }),
  };
}
