/**
 * The resource-record model shared by the zone backend, the MockResolver, the lab DNS server
 * and the stub resolver, its validation, and its conversion to and from dns-packet.
 *
 * Implements the RDATA formats of RFC 1035 §3.3 (CNAME §3.3.1, MX §3.3.9, NS §3.3.11,
 * PTR §3.3.12, SOA §3.3.13, TXT §3.3.14) and §3.4.1 (A), RFC 3596 §2.2 (AAAA), RFC 6698 §2.1
 * (TLSA), RFC 4408 §3.1.1 (SPF, type 99: TXT's format; RFC 7208 §3.1 retired it, so checkers look
 * only at TXT, but a lab zone can publish one to show that); RFC 2181 §8 (TTL is 0..2^31-1).
 * Also the lab's failure rules (zone files only, never on the wire): a name whose queries fail
 * with SERVFAIL or time out.
 *
 * Trusts: nothing; checkRecord() is run on every record a zone file, JSON zone or mock
 * supplies, and fromWire() drops records it cannot represent.
 */
import { Buffer } from 'node:buffer';
import { isIPv4 } from 'node:net';
import type { Answer } from 'dns-packet';
import { canonicalIPv6, normalizeName, reverseName } from './names.ts';
import type { DnsAnswer, MxRecord, Resolver, TlsaRecord, TxtRecord } from './resolver.ts';

export const RECORD_TYPES = ['A', 'AAAA', 'MX', 'TXT', 'SPF', 'PTR', 'TLSA', 'CNAME', 'NS', 'SOA'] as const;
export type RecordType = (typeof RECORD_TYPES)[number];

/**
 * A lab failure rule (zone files only): queries for `name` — every type, or only `types` — fail
 * the way a broken server makes them fail: `servfail` (RCODE 2, RFC 1035 §4.1.1) or `timeout`
 * (no answer at all). The Resolver port answers both `temperror`.
 */
export type FailureKind = 'servfail' | 'timeout';
export type FailureRule = { name: string; kind: FailureKind; types: RecordType[] | null };
/** The pseudo-types that write a failure rule in a zone file. */
export const FAILURE_TYPES: Readonly<Record<string, FailureKind>> = { SERVFAIL: 'servfail', TIMEOUT: 'timeout' };

/** RFC 1035 §3.3.9; exchange canonical ('' = root = null MX, RFC 7505). */
export type MxData = { preference: number; exchange: string };
/** RFC 6698 §2.1; `certificate` is lower-case hex (the presentation format of §2.2). */
export type TlsaData = { usage: number; selector: number; matchingType: number; certificate: string };
/** RFC 1035 §3.3.13. */
export type SoaData = {
  mname: string;
  rname: string;
  serial: number;
  refresh: number;
  retry: number;
  expire: number;
  minimum: number;
};

export type RecordDataMap = {
  A: string;
  AAAA: string;
  MX: MxData;
  /** The <character-string>s, each ≤ 255 octets (RFC 1035 §3.3.14). */
  TXT: string[];
  /** RFC 4408 §3.1.1: the same format as TXT. */
  SPF: string[];
  PTR: string;
  CNAME: string;
  NS: string;
  TLSA: TlsaData;
  SOA: SoaData;
};

/** One RR; `name` canonical (see names.ts), `ttl` seconds. */
export type ZoneRecord = {
  [K in RecordType]: { name: string; type: K; ttl: number; data: RecordDataMap[K] };
}[RecordType];

/** RFC 2181 §8: a TTL is an unsigned 31-bit number. */
export const MAX_TTL = 2 ** 31 - 1;
/** RFC 1035 §3.3: a <character-string> is at most 255 octets. */
export const MAX_CHARACTER_STRING = 255;

export function isRecordType(s: string): s is RecordType {
  return (RECORD_TYPES as readonly string[]).includes(s);
}

const isUint = (n: unknown, max: number): n is number =>
  typeof n === 'number' && Number.isInteger(n) && n >= 0 && n <= max;
const isName = (s: unknown): s is string => typeof s === 'string' && normalizeName(s) === s;

/** Why a record is invalid, or undefined when it is fine. Names must already be canonical. */
export function checkRecord(r: ZoneRecord): string | undefined {
  if (!isName(r.name)) return `invalid owner name ${JSON.stringify(r.name)}`;
  if (!isUint(r.ttl, MAX_TTL)) return `invalid TTL ${String(r.ttl)} (RFC 2181 §8: 0..${MAX_TTL})`;
  switch (r.type) {
    case 'A':
      return typeof r.data === 'string' && isIPv4(r.data) ? undefined : `invalid IPv4 address ${String(r.data)}`;
    case 'AAAA':
      return typeof r.data === 'string' && canonicalIPv6(r.data) === r.data
        ? undefined
        : `invalid IPv6 address ${String(r.data)}`;
    case 'PTR':
    case 'CNAME':
    case 'NS':
      return isName(r.data) && r.data !== '' ? undefined : `invalid ${r.type} target ${String(r.data)}`;
    case 'MX':
      if (!isUint(r.data.preference, 0xffff)) return 'MX preference must be 0..65535';
      return isName(r.data.exchange) ? undefined : `invalid MX exchange ${String(r.data.exchange)}`;
    case 'TXT':
    case 'SPF':
      if (!Array.isArray(r.data) || r.data.length === 0) return `${r.type} needs at least one string`;
      for (const s of r.data) {
        if (typeof s !== 'string') return `${r.type} strings must be strings`;
        if (Buffer.byteLength(s) > MAX_CHARACTER_STRING) return `${r.type} string longer than 255 octets (RFC 1035 §3.3)`;
      }
      return undefined;
    case 'TLSA': {
      const d = r.data;
      if (!isUint(d.usage, 255) || !isUint(d.selector, 255) || !isUint(d.matchingType, 255)) {
        return 'TLSA usage, selector and matching type must be 0..255 (RFC 6698 §2.1)';
      }
      return typeof d.certificate === 'string' && /^(?:[0-9a-f]{2})+$/.test(d.certificate)
        ? undefined
        : 'TLSA certificate association data must be non-empty hex (RFC 6698 §2.2)';
    }
    case 'SOA': {
      const d = r.data;
      if (!isName(d.mname) || !isName(d.rname)) return 'invalid SOA MNAME or RNAME';
      const nums = [d.serial, d.refresh, d.retry, d.expire, d.minimum];
      return nums.every((n) => isUint(n, 0xffffffff)) ? undefined : 'SOA numbers must be 0..4294967295';
    }
  }
}

/** dns-packet writes the root as '.'. */
const wireName = (n: string): string => (n === '' ? '.' : n);

/** A record as a dns-packet answer (for encoding). */
export function toWire(r: ZoneRecord): Answer {
  const base = { name: wireName(r.name), ttl: r.ttl, class: 'IN' as const };
  switch (r.type) {
    case 'A':
    case 'AAAA':
      return { ...base, type: r.type, data: r.data };
    case 'PTR':
    case 'CNAME':
    case 'NS':
      return { ...base, type: r.type, data: wireName(r.data) };
    case 'MX':
      return { ...base, type: 'MX', data: { preference: r.data.preference, exchange: wireName(r.data.exchange) } };
    case 'TXT':
      return { ...base, type: 'TXT', data: r.data.map((s) => Buffer.from(s)) };
    case 'SPF':
      // dns-packet knows type 99 by name only: its RDATA goes out as given (the TXT format).
      return { ...base, type: 'SPF', data: characterStrings(r.data) } as unknown as Answer;
    case 'TLSA':
      return { ...base, type: 'TLSA', data: { ...r.data, certificate: Buffer.from(r.data.certificate, 'hex') } };
    case 'SOA':
      return { ...base, type: 'SOA', data: { ...r.data, mname: wireName(r.data.mname), rname: wireName(r.data.rname) } };
  }
}

/** RFC 1035 §3.3: <character-string>s on the wire, each a length octet and its bytes. */
function characterStrings(strings: readonly string[]): Buffer {
  return Buffer.concat(strings.flatMap((s) => [Buffer.from([Buffer.byteLength(s)]), Buffer.from(s)]));
}

/** The <character-string>s of a raw TXT-format RDATA, or undefined when a length runs past the end. */
function readCharacterStrings(rdata: Buffer): string[] | undefined {
  const out: string[] = [];
  for (let i = 0; i < rdata.length; ) {
    const len = rdata[i] as number;
    if (i + 1 + len > rdata.length) return undefined;
    out.push(rdata.subarray(i + 1, i + 1 + len).toString('utf8'));
    i += 1 + len;
  }
  return out.length ? out : undefined;
}

/** A decoded dns-packet answer as a record, or undefined for types we do not model. */
export function fromWire(a: Answer): ZoneRecord | undefined {
  if (a.type === 'OPT') return undefined;
  const name = normalizeName(a.name);
  if (name === undefined) return undefined;
  const ttl = a.ttl ?? 0;
  if ((a.type as string) === 'SPF') {
    const raw: unknown = (a as { data?: unknown }).data;
    const data = Buffer.isBuffer(raw) ? readCharacterStrings(raw) : undefined;
    return data === undefined ? undefined : { name, ttl, type: 'SPF', data };
  }
  const target = (d: unknown): string | undefined => (typeof d === 'string' ? normalizeName(d) : undefined);
  switch (a.type) {
    case 'A':
      return isIPv4(a.data) ? { name, ttl, type: 'A', data: a.data } : undefined;
    case 'AAAA': {
      const ip = canonicalIPv6(a.data);
      return ip === undefined ? undefined : { name, ttl, type: 'AAAA', data: ip };
    }
    case 'PTR':
    case 'CNAME':
    case 'NS': {
      const data = target(a.data);
      return data === undefined ? undefined : { name, ttl, type: a.type, data };
    }
    case 'MX': {
      const exchange = target(a.data.exchange);
      if (exchange === undefined) return undefined;
      return { name, ttl, type: 'MX', data: { preference: a.data.preference ?? 0, exchange } };
    }
    case 'TXT': {
      const parts = Array.isArray(a.data) ? a.data : [a.data];
      return { name, ttl, type: 'TXT', data: parts.map((p) => (typeof p === 'string' ? p : p.toString('utf8'))) };
    }
    case 'TLSA':
      return { name, ttl, type: 'TLSA', data: { ...a.data, certificate: a.data.certificate.toString('hex') } };
    case 'SOA': {
      const mname = target(a.data.mname);
      const rname = target(a.data.rname);
      if (mname === undefined || rname === undefined) return undefined;
      const d = a.data;
      return {
        name,
        ttl,
        type: 'SOA',
        data: {
          mname,
          rname,
          serial: d.serial ?? 0,
          refresh: d.refresh ?? 0,
          retry: d.retry ?? 0,
          expire: d.expire ?? 0,
          minimum: d.minimum ?? 0,
        },
      };
    }
    default:
      return undefined;
  }
}

/** A backend's one primitive: the records of one type at one name (after CNAMEs). */
export type RecordLookup = (name: string, type: RecordType) => Promise<DnsAnswer<ZoneRecord[]>>;

type DataOf<K extends RecordType> = Extract<ZoneRecord, { type: K }>['data'];

function mapAnswer<K extends RecordType, T>(
  answer: DnsAnswer<ZoneRecord[]>,
  type: K,
  map: (data: DataOf<K>) => T,
): DnsAnswer<T[]> {
  if (answer.status !== 'ok') return answer;
  const records = answer.records.filter((r): r is Extract<ZoneRecord, { type: K }> => r.type === type);
  if (records.length === 0) return { status: 'nodata' };
  return { status: 'ok', ttl: answer.ttl, records: records.map((r) => map(r.data as DataOf<K>)) };
}

/** Build the typed Resolver port on top of a RecordLookup (zone, mock and upstream backends). */
export function resolverFromLookup(lookup: RecordLookup): Resolver {
  const query = async <K extends RecordType, T>(name: string, type: K, map: (d: DataOf<K>) => T) => {
    const n = normalizeName(name);
    // A name that cannot exist in the DNS (RFC 1035 §2.3.4) is answered without a query.
    if (n === undefined) return { status: 'nxdomain' } as const;
    return mapAnswer(await lookup(n, type), type, map);
  };
  return {
    mx: (name) => query(name, 'MX', (d): MxRecord => ({ priority: d.preference, exchange: d.exchange })),
    a: (name) => query(name, 'A', (d) => d),
    aaaa: (name) => query(name, 'AAAA', (d) => d),
    txt: (name) => query(name, 'TXT', (d): TxtRecord => ({ chunks: [...d], text: d.join('') })),
    ptr: (ip) => {
      const rev = reverseName(ip);
      if (rev === undefined) return Promise.resolve({ status: 'nxdomain' });
      return query(rev, 'PTR', (d) => d);
    },
    tlsa: (name) =>
      query(name, 'TLSA', (d): TlsaRecord => ({
        usage: d.usage,
        selector: d.selector,
        matchingType: d.matchingType,
        data: new Uint8Array(Buffer.from(d.certificate, 'hex')),
      })),
  };
}
