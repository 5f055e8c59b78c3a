/**
 * The composition root: the only place that chooses implementations and wires them together
 * (config -> store -> directory -> pipeline -> listeners). Everything else receives its
 * dependencies as arguments.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from '../config/schema.ts';
import type { Logger } from '../lib/logger.ts';
import { parseHostPort, type HostPort } from '../lib/net.ts';
import { SqliteStore, cleanSpool } from '../store/sqlite/store.ts';
import type { Store } from '../store/ports.ts';
import { Directory } from '../directory/directory.ts';
import { LoginThrottle } from '../directory/throttle.ts';
import { RecentLogins } from '../directory/recent-logins.ts';
import { InboundPipeline } from '../inbound/pipeline.ts';
import { reportMailboxMatcher } from '../inbound/stages/dmarc-reports.ts';
import { SmtpServer, type ListenerSpec } from '../smtpserver/server.ts';
import { loadTls, type TlsMaterial } from '../tls/certificates.ts';
import { Pop3Server } from '../pop3/server.ts';
import { ImapServer } from '../imapserver/server.ts';
import { MailboxEvents, observeStore } from '../mailbox/events.ts';
import type { Resolver } from '../dns/index.ts';
import type { QueueRunner } from '../queue/runner.ts';
import { createQueueRunner, dkimKeySource, resolverFromConfig } from './outbound.ts';
import { dmarcReportDeps, scheduleDmarcReports } from './dmarc-reports.ts';
import { durationMs } from '../lib/duration.ts';
import { trainStored } from '../junk/message.ts';
import { attachmentsOptions, phishingOptions } from './content-policy.ts';
import { loadSecret } from '../lib/secret.ts';
import { publishedPolicy } from '../standards/dmarc/policy.ts';
import { webApp } from '../web/app.ts';
import { publishedMtaSts } from './mtasts.ts';
import { scheduleTlsReports, tlsReportDeps } from './tlsrpt-reports.ts';
import { WebServer } from '../web/server.ts';
import { webmailApp } from '../webmail/app.ts';
import { openJunkStatistics, storeStatistics, type JunkStatistics } from './statistics.ts';
import type { JunkStore } from '../junk/ports.ts';

export function openStore(config: Config): Store {
  return new SqliteStore({ dataDir: config.data_dir });
}

export interface RunningApp {
  config: Config;
  store: Store;
  /** The spam filter's statistics ([spam] statistics): store.junk, or a PostgreSQL database. */
  junk: JunkStore;
  tls: TlsMaterial;
  smtp: SmtpServer;
  pop3: Pop3Server;
  imap: ImapServer;
  /** Bound addresses by listener name (ports resolved when configured as 0). */
  endpoints: Array<{ name: 'mx' | 'submission' | 'submissions' | 'pop3' | 'pop3s' | 'imap' | 'imaps' | 'https'; address: HostPort }>;
  /** The DNS resolver ([dns]) shared by delivery and, later, SPF/DKIM/DMARC. */
  resolver: Resolver;
  /** The outbound queue runner (started when [outbound] enabled). */
  queue: QueueRunner;
  close(): Promise<void>;
}

export async function startApp(config: Config, logger: Logger): Promise<RunningApp> {
  mkdirSync(config.data_dir, { recursive: true, mode: 0o700 });
  const spoolDir = join(config.data_dir, 'spool');
  mkdirSync(spoolDir, { recursive: true, mode: 0o700 });
  const stale = cleanSpool(spoolDir);
  if (stale) logger.info({ files: stale }, 'removed spool files of messages never acknowledged');
  // Mailbox changes (delivery, POP3, IMAP) reach the IMAP sessions that have the mailbox open.
  const events = new MailboxEvents((err) => logger.error({ err }, 'mailbox event listener failed'));
  const store = observeStore(openStore(config), events);
  const srs = { secret: loadSecret(config.forwarding.srs_secret_file || join(config.data_dir, 'srs.key')), maxAgeDays: config.forwarding.srs_max_age_days };
  const unsubscribeSecret = loadSecret(join(config.data_dir, 'lists.key'));
  const directory = new Directory(store, { subaddressSeparator: config.subaddress_separator, srs });
  const tls = await loadTls({ cert: config.tls.cert, key: config.tls.key, dataDir: config.data_dir, hostname: config.hostname });
  const a = config.auth;
  const throttle = new LoginThrottle({
    maxFailuresPerIp: a.max_failures_per_ip,
    maxFailuresPerAccountIp: a.max_failures_per_account_ip,
    maxFailuresPerAccount: a.max_failures_per_account,
    windowMs: a.failure_window_seconds * 1000,
    lockoutMs: a.lockout_seconds * 1000,
  });
  const recentLogins = new RecentLogins(a.pop_before_smtp_minutes);
  const resolver = await resolverFromConfig(config);
  // The filter's statistics, chosen once here; an unreachable PostgreSQL stops the start.
  let statistics: JunkStatistics;
  try {
    statistics = config.spam.enabled ? await openJunkStatistics(config, store, logger) : storeStatistics(store);
  } catch (e) {
    await store.close();
    throw e;
  }
  const queue = createQueueRunner({ config, store, directory, resolver, logger });
  const pipeline = new InboundPipeline({ directory, store, logger, hostname: config.hostname, dkimKeys: dkimKeySource(store), onQueued: () => queue.wake(),
    authenticate: config.dmarc.enabled ? { resolver, trustedSealers: config.arc.trusted_sealers, trustedForwarders: config.dmarc.trusted_forwarders } : undefined,
    classify: config.spam.enabled ? { ...spamOptions(config, statistics.junk), spool: { spoolDir, memoryLimit: config.limits.memory_spool_bytes } } : undefined,
    attachments: attachmentsOptions(config),
    phishing: phishingOptions(config, store),
    dmarcReports: config.dmarc.report_mailbox.length ? { isReportMailbox: reportMailboxMatcher(config.dmarc.report_mailbox) } : undefined,
    redistribute: {
      keysFor: dkimKeySource(store),
      srs,
      spool: { spoolDir, memoryLimit: config.limits.memory_spool_bytes },
      unsubscribe: { secret: unsubscribeSecret, baseUrl: publicUrl(config) },
      dmarcPolicyOf: (domain) => publishedPolicy(resolver, domain),
      resolver,
    },
  });
  // The webmail logs in like IMAP (same throttle) and moves mail like IMAP (same junkTraining).
  const webmail = config.webmail.enabled
    ? webmailApp({
        store, logger, authservId: config.hostname,
        login: { directory, store, throttle, cramMd5: a.cram_md5 },
        mailboxes: { store, events, maxMailboxes: config.imap.max_mailboxes, ...junkTraining(config, store, statistics.junk, logger) },
        ...(config.spam.enabled ? { training: { junk: statistics.junk, trainGlobal: config.spam.train_global } } : {}),
        sessionIdleMs: durationMs(config.webmail.session_idle), sessionMaxMs: durationMs(config.webmail.session_max),
      })
    : undefined;
  const web = new WebServer(webApp({ store, unsubscribeSecret, logger, ...publishedMtaSts(config), webmail }), { tls: { cert: tls.cert, key: tls.key, minVersion: config.tls.min_version } });
  const smtp = new SmtpServer({
    hostname: config.hostname,
    tls: { cert: tls.cert, key: tls.key, minVersion: config.tls.min_version, honorCipherOrder: true },
    limits: config.limits,
    plaintextAuth: a.plaintext,
    pipeline,
    auth: { directory, store, throttle, cramMd5: a.cram_md5, logger },
    popBeforeSmtp: recentLogins.enabled ? recentLogins : null,
    spoolDir,
    logger,
  });
  const pop3 = new Pop3Server({
    hostname: config.hostname,
    tls: { cert: tls.cert, key: tls.key, minVersion: config.tls.min_version, honorCipherOrder: true },
    limits: config.pop3,
    plaintextAuth: a.plaintext,
    auth: { directory, store, throttle, cramMd5: a.cram_md5, logger, recentLogins },
    logger,
  });
  const imap = new ImapServer({
    hostname: config.hostname,
    tls: { cert: tls.cert, key: tls.key, minVersion: config.tls.min_version, honorCipherOrder: true },
    limits: config.imap,
    plaintextAuth: a.plaintext,
    auth: { directory, store, throttle, cramMd5: a.cram_md5, recentLogins },
    mailboxes: { store, events, maxMailboxes: config.imap.max_mailboxes, ...junkTraining(config, store, statistics.junk, logger) },
    spool: { dir: spoolDir, memoryLimit: config.limits.memory_spool_bytes },
    logger,
  });
  const endpoints: RunningApp['endpoints'] = [];
  const plan: Array<[RunningApp['endpoints'][number]['name'], string[], Omit<ListenerSpec, 'host' | 'port'>]> = [
    ['mx', config.listen.mx, { mode: 'mx', implicitTls: false }],
    ['submission', config.listen.submission, { mode: 'submission', implicitTls: false }],
    ['submissions', config.listen.submissions, { mode: 'submission', implicitTls: true }],
  ];
  try {
    for (const [name, specs, kind] of plan) {
      for (const s of specs) {
        const hp = parseHostPort(s) as HostPort; // validated by the config schema
        const bound = await smtp.listen({ ...hp, ...kind });
        endpoints.push({ name, address: bound.address });
        logger.info({ listener: name, host: bound.address.host, port: bound.address.port }, 'listening');
      }
    }
    for (const [name, specs, implicitTls] of [['pop3', config.listen.pop3, false], ['pop3s', config.listen.pop3s, true]] as const) {
      for (const s of specs) {
        const bound = await pop3.listen({ ...(parseHostPort(s) as HostPort), implicitTls });
        endpoints.push({ name, address: bound.address });
        logger.info({ listener: name, host: bound.address.host, port: bound.address.port }, 'listening');
      }
    }
    for (const [name, specs, implicitTls] of [['imap', config.listen.imap, false], ['imaps', config.listen.imaps, true]] as const) {
      for (const s of specs) {
        const bound = await imap.listen({ ...(parseHostPort(s) as HostPort), implicitTls });
        endpoints.push({ name, address: bound.address });
        logger.info({ listener: name, host: bound.address.host, port: bound.address.port }, 'listening');
      }
    }
    for (const s of config.listen.https) {
      const bound = await web.listen(parseHostPort(s) as HostPort);
      endpoints.push({ name: 'https', address: bound.address });
      logger.info({ listener: 'https', host: bound.address.host, port: bound.address.port }, 'listening');
    }
  } catch (e) {
    await web.close();
    await imap.close(0);
    await pop3.close(0);
    await smtp.close(0);
    await statistics.close();
    await store.close();
    throw e;
  }
  if (config.outbound.enabled) {
    queue.start();
    logger.info({ port: config.outbound.port }, 'queue runner started');
  }
  // DMARC aggregate reports every [dmarc] report_interval (RFC 7489 §7.2)
  // SMTP TLS reports every [tlsrpt] report_interval (RFC 8460)
  const tlsReports = scheduleTlsReports(tlsReportDeps({ config, store, resolver, directory, logger, onQueued: () => queue.wake() }), config.tlsrpt.enabled ? durationMs(config.tlsrpt.report_interval) : 0);
  const dmarcReports = scheduleDmarcReports(dmarcReportDeps({ config, store, resolver, directory, logger, onQueued: () => queue.wake() }), config.dmarc.enabled ? durationMs(config.dmarc.report_interval) : 0);
  return {
    config,
    store,
    junk: statistics.junk,
    tls,
    smtp,
    pop3,
    imap,
    endpoints,
    resolver,
    queue,
    async close() {
      await Promise.all([smtp.close(), pop3.close(), imap.close(), web.close()]);
      await dmarcReports.stop();
      await tlsReports.stop();
      await queue.stop();
      await statistics.close();
      await store.close();
    },
  };
}

/** The public base URL of the https listener, for links in mail ([lists] public_url). */
function publicUrl(config: Config): string {
  if (config.lists.public_url) return config.lists.public_url;
  const first = config.listen.https[0];
  const port = first ? (parseHostPort(first) as HostPort).port : 443;
  return `https://${config.hostname}${port === 443 ? '' : `:${port}`}`;
}

/** Stage "classify" options from [spam]. */
function spamOptions(config: Config, junk: JunkStore) {
  const s = config.spam;
  return { junk, hamThreshold: s.ham_threshold, junkThreshold: s.junk_threshold, reject: s.reject, rejectThreshold: s.reject_threshold, minTrained: s.min_trained, userMinTrained: s.user_min_trained };
}

/** Training by moving mail into and out of Junk (IMAP COPY/MOVE), when [spam] is enabled. */
function junkTraining(config: Config, store: Store, junk: JunkStore, logger: Logger) {
  if (!config.spam.enabled) return {};
  const deps = { junk, readBlob: (id: number) => store.readBlob(id), authservId: config.hostname, trainGlobal: config.spam.train_global };
  return {
    junkTraining: async (userId: number, blobIds: readonly number[], label: 'ham' | 'spam') => {
      const outcomes = await trainStored(deps, userId, blobIds, label);
      logger.info({ userId, label, messages: blobIds.length, outcomes }, 'spam filter trained');
    },
    onTrainingError: (err: unknown) => logger.error({ err }, 'spam filter training failed'),
  };
}
