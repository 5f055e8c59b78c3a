/**
 * A static zone: the zone-file backend of the Resolver port, and the data the lab DNS server
 * serves.
 *
 * Implements RFC 1034 §4.3.2 (lookup: exact match, CNAME following, NXDOMAIN vs. no data),
 * RFC 1034 §3.6.2 + RFC 2181 §10.1 (a CNAME owner has no other data), RFC 2181 §5 (an RRset
 * has no duplicate records), RFC 2308 §5 (negative TTL = min(SOA TTL, SOA MINIMUM)),
 * RFC 8020 §2 (an empty non-terminal, e.g. `_domainkey.example.test` above a DKIM key, exists:
 * NODATA, not NXDOMAIN). Parsing is in zonefile.ts (RFC 1035 §5) and zonejson.ts.
 *
 * Apexes (the zones this data is authoritative for): the `zones` list of a JSON zone, every
 * SOA owner, else the master file's first $ORIGIN; any owner name still outside every apex gets
 * an implicit zone at its last two labels. An apex without SOA gets a synthesized one so that
 * negative answers carry a TTL (RFC 2308 §3). Wildcards (RFC 4592) are not supported.
 *
 * Failure rules (records.ts FailureRule, a lab extension): a query for a name with a rule for its
 * type — at the query name or anywhere along its CNAME chain — fails: the Resolver port answers
 * `temperror` ("SERVFAIL ..." or "timeout ..."), the lab DNS server answers SERVFAIL or nothing.
 */
import { readFile } from 'node:fs/promises';
import { isSubdomain, parentName } from './names.ts';
import { resolverFromLookup, type FailureKind, type FailureRule, type RecordType, type ZoneRecord } from './records.ts';
import type { DnsAnswer, Resolver } from './resolver.ts';
import { parseMasterFile, type ZoneError } from './zonefile.ts';
import { parseJsonZone } from './zonejson.ts';

/** Hops of CNAME following before we give up (RFC 1034 §3.6.2 says chains should be short). */
export const MAX_CNAME_CHAIN = 8;

type SoaRecord = Extract<ZoneRecord, { type: 'SOA' }>;

export type LookupResult =
  /** `chain`: the CNAMEs followed from the query name, in order. */
  | { kind: 'answer'; chain: ZoneRecord[]; records: ZoneRecord[] }
  /** `name`: the last name looked up (the query name or the end of the CNAME chain). */
  | { kind: 'nxdomain'; chain: ZoneRecord[]; name: string }
  | { kind: 'nodata'; chain: ZoneRecord[]; name: string }
  /** A failure rule matched at `name` (the query name or a CNAME target). */
  | { kind: 'fail'; failure: FailureKind; chain: ZoneRecord[]; name: string };

export type ZoneResult = { ok: true; zone: Zone } | { ok: false; error: ZoneError };

const recordKey = (r: ZoneRecord): string => `${r.name} ${r.type} ${JSON.stringify(r.data)}`;
const lastTwoLabels = (name: string): string => name.split('.').slice(-2).join('.');

function synthesizedSoa(apex: string): SoaRecord {
  const under = (label: string) => (apex === '' ? label : `${label}.${apex}`);
  return {
    name: apex,
    type: 'SOA',
    ttl: 3600,
    data: { mname: under('ns'), rname: under('hostmaster'), serial: 1, refresh: 3600, retry: 600, expire: 86400, minimum: 300 },
  };
}

export class Zone {
  /** Longest first, so apexOf() finds the closest enclosing zone. */
  readonly apexes: readonly string[];
  readonly #byName: Map<string, ZoneRecord[]>;
  readonly #existing: Set<string>;
  readonly #failures: Map<string, FailureRule[]>;

  private constructor(records: ZoneRecord[], apexes: string[], failures: FailureRule[] = []) {
    this.apexes = [...apexes].sort((x, y) => y.length - x.length);
    this.#failures = new Map();
    for (const f of failures) this.#failures.set(f.name, [...(this.#failures.get(f.name) ?? []), f]);
    this.#byName = new Map();
    for (const r of records) {
      const list = this.#byName.get(r.name);
      if (list) list.push(r);
      else this.#byName.set(r.name, [r]);
    }
    // RFC 8020 §2: every ancestor of an owner, up to its apex, exists (empty non-terminals).
    this.#existing = new Set();
    for (const name of this.#byName.keys()) {
      const apex = this.apexOf(name);
      for (let n: string | undefined = name; n !== undefined; n = parentName(n)) {
        this.#existing.add(n);
        if (n === apex || apex === undefined) break;
      }
    }
  }

  /** Validate records and work out apexes; see the module comment. */
  static build(input: ZoneRecord[], hints: { zones?: string[]; origin?: string; failures?: FailureRule[] } = {}): ZoneResult {
    const seen = new Set<string>();
    const records = input.filter((r) => !seen.has(recordKey(r)) && seen.add(recordKey(r)));
    const types = new Map<string, RecordType[]>();
    for (const r of records) types.set(r.name, [...(types.get(r.name) ?? []), r.type]);
    for (const [name, list] of types) {
      // RFC 1034 §3.6.2, RFC 2181 §10.1: CNAME and other data cannot share an owner.
      if (list.includes('CNAME') && list.length > 1) {
        return { ok: false, error: { message: `${name || '.'} has a CNAME and other records (RFC 2181 §10.1)` } };
      }
    }
    const cnameError = findCnameLoop(records);
    if (cnameError !== undefined) return { ok: false, error: { message: cnameError } };

    const apexes = new Set(hints.zones ?? []);
    for (const r of records) if (r.type === 'SOA') apexes.add(r.name);
    if (apexes.size === 0 && hints.origin !== undefined) apexes.add(hints.origin);
    const failures = hints.failures ?? [];
    for (const name of [...types.keys(), ...failures.map((f) => f.name)]) {
      if (![...apexes].some((a) => isSubdomain(name, a))) apexes.add(lastTwoLabels(name));
    }
    for (const apex of apexes) {
      if (!records.some((r) => r.type === 'SOA' && r.name === apex)) records.push(synthesizedSoa(apex));
    }
    return { ok: true, zone: new Zone(records, [...apexes], failures) };
  }

  /** The failure rules (SERVFAIL / TIMEOUT) of the zone file. */
  failures(): FailureRule[] {
    return [...this.#failures.values()].flat();
  }

  /** The failure a query for `type` at `name` meets, if a rule covers it ('ANY' meets any rule). */
  failureFor(name: string, type: string): FailureKind | undefined {
    return this.#failures.get(name)?.find((f) => f.types === null || type === 'ANY' || f.types.includes(type as RecordType))?.kind;
  }

  /** The closest apex at or above `name`, or undefined when the name is outside our zones. */
  apexOf(name: string): string | undefined {
    return this.apexes.find((a) => isSubdomain(name, a));
  }

  /** The SOA of the zone containing `name` (for the authority section of negative answers). */
  soaFor(name: string): SoaRecord | undefined {
    const apex = this.apexOf(name);
    if (apex === undefined) return undefined;
    return this.#byName.get(apex)?.find((r): r is SoaRecord => r.type === 'SOA');
  }

  /** RFC 2308 §5: the negative TTL is min(SOA TTL, SOA MINIMUM). */
  negativeTtl(name: string): number | undefined {
    const soa = this.soaFor(name);
    return soa === undefined ? undefined : Math.min(soa.ttl, soa.data.minimum);
  }

  /** Every record, synthesized SOAs included. */
  records(): ZoneRecord[] {
    return [...this.#byName.values()].flat();
  }

  /**
   * RFC 1034 §4.3.2 step 3, for names in our data: `type` may be any mnemonic ('ANY' returns
   * every record at the name without following CNAMEs; unknown types yield NODATA).
   */
  lookup(name: string, type: string): LookupResult {
    const chain: ZoneRecord[] = [];
    let current = name;
    for (let hop = 0; hop <= MAX_CNAME_CHAIN; hop++) {
      const failure = this.failureFor(current, type);
      if (failure !== undefined) return { kind: 'fail', failure, chain, name: current };
      const rrs = this.#byName.get(current);
      if (rrs === undefined) {
        return { kind: this.#existing.has(current) ? 'nodata' : 'nxdomain', chain, name: current };
      }
      const matching = type === 'ANY' ? rrs : rrs.filter((r) => r.type === type);
      if (matching.length > 0) return { kind: 'answer', chain, records: matching };
      const cname = rrs.find((r) => r.type === 'CNAME');
      if (cname === undefined || cname.type !== 'CNAME') return { kind: 'nodata', chain, name: current };
      chain.push(cname); // RFC 1034 §4.3.2 step 3a: restart at the canonical name
      current = cname.data;
    }
    return { kind: 'nodata', chain, name: current };
  }

  /** The lookup as a DnsAnswer; TTL of a CNAME-chained answer is the minimum along the chain. */
  answer(name: string, type: RecordType): DnsAnswer<ZoneRecord[]> {
    const result = this.lookup(name, type);
    if (result.kind === 'answer') {
      const ttl = Math.min(...[...result.chain, ...result.records].map((r) => r.ttl));
      return { status: 'ok', records: result.records, ttl };
    }
    if (result.kind === 'fail') {
      // "timeout" first: the mailauth adapter turns it into ETIMEOUT, anything else into ESERVFAIL.
      const rule = `zone file ${result.failure.toUpperCase()} rule for ${result.name || '.'}`;
      return { status: 'temperror', reason: result.failure === 'timeout' ? `timeout (${rule})` : `SERVFAIL (${rule})` };
    }
    const ttl = this.negativeTtl(result.name);
    return ttl === undefined ? { status: result.kind } : { status: result.kind, ttl };
  }
}

function findCnameLoop(records: ZoneRecord[]): string | undefined {
  const target = new Map<string, string>();
  for (const r of records) if (r.type === 'CNAME') target.set(r.name, r.data);
  for (const start of target.keys()) {
    let current: string | undefined = start;
    for (let hop = 0; current !== undefined; hop++) {
      if (hop > MAX_CNAME_CHAIN) return `CNAME chain from ${start} loops or is longer than ${MAX_CNAME_CHAIN}`;
      current = target.get(current);
    }
  }
  return undefined;
}

/** Parse a zone in either form. `format` defaults to JSON when the text starts with "{". */
export function parseZone(text: string, opts: { format?: 'master' | 'json'; origin?: string } = {}): ZoneResult {
  const format = opts.format ?? (text.trimStart().startsWith('{') ? 'json' : 'master');
  if (format === 'json') {
    const parsed = parseJsonZone(text);
    return parsed.ok ? Zone.build(parsed.records, { zones: parsed.zones, failures: parsed.failures }) : parsed;
  }
  const parsed = parseMasterFile(text, opts.origin === undefined ? {} : { origin: opts.origin });
  if (!parsed.ok) return parsed;
  return Zone.build(parsed.records, parsed.origin === undefined ? { failures: parsed.failures } : { origin: parsed.origin, failures: parsed.failures });
}

/** Read and parse a zone file (JSON when the name ends in .json or the text starts with "{"). */
export async function loadZoneFile(path: string, opts: { origin?: string } = {}): Promise<ZoneResult> {
  const text = await readFile(path, 'utf8');
  return parseZone(text, { ...opts, ...(path.endsWith('.json') ? { format: 'json' as const } : {}) });
}

/** The zone-file backend: a Resolver answering from a Zone, nothing else (no network). */
export function zoneResolver(zone: Zone): Resolver {
  return resolverFromLookup(async (name, type) => zone.answer(name, type));
}

/** "file:line: message" for logs and startup errors. */
export function formatZoneError(error: ZoneError, file?: string): string {
  const where = [file, error.line, error.record === undefined ? undefined : `record ${error.record}`]
    .filter((x) => x !== undefined)
    .join(':');
  return where === '' ? error.message : `${where}: ${error.message}`;
}
