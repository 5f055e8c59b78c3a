/** `mailwarden dmarc send-reports`: DMARC aggregate reports (RFC 7489 §7.2) now, instead of waiting for the schedule. */
import type { Command } from 'commander';
import { Directory } from '../directory/directory.ts';
import { resolverFromConfig } from '../app/outbound.ts';
import { dmarcReportDeps, sendDmarcReports } from '../app/dmarc-reports.ts';
import { parseDuration } from '../lib/duration.ts';
import { silentLogger, createLogger } from '../lib/logger.ts';
import { fail, printJson, printTable, withStore, type GlobalOptions, UsageError } from './common.ts';
import type { IncomingDmarcReportSummary } from '../store/ports.ts';
import { normalizeDomain } from '../mail/address.ts';

/** --since: an ISO date/time, or a duration back from now ("2d"). */
export function parseSince(s: string, now = Date.now()): number {
  const d = parseDuration(s);
  if (d !== undefined) return now - d;
  const t = Date.parse(s);
  if (Number.isNaN(t)) throw new UsageError(`--since must be a date (2026-11-28T00:00:00Z) or a duration (24h, 7d), not ${JSON.stringify(s)}`);
  return t;
}

const isoSeconds = (t: number | null) => (t === null ? null : new Date(t * 1000).toISOString());
const day = (t: number | null) => (t === null ? '' : new Date(t * 1000).toISOString().slice(0, 10));
const minute = (ms: number) => new Date(ms).toISOString().slice(0, 16).replace('T', ' ');

/** One incoming report for `dmarc reports --json`. */
export function incomingReportJson(r: IncomingDmarcReportSummary) {
  return {
    id: r.id,
    receivedAt: new Date(r.receivedAt).toISOString(),
    status: r.status,
    reason: r.reason,
    reporter: r.orgName,
    email: r.email,
    reportId: r.reportId,
    domain: r.policyDomain,
    begin: isoSeconds(r.begin),
    end: isoSeconds(r.end),
    messages: r.totals.messages,
    dmarcPass: r.totals.dmarcPass,
    dmarcFail: r.totals.dmarcFail,
    disposition: r.totals.disposition,
    part: r.part,
    messageId: r.messageId,
    mailFrom: r.mailFrom,
    recipients: r.recipients,
    carrierDmarc: r.authResult,
  };
}

function statusText(r: IncomingDmarcReportSummary): string {
  const carrier = r.authResult !== null && r.authResult !== 'pass' ? `, carrier dmarc=${r.authResult}` : '';
  return r.status === 'ok' ? `ok${carrier}` : `MALFORMED ${r.part}: ${r.reason ?? ''}${carrier}`;
}

export function registerDmarc(program: Command, global: () => GlobalOptions): void {
  const cmd = program.command('dmarc').description('DMARC aggregate reports');
  cmd
    .command('reports')
    .description('the aggregate reports other receivers sent to our [dmarc] report_mailbox addresses, newest first: reporter, report id, date range, domain, messages passing and failing DMARC, what the receiver did (none/quarantine/reject), and malformed ones flagged with the reason (docs/dmarc.md)')
    .option('--domain <domain>', 'only reports about this domain (and malformed ones sent to an address in it)')
    .option('--limit <n>', 'at most this many', '100')
    .option('--json', 'JSON output')
    .action((o: { domain?: string; limit: string; json?: boolean }) =>
      withStore(global(), async (store) => {
        const limit = Number(o.limit);
        if (!Number.isInteger(limit) || limit < 1) throw new UsageError(`--limit must be a positive whole number, not ${JSON.stringify(o.limit)}`);
        let domain: string | undefined;
        if (o.domain !== undefined) {
          const d = normalizeDomain(o.domain);
          if (typeof d !== 'string') throw new UsageError(d.error);
          domain = d;
        }
        const reports = await store.dmarcIncoming.list(domain === undefined ? { limit } : { domain, limit });
        if (o.json) return printJson(reports.map(incomingReportJson));
        if (!reports.length) {
          process.stdout.write(`no DMARC aggregate reports received${domain ? ` for ${domain}` : ''}\n`);
          return;
        }
        printTable(
          reports.map((r) => [
            String(r.id), minute(r.receivedAt), r.orgName ?? '', r.reportId ?? '', r.policyDomain ?? '', r.begin === null ? '' : `${day(r.begin)}..${day(r.end)}`,
            String(r.totals.messages), String(r.totals.dmarcPass), String(r.totals.dmarcFail),
            `${r.totals.disposition.none}/${r.totals.disposition.quarantine}/${r.totals.disposition.reject}`, statusText(r),
          ]),
          ['ID', 'RECEIVED (UTC)', 'REPORTER', 'REPORT ID', 'DOMAIN', 'DATES', 'MESSAGES', 'PASS', 'FAIL', 'NONE/QUAR/REJ', 'STATUS'],
        );
      }).catch(fail));
  cmd
    .command('send-reports')
    .description('queue aggregate reports of the DMARC evaluations not yet reported to the rua= addresses of each domain (a running server delivers them)')
    .option('--since <when>', 'only evaluations since this date or this long ago (e.g. 2026-11-27, 24h)')
    .option('--json', 'JSON output')
    .option('-v, --verbose', 'log what happens to each destination on standard error')
    .action((o: { since?: string; json?: boolean; verbose?: boolean }) =>
      withStore(global(), async (store, cfg) => {
        const since = o.since === undefined ? undefined : parseSince(o.since);
        const resolver = await resolverFromConfig(cfg);
        const directory = new Directory(store, { subaddressSeparator: cfg.subaddress_separator });
        const logger = o.verbose ? createLogger('info', process.stderr) : silentLogger();
        const outcomes = await sendDmarcReports(dmarcReportDeps({ config: cfg, store, resolver, directory, logger }), since === undefined ? {} : { since });
        if (o.json) return printJson(outcomes);
        if (!outcomes.length) process.stdout.write('no unreported DMARC evaluations\n');
        for (const r of outcomes) {
          process.stdout.write(r.reportId ? `${r.policyDomain}: report ${r.reportId} (${r.messages} message(s)) queued to ${r.sentTo.join(', ')}\n` : `${r.policyDomain}: ${r.messages} message(s), no report sent${r.deferred ? ' (kept for the next run)' : ''}\n`);
          for (const s of r.skipped) process.stdout.write(`  skipped ${s.uri}: ${s.reason}\n`);
        }
      }).catch(fail));
}
