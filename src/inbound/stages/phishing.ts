/**
 * Stage "phishing" (MX only, after "classify"): the phishing signals of src/phishing, added to the
 * Bayesian score and shown in the X-Mailwarden-Phishing field (src/phishing/header.ts).
 *
 *   no signal                                       -> header "none", delivered as decided before
 *   signals, score raised below [spam] junk_threshold -> header "warn", delivered as decided before
 *   signals, score raised to junk_threshold or above  -> header "junk", delivered to Junk
 *                                                       ([phishing] junk = true)
 *
 * The raised score is 1 - (1 - bayes)(1 - phishing) (src/phishing/score.ts); bayes counts as 0
 * when the filter is untrained, off or failed. Phishing signals never refuse a message.
 *
 * Reads: the first From mailbox (display name RFC 2047-decoded), Reply-To, the HTML parts (from
 * the attachments stage's pass, or its own, content.ts), the local domains and users' names (the
 * store, cached CONTEXT_TTL_MS), and the correspondents store (first contact).
 *
 * Also decides what the route stage records as correspondents (correspondentsFor): on the MX the
 * sender, for each local recipient, when the message goes to the INBOX without a phishing signal
 * other than first contact; on submission each recipient for the sending user, and the sender
 * for each local recipient.
 */
import type { Store, User } from '../../store/ports.ts';
import { getFields, parseAddressList, type HeaderField } from '../../mail/headers.ts';
import { decodeHeaderValue } from '../../mail/mime/decode.ts';
import { analyze, type PhishingContext } from '../../phishing/analyze.ts';
import { nameKeys } from '../../phishing/display-name.ts';
import { normalizeDomain, registrableDomain } from '../../phishing/domains.ts';
import { prepareTargets } from '../../phishing/lookalike.ts';
import { combinedScore, phishingScore } from '../../phishing/score.ts';
import { describeSignal, phishingHeaderField, type PhishingVerdict } from '../../phishing/header.ts';
import type { PhishingSignal } from '../../phishing/signals.ts';
import { contentPass } from './content.ts';
import { cont, type SessionContext, type Transaction, type Verdict } from '../types.ts';

/** How long the local domains and users' names are reused before being read again. */
export const CONTEXT_TTL_MS = 10_000;
/** Users whose names are compared (a bound on the work per message). */
export const MAX_NAMES = 10_000;

export interface PhishingOptions {
  /** The directory view (local domains, names), cached: see phishingContextSource. */
  context: () => Promise<PhishingContext>;
  correspondents: Store['correspondents'];
  firstContact: boolean;
  junk: boolean;
  junkThreshold: number;
}

export interface PhishingOutcome {
  header: string;
  mailbox: 'INBOX' | 'Junk';
  /** The sender may be recorded as a correspondent of the recipients (no signal but first contact). */
  recordSender: boolean;
  /** The same field for another Bayes score (a recipient scored with their own statistics). */
  headerFor(bayes: number): string;
}

export interface PhishingSummary {
  phishing: PhishingVerdict;
  score: number;
  bayes: number | 'untrained' | 'error' | 'off';
  phishingScore: number;
  signals: string[];
}

/** A user's name for the display-name check: the display name, else a "first.last" local part. */
export function userName(u: Pick<User, 'address' | 'displayName'>): string | null {
  if (u.displayName.trim() !== '') return u.displayName.trim();
  const local = u.address.slice(0, u.address.lastIndexOf('@'));
  return /[._-]/.test(local) ? local.replace(/[._-]+/g, ' ') : null;
}

/** Builds the phishing context from the store and the configuration, cached for ttlMs. */
export function phishingContextSource(
  store: Pick<Store, 'listDomains' | 'listUsers'>,
  cfg: { brands: readonly string[]; protectedDomains: readonly string[]; protectedNames: readonly string[] },
  ttlMs = CONTEXT_TTL_MS,
): () => Promise<PhishingContext> {
  let cached: { at: number; ctx: Promise<PhishingContext> } | null = null;
  const build = async (): Promise<PhishingContext> => {
    const domains = (await store.listDomains()).map((d) => normalizeDomain(d.name)).filter((d) => d !== '');
    const users = await store.listUsers();
    const names = new Map<string, string>();
    for (const u of users.slice(0, MAX_NAMES)) {
      const n = userName(u);
      if (n !== null) for (const k of nameKeys(n)) names.set(k, n);
    }
    for (const n of cfg.protectedNames) for (const k of nameKeys(n)) names.set(k, n);
    const brandDomains = cfg.protectedDomains.map((d) => normalizeDomain(d)).filter((d) => d !== '');
    return {
      localDomains: new Set(domains),
      brandDomains: new Set(brandDomains.map((d) => registrableDomain(d) || d)),
      brands: cfg.brands,
      names,
      targets: prepareTargets([...domains.map((domain) => ({ domain, kind: 'local' as const })), ...brandDomains.map((domain) => ({ domain, kind: 'brand' as const }))]),
    };
  };
  return () => {
    const now = Date.now();
    if (!cached || now - cached.at > ttlMs) {
      const ctx = build();
      cached = { at: now, ctx };
      ctx.catch(() => (cached = null));
    }
    return cached.ctx;
  };
}

/** The first From mailbox, display name decoded (RFC 2047). */
export function fromMailbox(fields: readonly HeaderField[]): { name: string; address: string } | null {
  const f = getFields(fields, 'From')[0];
  if (!f) return null;
  const a = parseAddressList(f.value.slice(0, 4096))[0];
  if (!a || !a.address.includes('@')) return null;
  return { name: decodeHeaderValue(a.name).slice(0, 512), address: a.address.toLowerCase() };
}

const localUserIds = (tx: Transaction) => {
  const ids = new Set<number>();
  for (const r of tx.recipients) if (r.kind === 'local') r.userIds.forEach((u) => ids.add(u));
  return [...ids];
};

export async function phishingStage(
  opts: PhishingOptions,
  tx: Transaction,
  fields: readonly HeaderField[],
  message: () => AsyncIterable<Buffer>,
  input: { html: string[] | null; spam: { spam: string; score?: number } | undefined; mailbox: 'INBOX' | 'Junk' },
): Promise<{ verdict: Verdict<PhishingOutcome>; summary: PhishingSummary }> {
  const ctx = await opts.context();
  const from = fromMailbox(fields);
  const replyTo = getFields(fields, 'Reply-To').slice(0, 3).flatMap((f) => parseAddressList(f.value.slice(0, 4096)).map((a) => a.address)).filter((a) => a.includes('@'));
  const html = input.html ?? (await contentPass(message, fields, { attachmentHeadBytes: 0, html: true })).html;
  let known: boolean | null = null;
  const users = localUserIds(tx);
  if (opts.firstContact && from && users.length) {
    const domain = normalizeDomain(from.address.slice(from.address.lastIndexOf('@') + 1));
    // Mail claiming one of our own domains is DMARC's business, not a stranger's.
    known = ctx.localDomains.has(domain) || ctx.localDomains.has(registrableDomain(domain)) ? true : await opts.correspondents.knownToAny(users, from.address);
  }
  const signals: PhishingSignal[] = analyze({ from, replyTo, html, known }, ctx);
  const s = input.spam;
  const bayesScore = s && typeof s.score === 'number' && (s.spam === 'ham' || s.spam === 'unsure' || s.spam === 'spam') ? s.score : null;
  const bayes: PhishingSummary['bayes'] = bayesScore ?? (s === undefined ? 'off' : s.spam === 'error' ? 'error' : 'untrained');
  const p = phishingScore(signals);
  const score = combinedScore(bayesScore, p);
  // "junk" only when it moves the message there ([phishing] junk = false: the header says "warn").
  const verdict: PhishingVerdict = signals.length === 0 ? 'none' : score >= opts.junkThreshold && opts.junk ? 'junk' : 'warn';
  const mailbox = verdict === 'junk' ? 'Junk' : input.mailbox;
  const header = phishingHeaderField({ verdict, score, bayes, phishing: p, signals });
  const recordSender = from !== null && signals.every((x) => x.kind === 'first-contact');
  const summary: PhishingSummary = { phishing: verdict, score: Number(score.toFixed(4)), bayes, phishingScore: Number(p.toFixed(4)), signals: signals.slice(0, 10).map(describeSignal) };
  const headerFor = (b: number): string => {
    const sc = combinedScore(b, p);
    return phishingHeaderField({ verdict: signals.length === 0 ? 'none' : sc >= opts.junkThreshold && opts.junk ? 'junk' : 'warn', score: sc, bayes: b, phishing: p, signals });
  };
  return { verdict: cont({ header, mailbox, recordSender, headerFor }), summary };
}

/**
 * The (user, address) pairs the route stage records with the message (IngestRequest
 * .correspondents). `recordSender`: the MX message may make its sender known (see phishingStage).
 */
export function correspondentsFor(
  ctx: SessionContext,
  tx: Transaction,
  fields: readonly HeaderField[],
  mailbox: 'INBOX' | 'Junk',
  recordSender: boolean,
): Array<{ userId: number; address: string }> {
  const out: Array<{ userId: number; address: string }> = [];
  const users = localUserIds(tx);
  if (ctx.mode === 'submission') {
    if (!ctx.user) return out;
    for (const r of tx.recipients) out.push({ userId: ctx.user.id, address: r.address.toLowerCase() });
    const sender = fromMailbox(fields)?.address ?? ctx.user.address;
    for (const u of users) if (u !== ctx.user.id) out.push({ userId: u, address: sender });
    return out;
  }
  const from = fromMailbox(fields);
  if (!from || mailbox !== 'INBOX' || !recordSender) return out;
  for (const u of users) out.push({ userId: u, address: from.address });
  return out;
}
