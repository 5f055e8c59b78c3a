/**
 * Sending DMARC aggregate reports (RFC 7489 §7.2): for each policy domain with unreported
 * evaluations (recorded by the MX, inbound/dmarc-record.ts), one report (standards/dmarc/report.ts)
 * to the rua=mailto: addresses of its latest record, through the outbound queue (or a local
 * mailbox when the address is ours), DKIM-signed when the From domain is one of ours.
 *
 * §7.1 external destinations: when the address's Organizational Domain differs from the policy
 * domain's, the report goes there only if `<policy-domain>._report._dmarc.<rua-domain>` has a TXT
 * record starting with v=DMARC1; otherwise the address is skipped and logged. §6.2 size limits
 * (`!10m`): an address whose limit is below the report's size is skipped.
 *
 * Never twice: the rows a report covers are marked reported in the transaction that queues it
 * (IngestRequest.dmarcReportOf). Rows with no usable destination are marked reported too (nothing
 * will ever take them), except when a DNS error prevented the verification: those wait for the
 * next run.
 */
import type { Logger } from '../lib/logger.ts';
import type { Resolver } from '../dns/index.ts';
import type { Directory } from '../directory/directory.ts';
import type { Delivery, OutboundRecipient, Store, StoredDmarcEvaluation } from '../store/ports.ts';
import type { SigningKey } from '../standards/dkim/sign.ts';
import { organizationalDomain } from '../standards/orgdomain/orgdomain.ts';
import { isDmarcRecord } from '../standards/dmarc/record.ts';
import { buildAggregateReport, buildReportMessage, parseReportUri, type ReportEvaluation } from '../standards/dmarc/report.ts';
import type { LocalResolution } from '../queue/bounce.ts';
import type { Config } from '../config/schema.ts';
import { dkimKeySource, localResolver } from './outbound.ts';
import { every } from '../lib/periodic.ts';
import { reportFromAddress, signReport, submitterDomain } from './report-mail.ts';

export interface DmarcReportDeps {
  store: Store;
  resolver: Resolver;
  directory: Directory;
  logger: Logger;
  hostname: string;
  /** `[dmarc] report_from`; '' = postmaster@ the Organizational Domain of the hostname. */
  reportFrom: string;
  resolveLocal(address: string): Promise<LocalResolution>;
  /** Signing keys of a local domain. */
  keysFor?: (domain: string) => Promise<SigningKey[]>;
  onQueued?: () => void;
  clock?: () => number;
}

export interface ReportOutcome {
  policyDomain: string;
  reportId: string | null;
  messages: number;
  sentTo: string[];
  skipped: Array<{ uri: string; reason: string }>;
  /** The rows are left for the next run (DNS error while verifying a destination). */
  deferred: boolean;
}

/** Rows per report at most; the rest go in the next run. */
const BATCH = 100_000;

const domainOf = (address: string) => address.slice(address.lastIndexOf('@') + 1).toLowerCase();

/** §7.1: may reports about `policyDomain` go to an address at `ruaDomain`? */
async function verifyDestination(resolver: Resolver, policyDomain: string, ruaDomain: string): Promise<{ ok: true } | { ok: false; reason: string; temporary: boolean }> {
  const orgP = organizationalDomain(policyDomain) ?? policyDomain;
  const orgR = organizationalDomain(ruaDomain) ?? ruaDomain;
  if (orgP === orgR) return { ok: true };
  const name = `${policyDomain}._report._dmarc.${ruaDomain}`;
  const a = await resolver.txt(name);
  if (a.status === 'temperror') return { ok: false, reason: `DNS error verifying ${name}: ${a.reason}`, temporary: true };
  if (a.status === 'ok' && a.records.some((r) => isDmarcRecord(r.text))) return { ok: true };
  return { ok: false, reason: `external destination not verified: no v=DMARC1 TXT record at ${name} (RFC 7489 §7.1)`, temporary: false };
}

function toReportEvaluation(r: StoredDmarcEvaluation): ReportEvaluation {
  return { sourceIp: r.sourceIp, headerFrom: r.headerFrom, spf: r.spf, dkim: r.dkim, dkimAligned: r.dkimAligned, disposition: r.disposition, overrides: r.overrides };
}

async function reportDomain(deps: DmarcReportDeps, policyDomain: string, rows: StoredDmarcEvaluation[], now: number): Promise<ReportOutcome> {
  const latest = rows[rows.length - 1]!;
  const ids = rows.map((r) => r.id);
  const out: ReportOutcome = { policyDomain, reportId: null, messages: rows.length, sentTo: [], skipped: [], deferred: false };
  const submitter = submitterDomain(deps.hostname);
  const from = reportFromAddress(deps.hostname, deps.reportFrom);
  const begin = Math.floor(rows[0]!.at / 1000);
  const end = Math.max(begin, Math.floor(now / 1000));
  const reportId = `${policyDomain}.${begin}.${ids[0]}`;
  const report = buildAggregateReport({
    orgName: submitter,
    email: from,
    reportId,
    begin,
    end,
    policy: { domain: policyDomain, ...latest.policy },
    evaluations: rows.map(toReportEvaluation),
  });

  const targets: Array<{ uri: string; address: string; maxBytes?: number }> = [];
  for (const uri of latest.rua) {
    const p = parseReportUri(uri);
    if (!p.ok) {
      out.skipped.push({ uri, reason: p.reason });
      continue;
    }
    const v = await verifyDestination(deps.resolver, policyDomain, domainOf(p.address));
    if (!v.ok) {
      out.skipped.push({ uri, reason: v.reason });
      if (v.temporary) out.deferred = true;
      continue;
    }
    targets.push({ uri, address: p.address, ...(p.maxBytes !== undefined ? { maxBytes: p.maxBytes } : {}) });
  }
  let message = buildReportMessage({ report, from, to: targets.map((t) => t.address), policyDomain, submitter, reportId, date: new Date(now), hostname: deps.hostname });
  const deliveries: Delivery[] = [];
  const outbound: OutboundRecipient[] = [];
  for (const t of targets) {
    if (t.maxBytes !== undefined && message.length > t.maxBytes) {
      out.skipped.push({ uri: t.uri, reason: `report of ${message.length} bytes exceeds the destination's limit of ${t.maxBytes}` });
      continue;
    }
    const where = await deps.resolveLocal(t.address);
    if (where.kind === 'unknown') {
      out.skipped.push({ uri: t.uri, reason: 'no such local mailbox' });
      continue;
    }
    if (where.kind === 'local') where.userIds.forEach((userId) => deliveries.push({ userId, mailbox: 'INBOX' }));
    else outbound.push({ address: t.address });
    out.sentTo.push(t.address);
  }
  for (const s of out.skipped) deps.logger.warn({ policyDomain, uri: s.uri, reason: s.reason }, 'dmarc report: destination skipped');
  if (!out.sentTo.length) {
    if (out.deferred) {
      deps.logger.warn({ policyDomain, rows: rows.length }, 'dmarc report: not sent, kept for the next run (DNS error)');
    } else {
      await deps.store.dmarcReports.markReported(ids, now);
      deps.logger.info({ policyDomain, rows: rows.length }, 'dmarc report: no usable destination; evaluations dropped');
    }
    return out;
  }
  out.deferred = false;
  const signed = await signReport(deps, from, message, now);
  if (signed.error) deps.logger.warn({ policyDomain, error: signed.error }, 'dmarc report: not DKIM-signed');
  message = signed.message;
  const res = await deps.store.ingest({ blob: { kind: 'buffer', data: message }, mailFrom: from, internalDate: now, deliveries, outbound, dmarcReportOf: ids });
  if (res.queueIds.length) deps.onQueued?.();
  out.reportId = reportId;
  deps.logger.info({ policyDomain, reportId, to: out.sentTo, messages: rows.length, records: report.records, omitted: report.omitted, size: message.length, queued: res.queueIds }, 'dmarc report: queued');
  return out;
}

/** Sends a report for every policy domain with unreported evaluations since `since` (ms). */
export async function sendDmarcReports(deps: DmarcReportDeps, opts: { since?: number } = {}): Promise<ReportOutcome[]> {
  const now = (deps.clock ?? Date.now)();
  const range = { since: opts.since ?? 0, before: now + 1 };
  const outcomes: ReportOutcome[] = [];
  for (const domain of await deps.store.dmarcReports.pendingDomains(range)) {
    const rows = await deps.store.dmarcReports.pendingEvaluations(domain, { ...range, limit: BATCH });
    if (!rows.length) continue;
    try {
      outcomes.push(await reportDomain(deps, domain, rows, now));
    } catch (e) {
      deps.logger.error({ policyDomain: domain, err: e }, 'dmarc report: failed; the evaluations stay for the next run');
    }
  }
  return outcomes;
}

/** The `[dmarc] report_interval` schedule of `serve`: stop() ends it. */
export function scheduleDmarcReports(deps: DmarcReportDeps, intervalMs: number): { stop(): Promise<void> } {
  return every(intervalMs, () => sendDmarcReports(deps), (e) => deps.logger.error({ err: e }, 'dmarc report run failed'));
}

/** The report sender's dependencies from the configuration (serve and the CLI share this). */
export function dmarcReportDeps(opts: { config: Config; store: Store; resolver: Resolver; directory: Directory; logger: Logger; onQueued?: () => void }): DmarcReportDeps {
  const { config, store, resolver, directory, logger } = opts;
  return {
    store,
    resolver,
    directory,
    logger,
    hostname: config.hostname,
    reportFrom: config.dmarc.report_from,
    resolveLocal: localResolver(directory),
    keysFor: dkimKeySource(store),
    ...(opts.onQueued ? { onQueued: opts.onQueued } : {}),
  };
}
