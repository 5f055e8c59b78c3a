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
 *
 * MTA-STS (RFC 8461 §4, §5; policy lookup and cache in mtasts.ts): with a policy in mode
 * `enforce`, only MX hosts matching its mx patterns are used (§4.1), and a host must offer
 * STARTTLS with a certificate valid for its name (§4.2) or it is not used; when no host passes,
 * the messages are deferred (never bounced, §5) with a reply that names MTA-STS. Mode `testing`
 * delivers as without a policy and logs what enforce would have refused.
 *
 * SMTP TLS reporting (RFC 8460): each session's TLS outcome — success, or the §4.3 result type of
 * the failure — is handed to `tlsReport` with the policy applied (app/tlsrpt-reports.ts counts
 * them for the daily report). Under an MTA-STS policy success means a verified certificate;
 * without one, any negotiated TLS is a success and no STARTTLS is starttls-not-supported.
 */
import type { Logger } from '../lib/logger.ts';
import type { Resolver } from '../dns/resolver.ts';
import type { RecipientResult } from '../store/ports.ts';
import type { DeliveryAgent, OutboundMessage, ResultSink } from '../queue/agent.ts';
import { hostAddresses, resolveRoute } from './mx.ts';
import { SmtpSession, type SessionOptions } from './smtp-client.ts';
import { mxAllowed } from '../standards/mtasts/match.ts';
import type { AppliedPolicy, PolicyLookup } from './mtasts.ts';
import { failureTypeOf, type SessionResult } from '../standards/tlsrpt/report.ts';

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
  /** MTA-STS policy lookup (RFC 8461); absent: MTA-STS is off ([outbound] mta_sts = false). */
  mtaSts?: PolicyLookup;
  /** Where each session's TLS outcome goes (RFC 8460 reporting); absent: not recorded. */
  tlsReport?: TlsSessionSink;
}

/** One outbound session's TLS outcome for SMTP TLS reporting (RFC 8460 §4.3). */
export interface TlsSessionOutcome {
  domain: string;
  /** The MTA-STS policy applied (mode testing or enforce), or null: no-policy-found. */
  policy: AppliedPolicy | null;
  mxHost: string;
  ip: string;
  result: SessionResult;
}
export type TlsSessionSink = (o: TlsSessionOutcome) => Promise<void>;

/** Hands the outcome on; a failure to record it is logged and never stops the delivery. */
async function reportTls(opts: DeliveryOptions, logger: Logger, o: TlsSessionOutcome): Promise<void> {
  if (!opts.tlsReport) return;
  try {
    await opts.tlsReport(o);
  } catch (err) {
    logger.error({ err, domain: o.domain, host: o.mxHost }, 'delivery: TLS report outcome not recorded');
  }
}

/** The MTA-STS policy for this attempt, or null (none, mode none, or MTA-STS off). */
async function stsPolicy(opts: DeliveryOptions, logger: Logger, domain: string): Promise<AppliedPolicy | null | 'error'> {
  if (!opts.mtaSts) return null;
  try {
    const { applied, note } = await opts.mtaSts(domain);
    if (applied) logger.info({ domain, mode: applied.policy.mode, id: applied.id, source: applied.source, note }, 'delivery: MTA-STS policy');
    else logger.debug({ domain, note }, 'delivery: no MTA-STS policy');
    return applied && applied.policy.mode !== 'none' ? applied : null;
  } catch (err) {
    logger.error({ err, domain }, 'delivery: MTA-STS policy lookup failed');
    return 'error';
  }
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
  const deferAll = async (reply: string, statusCode: string) => {
    for (const m of messages) await onResult(m, all(m, { result: 'deferred', reply, statusCode, remoteMta: null, tls: null }));
  };
  const sts = await stsPolicy(opts, logger, domain);
  // A store error while reading the cache: not knowing the policy must not mean clear text.
  if (sts === 'error') return deferAll(`MTA-STS policy of ${domain} could not be read (local store error)`, '4.3.0');
  const enforce = sts?.policy.mode === 'enforce';
  const stsName = sts ? `MTA-STS ${sts.policy.mode}` : '';
  let hosts = route.hosts;
  if (sts) {
    // RFC 8461 §4.1: only MX hosts matching one of the policy's mx patterns.
    const outside = hosts.filter((h) => !mxAllowed(sts.policy.mx, h.name));
    for (const h of outside) logger.warn({ domain, host: h.name, mx: sts.policy.mx, policyId: sts.id }, `delivery: ${stsName}: MX host ${h.name} does not match the policy${enforce ? ', not used' : ''}`);
    if (enforce) hosts = hosts.filter((h) => mxAllowed(sts.policy.mx, h.name));
    // RFC 8461 §5: a failure under enforce is temporary (the policy may be updated meanwhile).
    if (!hosts.length) return deferAll(`MTA-STS enforce: no MX host of ${domain} (${route.hosts.map((h) => h.name).join(', ')}) matches the policy (mx: ${sts.policy.mx.join(', ')})`, '4.4.4');
  }
  const remaining = [...messages];
  let last = { reply: `no MX host of ${domain} could be reached`, statusCode: '4.4.1', remoteMta: null as string | null };
  let tried = 0;
  let dnsTrouble = false;
  for (const host of hosts) {
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
      // Under enforce the session is opened opportunistically and judged below (§4.2), so the
      // reply names MTA-STS; nothing but EHLO (and STARTTLS when offered) is sent before that.
      if (enforce) Object.assign(so, { requireTls: false, verify: 'record' });
      let open = await SmtpSession.open(so);
      if (open.kind === 'error' && open.tlsFailed && !enforce && !opts.requireTls && opts.verify === 'record') {
        logger.info({ domain, host: host.name, ip, reply: open.reply }, 'delivery: TLS handshake failed, retrying in plaintext');
        open = await SmtpSession.open(so, true);
      }
      if (open.kind === 'error') {
        // RFC 8460 §4.3.1: a failed TLS handshake is a negotiation failure.
        if (open.tlsFailed) await reportTls(opts, logger, { domain, policy: sts, mxHost: host.name, ip, result: failureTypeOf('handshake', null) });
        logger.info({ domain, host: host.name, ip, reply: open.reply }, 'delivery: host not usable');
        last = { reply: `${host.name}[${ip}]: ${open.reply}`, statusCode: open.statusCode, remoteMta: host.name };
        continue;
      }
      const session = open.session;
      const tlsOk = sts ? session.tls === 'verified' : session.tls !== 'none';
      await reportTls(opts, logger, { domain, policy: sts, mxHost: host.name, ip, result: tlsOk ? 'success' : failureTypeOf(session.tls === 'none' ? 'none' : 'unverified', session.tlsError) });
      if (sts && session.tls !== 'verified') {
        // RFC 8461 §4.2: STARTTLS with a certificate valid for the MX host name.
        const why = session.tls === 'none' ? `STARTTLS not offered by ${host.name}[${ip}]` : `certificate of ${host.name}[${ip}] not valid for it (${session.tlsError ?? 'unverified'})`;
        const statusCode = session.tls === 'none' ? '4.7.10' : '4.7.5';
        if (enforce) {
          session.close();
          logger.warn({ domain, host: host.name, ip, tls: session.tls, policyId: sts.id }, `delivery: MTA-STS enforce: ${why}; host not used`);
          last = { reply: `MTA-STS enforce: ${why} (policy of ${domain}, id ${sts.id}); not delivered in clear text`, statusCode, remoteMta: host.name };
          continue;
        }
        logger.warn({ domain, host: host.name, ip, tls: session.tls, policyId: sts.id }, `delivery: MTA-STS testing: ${why}; delivered anyway (enforce would refuse)`);
      }
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
  // (Not when MTA-STS enforce left hosts out: RFC 8461 §5 forbids a permanent failure then.)
  if (tried === 0 && !dnsTrouble && hosts.length === route.hosts.length) {
    // Every MX host (or the implicit MX) has no address: RFC 5321 §5.1 — not a usable mail domain.
    last = { reply: `no address for any mail host of ${domain}`, statusCode: route.hosts[0]?.implicit ? '5.1.2' : '5.4.4', remoteMta: null };
    for (const m of remaining) await onResult(m, all(m, { result: 'failed', reply: last.reply, statusCode: last.statusCode, remoteMta: null, tls: null }));
    return;
  }
  for (const m of remaining) await onResult(m, all(m, { result: 'deferred', reply: last.reply, statusCode: last.statusCode.replace(/^5/, '4'), remoteMta: last.remoteMta, tls: null }));
}
