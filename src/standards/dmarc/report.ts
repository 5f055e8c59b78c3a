/**
 * DMARC aggregate reports, RFC 7489 §7.2 and Appendix C, sans-I/O: the feedback XML built from the
 * evaluations the MX recorded, gzip'd (node:zlib), named per §7.2.1.1
 * (`receiver!policy-domain!begin!end.xml.gz`), and wrapped in the report message (§7.2.1.1:
 * multipart/mixed, a text part and the application/gzip attachment, Subject "Report Domain: X
 * Submitter: Y Report-ID: Z").
 *
 * Rows are grouped by source IP, header From, disposition, policy results, override reasons and
 * the SPF/DKIM auth results, with a count. The report is capped (`maxRecords`, `maxBytes` of the
 * gzip): when rows are left out the report says so in report_metadata/error. Destinations with a
 * size suffix (§6.2 `!10m`) are checked by the caller against the message size.
 *
 * Must never: include anything of a message but the identifiers Appendix C names (no local parts,
 * no content); emit unescaped text into the XML.
 */
import { gzipSync } from 'node:zlib';
import { createHash } from 'node:crypto';
import { base64Lines } from '../../mail/mime/encode.ts';

export type ReportDisposition = 'none' | 'quarantine' | 'reject';
/** Appendix C PolicyOverrideType. */
export type OverrideType = 'forwarded' | 'sampled_out' | 'trusted_forwarder' | 'mailing_list' | 'local_policy' | 'other';

/** One recorded evaluation, as the report needs it. */
export interface ReportEvaluation {
  sourceIp: string;
  headerFrom: string;
  spf: { domain: string; scope: 'mfrom' | 'helo'; result: string; aligned: boolean };
  dkim: ReadonlyArray<{ domain: string; selector: string; result: string }>;
  dkimAligned: boolean;
  /** What was done with the message (after overrides). */
  disposition: ReportDisposition;
  overrides: ReadonlyArray<{ type: OverrideType; comment?: string }>;
}

export interface PolicyPublished {
  domain: string;
  adkim: 'relaxed' | 'strict';
  aspf: 'relaxed' | 'strict';
  p: ReportDisposition;
  sp?: ReportDisposition;
  pct: number;
  fo?: string;
}

export interface ReportInput {
  /** Reporting organisation (report_metadata/org_name) and the receiver domain of the filename. */
  orgName: string;
  /** report_metadata/email: where the policy owner can reach us. */
  email: string;
  reportId: string;
  /** Seconds since the epoch (UTC). */
  begin: number;
  end: number;
  policy: PolicyPublished;
  evaluations: readonly ReportEvaluation[];
}

export interface ReportLimits {
  /** At most this many <record> rows (largest counts kept). Default 10000. */
  maxRecords?: number;
  /** At most this many bytes of gzip'd XML. Default 5 MiB. */
  maxBytes?: number;
}

export interface AggregateReport {
  xml: string;
  gzip: Buffer;
  filename: string;
  /** The date range (seconds since the epoch). */
  begin: number;
  end: number;
  /** Grouped rows in the report and the messages they count. */
  records: number;
  messages: number;
  /** Grouped rows left out by the size cap. */
  omitted: number;
}

const SPF_RESULTS = new Set(['none', 'neutral', 'pass', 'fail', 'softfail', 'temperror', 'permerror']);
const DKIM_RESULTS = new Set(['none', 'pass', 'fail', 'policy', 'neutral', 'temperror', 'permerror']);

export function xmlEscape(s: string): string {
  // XML 1.0 Char: drop control characters that cannot appear at all
  return s.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, '').replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
}

const el = (name: string, value: string | number) => `<${name}>${xmlEscape(String(value))}</${name}>`;

interface Group {
  key: string;
  count: number;
  e: ReportEvaluation;
}

/** Groups evaluations by everything a <record> row says; largest count first, ties by first seen. */
export function groupEvaluations(evaluations: readonly ReportEvaluation[]): Group[] {
  const groups = new Map<string, Group>();
  for (const e of evaluations) {
    const key = JSON.stringify([
      e.sourceIp,
      e.headerFrom.toLowerCase(),
      e.disposition,
      e.dkimAligned,
      e.spf.aligned,
      e.overrides.map((o) => [o.type, o.comment ?? '']),
      [e.spf.domain.toLowerCase(), e.spf.scope, e.spf.result],
      e.dkim.map((d) => [d.domain.toLowerCase(), d.selector, d.result]),
    ]);
    const g = groups.get(key);
    if (g) g.count++;
    else groups.set(key, { key, count: 1, e });
  }
  return [...groups.values()].sort((a, b) => b.count - a.count);
}

function recordXml(g: Group): string {
  const { e } = g;
  const reasons = e.overrides.map((o) => `<reason>${el('type', o.type)}${o.comment ? el('comment', o.comment) : ''}</reason>`).join('');
  const dkim = e.dkim
    .map((d) => `<dkim>${el('domain', d.domain.toLowerCase())}${d.selector ? el('selector', d.selector) : ''}${el('result', DKIM_RESULTS.has(d.result) ? d.result : 'permerror')}</dkim>`)
    .join('');
  const spf = `<spf>${el('domain', e.spf.domain.toLowerCase())}${el('scope', e.spf.scope)}${el('result', SPF_RESULTS.has(e.spf.result) ? e.spf.result : 'permerror')}</spf>`;
  return (
    `<record><row>${el('source_ip', e.sourceIp)}${el('count', g.count)}` +
    `<policy_evaluated>${el('disposition', e.disposition)}${el('dkim', e.dkimAligned ? 'pass' : 'fail')}${el('spf', e.spf.aligned ? 'pass' : 'fail')}${reasons}</policy_evaluated></row>` +
    `<identifiers>${el('header_from', e.headerFrom.toLowerCase())}</identifiers>` +
    `<auth_results>${dkim}${spf}</auth_results></record>`
  );
}

function feedbackXml(input: ReportInput, groups: readonly Group[], errors: readonly string[]): string {
  const p = input.policy;
  const align = (m: 'relaxed' | 'strict') => (m === 'strict' ? 's' : 'r');
  return (
    '<?xml version="1.0" encoding="UTF-8"?>\n<feedback>' +
    el('version', '1.0') +
    `<report_metadata>${el('org_name', input.orgName)}${el('email', input.email)}${el('report_id', input.reportId)}` +
    `<date_range>${el('begin', input.begin)}${el('end', input.end)}</date_range>${errors.map((x) => el('error', x)).join('')}</report_metadata>` +
    `<policy_published>${el('domain', p.domain)}${el('adkim', align(p.adkim))}${el('aspf', align(p.aspf))}${el('p', p.p)}${el('sp', p.sp ?? p.p)}${el('pct', p.pct)}${p.fo ? el('fo', p.fo) : ''}</policy_published>` +
    groups.map(recordXml).join('\n') +
    '</feedback>\n'
  );
}

/** §7.2.1.1 filename: `receiver "!" policy-domain "!" begin "!" end "." xml.gz`. */
export function reportFilename(receiver: string, policyDomain: string, begin: number, end: number): string {
  return `${receiver}!${policyDomain}!${begin}!${end}.xml.gz`;
}

/** Builds the XML and its gzip, capped by `limits` (rows with the smallest counts go first). */
export function buildAggregateReport(input: ReportInput, limits: ReportLimits = {}): AggregateReport {
  const maxRecords = limits.maxRecords ?? 10000;
  const maxBytes = limits.maxBytes ?? 5 * 1024 * 1024;
  const all = groupEvaluations(input.evaluations);
  let keep = Math.min(all.length, maxRecords);
  for (;;) {
    const kept = all.slice(0, keep);
    const omitted = all.length - keep;
    const omittedMessages = all.slice(keep).reduce((n, g) => n + g.count, 0);
    const errors = omitted ? [`report truncated by size limit: ${omitted} record(s) covering ${omittedMessages} message(s) left out`] : [];
    const xml = feedbackXml(input, kept, errors);
    const gzip = gzipSync(Buffer.from(xml, 'utf8'));
    if (gzip.length <= maxBytes || keep === 0) {
      return { xml, gzip, begin: input.begin, end: input.end, filename: reportFilename(input.orgName, input.policy.domain, input.begin, input.end), records: kept.length, messages: kept.reduce((n, g) => n + g.count, 0), omitted };
    }
    keep = Math.floor(keep / 2);
  }
}

/** A §6.2 DMARC URI of rua: the mailto address and the size limit (`!10m`), or why it is unusable. */
export type ReportUri = { ok: true; address: string; maxBytes?: number } | { ok: false; reason: string };

const UNITS: Record<string, number> = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 };

export function parseReportUri(uri: string): ReportUri {
  const m = /^(.*?)(?:!(\d+)([kmgt]?))?$/i.exec(uri.trim());
  const base = m?.[1] ?? '';
  if (!/^mailto:/i.test(base)) return { ok: false, reason: `not a mailto: URI: ${uri}` };
  let address: string;
  try {
    address = decodeURIComponent(base.slice(7).split('?')[0] ?? '');
  } catch {
    return { ok: false, reason: `invalid mailto: URI: ${uri}` };
  }
  if (!/^[^@\s,]+@[^@\s,]+\.[^@\s,]+$/.test(address)) return { ok: false, reason: `invalid address in ${uri}` };
  const out: ReportUri = { ok: true, address };
  if (m?.[2] !== undefined) out.maxBytes = Number(m[2]) * (UNITS[(m[3] ?? '').toLowerCase()] ?? 1);
  return out;
}

export interface ReportMessageInput {
  report: AggregateReport;
  from: string;
  to: readonly string[];
  policyDomain: string;
  /** The Submitter of the Subject: our domain. */
  submitter: string;
  reportId: string;
  date: Date;
  /** Message-ID domain. */
  hostname: string;
}

/** The report message (§7.2.1.1), CRLF line ends, ready for the queue. */
export function buildReportMessage(m: ReportMessageInput): Buffer {
  const hash = createHash('sha256').update(`${m.reportId}\0${m.date.getTime()}`).digest('hex').slice(0, 24);
  const boundary = `=_dmarc_${hash}`;
  const subject = `Report Domain: ${m.policyDomain} Submitter: ${m.submitter} Report-ID: <${m.reportId}>`;
  const text =
    `This is a DMARC aggregate report (RFC 7489) for ${m.policyDomain} from ${m.submitter},\r\n` +
    `covering ${new Date(m.report.begin * 1000).toISOString()} to ${new Date(m.report.end * 1000).toISOString()}: ${m.report.messages} message(s) in ${m.report.records} record(s).\r\n`;
  const lines = [
    `From: ${m.from}`,
    `To: ${m.to.join(', ')}`,
    `Subject: ${subject}`,
    `Date: ${m.date.toUTCString().replace('GMT', '+0000')}`,
    `Message-ID: <dmarc-${hash}@${m.hostname}>`,
    'MIME-Version: 1.0',
    `Content-Type: multipart/mixed; boundary="${boundary}"`,
    '',
    'This is a multi-part message in MIME format.',
    `--${boundary}`,
    'Content-Type: text/plain; charset=utf-8',
    'Content-Transfer-Encoding: 7bit',
    '',
    text,
    `--${boundary}`,
    `Content-Type: application/gzip; name="${m.report.filename}"`,
    'Content-Transfer-Encoding: base64',
    `Content-Disposition: attachment; filename="${m.report.filename}"`,
    '',
    base64Lines(m.report.gzip),
    `--${boundary}--`,
    '',
  ];
  return Buffer.from(lines.join('\r\n'), 'utf8');
}
