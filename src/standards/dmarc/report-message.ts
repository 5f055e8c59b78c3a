/**
 * The DMARC aggregate reports carried by one message (RFC 7489 §7.2.1.1): every MIME part that is a
 * report — by type (application/gzip, application/zip, text/xml, application/xml and their x-
 * variants) or by file name (.xml, .gz, .zip, also on application/octet-stream) — is opened
 * (report-archive.ts, one inflation budget for the whole message) and parsed (report-parse.ts).
 *
 * A message "looks like a report" when it has such a part or its Subject starts with
 * "Report Domain:" (the §7.2.1.1 subject); only then can it be malformed. Anything else (a person
 * writing to postmaster@) is not a report at all, and the caller just delivers it.
 *
 * Pure: the message octets in, results out; never throws for any input.
 */
import { parseMessageStructure } from '../../mail/mime/walker.ts';
import { param } from '../../mail/mime/header.ts';
import { decodeHeaderValue, decodeTransfer } from '../../mail/mime/decode.ts';
import type { BodyNode } from '../../mail/mime/structure.ts';
import { DEFAULT_ARCHIVE_LIMITS, InflateBudget, openReportAttachment, type ArchiveLimits } from './report-archive.ts';
import { DEFAULT_PARSE_LIMITS, parseAggregateReport, type ParseLimits, type ParsedAggregateReport } from './report-parse.ts';

export type ReportLimits = ArchiveLimits & ParseLimits & {
  /** MIME parts looked at as report attachments, at most. */
  maxReportParts: number;
};

export const DEFAULT_REPORT_LIMITS: ReportLimits = { ...DEFAULT_ARCHIVE_LIMITS, ...DEFAULT_PARSE_LIMITS, maxReportParts: 8 };

/** One report found in the message, or one part that should have been a report and is not. */
export type ReportOutcome =
  | { ok: true; part: string; report: ParsedAggregateReport }
  | { ok: false; part: string; reason: string };

export interface ExtractedReports {
  /** The message looks like an aggregate report (a report part, or the §7.2.1.1 Subject). */
  looksLikeReport: boolean;
  outcomes: ReportOutcome[];
}

const REPORT_TYPES = new Set([
  'application/gzip', 'application/x-gzip', 'application/gzip-compressed', 'application/x-gunzip',
  'application/zip', 'application/x-zip', 'application/x-zip-compressed', 'application/zip-compressed',
  'application/xml', 'text/xml',
]);
const REPORT_NAME = /\.(xml|gz|gzip|zip)$/i;

interface Leaf {
  node: Extract<BodyNode, { kind: 'basic' | 'text' }>;
  name: string;
}

function fileName(node: BodyNode): string {
  const raw = (node.disposition ? param(node.disposition.params, 'filename') : null) ?? param(node.params, 'name') ?? '';
  return decodeHeaderValue(raw).trim();
}

function isReportPart(node: BodyNode): boolean {
  const type = `${node.type}/${node.subtype}`.toLowerCase();
  return REPORT_TYPES.has(type) || REPORT_NAME.test(fileName(node));
}

/** Report-looking leaves, in message order (encapsulated messages included: some forwarders wrap reports). */
function reportLeaves(node: BodyNode, out: Leaf[], path: string): void {
  if (node.kind === 'multipart') node.parts.forEach((p, i) => reportLeaves(p, out, path ? `${path}.${i + 1}` : String(i + 1)));
  else if (node.kind === 'message') reportLeaves(node.body, out, path);
  else if (isReportPart(node)) out.push({ node, name: fileName(node) || `part ${path || '1'}` });
}

/** The §7.2.1.1 Subject: "Report Domain: example.com Submitter: ... Report-ID: ...". */
function reportSubject(subject: string | null): boolean {
  return subject !== null && /^\s*report\s+domain\s*:/i.test(decodeHeaderValue(subject));
}

export async function extractAggregateReports(message: Buffer, limits: ReportLimits = DEFAULT_REPORT_LIMITS): Promise<ExtractedReports> {
  const structure = parseMessageStructure(message);
  const leaves: Leaf[] = [];
  reportLeaves(structure.body, leaves, '');
  const subject = reportSubject(structure.envelope.subject);
  if (!leaves.length) {
    return subject
      ? { looksLikeReport: true, outcomes: [{ ok: false, part: 'message', reason: 'no XML, gzip or ZIP attachment (RFC 7489 §7.2.1.1)' }] }
      : { looksLikeReport: false, outcomes: [] };
  }
  const budget = new InflateBudget(limits.maxInflatedBytes);
  const outcomes: ReportOutcome[] = [];
  for (const leaf of leaves.slice(0, limits.maxReportParts)) {
    const { offsets, encoding } = leaf.node;
    const data = decodeTransfer(message.subarray(offsets.bodyStart, offsets.end), encoding);
    if (data === null) {
      outcomes.push({ ok: false, part: leaf.name, reason: `unknown Content-Transfer-Encoding ${JSON.stringify(encoding)}` });
      continue;
    }
    const opened = await openReportAttachment(leaf.name, data, budget, limits);
    if (!opened.ok) {
      outcomes.push({ ok: false, part: leaf.name, reason: opened.reason });
      continue;
    }
    for (const d of opened.documents) {
      const parsed = parseAggregateReport(d.data, limits);
      outcomes.push(parsed.ok ? { ok: true, part: d.name, report: parsed.report } : { ok: false, part: d.name, reason: parsed.reason });
    }
  }
  if (leaves.length > limits.maxReportParts) outcomes.push({ ok: false, part: 'message', reason: `${leaves.length - limits.maxReportParts} more report-like part(s) past the first ${limits.maxReportParts} were not read` });
  return { looksLikeReport: true, outcomes };
}
