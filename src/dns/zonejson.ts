/**
 * The JSON zone form, sans-I/O: an alternative to RFC 1035 §5 master files that is easy to
 * generate from code (the lab writes these). Same record model and the same checks
 * (records.ts checkRecord); RDATA meanings as in RFC 1035 §3.3, RFC 3596 §2.2, RFC 6698 §2.1.
 *
 * ```json
 * { "zones": ["example.test"],            // optional: apexes served (else SOA owners)
 *   "ttl": 3600,                          // optional: default TTL for records without one
 *   "records": [
 *     { "name": "example.test", "type": "MX", "ttl": 300,
 *       "data": { "preference": 10, "exchange": "mx.example.test" } },
 *     { "name": "mx.example.test", "type": "A", "data": "192.0.2.25" },
 *     { "name": "example.test", "type": "TXT", "data": "v=spf1 mx -all" },
 *     { "name": "_25._tcp.mx.example.test", "type": "TLSA",
 *       "data": { "usage": 3, "selector": 1, "matchingType": 1, "certificate": "ab12…" } } ] }
 * ```
 * Names are absolute (a trailing dot is optional). TXT data is a string or an array of
 * strings (the <character-string>s); a single string longer than 255 octets is split into
 * 255-octet chunks, as DKIM keys need (RFC 6376 §3.6.2.2). SOA data has mname, rname,
 * serial, refresh, retry, expire, minimum. "." as MX exchange is a null MX (RFC 7505). SPF (type
 * 99) data is written like TXT. Lab failure rules: `{ "name": "broken.test", "type": "SERVFAIL" }`
 * or `"type": "TIMEOUT"`, with an optional `"data": ["TXT", "MX"]` limiting them to those types.
 */
import { Buffer } from 'node:buffer';
import { canonicalIPv6, normalizeName } from './names.ts';
import { FAILURE_TYPES, MAX_CHARACTER_STRING, checkRecord, isRecordType, type FailureRule, type RecordType, type ZoneRecord } from './records.ts';
import type { ZoneError } from './zonefile.ts';

export type JsonZoneResult =
  | { ok: true; records: ZoneRecord[]; zones: string[]; failures: FailureRule[] }
  | { ok: false; error: ZoneError };

export const DEFAULT_JSON_TTL = 3600;

/** Split a string into ≤ 255-octet chunks without cutting a UTF-8 sequence. */
export function splitCharacterStrings(text: string): string[] {
  if (Buffer.byteLength(text) <= MAX_CHARACTER_STRING) return [text];
  const chunks: string[] = [];
  let current = '';
  for (const ch of text) {
    if (Buffer.byteLength(current + ch) > MAX_CHARACTER_STRING) {
      chunks.push(current);
      current = '';
    }
    current += ch;
  }
  chunks.push(current);
  return chunks;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function nameField(v: unknown): string | undefined {
  return typeof v === 'string' ? normalizeName(v) : undefined;
}

type Converted = { ok: true; data: ZoneRecord['data'] } | { ok: false; message: string };
const good = (data: ZoneRecord['data']): Converted => ({ ok: true, data });
const bad = (message: string): Converted => ({ ok: false, message });

/** Turn the JSON `data` of one record into the model's data; checkRecord() does the rest. */
function convertData(type: ZoneRecord['type'], data: unknown): Converted {
  switch (type) {
    case 'A':
      return typeof data === 'string' ? good(data) : bad('A data must be a string');
    case 'AAAA': {
      const ip = typeof data === 'string' ? canonicalIPv6(data) : undefined;
      return ip === undefined ? bad('AAAA data must be an IPv6 address') : good(ip);
    }
    case 'PTR':
    case 'CNAME':
    case 'NS': {
      const target = nameField(data);
      return target === undefined ? bad(`${type} data must be a domain name`) : good(target);
    }
    case 'TXT':
    case 'SPF':
      if (typeof data === 'string') return good(splitCharacterStrings(data));
      if (Array.isArray(data) && data.every((s) => typeof s === 'string')) return good(data as string[]);
      return bad(`${type} data must be a string or an array of strings`);
    case 'MX': {
      if (!isObject(data)) return bad('MX data must be { preference, exchange }');
      const exchange = nameField(data.exchange);
      if (exchange === undefined) return bad('MX exchange must be a domain name');
      return good({ preference: data.preference as number, exchange });
    }
    case 'TLSA': {
      if (!isObject(data)) return bad('TLSA data must be { usage, selector, matchingType, certificate }');
      const cert = typeof data.certificate === 'string' ? data.certificate.replace(/\s+/g, '').toLowerCase() : '';
      const n = (k: string) => data[k] as number;
      return good({ usage: n('usage'), selector: n('selector'), matchingType: n('matchingType'), certificate: cert });
    }
    case 'SOA': {
      if (!isObject(data)) return bad('SOA data must be an object');
      const mname = nameField(data.mname);
      const rname = nameField(data.rname);
      if (mname === undefined || rname === undefined) return bad('SOA mname and rname must be domain names');
      const n = (k: string) => data[k] as number;
      return good({ mname, rname, serial: n('serial'), refresh: n('refresh'), retry: n('retry'), expire: n('expire'), minimum: n('minimum') });
    }
  }
}

/** Parse the JSON zone form (already JSON.parse'd or as text). */
export function parseJsonZone(input: unknown): JsonZoneResult {
  let doc = input;
  if (typeof input === 'string') {
    try {
      doc = JSON.parse(input);
    } catch (err) {
      return { ok: false, error: { message: `invalid JSON: ${(err as Error).message}` } };
    }
  }
  if (!isObject(doc) || !Array.isArray(doc.records)) {
    return { ok: false, error: { message: 'a JSON zone is an object with a "records" array' } };
  }
  const defaultTtl = doc.ttl === undefined ? DEFAULT_JSON_TTL : doc.ttl;
  const zones: string[] = [];
  if (doc.zones !== undefined) {
    if (!Array.isArray(doc.zones)) return { ok: false, error: { message: '"zones" must be an array of names' } };
    for (const z of doc.zones) {
      const n = nameField(z);
      if (n === undefined) return { ok: false, error: { message: `invalid zone name ${JSON.stringify(z)}` } };
      zones.push(n);
    }
  }
  const records: ZoneRecord[] = [];
  const failures: FailureRule[] = [];
  for (const [i, raw] of doc.records.entries()) {
    const fail = (message: string): JsonZoneResult => ({ ok: false, error: { record: i, message } });
    if (!isObject(raw)) return fail('a record is an object { name, type, ttl?, data }');
    const name = nameField(raw.name);
    if (name === undefined) return fail(`invalid name ${JSON.stringify(raw.name)}`);
    const type = typeof raw.type === 'string' ? raw.type.toUpperCase() : '';
    const failure = FAILURE_TYPES[type];
    if (failure !== undefined) {
      const listed = raw.data === undefined ? [] : raw.data;
      if (!Array.isArray(listed) || !listed.every((t) => typeof t === 'string' && isRecordType(t.toUpperCase()))) return fail(`${type} data is a list of record types`);
      const types = listed.map((t) => (t as string).toUpperCase() as RecordType);
      failures.push({ name, kind: failure, types: types.length ? types : null });
      continue;
    }
    if (!isRecordType(type)) return fail(`unsupported type ${JSON.stringify(raw.type)}`);
    const converted = convertData(type, raw.data);
    if (!converted.ok) return fail(converted.message);
    const record = { name, type, ttl: raw.ttl === undefined ? defaultTtl : raw.ttl, data: converted.data } as ZoneRecord;
    const problem = checkRecord(record);
    if (problem !== undefined) return fail(problem);
    records.push(record);
  }
  return { ok: true, records, zones, failures };
}
