/**
 * DMARC policy records, RFC 7489 §6.3 (tags) and §6.4 (formal definition), sans-I/O.
 *
 * A record is a DKIM-style tag-list (RFC 6376 §3.2) published as TXT at `_dmarc.<domain>`
 * (§6.1). `v=DMARC1` must come first and match exactly (§6.3 "v"), else the TXT record is not
 * a DMARC record at all (§6.6.3 step 2). Unknown tags are ignored (§6.3). A tag-list with a
 * duplicated tag is invalid as a whole (RFC 6376 §3.2). The DMARCbis tags `np`, `t` and `psd`
 * (RFC 9989 §4.7) are read too, for the dmarcbis mode; RFC 7489 mode ignores them.
 *
 * Must never: throw on any input; guess a policy from an invalid `p` (the caller applies
 * §6.6.3 step 6: act as p=none only when a valid `rua` is present).
 */

export type DmarcPolicy = 'none' | 'quarantine' | 'reject';
/** §3.1.1/§3.1.2: r = relaxed (default), s = strict. */
export type AlignmentMode = 'relaxed' | 'strict';

export type DmarcRecord = {
  raw: string;
  /** §6.3 "p"; undefined when absent or invalid (see `problems`). */
  p?: DmarcPolicy;
  /** §6.3 "sp": policy for subdomains when the record was found at the Organizational Domain. */
  sp?: DmarcPolicy;
  /** RFC 9989 §4.7 "np" (non-existent subdomains); dmarcbis mode only. */
  np?: DmarcPolicy;
  adkim: AlignmentMode;
  aspf: AlignmentMode;
  /** §6.3 "pct", 0..100, default 100. */
  pct: number;
  /** §6.3 "rua"/"ruf": DMARC URIs (§6.2), syntactically valid ones only. */
  rua: string[];
  ruf: string[];
  /** §6.3 "fo", default "0". */
  fo: string;
  /** §6.3 "ri", seconds, default 86400. */
  ri: number;
  /** RFC 9989 §4.7 "t=y": testing. */
  testing: boolean;
  /** Invalid values that were ignored (tag name and why), for logs and reports. */
  problems: string[];
};

export type ParsedRecord =
  | { ok: true; record: DmarcRecord }
  /** `not-dmarc`: no leading v=DMARC1 (§6.6.3 step 2: discard). `invalid`: broken tag-list. */
  | { ok: false; error: 'not-dmarc' | 'invalid'; reason: string };

const POLICIES = new Set<string>(['none', 'quarantine', 'reject']);
/** §6.3 "v": the first tag, value exactly DMARC1 (tag name case per RFC 5234 §2.3 ABNF literal). */
const VERSION = /^[vV][ \t]*=[ \t]*DMARC1[ \t]*(?:;|$)/;
/** RFC 6376 §3.2 tag-name = ALPHA *ALNUMPUNC. */
const TAG_NAME = /^[A-Za-z][A-Za-z0-9_]*$/;
/** §6.2 DMARC URI: an RFC 3986 URI with an optional "!" size suffix; commas must be encoded. */
const DMARC_URI = /^[A-Za-z][A-Za-z0-9+.-]*:[^\s,!]+(?:![0-9]+[kmgt]?)?$/;

/** Is this TXT string a DMARC record (§6.6.3 step 2)? */
export function isDmarcRecord(txt: string): boolean {
  return VERSION.test(txt.trim());
}

function uris(value: string, problems: string[], tag: string): string[] {
  const out: string[] = [];
  for (const raw of value.split(',')) {
    const uri = raw.trim();
    if (uri === '') continue;
    if (DMARC_URI.test(uri)) out.push(uri);
    else problems.push(`${tag}: invalid URI ${JSON.stringify(uri)}`);
  }
  return out;
}

/** Parse one DMARC TXT record (already concatenated from its character-strings, §6.1). */
export function parseDmarcRecord(txt: string): ParsedRecord {
  const raw = txt.trim();
  if (!VERSION.test(raw)) return { ok: false, error: 'not-dmarc', reason: 'the record does not start with v=DMARC1' };
  const tags = new Map<string, string>();
  for (const part of raw.split(';')) {
    const item = part.trim();
    if (item === '') continue; // RFC 6376 §3.2: a trailing ";" is allowed
    const eq = item.indexOf('=');
    if (eq <= 0) return { ok: false, error: 'invalid', reason: `not a tag=value pair: ${JSON.stringify(item)}` };
    const name = item.slice(0, eq).trim().toLowerCase();
    if (!TAG_NAME.test(name)) return { ok: false, error: 'invalid', reason: `invalid tag name ${JSON.stringify(name)}` };
    // RFC 6376 §3.2: a duplicated tag makes the whole tag-list invalid.
    if (tags.has(name)) return { ok: false, error: 'invalid', reason: `duplicate tag ${name}=` };
    tags.set(name, item.slice(eq + 1).trim());
  }

  const problems: string[] = [];
  const policy = (tag: string): DmarcPolicy | undefined => {
    const v = tags.get(tag);
    if (v === undefined) return undefined;
    const lower = v.toLowerCase();
    if (POLICIES.has(lower)) return lower as DmarcPolicy;
    problems.push(`${tag}: invalid policy ${JSON.stringify(v)}`);
    return undefined;
  };
  const mode = (tag: string): AlignmentMode => {
    const v = (tags.get(tag) ?? 'r').toLowerCase();
    if (v === 's') return 'strict';
    if (v !== 'r') problems.push(`${tag}: invalid alignment mode ${JSON.stringify(v)}, using r`);
    return 'relaxed';
  };
  const int = (tag: string, dflt: number, max: number): number => {
    const v = tags.get(tag);
    if (v === undefined) return dflt;
    if (/^[0-9]{1,10}$/.test(v) && Number(v) <= max) return Number(v);
    problems.push(`${tag}: invalid value ${JSON.stringify(v)}, using ${dflt}`);
    return dflt;
  };

  const record: DmarcRecord = {
    raw,
    adkim: mode('adkim'),
    aspf: mode('aspf'),
    pct: int('pct', 100, 100),
    rua: uris(tags.get('rua') ?? '', problems, 'rua'),
    ruf: uris(tags.get('ruf') ?? '', problems, 'ruf'),
    fo: tags.get('fo') ?? '0',
    ri: int('ri', 86400, 0xffffffff),
    testing: (tags.get('t') ?? 'n').toLowerCase() === 'y',
    problems,
  };
  const p = policy('p');
  const sp = policy('sp');
  const np = policy('np');
  if (p !== undefined) record.p = p;
  if (tags.has('p') === false) problems.push('p: missing');
  if (sp !== undefined) record.sp = sp;
  if (np !== undefined) record.np = np;
  return { ok: true, record };
}

/**
 * §6.6.3 step 6: the policy a record is applied with. A record without a valid `p`, or with an
 * invalid `sp`, acts as p=none when `rua` has a valid URI (6.1), else gets no DMARC processing
 * (6.2: undefined).
 */
export function effectivePolicies(record: DmarcRecord): { p: DmarcPolicy; sp?: DmarcPolicy } | undefined {
  const spInvalid = record.problems.some((x) => x.startsWith('sp:'));
  if (record.p !== undefined && !spInvalid) return record.sp === undefined ? { p: record.p } : { p: record.p, sp: record.sp };
  return record.rua.length > 0 ? { p: 'none' } : undefined;
}
