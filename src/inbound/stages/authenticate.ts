/**
 * Stage "authenticate" (MX only): who really sent this message. Runs SPF (RFC 7208) for MAIL FROM
 * (or HELO for the null sender), verifies every DKIM signature (RFC 6376/8463), validates the ARC
 * chain (RFC 8617) and evaluates DMARC (RFC 7489) from those results, then decides:
 *
 *   DMARC fail + p=reject     -> 550 5.7.1 naming the failed checks (RFC 7489 §6.6.4, §7.1 of RFC 7372 codes)
 *   DMARC fail + p=quarantine -> delivered to Junk
 *   DMARC fail + p=none       -> delivered, flagged in Authentication-Results
 *   a DNS temperror that could change the outcome -> 451 4.7.x, try later (never a silent pass)
 *
 * Overrides (RFC 7489 §7.2 "local policy"): a valid ARC chain whose newest sealer is in
 * `[arc] trusted_sealers` and whose ARC-Authentication-Results says dmarc=pass (or an aligned
 * spf/dkim pass) turns a failure into delivery, and so does a client IP in
 * `[dmarc] trusted_forwarders`; both say so in the Authentication-Results comment and the log.
 *
 * Never: trust an Authentication-Results header the message brought with our authserv-id (the
 * route stage strips them), or let a DNS failure pass as "none".
 */
import { Readable } from 'node:stream';
import type { Resolver } from '../../dns/index.ts';
import { checkSpf, type SpfCheck } from '../../standards/spf/spf.ts';
import { verifyDkimMessage, type DkimSignature } from '../../standards/dkim/verify.ts';
import { authorDomain } from '../../standards/dmarc/author.ts';
import { evaluateDmarc, type DmarcEvaluation } from '../../standards/dmarc/dmarc.ts';
import { validateArc, type ArcValidation } from '../../standards/arc/validate.ts';
import { formatAuthResults } from '../../standards/authresults/authresults.ts';
import { normalizeIp } from '../../lib/net.ts';
import { getFields, parseAddressList, type HeaderField } from '../../mail/headers.ts';
import { replies, type Reply } from '../../smtp/replies.ts';
import { canonical } from '../../mail/address.ts';
import { cont, reject, tempfail, type SessionContext, type Transaction, type Verdict } from '../types.ts';

export interface AuthenticateOptions {
  resolver: Resolver;
  /** Our authserv-id (RFC 8601 §2.5): the MX host name. */
  authservId: string;
  /** d= of ARC sealers whose ARC-Authentication-Results we believe. */
  trustedSealers: readonly string[];
  /** Client IPs whose mail is delivered despite a DMARC failure (known forwarders). */
  trustedForwarders: readonly string[];
  /**
   * Called with the verdicts once the outcome is final (deliver or reject; not on a tempfail, which
   * the sender retries), before the stage answers: the DMARC aggregate report records it here.
   */
  onEvaluated?: (verdicts: AuthVerdicts) => Promise<void>;
}

export interface AuthVerdicts {
  spf: SpfCheck;
  dkim: DkimSignature[];
  dmarc: DmarcEvaluation | { result: 'none' | 'permerror'; reason: string; fromDomain: string };
  arc: ArcValidation;
  override: 'arc' | 'trusted-forwarder' | null;
}

export interface AuthOutcome {
  verdicts: AuthVerdicts;
  /** Authentication-Results and Received-SPF fields to prepend (CRLF-terminated). */
  headers: string;
  /** Where local recipients get it. */
  mailbox: 'INBOX' | 'Junk';
}

function dmarcSummary(spf: SpfCheck, dkim: DkimSignature[]): string {
  const d = dkim.length ? dkim.map((s) => `DKIM ${s.result} (d=${s.domain})`).join(', ') : 'no DKIM signature';
  return `SPF ${spf.result} (${spf.domain}), ${d}`;
}

/** An ARC-Authentication-Results from a trusted sealer that vouches for the original sender. */
function arcVouches(arc: ArcValidation, trusted: readonly string[], fromDomain: string): boolean {
  if (arc.chain !== 'pass' || !arc.aar) return false;
  const newest = arc.sealers.at(-1)?.toLowerCase();
  if (!newest || !trusted.map((t) => t.toLowerCase()).includes(newest)) return false;
  return arc.aar.results.some((r) => {
    const method = r.method.toLowerCase();
    if (r.result.toLowerCase() !== 'pass') return false;
    if (method === 'dmarc') return true;
    const props = r.properties.map((p) => `${p.ptype}.${p.property}=${p.value}`.toLowerCase());
    return (method === 'dkim' && props.includes(`header.d=${fromDomain}`)) || (method === 'spf' && props.some((p) => p.startsWith('smtp.mailfrom=') && p.endsWith(`@${fromDomain}`)));
  });
}

/** What the MX knows about a message when it authenticates it (the envelope and the bytes). */
export interface AuthInput {
  /** The SMTP client's IP address. */
  ip: string;
  /** EHLO/HELO name ('' when none was given). */
  helo: string;
  /** MAIL FROM, canonical; '' for the null reverse-path. */
  mailFrom: string;
  /** The message's header fields (parsed from its header section). */
  fields: readonly HeaderField[];
  /** The message as received, from the start, each time it is called (read at most twice). */
  message: () => AsyncIterable<Buffer>;
}

/** What the MX would do with the message, and why. */
export type AuthDecision =
  | { action: 'deliver'; mailbox: 'INBOX' | 'Junk' }
  | { action: 'reject'; reply: Reply }
  | { action: 'tempfail'; reply: Reply };

export interface AuthEvaluation {
  verdicts: AuthVerdicts;
  /** Authentication-Results and Received-SPF fields as the MX adds them (CRLF-terminated). */
  headers: string;
  decision: AuthDecision;
}

/**
 * Authenticates one message: SPF, DKIM, ARC, then DMARC from their results, and the decision.
 * The MX stage below and `mailwarden auth check` (src/cli/auth.ts) both call this one function, so
 * what the CLI prints is what the MX does. No side effects: DNS only through `opts.resolver`.
 */
export async function authenticateMessage(opts: Omit<AuthenticateOptions, 'onEvaluated'>, input: AuthInput): Promise<AuthEvaluation> {
  const ip = normalizeIp(input.ip);
  const fields = input.fields;
  // Without a DKIM-Signature or ARC-Seal field there is nothing to verify: no need to read the
  // body twice (the From data DMARC needs comes from the header section we already parsed).
  const hasDkim = getFields(fields, 'DKIM-Signature').length > 0;
  const hasArc = getFields(fields, 'ARC-Seal').length > 0 || getFields(fields, 'ARC-Message-Signature').length > 0;
  const froms = getFields(fields, 'From');
  const [spf, dkimV, arc] = await Promise.all([
    checkSpf({ ip, mailFrom: input.mailFrom, helo: input.helo, resolver: opts.resolver, receiver: opts.authservId }),
    hasDkim
      ? verifyDkimMessage(Readable.from(input.message()), opts.resolver)
      : { signatures: [], author: { fromFields: froms.length, addresses: froms.flatMap((f) => parseAddressList(f.value).map((a) => a.address)) } },
    hasArc ? validateArc(Readable.from(input.message()), opts.resolver) : ({ chain: 'none', instances: 0, sets: [], sealers: [] } satisfies ArcValidation),
  ]);
  const dkim = dkimV.signatures;
  const author = authorDomain(dkimV.author);
  // RFC 7489 §6.6.1: a message without exactly one author domain cannot be evaluated; we refuse it.
  if (!author.ok) {
    const verdicts: AuthVerdicts = { spf, dkim, dmarc: { result: 'permerror', reason: author.reason, fromDomain: '' }, arc, override: null };
    const ar = formatAuthResults({ authservId: opts.authservId, spf, dkim, arc: { chain: arc.chain }, remoteIp: ip });
    return { verdicts, headers: `${ar}\r\n${spf.receivedSpf}\r\n`, decision: { action: 'reject', reply: replies.dmarcNoAuthor(author.reason) } };
  }
  const dmarc = await evaluateDmarc({ fromDomain: author.domain, spf: { result: spf.result, domain: spf.domain }, dkim, resolver: opts.resolver });
  let override: AuthVerdicts['override'] = null;
  if (dmarc.result === 'fail') {
    if (opts.trustedForwarders.includes(ip)) override = 'trusted-forwarder';
    else if (arcVouches(arc, opts.trustedSealers, author.domain)) override = 'arc';
  }
  const verdicts: AuthVerdicts = { spf, dkim, dmarc, arc, override };
  const overrideNote = override === 'arc' ? ` (DMARC failure overridden: ARC chain sealed by trusted ${arc.sealers.at(-1)})` : override ? ' (DMARC failure overridden: trusted forwarder)' : '';
  const ar = formatAuthResults({
    authservId: opts.authservId,
    spf,
    dkim,
    dmarc: { result: dmarc.result, fromDomain: author.domain, policy: dmarc.policy, disposition: override ? 'none' : dmarc.disposition, record: dmarc.record },
    arc: { chain: arc.chain },
    remoteIp: ip,
  });
  const headers = `${ar}${overrideNote ? `\r\n\t${overrideNote.trim()}` : ''}\r\n${spf.receivedSpf}\r\n`;
  const decided = (decision: AuthDecision): AuthEvaluation => ({ verdicts, headers, decision });

  // Temporary DNS failures: only where they could change what we do (RFC 7489 §6.6.2, RFC 7208 §2.6.6).
  if (dmarc.result === 'temperror') return decided({ action: 'tempfail', reply: replies.authTempError(`DMARC: ${dmarc.reason ?? 'DNS error'}`) });
  if (dmarc.result !== 'pass' && !override) {
    if (spf.result === 'temperror') return decided({ action: 'tempfail', reply: replies.spfTempError(spf.domain) });
    const t = dkim.find((s) => s.result === 'temperror');
    if (t) return decided({ action: 'tempfail', reply: replies.authTempError(`DKIM key for ${t.selector}._domainkey.${t.domain}`) });
  }
  if (dmarc.result === 'fail' && !override) {
    if (dmarc.disposition === 'reject') return decided({ action: 'reject', reply: replies.dmarcReject(author.domain, dmarcSummary(spf, dkim)) });
    if (dmarc.disposition === 'quarantine') return decided({ action: 'deliver', mailbox: 'Junk' });
  }
  return decided({ action: 'deliver', mailbox: 'INBOX' });
}

export async function authenticateStage(
  opts: AuthenticateOptions,
  ctx: SessionContext,
  tx: Transaction,
  message: () => AsyncIterable<Buffer>,
  fields: readonly HeaderField[],
): Promise<Verdict<AuthOutcome>> {
  const e = await authenticateMessage(opts, { ip: ctx.remoteIp, helo: ctx.helo ?? '', mailFrom: tx.mailFrom ? canonical(tx.mailFrom) : '', fields, message });
  const d = e.decision;
  if (d.action === 'tempfail') return tempfail(d.reply);
  // A message without one author domain was never evaluated by DMARC: nothing to record.
  if (e.verdicts.dmarc.fromDomain !== '') await opts.onEvaluated?.(e.verdicts);
  if (d.action === 'reject') return reject(d.reply);
  return cont({ verdicts: e.verdicts, headers: e.headers, mailbox: d.mailbox });
}
