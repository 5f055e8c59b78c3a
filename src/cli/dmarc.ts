/** `mailwarden dmarc send-reports`: DMARC aggregate reports (RFC 7489 §7.2) now, instead of waiting for the schedule. */
import type { Command } from 'commander';
import { Directory } from '../directory/directory.ts';
import { resolverFromConfig } from '../app/outbound.ts';
import { dmarcReportDeps, sendDmarcReports } from '../app/dmarc-reports.ts';
import { parseDuration } from '../lib/duration.ts';
import { silentLogger, createLogger } from '../lib/logger.ts';
import { fail, printJson, withStore, type GlobalOptions, UsageError } from './common.ts';

/** --since: an ISO date/time, or a duration back from now ("2d"). */
export function parseSince(s: string, now = Date.now()): number {
  const d = parseDuration(s);
  if (d !== undefined) return now - d;
  const t = Date.parse(s);
  if (Number.isNaN(t)) throw new UsageError(`--since must be a date (2026-11-28T00:00:00Z) or a duration (24h, 7d), not ${JSON.stringify(s)}`);
  return t;
}

export function registerDmarc(program: Command, global: () => GlobalOptions): void {
  const cmd = program.command('dmarc').description('DMARC aggregate reports');
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
