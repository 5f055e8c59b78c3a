/**
 * SMTP TLS Reporting, sending side (RFC 8460): the delivery agent hands every outbound session's
 * TLS outcome to `tlsSessionSink` (delivery/tls-sessions.ts), which counts it in the store per recipient domain, UTC day,
 * policy, MX host and result; once a day (`[tlsrpt] report_interval`, or `mailwarden tlsrpt
 * send-reports`) each domain with counted sessions that publishes a `_smtp._tls.<domain>` TXT
 * record (§3) gets one report (standards/tlsrpt/report.ts) at its rua=mailto: addresses,
 * through the outbound queue (or a local mailbox when the address is ours), DKIM-signed when
 * the From domain is one of ours — the same path as the DMARC aggregate reports.
 *
 * https: rua URIs (§5.2, HTTP POST) are not supported: they are skipped and logged.
 *
 * Never twice: the rows a report covers are marked reported in the transaction that queues it
 * (IngestRequest.tlsReportOf). Rows of a domain without a record or without a usable mailto: rua
 * are dropped (marked reported: nobody will ever take them), except after a DNS error: those
 * wait for the next run.
 */
import type { Logger } from '../lib/logger.ts';
import type { Resolver } from '../dns/index.ts';
import type { Directory } from '../directory/directory.ts';
import type { Delivery, OutboundRecipient, Store, StoredTlsSessions } from '../store/ports.ts';
import type { SigningKey } from '../standards/dkim/sign.ts';
import { mailtoAddress, selectTlsRptRecord } from '../standards/tlsrpt/record.ts';
import { buildTlsReport, buildTlsReportMessage, type PolicyType, type SessionResult } from '../standards/tlsrpt/report.ts';
import type { LocalResolution } from '../queue/bounce.ts';
import type { Config } from '../config/schema.ts';
import { dkimKeySource, localResolver } from './outbound.ts';
import { every } from '../lib/periodic.ts';
import { reportFromAddress, signReport, submitterDomain } from './report-mail.ts';

export interface TlsReportDeps {
  store: Store;
  resolver: Resolver;
  directory: Directory;
  logger: Logger;
  hostname: string;
  /** `[tlsrpt] report_from`; '' = postmaster@ the Organizational Domain of the hostname. */
  reportFrom: string;
  resolveLocal(address: string): Promise<LocalResolution>;
  keysFor?: (domain: string) => Promise<SigningKey[]>;
  onQueued?: () => void;
  clock?: () => number;
}

export interface TlsReportOutcome {
  domain: string;
  reportId: string | null;
  successful: number;
  failed: number;
  sentTo: string[];
  skipped: Array<{ uri: string; reason: string }>;
  /** The rows are kept for the next run (DNS error). */
  deferred: boolean;
}


const dayStart = (day: string) => Date.parse(`${day}T00:00:00Z`) / 1000;

async function reportDomain(deps: TlsReportDeps, domain: string, rows: StoredTlsSessions[], now: number): Promise<TlsReportOutcome> {
  const ids = rows.map((r) => r.id);
  const out: TlsReportOutcome = { domain, reportId: null, successful: 0, failed: 0, sentTo: [], skipped: [], deferred: false };
  const drop = async (why: string) => {
    await deps.store.tlsReports.markReported(ids, now);
    deps.logger.info({ domain, rows: rows.length, reason: why }, 'tls report: not sent; sessions dropped');
    return out;
  };
  // RFC 8460 §3: where the domain wants its reports
  const txt = await deps.resolver.txt(`_smtp._tls.${domain}`);
  if (txt.status === 'temperror') {
    out.deferred = true;
    deps.logger.warn({ domain, reason: txt.reason }, 'tls report: DNS error looking up the TLSRPT record; kept for the next run');
    return out;
  }
  const rec = selectTlsRptRecord(txt.status === 'ok' ? txt.records.map((r) => r.text) : []);
  if (!rec.ok) return drop(`_smtp._tls.${domain}: ${rec.error}`);

  const submitter = submitterDomain(deps.hostname);
  const from = reportFromAddress(deps.hostname, deps.reportFrom);
  const begin = dayStart(rows[0]!.day);
  const end = Math.max(begin, Math.min(dayStart(rows[rows.length - 1]!.day) + 86399, Math.floor(now / 1000)));
  const reportId = `${begin}.${domain}.${ids[0]}@${submitter}`;
  const report = buildTlsReport({
    organizationName: submitter,
    contactInfo: from,
    reportId,
    policyDomain: domain,
    begin,
    end,
    sessions: rows.map((r) => ({ policyType: r.policyType as PolicyType, policyString: r.policyString, policyMx: r.policyMx, mxHost: r.mxHost, receivingIp: r.receivingIp, result: r.result as SessionResult, count: r.count })),
  });
  out.successful = report.successful;
  out.failed = report.failed;

  const targets: string[] = [];
  for (const uri of rec.record.rua) {
    const m = mailtoAddress(uri);
    if (m.ok) targets.push(m.address);
    else out.skipped.push({ uri, reason: m.reason });
  }
  for (const s of out.skipped) deps.logger.warn({ domain, uri: s.uri, reason: s.reason }, 'tls report: destination skipped');
  let message = buildTlsReportMessage({ report, from, to: targets, policyDomain: domain, submitter, date: new Date(now), hostname: deps.hostname });
  const deliveries: Delivery[] = [];
  const outbound: OutboundRecipient[] = [];
  for (const address of targets) {
    const where = await deps.resolveLocal(address);
    if (where.kind === 'unknown') {
      out.skipped.push({ uri: `mailto:${address}`, reason: 'no such local mailbox' });
      continue;
    }
    if (where.kind === 'local') where.userIds.forEach((userId) => deliveries.push({ userId, mailbox: 'INBOX' }));
    else outbound.push({ address });
    out.sentTo.push(address);
  }
  if (!out.sentTo.length) return drop('no usable mailto: rua address');
  const signed = await signReport(deps, from, message, now);
  if (signed.error) deps.logger.warn({ domain, error: signed.error }, 'tls report: not DKIM-signed');
  message = signed.message;
  const res = await deps.store.ingest({ blob: { kind: 'buffer', data: message }, mailFrom: from, internalDate: now, deliveries, outbound, tlsReportOf: ids });
  if (res.queueIds.length) deps.onQueued?.();
  out.reportId = reportId;
  deps.logger.info({ domain, reportId, to: out.sentTo, successful: report.successful, failed: report.failed, size: message.length, queued: res.queueIds }, 'tls report: queued');
  return out;
}

/** Sends a report for every domain with unreported sessions. */
export async function sendTlsReports(deps: TlsReportDeps): Promise<TlsReportOutcome[]> {
  const now = (deps.clock ?? Date.now)();
  const outcomes: TlsReportOutcome[] = [];
  for (const domain of await deps.store.tlsReports.pendingDomains()) {
    const rows = await deps.store.tlsReports.pending(domain);
    if (!rows.length) continue;
    try {
      outcomes.push(await reportDomain(deps, domain, rows, now));
    } catch (e) {
      deps.logger.error({ domain, err: e }, 'tls report: failed; the sessions stay for the next run');
    }
  }
  return outcomes;
}

/** The `[tlsrpt] report_interval` schedule of `serve`: stop() ends it. */
export function scheduleTlsReports(deps: TlsReportDeps, intervalMs: number): { stop(): Promise<void> } {
  return every(intervalMs, () => sendTlsReports(deps), (e) => deps.logger.error({ err: e }, 'tls report run failed'));
}

/** The report sender's dependencies from the configuration (serve and the CLI share this). */
export function tlsReportDeps(opts: { config: Config; store: Store; resolver: Resolver; directory: Directory; logger: Logger; onQueued?: () => void }): TlsReportDeps {
  const { config, store, resolver, directory, logger } = opts;
  return {
    store,
    resolver,
    directory,
    logger,
    hostname: config.hostname,
    reportFrom: config.tlsrpt.report_from,
    resolveLocal: localResolver(directory),
    keysFor: dkimKeySource(store),
    ...(opts.onQueued ? { onQueued: opts.onQueued } : {}),
  };
}
