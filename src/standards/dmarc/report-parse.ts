/**
 * Incoming DMARC aggregate reports, RFC 7489 §7.2 and Appendix C: the feedback XML a receiver sends
 * to our rua= address, parsed into a typed report and summarized (messages, DMARC pass/fail,
 * dispositions) for the admin dashboard and `mailwarden dmarc reports`.
 *
 * Lenient where real reporters differ from Appendix C, strict where the report would be
 * meaningless. Accepted and normalized (each noted in `warnings` when it changes data):
 * namespaces and prefixes (the DMARCbis schema's xmlns, `<dmarc:feedback>`), a missing <version>,
 * upper-case or padded values, `relaxed`/`strict` for `r`/`s`, dates with fractions or in ISO 8601,
 * a missing org_name (the email's domain stands in), unknown dispositions or results (kept as
 * `none` / `fail`), rows without a count or a source IP (left out, counted in warnings),
 * DMARCbis additions (np, discovery_method, testing) which are ignored.
 * Refused (the report is "malformed"): not well-formed XML, a DOCTYPE (no entity tricks, and no
 * reporter needs one), no <feedback> root, no report_id, no usable date_range, no
 * policy_published/domain.
 *
 * Uses fast-xml-parser (its validator first, so a truncated document is an error rather than a
 * partial report). Pure: a string in, a value out; never throws for any input.
 */
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { isIP } from 'node:net';

export type Disposition = 'none' | 'quarantine' | 'reject';

/** One <record>: a row of the report (Appendix C RecordType). */
export interface ReportRow {
  sourceIp: string;
  count: number;
  /** policy_evaluated: what the reporter did, and the DMARC-aligned results. */
  disposition: Disposition;
  dkim: 'pass' | 'fail';
  spf: 'pass' | 'fail';
  reasons: Array<{ type: string; comment?: string }>;
  headerFrom: string;
  envelopeFrom?: string;
  envelopeTo?: string;
  /** auth_results: the raw (unaligned) results. */
  dkimResults: Array<{ domain: string; selector?: string; result: string }>;
  spfResults: Array<{ domain: string; scope?: string; result: string }>;
}

export interface PolicyPublished {
  domain: string;
  adkim: 'r' | 's';
  aspf: 'r' | 's';
  p: Disposition;
  sp?: Disposition;
  pct?: number;
  fo?: string;
}

export interface ReportSummary {
  /** Messages the rows count. */
  messages: number;
  /** Messages with an aligned DKIM or SPF pass (DMARC pass, §6.6.2). */
  dmarcPass: number;
  dmarcFail: number;
  disposition: Record<Disposition, number>;
}

export interface ParsedAggregateReport {
  version: string | null;
  orgName: string;
  email: string;
  extraContactInfo?: string;
  reportId: string;
  /** date_range, seconds since the epoch (UTC). */
  begin: number;
  end: number;
  /** report_metadata/error: what the reporter says went wrong. */
  errors: string[];
  policy: PolicyPublished;
  rows: ReportRow[];
  summary: ReportSummary;
  /** What we had to guess or leave out while reading it. */
  warnings: string[];
}

export type ReportParse = { ok: true; report: ParsedAggregateReport } | { ok: false; reason: string };

export interface ParseLimits {
  /** Rows kept; the rest are counted in warnings (their messages still are not). */
  maxRows: number;
}

export const DEFAULT_PARSE_LIMITS: ParseLimits = { maxRows: 100_000 };

const ARRAYS = new Set(['record', 'reason', 'dkim', 'spf', 'error', 'policy_published']);
// `dkim` and `spf` are also leaves of policy_evaluated: only the auth_results ones are lists.
const isArray = (name: string, jpath: unknown): boolean =>
  ARRAYS.has(name) && !(typeof jpath === 'string' && jpath.includes('.policy_evaluated.'));

const parser = new XMLParser({
  ignoreAttributes: true,
  removeNSPrefix: true,
  parseTagValue: false,
  trimValues: true,
  isArray: (name, jpath) => isArray(name, jpath),
  processEntities: true,
});

type Node = Record<string, unknown>;

const isNode = (v: unknown): v is Node => typeof v === 'object' && v !== null && !Array.isArray(v);
const first = (v: unknown): unknown => (Array.isArray(v) ? v[0] : v);
/** Text of a leaf (fast-xml-parser gives '' for <x/>, an object for mixed content). */
function text(v: unknown): string | undefined {
  const f = first(v);
  if (typeof f === 'string') return f.trim();
  if (typeof f === 'number') return String(f);
  if (isNode(f) && typeof f['#text'] === 'string') return f['#text'].trim();
  return undefined;
}
const lower = (v: unknown): string | undefined => text(v)?.toLowerCase();
const list = (v: unknown): unknown[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

/** Seconds since the epoch from "1700000000", "1700000000.5" or an ISO 8601 date. */
function epoch(v: unknown): number | undefined {
  const t = text(v);
  if (t === undefined || t === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(t)) return Math.floor(Number(t));
  const ms = Date.parse(t);
  return Number.isNaN(ms) ? undefined : Math.floor(ms / 1000);
}

function disposition(v: unknown, warn: (w: string) => void, where: string): Disposition {
  const d = lower(v);
  if (d === 'none' || d === 'quarantine' || d === 'reject') return d;
  warn(`${where}: disposition ${JSON.stringify(text(v) ?? null)} read as none`);
  return 'none';
}

function alignment(v: unknown): 'r' | 's' {
  const a = lower(v);
  return a === 's' || a === 'strict' ? 's' : 'r';
}

function policyPublished(v: unknown, warn: (w: string) => void): PolicyPublished | string {
  const pp = first(v);
  if (!isNode(pp)) return 'no policy_published';
  const domain = lower(pp.domain);
  if (!domain) return 'no policy_published/domain';
  const out: PolicyPublished = { domain, adkim: alignment(pp.adkim), aspf: alignment(pp.aspf), p: pp.p === undefined ? 'none' : disposition(pp.p, warn, 'policy_published/p') };
  if (pp.p === undefined) warn('policy_published/p missing, read as none');
  if (pp.sp !== undefined && text(pp.sp) !== '') out.sp = disposition(pp.sp, warn, 'policy_published/sp');
  const pct = text(pp.pct);
  if (pct !== undefined && /^\d+$/.test(pct)) out.pct = Number(pct);
  const fo = text(pp.fo);
  if (fo) out.fo = fo;
  return out;
}

function passFail(v: unknown): 'pass' | 'fail' {
  return lower(v) === 'pass' ? 'pass' : 'fail';
}

function row(rec: unknown, i: number, warn: (w: string) => void): ReportRow | null {
  if (!isNode(rec)) return null;
  const r = first(rec.row);
  if (!isNode(r)) {
    warn(`record ${i + 1}: no row, left out`);
    return null;
  }
  const sourceIp = text(r.source_ip) ?? '';
  const countText = text(r.count) ?? '';
  if (!sourceIp || !/^\d+$/.test(countText)) {
    warn(`record ${i + 1}: ${!sourceIp ? 'no source_ip' : `count ${JSON.stringify(countText)} is not a number`}, left out`);
    return null;
  }
  if (!isIP(sourceIp)) warn(`record ${i + 1}: source_ip ${JSON.stringify(sourceIp)} is not an IP address`);
  const pe = isNode(first(r.policy_evaluated)) ? (first(r.policy_evaluated) as Node) : {};
  const ids = isNode(first(rec.identifiers)) ? (first(rec.identifiers) as Node) : {};
  const auth = isNode(first(rec.auth_results)) ? (first(rec.auth_results) as Node) : {};
  const out: ReportRow = {
    sourceIp,
    count: Number(countText),
    disposition: disposition(pe.disposition, warn, `record ${i + 1}`),
    dkim: passFail(pe.dkim),
    spf: passFail(pe.spf),
    reasons: list(pe.reason).flatMap((x) => {
      if (!isNode(x)) return [];
      const type = lower(x.type) ?? 'other';
      const comment = text(x.comment);
      return [comment ? { type, comment } : { type }];
    }),
    headerFrom: lower(ids.header_from) ?? '',
    dkimResults: list(auth.dkim).flatMap((d) => {
      if (!isNode(d)) return [];
      const selector = text(d.selector);
      return [{ domain: lower(d.domain) ?? '', ...(selector ? { selector } : {}), result: lower(d.result) ?? 'none' }];
    }),
    spfResults: list(auth.spf).flatMap((s) => {
      if (!isNode(s)) return [];
      const scope = lower(s.scope);
      return [{ domain: lower(s.domain) ?? '', ...(scope ? { scope } : {}), result: lower(s.result) ?? 'none' }];
    }),
  };
  const ef = lower(ids.envelope_from);
  if (ef) out.envelopeFrom = ef;
  const et = lower(ids.envelope_to);
  if (et) out.envelopeTo = et;
  if (!out.headerFrom) warn(`record ${i + 1}: no identifiers/header_from`);
  return out;
}

/** Totals over the rows (§7.2: each row counts `count` messages). */
export function summarizeRows(rows: readonly ReportRow[]): ReportSummary {
  const s: ReportSummary = { messages: 0, dmarcPass: 0, dmarcFail: 0, disposition: { none: 0, quarantine: 0, reject: 0 } };
  for (const r of rows) {
    s.messages += r.count;
    if (r.dkim === 'pass' || r.spf === 'pass') s.dmarcPass += r.count;
    else s.dmarcFail += r.count;
    s.disposition[r.disposition] += r.count;
  }
  return s;
}

/** Parses one aggregate report document (UTF-8 XML; a BOM is allowed). Never throws. */
export function parseAggregateReport(xml: string | Buffer, limits: ParseLimits = DEFAULT_PARSE_LIMITS): ReportParse {
  const doc = (typeof xml === 'string' ? xml : xml.toString('utf8')).replace(/^\uFEFF/, '');
  if (/<!DOCTYPE/i.test(doc)) return { ok: false, reason: 'XML: a DOCTYPE declaration is not accepted in a report' };
  const valid = XMLValidator.validate(doc);
  if (valid !== true) return { ok: false, reason: `XML: ${valid.err.msg} (line ${valid.err.line})` };
  let tree: unknown;
  try {
    tree = parser.parse(doc);
  } catch (e) {
    return { ok: false, reason: `XML: ${e instanceof Error ? e.message : String(e)}` };
  }
  const fb = isNode(tree) ? first(tree.feedback) : undefined;
  if (!isNode(fb)) return { ok: false, reason: 'not a DMARC aggregate report: no <feedback> root element (RFC 7489 Appendix C)' };
  const warnings: string[] = [];
  const warn = (w: string) => {
    if (warnings.length < 100) warnings.push(w);
  };
  const md = first(fb.report_metadata);
  if (!isNode(md)) return { ok: false, reason: 'no report_metadata' };
  const reportId = text(md.report_id);
  if (!reportId) return { ok: false, reason: 'no report_metadata/report_id' };
  const range = first(md.date_range);
  const begin = isNode(range) ? epoch(range.begin) : undefined;
  const end = isNode(range) ? epoch(range.end) : undefined;
  if (begin === undefined || end === undefined) return { ok: false, reason: 'no usable report_metadata/date_range (begin and end in seconds since the epoch)' };
  if (end < begin) warn(`date_range ends (${end}) before it begins (${begin})`);
  const email = text(md.email) ?? '';
  let orgName = text(md.org_name) ?? '';
  if (!orgName) {
    orgName = email.includes('@') ? email.slice(email.lastIndexOf('@') + 1).toLowerCase() : 'unknown';
    warn(`report_metadata/org_name missing, ${JSON.stringify(orgName)} used`);
  }
  const policy = policyPublished(fb.policy_published, warn);
  if (typeof policy === 'string') return { ok: false, reason: policy };
  const records = list(fb.record);
  const rows: ReportRow[] = [];
  for (const [i, rec] of records.entries()) {
    if (rows.length >= limits.maxRows) {
      warn(`${records.length - i} record(s) past the first ${limits.maxRows} left out`);
      break;
    }
    const r = row(rec, i, warn);
    if (r) rows.push(r);
  }
  const report: ParsedAggregateReport = {
    version: text(fb.version) ?? null,
    orgName,
    email,
    reportId,
    begin,
    end,
    errors: list(md.error).map((e) => text(e) ?? '').filter(Boolean),
    policy,
    rows,
    summary: summarizeRows(rows),
    warnings,
  };
  const extra = text(md.extra_contact_info);
  if (extra) report.extraContactInfo = extra;
  return { ok: true, report };
}
