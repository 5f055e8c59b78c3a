/** `mailwarden tlsrpt send-reports`: SMTP TLS reports (RFC 8460) now, instead of waiting for the schedule. */
import type { Command } from 'commander';
import { Directory } from '../directory/directory.ts';
import { resolverFromConfig } from '../app/outbound.ts';
import { sendTlsReports, tlsReportDeps } from '../app/tlsrpt-reports.ts';
import { silentLogger, createLogger } from '../lib/logger.ts';
import { fail, printJson, withStore, type GlobalOptions } from './common.ts';

export function registerTlsRpt(program: Command, global: () => GlobalOptions): void {
  const cmd = program.command('tlsrpt').description('SMTP TLS reports (RFC 8460) about our outbound TLS sessions (docs/outbound.md "TLS reporting")');
  cmd
    .command('send-reports')
    .description('queue a TLS report of the outbound sessions not yet reported to each recipient domain that publishes a _smtp._tls TXT record with a rua=mailto: address (https: rua is skipped); domains without one have their sessions dropped; a running server delivers the reports')
    .option('--json', 'JSON output')
    .option('-v, --verbose', 'log what happens to each domain on standard error')
    .action((o: { json?: boolean; verbose?: boolean }) =>
      withStore(global(), async (store, cfg) => {
        const resolver = await resolverFromConfig(cfg);
        const directory = new Directory(store, { subaddressSeparator: cfg.subaddress_separator });
        const logger = o.verbose ? createLogger('info', process.stderr) : silentLogger();
        const outcomes = await sendTlsReports(tlsReportDeps({ config: cfg, store, resolver, directory, logger }));
        if (o.json) return printJson(outcomes);
        if (!outcomes.length) process.stdout.write('no unreported TLS sessions\n');
        for (const r of outcomes) {
          process.stdout.write(r.reportId ? `${r.domain}: report ${r.reportId} (${r.successful} successful, ${r.failed} failed session(s)) queued to ${r.sentTo.join(', ')}\n` : `${r.domain}: no report sent${r.deferred ? ' (kept for the next run)' : ' (no _smtp._tls record with a usable mailto: rua)'}\n`);
          for (const s of r.skipped) process.stdout.write(`  skipped ${s.uri}: ${s.reason}\n`);
        }
      }).catch(fail));
}
