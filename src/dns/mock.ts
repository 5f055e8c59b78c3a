/**
 * MockResolver: an in-memory Resolver built from a plain object, for the tests of other
 * modules (SPF, DKIM, DMARC, delivery, the SMTP server). It is the zone backend (zone.ts, same
 * RFC 1034 §4.3.2 / RFC 2308 / RFC 8020 semantics) plus two test conveniences: a log of the
 * queries made (SPF's RFC 7208 §4.6.4 lookup limits are tested by counting them) and names
 * or types that answer `temperror`.
 *
 * ```ts
 * const dns = new MockResolver({
 *   'example.test': { MX: [{ priority: 10, exchange: 'mx.example.test' }], TXT: ['v=spf1 mx -all'] },
 *   'mx.example.test': { A: ['192.0.2.25'], AAAA: ['2001:db8::25'] },
 *   'sel._domainkey.example.test': { TXT: [['v=DKIM1; k=rsa; p=MIIB', 'IjANBg…']] },
 *   'www.example.test': { CNAME: 'example.test' },
 *   '192.0.2.25': { PTR: ['mx.example.test'] },          // an IP key means its reverse name
 *   'broken.test': { temperror: true },                  // every type: temperror
 *   'slow.test': { A: ['192.0.2.9'], temperror: ['TXT'] } // only TXT: temperror
 * });
 * ```
 * Names not in the object are NXDOMAIN; known names without the type are NODATA.
 */
import { Buffer } from 'node:buffer';
import { canonicalIPv6, isIpLiteral, normalizeName, reverseName } from './names.ts';
import { checkRecord, resolverFromLookup, type RecordType, type ZoneRecord } from './records.ts';
import type { DnsAnswer, MxRecord, QueryType, Resolver, TlsaRecord, TxtRecord } from './resolver.ts';
import { splitCharacterStrings } from './zonejson.ts';
import { Zone } from './zone.ts';

export type MockEntry = {
  MX?: readonly MxRecord[];
  A?: readonly string[];
  AAAA?: readonly string[];
  /** Each record: one string (split into ≤ 255-octet chunks) or its chunks. */
  TXT?: readonly (string | readonly string[])[];
  PTR?: readonly string[];
  TLSA?: readonly (Omit<TlsaRecord, 'data'> & { data: Uint8Array | string })[];
  CNAME?: string;
  /** `true`: every query for this name is a temperror; a list: only those types. */
  temperror?: true | readonly QueryType[];
};

export type MockData = Record<string, MockEntry>;
export type MockQuery = { type: QueryType; name: string };

const hex = (d: Uint8Array | string): string => (typeof d === 'string' ? d.toLowerCase() : Buffer.from(d).toString('hex'));

function toRecords(key: string, entry: MockEntry, ttl: number): ZoneRecord[] {
  const name = normalizeName(isIpLiteral(key) ? (reverseName(key) ?? key) : key);
  if (name === undefined) throw new Error(`MockResolver: invalid name ${key}`);
  const out: ZoneRecord[] = [];
  const target = (n: string) => normalizeName(n) ?? n;
  for (const mx of entry.MX ?? []) out.push({ name, ttl, type: 'MX', data: { preference: mx.priority, exchange: target(mx.exchange) } });
  for (const a of entry.A ?? []) out.push({ name, ttl, type: 'A', data: a });
  for (const a of entry.AAAA ?? []) out.push({ name, ttl, type: 'AAAA', data: canonicalIPv6(a) ?? a });
  for (const t of entry.TXT ?? []) out.push({ name, ttl, type: 'TXT', data: typeof t === 'string' ? splitCharacterStrings(t) : [...t] });
  for (const p of entry.PTR ?? []) out.push({ name, ttl, type: 'PTR', data: target(p) });
  for (const t of entry.TLSA ?? []) {
    out.push({ name, ttl, type: 'TLSA', data: { usage: t.usage, selector: t.selector, matchingType: t.matchingType, certificate: hex(t.data) } });
  }
  if (entry.CNAME !== undefined) out.push({ name, ttl, type: 'CNAME', data: target(entry.CNAME) });
  return out;
}

export class MockResolver implements Resolver {
  /** Every query made, in order: `{ type: 'TXT', name: 'example.test' }`. */
  readonly queries: MockQuery[] = [];
  readonly #inner: Resolver;
  readonly #temperror = new Map<string, true | readonly QueryType[]>();

  /** Throws on invalid data: a broken fixture should fail the test that uses it, loudly. */
  constructor(data: MockData, opts: { ttl?: number } = {}) {
    const ttl = opts.ttl ?? 300;
    const records: ZoneRecord[] = [];
    for (const [key, entry] of Object.entries(data)) {
      for (const r of toRecords(key, entry, ttl)) {
        const problem = checkRecord(r);
        if (problem !== undefined) throw new Error(`MockResolver: ${key}: ${problem}`);
        records.push(r);
      }
      if (entry.temperror !== undefined) {
        const name = isIpLiteral(key) ? reverseName(key) : normalizeName(key);
        if (name !== undefined) this.#temperror.set(name, entry.temperror);
      }
    }
    const built = Zone.build(records);
    if (!built.ok) throw new Error(`MockResolver: ${built.error.message}`);
    const zone = built.zone;
    this.#inner = resolverFromLookup(async (name: string, type: RecordType) => this.#answer(zone, name, type));
  }

  #answer(zone: Zone, name: string, type: RecordType): DnsAnswer<ZoneRecord[]> {
    const failing = this.#temperror.get(name);
    if (failing === true || failing?.includes(type as QueryType)) {
      return { status: 'temperror', reason: `mock temperror for ${name} ${type}` };
    }
    return zone.answer(name, type);
  }

  #log<T>(type: QueryType, name: string, run: () => Promise<T>): Promise<T> {
    this.queries.push({ type, name });
    return run();
  }

  mx(name: string) {
    return this.#log('MX', name, () => this.#inner.mx(name));
  }
  a(name: string) {
    return this.#log('A', name, () => this.#inner.a(name));
  }
  aaaa(name: string) {
    return this.#log('AAAA', name, () => this.#inner.aaaa(name));
  }
  txt(name: string): Promise<DnsAnswer<TxtRecord[]>> {
    return this.#log('TXT', name, () => this.#inner.txt(name));
  }
  ptr(ip: string) {
    return this.#log('PTR', ip, () => this.#inner.ptr(ip));
  }
  tlsa(name: string) {
    return this.#log('TLSA', name, () => this.#inner.tlsa(name));
  }
}
