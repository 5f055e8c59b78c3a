/** `mailwarden serve [--demo]`: runs the server until SIGINT/SIGTERM, with a start banner. */
import type { Command } from 'commander';
import { startApp, type RunningApp } from '../app/app.ts';
import { ensureDemo, writeDemoZone, type DemoAccount } from '../app/demo.ts';
import { openStore } from '../app/app.ts';
import { createLogger } from '../lib/logger.ts';
import { loadConfig } from '../config/load.ts';
import { fail, type GlobalOptions } from './common.ts';
import { redactUrl } from '../store/postgres/pool.ts';

function hp(a: { host: string; port: number }): string {
  return a.host.includes(':') ? `[${a.host}]:${a.port}` : `${a.host}:${a.port}`;
}

export function banner(app: RunningApp, demo: DemoAccount | null, configPath: string | undefined, demoZone: string | null = null): string {
  const c = app.config;
  const lines = [
    '',
    'mailwarden is running',
    `  config:    ${configPath ?? 'built-in defaults (no mailwarden.toml)'}`,
    `  data:      ${c.data_dir} (SQLite store, WAL, synchronous=FULL)`,
    ...(c.spam.enabled && c.spam.statistics !== 'store' ? [`  spam statistics: ${redactUrl(c.spam.statistics)} (PostgreSQL, users as ${c.spam.statistics_namespace || c.hostname})`] : []),
    `  hostname:  ${c.hostname}`,
    `  TLS:       ${app.tls.source}`,
    `             SHA-256 ${app.tls.fingerprint256}`,
    '  listeners:',
  ];
  const what = { mx: 'MX (inbound, no AUTH, STARTTLS)', submission: 'submission (STARTTLS + AUTH)', submissions: 'submissions (implicit TLS + AUTH)', pop3: 'POP3 (STLS, then USER/PASS or AUTH)', pop3s: 'POP3S (implicit TLS)', imap: 'IMAP (STARTTLS, then LOGIN/AUTHENTICATE)', imaps: 'IMAPS (implicit TLS)', https: 'HTTPS (webmail, MTA-STS policy, unsubscribe)' };
  for (const e of app.endpoints) lines.push(`    ${what[e.name].padEnd(42)} ${hp(e.address)}`);
  lines.push(`  DNS:       ${demoZone ? `demo zone ${demoZone} (no network lookups; SPF/DKIM/DMARC checked against it)` : c.dns.zone_file ? `zone file ${c.dns.zone_file}` : c.dns.servers.length ? c.dns.servers.join(', ') : 'system resolver'}`);
  lines.push(`  plaintext AUTH: ${c.auth.plaintext === 'never' ? 'never (TLS required)' : 'allowed from loopback only (teaching mode)'}`);
  const sub = app.endpoints.find((e) => e.name === 'submission');
  const mx = app.endpoints.find((e) => e.name === 'mx');
  if (demo) {
    lines.push('', `  demo account: ${demo.address}`, `  password:     ${demo.password ?? '(see ' + demo.file + ')'}${demo.created ? '   <- shown now; also saved in ' + demo.file : ''}`);
    if (sub) {
      lines.push(
        '',
        '  send a first message (submission, STARTTLS, AUTH):',
        `    swaks --server ${hp(sub.address)} --tls --auth PLAIN --auth-user ${demo.address} --auth-password '${demo.password ?? 'PASSWORD'}' --from ${demo.address} --to ${demo.address}`,
        '  or type SMTP yourself:',
        `    openssl s_client -starttls smtp -crlf -quiet -connect ${hp(sub.address)}`,
      );
    }
    if (mx) lines.push('  or deliver to the MX as the outside world would:', `    swaks --server ${hp(mx.address)} --from someone@elsewhere.test --to ${demo.address}`);
  }
  return lines.join('\n') + '\n\n';
}

export function registerServe(program: Command, global: () => GlobalOptions): void {
  program
    .command('serve')
    .description('run the mail server: SMTP MX and submission, IMAP, POP3, outbound queue')
    .option('--demo', 'on an empty store, create example.test and postmaster@example.test with a generated password')
    .action(async (o: { demo?: boolean }) => {
      try {
        const { config, path } = loadConfig(global().config);
        let demo: DemoAccount | null = null;
        let demoZone: string | null = null;
        if (o.demo) {
          const store = openStore(config);
          try {
            demo = await ensureDemo(store, config.data_dir, config.auth.cram_md5);
            // Without a config file and DNS settings, the demo answers DNS from its own zone, so
            // SPF/DKIM/DMARC work on a machine with no (or no reachable) resolver.
            if (!path && !config.dns.zone_file && !config.dns.servers.length) {
              config.dns.zone_file = await writeDemoZone(store, config.data_dir, config.hostname);
              demoZone = config.dns.zone_file;
            }
          } finally {
            await store.close();
          }
        }
        const logger = createLogger(config.log.level, undefined, true);
        const app = await startApp(config, logger);
        logger.flush(); // the "listening" lines go out now, not when the buffer fills
        process.stderr.write(banner(app, demo, path, demoZone));
        let stopping = false;
        const stop = (sig: string) => {
          if (stopping) return;
          stopping = true;
          logger.info({ signal: sig }, 'shutting down');
          void app.close().then(() => {
            logger.flush();
            setTimeout(() => process.exit(0), 100).unref();
          });
        };
        process.on('SIGINT', () => stop('SIGINT'));
        process.on('SIGTERM', () => stop('SIGTERM'));
      } catch (e) {
        if (e instanceof Error && 'code' in e && e.code === 'EADDRINUSE') {
          process.stderr.write(`mailwarden: ${e.message}: another server is using that port; change [listen] in mailwarden.toml\n`);
          process.exit(1);
        }
        fail(e);
      }
    });
}
