/**
 * Delivering queued messages to one destination domain (RFC 5321 §5.1): resolve the route, then
 * try each MX host (and each of its addresses) in order until every message has a final or a
 * temporary answer. Messages for the same domain share one connection (one transaction after the
 * other), and each message's outcome is handed to `onResult` — which records it durably — before
 * the next message is sent, so a crash never re-sends to a recipient that already got 250.
 *
 * A connection that breaks (or a 421) moves the rest on to the next address or host; a reply to
 * the transaction (4xx/5xx) is final for this attempt. When nothing could be reached, every
 * message is deferred with the last error seen.
 */
import type { Logger } from '../lib/logger.ts';
import type { Resolver } from '../dns/resolver.ts';
import type { RecipientResult } from '../store/ports.ts';
import type { DeliveryAgent, OutboundMessage, ResultSink } from '../queue/agent.ts';
import { hostAddresses, resolveRoute } from './mx.ts';
import { SmtpSession, type SessionOptions } from './smtp-client.ts';

export type { DeliveryAgent, OutboundMessage, ResultSink };

export interface DeliveryOptions {
  port: number;
  /** IP address -> port overrides (labs). */
  portMap: Record<string, number>;
  helo: string;
  connectTimeoutMs: number;
  commandTimeoutMs: number;
  requireTls: boolean;
  verify: 'record' | 'require';
  ca: string[];
  /** Local address to connect from ('' or absent: the system chooses). */
  sourceAddress?: string;
}

export function smtpDeliveryAgent(resolver: Resolver, opts: DeliveryOptions, logger: Logger): DeliveryAgent {
  return { deliver: (domain, messages, onResult) => deliverToDomain(resolver, opts, logger, domain, messages, onResult) };
}

const all = (msg: OutboundMessage, r: Omit<RecipientResult, 'address'>): RecipientResult[] => msg.recipients.map((address) => ({ address, ...r }));

export async function deliverToDomain(resolver: Resolver, opts: DeliveryOptions, logger: Logger, domain: string, messages: OutboundMessage[], onResult: ResultSink): Promise<void> {
  const route = await resolveRoute(resolver, domain);
  if (route.kind === 'fail') {
    logger.info({ domain, status: route.status, reason: route.reason }, 'delivery: no route');
    for (const m of messages) await onResult(m, all(m, { result: route.permanent ? 'failed' : 'deferred', reply: route.reason, statusCode: route.status, remoteMta: null, tls: null }));
    return;
  }
  const remaining = [...messages];
  let last = { reply: `no MX host of ${domain} could be reached`, statusCode: '4.4.1', remoteMta: null as string | null };
  let tried = 0;
  let dnsTrouble = false;
  for (const host of route.hosts) {
    if (!remaining.length) break;
    const addrs = await hostAddresses(resolver, host.name);
    if (addrs.kind === 'temperror') {
      dnsTrouble = true;
      last = { reply: `DNS lookup of ${host.name} failed temporarily (${addrs.reason})`, statusCode: '4.4.3', remoteMta: null };
      continue;
    }
    if (addrs.kind === 'none') continue;
    for (const ip of addrs.addresses) {
      if (!remaining.length) break;
      tried++;
      const so: SessionOptions = { ...opts, ip, port: opts.portMap[ip] ?? opts.port, hostname: host.name };
      let open = await SmtpSession.open(so);
      if (open.kind === 'error' && open.tlsFailed && !opts.requireTls && opts.verify === 'record') {
        logger.info({ domain, host: host.name, ip, reply: open.reply }, 'delivery: TLS handshake failed, retrying in plaintext');
        open = await SmtpSession.open(so, true);
      }
      if (open.kind === 'error') {
        logger.info({ domain, host: host.name, ip, reply: open.reply }, 'delivery: host not usable');
        last = { reply: `${host.name}[${ip}]: ${open.reply}`, statusCode: open.statusCode, remoteMta: host.name };
        continue;
      }
      const session = open.session;
      try {
        while (remaining.length) {
          const msg = remaining[0]!;
          const res = await session.send({ from: msg.mailFrom, to: msg.recipients, size: msg.size }, () => msg.open());
          if (res.kind === 'connection') {
            last = { reply: `${host.name}[${ip}]: ${res.reply}`, statusCode: res.statusCode, remoteMta: host.name };
            logger.info({ domain, host: host.name, ip, reply: res.reply }, 'delivery: connection lost');
            break;
          }
          remaining.shift();
          await onResult(msg, res.outcomes.map((o) => ({ ...o, remoteMta: host.name, tls: session.tls })));
          if (!session.alive) break;
        }
      } finally {
        session.close();
      }
    }
  }
  if (!remaining.length) return;
  if (tried === 0 && !dnsTrouble) {
    // Every MX host (or the implicit MX) has no address: RFC 5321 §5.1 — not a usable mail domain.
    last = { reply: `no address for any mail host of ${domain}`, statusCode: route.hosts[0]?.implicit ? '5.1.2' : '5.4.4', remoteMta: null };
    for (const m of remaining) await onResult(m, all(m, { result: 'failed', reply: last.reply, statusCode: last.statusCode, remoteMta: null, tls: null }));
    return;
  }
  for (const m of remaining) await onResult(m, all(m, { result: 'deferred', reply: last.reply, statusCode: last.statusCode.replace(/^5/, '4'), remoteMta: last.remoteMta, tls: null }));
}
