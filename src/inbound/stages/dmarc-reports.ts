/**
 * Stage "dmarc-reports" (MX only): DMARC aggregate reports other receivers send to the rua= address
 * we publish (RFC 7489 §7.2). A message to one of the `[dmarc] report_mailbox` addresses that looks
 * like a report (standards/dmarc/report-message.ts: a report attachment, or the §7.2.1.1 Subject)
 * is parsed, and each report in it is stored for the admin dashboard and `mailwarden dmarc
 * reports`; each part that cannot be read is stored flagged "malformed" with the reason and the raw
 * message (up to RAW_KEPT_BYTES). Runs before the route stage, so a report is durable before the
 * 250; a report that arrives twice (a retry, two of our addresses) is one row.
 *
 * The message itself goes on: the report mailbox is an ordinary user or alias, and its owners get
 * it as usual. Ordinary mail to the same address (postmaster@ by default) is left alone.
 *
 * Never: refuse a message because its report is broken (it is kept and flagged), or trust a report
 * more than its carrier: the DMARC result of the carrying message is stored with it.
 */
import { createHash } from 'node:crypto';
import type { Logger } from '../../lib/logger.ts';
import type { IncomingDmarcReportStore, NewIncomingDmarcReport } from '../../store/ports.ts';
import { getFields, parseHeaderSection, type HeaderField } from '../../mail/headers.ts';
import { parseAuthResults } from '../../standards/authresults/authresults.ts';
import { DEFAULT_REPORT_LIMITS, extractAggregateReports, type ReportLimits } from '../../standards/dmarc/report-message.ts';
import { canonical } from '../../mail/address.ts';
import { replies } from '../../smtp/replies.ts';
import { cont, tempfail, type Transaction, type Verdict } from '../types.ts';

/** Of a malformed report message, this much of the raw message is stored for the dashboard. */
export const RAW_KEPT_BYTES = 1024 * 1024;

export interface DmarcReportsOptions {
  /** Whether a recipient (canonical address) is a report mailbox (reportMailboxMatcher). */
  isReportMailbox: (address: string) => boolean;
  limits?: ReportLimits;
  clock?: () => number;
}

export interface DmarcReportsDeps extends DmarcReportsOptions {
  store: IncomingDmarcReportStore;
  logger: Logger;
  /** Our authserv-id: whose Authentication-Results to read the carrier's DMARC result from. */
  authservId: string;
}

/** What the stage did, for the log (null: the message was not for a report mailbox, or not a report). */
export interface DmarcReportsSummary {
  reports: number;
  malformed: number;
  duplicates: number;
  reportIds: string[];
}

/**
 * `[dmarc] report_mailbox` as a predicate: `local@<domain>` matches that local part in every local
 * domain (the stage only sees recipients already known to be local), `local@example.org` that one
 * address. Case-insensitive.
 */
export function reportMailboxMatcher(patterns: readonly string[]): (address: string) => boolean {
  const anyDomain = new Set<string>();
  const exact = new Set<string>();
  for (const p of patterns) {
    const at = p.lastIndexOf('@');
    const local = p.slice(0, at).toLowerCase();
    const domain = p.slice(at + 1).toLowerCase();
    if (domain === '<domain>') anyDomain.add(local);
    else exact.add(`${local}@${domain}`);
  }
  return (address) => {
    const a = address.toLowerCase();
    return exact.has(a) || anyDomain.has(a.slice(0, a.lastIndexOf('@')));
  };
}

/** The dmarc= result of our own Authentication-Results field among `headers`, or null. */
export function carrierDmarcResult(headers: string, authservId: string): string | null {
  const { fields } = parseHeaderSection(Buffer.from(headers));
  for (const f of getFields(fields, 'Authentication-Results')) {
    const ar = parseAuthResults(f.value);
    if (ar?.authservId.toLowerCase() !== authservId.toLowerCase()) continue;
    const d = ar.results.find((r) => r.method.toLowerCase() === 'dmarc');
    if (d) return d.result.toLowerCase();
  }
  return null;
}

async function readAll(message: () => AsyncIterable<Buffer>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of message()) chunks.push(c);
  return Buffer.concat(chunks);
}

export async function dmarcReportsStage(
  deps: DmarcReportsDeps,
  tx: Transaction,
  fields: readonly HeaderField[],
  message: () => AsyncIterable<Buffer>,
  authHeaders: string,
): Promise<{ verdict: Verdict; summary: DmarcReportsSummary | null }> {
  const to = tx.recipients.filter((r) => r.kind === 'local' && deps.isReportMailbox(r.address)).map((r) => r.address);
  if (!to.length) return { verdict: cont(undefined), summary: null };
  const raw = await readAll(message);
  const found = await extractAggregateReports(raw, deps.limits ?? DEFAULT_REPORT_LIMITS);
  if (!found.looksLikeReport) return { verdict: cont(undefined), summary: null };

  const base = {
    receivedAt: (deps.clock ?? Date.now)(),
    messageId: (getFields(fields, 'Message-ID')[0]?.value ?? '').trim(),
    mailFrom: tx.mailFrom ? canonical(tx.mailFrom) : '',
    recipients: to,
    authResult: carrierDmarcResult(authHeaders, deps.authservId),
    messageDigest: createHash('sha256').update(raw).digest('hex'),
  };
  const rows: NewIncomingDmarcReport[] = found.outcomes.map((o) => {
    if (o.ok) {
      const r = o.report;
      return {
        ...base, part: o.part, status: 'ok', reason: null,
        orgName: r.orgName, email: r.email, reportId: r.reportId, policyDomain: r.policy.domain, begin: r.begin, end: r.end,
        totals: r.summary,
        report: { version: r.version, extraContactInfo: r.extraContactInfo ?? null, errors: r.errors, policy: r.policy, rows: r.rows, warnings: r.warnings },
        raw: null, rawTruncated: false,
      };
    }
    return {
      ...base, part: o.part, status: 'malformed', reason: o.reason,
      orgName: null, email: null, reportId: null, policyDomain: null, begin: null, end: null,
      totals: { messages: 0, dmarcPass: 0, dmarcFail: 0, disposition: { none: 0, quarantine: 0, reject: 0 } },
      report: null, raw: raw.subarray(0, RAW_KEPT_BYTES), rawTruncated: raw.length > RAW_KEPT_BYTES,
    };
  });
  const summary: DmarcReportsSummary = { reports: 0, malformed: 0, duplicates: 0, reportIds: [] };
  try {
    for (const row of rows) {
      const saved = await deps.store.save(row);
      if (saved.duplicate) summary.duplicates++;
      if (row.status === 'ok') {
        summary.reports++;
        summary.reportIds.push(`${row.orgName}:${row.reportId}`);
      } else {
        summary.malformed++;
        deps.logger.warn({ to, part: row.part, reason: row.reason, messageId: base.messageId }, 'dmarc-reports: malformed aggregate report kept and flagged');
      }
    }
  } catch (e) {
    // Not stored means not accepted: the sender retries, and the unique key keeps a retry single.
    deps.logger.error({ err: e, to }, 'dmarc-reports: could not store the aggregate report');
    return { verdict: tempfail(replies.localError()), summary };
  }
  if (summary.reports) deps.logger.info({ to, reports: summary.reportIds, duplicates: summary.duplicates, carrierDmarc: base.authResult }, 'dmarc-reports: aggregate report(s) stored');
  return { verdict: cont(undefined), summary };
}
