/**
 * Master-file ("zone file") parser, sans-I/O: text in, records or the first error out.
 *
 * Implements RFC 1035 §5.1 (format: entries, blank owner = previous owner, "@" = origin,
 * relative names, parentheses continue an entry over lines, ";" comments, quoted strings,
 * \X and \DDD escapes, TTL and class in either order and defaulting to the last explicit
 * value), §5.1 $ORIGIN, RFC 2308 §4 ($TTL), and the RDATA presentation formats of
 * RFC 1035 §3.3 / §3.4.1, RFC 3596 §2.4 (AAAA), RFC 6698 §2.2 (TLSA: hex may contain spaces).
 * BIND's TTL units (1w2d3h4m5s) are accepted.
 *
 * SPF (type 99, RFC 4408 §3.1.1) is written like TXT.
 *
 * Lab failure rules (our extension, see records.ts FailureRule): `name SERVFAIL [TYPE...]` and
 * `name TIMEOUT [TYPE...]` make the queries for that name (every type, or the types listed) fail
 * with a server failure or a timeout; they need no TTL.
 *
 * Not supported (reported as errors, never silently skipped): $INCLUDE (a lab zone must be
 * self-contained; reading other files from a zone is a footgun), $GENERATE, classes other than
 * IN, record types other than A AAAA MX TXT SPF PTR TLSA CNAME NS SOA, escapes inside names,
 * wildcards (RFC 4592), and \DDD escapes above 127.
 */
import { isIPv4 } from 'node:net';
import { canonicalIPv6, normalizeName } from './names.ts';
import { FAILURE_TYPES, MAX_TTL, checkRecord, isRecordType, type FailureRule, type RecordType, type ZoneRecord } from './records.ts';

export type ZoneError = { message: string; line?: number; record?: number };
export type MasterFileResult =
  | { ok: true; records: ZoneRecord[]; origin: string | undefined; failures: FailureRule[] }
  | { ok: false; error: ZoneError };

type Token = { text: string; quoted: boolean; escaped: boolean };
type Entry = { tokens: Token[]; indented: boolean; line: number };

class ParseError extends Error {
  readonly line: number;
  constructor(line: number, message: string) {
    super(message);
    this.line = line;
  }
}

/** Read one token starting at `start` (a quote or a non-delimiter). */
function readToken(text: string, start: number, line: number): { token: Token; end: number } {
  const quoted = text[start] === '"';
  let i = quoted ? start + 1 : start;
  let out = '';
  let escaped = false;
  for (;;) {
    const c = text[i];
    if (c === undefined || c === '\n') {
      if (quoted) throw new ParseError(line, 'unterminated quoted string');
      break;
    }
    if (quoted && c === '"') {
      i++;
      break;
    }
    if (!quoted && /[\s;()"]/.test(c)) break;
    if (c === '\\') {
      escaped = true;
      const ddd = /^\d{3}/.exec(text.slice(i + 1, i + 4));
      if (ddd) {
        const code = Number(ddd[0]);
        if (code > 127) throw new ParseError(line, `escape \\${ddd[0]} above 127 is not supported`);
        out += String.fromCharCode(code);
        i += 4;
        continue;
      }
      const next = text[i + 1];
      if (next === undefined || next === '\n') throw new ParseError(line, 'dangling backslash');
      out += next;
      i += 2;
      continue;
    }
    out += c;
    i++;
  }
  return { token: { text: out, quoted, escaped }, end: i };
}

/** RFC 1035 §5.1: split into entries; parentheses join lines, ";" starts a comment. */
function tokenize(text: string): Entry[] {
  const entries: Entry[] = [];
  let line = 1;
  let depth = 0;
  let openLine = 0;
  let entry: Entry | undefined;
  let atLineStart = true;
  let i = 0;
  while (i < text.length) {
    const c = text[i] as string;
    if (c === '\n') {
      if (depth === 0) {
        if (entry && entry.tokens.length > 0) entries.push(entry);
        entry = undefined;
        atLineStart = true;
      }
      line++;
      i++;
      continue;
    }
    if (atLineStart) {
      entry = { tokens: [], indented: c === ' ' || c === '\t', line };
      atLineStart = false;
    }
    if (c === ' ' || c === '\t' || c === '\r') {
      i++;
    } else if (c === ';') {
      while (i < text.length && text[i] !== '\n') i++;
    } else if (c === '(') {
      if (depth === 0) openLine = line;
      depth++;
      i++;
    } else if (c === ')') {
      if (depth === 0) throw new ParseError(line, 'unbalanced ")"');
      depth--;
      i++;
    } else {
      const { token, end } = readToken(text, i, line);
      entry?.tokens.push(token);
      i = end;
    }
  }
  if (depth > 0) throw new ParseError(openLine, 'unbalanced "(": missing ")"');
  if (entry && entry.tokens.length > 0) entries.push(entry);
  return entries;
}

const TTL_UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400, w: 604800 };

/** RFC 2181 §8 TTL, plain seconds or BIND units ("1h30m"); undefined if not a TTL. */
export function parseTtl(text: string): number | undefined {
  let total: number;
  if (/^\d+$/.test(text)) {
    total = Number(text);
  } else if (/^(\d+[smhdw])+$/i.test(text)) {
    total = 0;
    for (const [, n, unit] of text.toLowerCase().matchAll(/(\d+)([smhdw])/g)) {
      total += Number(n) * (TTL_UNITS[unit as string] ?? 0);
    }
  } else {
    return undefined;
  }
  return total <= MAX_TTL ? total : undefined;
}

const CLASSES = new Set(['IN', 'CH', 'HS', 'CS']);
/** LDH plus "_" (RFC 8552 underscored labels); "*" (RFC 4592 wildcards) is not supported. */
const LABEL = /^[a-z0-9_-]+$/i;

function parseName(tok: Token | undefined, origin: string | undefined, line: number): string {
  if (tok === undefined) throw new ParseError(line, 'missing domain name');
  if (tok.quoted || tok.escaped) throw new ParseError(line, `quoted or escaped names are not supported: ${tok.text}`);
  let name: string;
  if (tok.text === '@') {
    if (origin === undefined) throw new ParseError(line, '"@" used before $ORIGIN');
    name = origin;
  } else if (tok.text.endsWith('.')) {
    name = tok.text === '.' ? '' : tok.text.slice(0, -1);
  } else {
    if (origin === undefined) throw new ParseError(line, `relative name "${tok.text}" without $ORIGIN`);
    name = origin === '' ? tok.text : `${tok.text}.${origin}`;
  }
  if (name !== '' && !name.split('.').every((l) => LABEL.test(l))) {
    throw new ParseError(line, `invalid domain name "${tok.text}"`);
  }
  const n = normalizeName(name);
  if (n === undefined) throw new ParseError(line, `domain name too long or empty label: "${tok.text}"`);
  return n;
}

function parseUint(tok: Token | undefined, max: number, what: string, line: number): number {
  if (tok === undefined || !/^\d+$/.test(tok.text) || Number(tok.text) > max) {
    throw new ParseError(line, `invalid ${what}: ${tok?.text ?? '(missing)'}`);
  }
  return Number(tok.text);
}

function expectCount(rdata: Token[], n: number, type: string, line: number): void {
  if (rdata.length !== n) throw new ParseError(line, `${type} needs ${n} RDATA field(s), got ${rdata.length}`);
}

/** RDATA presentation formats, RFC 1035 §3.3 and §5.1, RFC 3596 §2.4, RFC 6698 §2.2. */
function parseRdata(type: RecordType, rdata: Token[], origin: string | undefined, line: number): ZoneRecord['data'] {
  switch (type) {
    case 'A':
      expectCount(rdata, 1, type, line);
      if (!isIPv4(rdata[0]?.text ?? '')) throw new ParseError(line, `invalid IPv4 address ${rdata[0]?.text}`);
      return rdata[0]?.text as string;
    case 'AAAA': {
      expectCount(rdata, 1, type, line);
      const ip = canonicalIPv6(rdata[0]?.text ?? '');
      if (ip === undefined) throw new ParseError(line, `invalid IPv6 address ${rdata[0]?.text}`);
      return ip;
    }
    case 'MX':
      expectCount(rdata, 2, type, line);
      return { preference: parseUint(rdata[0], 0xffff, 'MX preference', line), exchange: parseName(rdata[1], origin, line) };
    case 'TXT':
    case 'SPF':
      if (rdata.length === 0) throw new ParseError(line, `${type} needs at least one string`);
      return rdata.map((t) => t.text);
    case 'PTR':
    case 'CNAME':
    case 'NS':
      expectCount(rdata, 1, type, line);
      return parseName(rdata[0], origin, line);
    case 'SOA': {
      expectCount(rdata, 7, type, line);
      const [mname, rname, serial, ...timers] = rdata;
      const ttl = (t: Token | undefined, what: string): number => {
        const v = parseTtl(t?.text ?? '');
        if (v === undefined) throw new ParseError(line, `invalid SOA ${what}: ${t?.text}`);
        return v;
      };
      return {
        mname: parseName(mname, origin, line),
        rname: parseName(rname, origin, line),
        serial: parseUint(serial, 0xffffffff, 'SOA serial', line),
        refresh: ttl(timers[0], 'refresh'),
        retry: ttl(timers[1], 'retry'),
        expire: ttl(timers[2], 'expire'),
        minimum: ttl(timers[3], 'minimum'),
      };
    }
    case 'TLSA': {
      if (rdata.length < 4) throw new ParseError(line, `TLSA needs 4 RDATA fields, got ${rdata.length}`);
      const hex = rdata
        .slice(3)
        .map((t) => t.text)
        .join('')
        .toLowerCase();
      if (!/^(?:[0-9a-f]{2})+$/.test(hex)) throw new ParseError(line, 'TLSA certificate data must be hex (RFC 6698 §2.2)');
      return {
        usage: parseUint(rdata[0], 255, 'TLSA certificate usage', line),
        selector: parseUint(rdata[1], 255, 'TLSA selector', line),
        matchingType: parseUint(rdata[2], 255, 'TLSA matching type', line),
        certificate: hex,
      };
    }
  }
}

type State = { origin: string | undefined; dollarTtl: number | undefined; lastTtl: number | undefined; lastOwner: string | undefined };

function parseDirective(entry: Entry, state: State): void {
  const [directive, ...args] = entry.tokens;
  const name = directive?.text.toUpperCase();
  if (name === '$ORIGIN') {
    if (args.length !== 1) throw new ParseError(entry.line, '$ORIGIN needs one domain name');
    state.origin = parseName(args[0], state.origin, entry.line);
  } else if (name === '$TTL') {
    const ttl = args.length === 1 ? parseTtl(args[0]?.text ?? '') : undefined;
    if (ttl === undefined) throw new ParseError(entry.line, '$TTL needs one TTL value (RFC 2308 §4)');
    state.dollarTtl = ttl;
  } else {
    throw new ParseError(entry.line, `unsupported directive ${directive?.text}`);
  }
}

/** A failure rule's RDATA: the record types it applies to (none listed: every type). */
function parseFailure(owner: string, kind: FailureRule['kind'], rdata: Token[], line: number): FailureRule {
  const types: RecordType[] = [];
  for (const t of rdata) {
    const type = t.text.toUpperCase();
    if (t.quoted || !isRecordType(type)) throw new ParseError(line, `${kind.toUpperCase()} lists record types, not ${t.text}`);
    types.push(type);
  }
  return { name: owner, kind, types: types.length ? types : null };
}

/** RFC 1035 §5.1: <domain-name> [<TTL>] [<class>] <type> <RDATA>, TTL/class in either order. */
function parseEntry(entry: Entry, state: State): ZoneRecord | FailureRule {
  const { tokens, line } = entry;
  let idx = 0;
  let owner: string;
  if (entry.indented) {
    if (state.lastOwner === undefined) throw new ParseError(line, 'entry with blank owner before any owner name');
    owner = state.lastOwner;
  } else {
    owner = parseName(tokens[0], state.origin, line);
    idx = 1;
  }
  let ttl: number | undefined;
  let cls: string | undefined;
  for (let k = 0; k < 2; k++) {
    const t = tokens[idx];
    if (t === undefined || t.quoted) break;
    const asTtl = parseTtl(t.text);
    if (asTtl !== undefined && ttl === undefined) ttl = asTtl;
    else if (CLASSES.has(t.text.toUpperCase()) && cls === undefined) cls = t.text.toUpperCase();
    else break;
    idx++;
  }
  if (cls !== undefined && cls !== 'IN') throw new ParseError(line, `class ${cls} is not supported, only IN`);
  const typeText = tokens[idx]?.text.toUpperCase();
  if (typeText === undefined) throw new ParseError(line, 'missing record type');
  const failure = FAILURE_TYPES[typeText];
  if (failure !== undefined) {
    state.lastOwner = owner;
    return parseFailure(owner, failure, tokens.slice(idx + 1), line);
  }
  if (!isRecordType(typeText)) throw new ParseError(line, `unsupported record type ${tokens[idx]?.text}`);
  if (ttl !== undefined) state.lastTtl = ttl;
  // RFC 2308 §4: $TTL applies to records without an explicit TTL; RFC 1035 §5.1: else the last one.
  const effectiveTtl = ttl ?? state.dollarTtl ?? state.lastTtl;
  if (effectiveTtl === undefined) throw new ParseError(line, 'no TTL: give one or set $TTL');
  state.lastOwner = owner;
  const data = parseRdata(typeText, tokens.slice(idx + 1), state.origin, line);
  const record = { name: owner, type: typeText, ttl: effectiveTtl, data } as ZoneRecord;
  const problem = checkRecord(record);
  if (problem !== undefined) throw new ParseError(line, problem);
  return record;
}

/**
 * Parse a master file. `origin` is the initial $ORIGIN (e.g. from configuration); the
 * returned `origin` is the first origin in effect, which the zone uses as its apex when the
 * file has no SOA.
 */
export function parseMasterFile(text: string, opts: { origin?: string } = {}): MasterFileResult {
  const initial = opts.origin === undefined ? undefined : normalizeName(opts.origin);
  const state: State = { origin: initial, dollarTtl: undefined, lastTtl: undefined, lastOwner: undefined };
  let firstOrigin = initial;
  const records: ZoneRecord[] = [];
  const failures: FailureRule[] = [];
  try {
    for (const entry of tokenize(text)) {
      const first = entry.tokens[0];
      if (!entry.indented && first !== undefined && !first.quoted && first.text.startsWith('$')) {
        parseDirective(entry, state);
        firstOrigin ??= state.origin;
      } else {
        const parsed = parseEntry(entry, state);
        if ('kind' in parsed) failures.push(parsed);
        else records.push(parsed);
      }
    }
  } catch (err) {
    if (err instanceof ParseError) return { ok: false, error: { line: err.line, message: err.message } };
    throw err;
  }
  return { ok: true, records, origin: firstOrigin, failures };
}
