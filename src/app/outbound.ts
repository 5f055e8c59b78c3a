/**
 * Composition of the outbound side (part of the composition root): resolver options from [dns],
 * the SMTP delivery agent and the queue runner from [outbound], and the local-recipient check
 * bounces need. app.ts calls these; nothing else wires outbound parts together.
 */
import { readFileSync } from 'node:fs';
import type { Config } from '../config/schema.ts';
import type { Logger } from '../lib/logger.ts';
import { durationMs } from '../lib/duration.ts';
import { createResolver, type Resolver } from '../dns/index.ts';
import type { Store } from '../store/ports.ts';
import type { Directory } from '../directory/directory.ts';
import { parseMailbox } from '../mail/address.ts';
import { smtpDeliveryAgent, type DeliveryAgent, type DeliveryOptions } from '../delivery/deliver.ts';
import { QueueRunner, type RunnerOptions } from '../queue/runner.ts';
import type { LocalResolution } from '../queue/bounce.ts';
import { signingKeys } from '../directory/dkim-keys.ts';
import type { SigningKey } from '../standards/dkim/sign.ts';
import { mtaStsPolicyLookup } from '../delivery/mtasts.ts';
import { fetchStsPolicy } from '../standards/mtasts/fetch.ts';
import { hostAddresses } from '../delivery/mx.ts';
import { tlsSessionSink } from '../delivery/tls-sessions.ts';

export function resolverFromConfig(config: Config): Promise<Resolver> {
  const d = config.dns;
  return createResolver({
    ...(d.zone_file ? { zoneFile: d.zone_file } : {}),
    servers: d.servers,
    timeoutMs: durationMs(d.timeout),
    tries: d.tries,
  });
}

/** PEM certificates in a file (the CA bundle for tls_ca_file). */
function readPems(file: string): string[] {
  return readFileSync(file, 'utf8').match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
}

/** `sts`: where MTA-STS policies are looked up and cached; without it MTA-STS is off. */
export function deliveryOptions(config: Config, sts?: { store: Store; resolver: Resolver }): DeliveryOptions {
  const o = config.outbound;
  const ca = o.tls_ca_file ? readPems(o.tls_ca_file) : [];
  const mtaSts =
    o.mta_sts && sts
      ? mtaStsPolicyLookup({
          resolver: sts.resolver,
          cache: sts.store.mtaSts,
          async fetch(domain) {
            // RFC 8461 §3.3: the policy host's addresses come from our resolver, like MX hosts'.
            const addrs = await hostAddresses(sts.resolver, `mta-sts.${domain}`);
            if (addrs.kind !== 'ok') return { ok: false, error: `mta-sts.${domain}: ${addrs.kind === 'temperror' ? `DNS lookup failed (${addrs.reason})` : 'no address'}` };
            return fetchStsPolicy(domain, { addresses: addrs.addresses, portOf: (ip) => o.mta_sts_port_map[ip] ?? 443, ca, timeoutMs: durationMs(o.connect_timeout), sourceAddress: o.source_address });
          },
        })
      : undefined;
  // RFC 8460: each session's TLS outcome is counted for the daily TLS reports ([tlsrpt]).
  const tlsReport = config.tlsrpt.enabled && sts ? tlsSessionSink(sts.store) : undefined;
  return {
    ...(mtaSts ? { mtaSts } : {}),
    ...(tlsReport ? { tlsReport } : {}),
    port: o.port,
    portMap: o.port_map,
    helo: o.helo || config.hostname,
    connectTimeoutMs: durationMs(o.connect_timeout),
    commandTimeoutMs: durationMs(o.command_timeout),
    requireTls: o.require_tls,
    verify: o.verify_certificates,
    ca,
    sourceAddress: o.source_address,
  };
}

export function runnerOptions(config: Config): RunnerOptions {
  const o = config.outbound;
  return {
    scheduleMs: o.retry_schedule.map(durationMs),
    expireMs: durationMs(o.expire_after),
    delayWarningMs: durationMs(o.delay_warning_after),
    concurrency: o.concurrency,
    perDomainConcurrency: o.per_domain_concurrency,
    leaseMs: Math.max(1000, durationMs(o.lease)),
    pollMs: Math.max(100, durationMs(o.poll_interval)),
  };
}

/** Where a DSN to `address` goes: a local user's INBOX, nowhere (unknown local), or the queue. */
export function localResolver(directory: Directory): (address: string) => Promise<LocalResolution> {
  return async (address) => {
    const a = parseMailbox(address, true);
    if ('error' in a) return { kind: 'unknown' };
    const r = await directory.resolveRecipient(a);
    if (r.kind === 'not-local') return { kind: 'remote' };
    // A forwarded message (SRS sender, docs/forwarding.md) bounced: the DSN goes to the original sender.
    if (r.kind === 'srs') return { kind: 'remote', address: r.address };
    if (r.kind === 'local' && r.users.length) return { kind: 'local', userIds: r.users.map((u) => u.id) };
    return { kind: 'unknown' };
  };
}

export function createQueueRunner(opts: { config: Config; store: Store; directory: Directory; resolver: Resolver; logger: Logger; agent?: DeliveryAgent; clock?: () => number }): QueueRunner {
  const { config, store, directory, resolver, logger } = opts;
  return new QueueRunner(
    {
      store,
      agent: opts.agent ?? smtpDeliveryAgent(resolver, deliveryOptions(config, { store, resolver }), logger),
      resolveLocal: localResolver(directory),
      hostname: config.hostname,
      logger,
      ...(opts.clock ? { clock: opts.clock } : {}),
    },
    runnerOptions(config),
  );
}

/** The pipeline's DKIM key source (made on first use for domains that have none). */
export function dkimKeySource(store: Store): (domain: string) => Promise<SigningKey[]> {
  return (domain) => signingKeys(store, domain);
}
