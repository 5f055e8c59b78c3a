/**
 * Stage "classify" (MX only, after "authenticate"): the trainable Bayesian filter of src/junk.
 * Tokenizes the message once (with our own authentication verdicts as tokens) and scores it for
 * each recipient with the statistics that apply to them: a user's own once they have enough
 * trained mail (user_min_trained of each class), else the global ones. Recipients who share
 * statistics share one verdict; the others get their own verdict, header and Junk decision
 * (the route stage delivers them a copy carrying their header, see perUserCopies).
 *
 *   fewer than min_trained ham or spam messages trained -> header "untrained", delivered as is
 *   score >= reject_threshold for EVERY recipient (only with reject = true) -> 550 5.7.1
 *   score >= junk_threshold                               -> delivered to Junk
 *   otherwise                                             -> delivered (ham / unsure in the header)
 *
 * Sources: Graham "A Plan for Spam" (per-user filters), Robinson "A Statistical Approach to the
 * Spam Problem", SpamBayes (see src/junk); RFC 5321 §4.2.5 (a refusal after DATA takes
 * responsibility away from us, so it is only for near-certain spam, off by default, and only when
 * every recipient's statistics agree: one DATA reply answers for all recipients).
 *
 * Never: trust an X-Mailwarden-Spam field the message brought (the route stage removes it with
 * stripSpamFields), score with an untrained database, show one user a verdict computed from
 * another user's statistics, or junk or refuse on a failure of its own (a store error delivers
 * the message with "error" in the header and logs it).
 */
import { tokenize, DEFAULT_TOKENIZE_LIMITS } from '../../junk/tokenize.ts';
import { ourVerdicts } from '../../junk/message.ts';
import { classify } from '../../junk/classify.ts';
import { groupByScope, type ScopeGroup } from '../../junk/filter.ts';
import { spamHeaderField, SPAM_HEADER } from '../../junk/header.ts';
import type { Counts, JunkStore } from '../../junk/ports.ts';
import type { IngestRequest } from '../../store/ports.ts';
import { replies } from '../../smtp/replies.ts';
import { deriveBlob } from '../spool.ts';
import { stripFields } from '../../mail/strip-fields.ts';
import { cont, reject, type Transaction, type Verdict } from '../types.ts';

export interface ClassifyOptions {
  junk: JunkStore;
  /** Our authserv-id: only Authentication-Results carrying it become tokens. */
  authservId: string;
  hamThreshold: number;
  junkThreshold: number;
  reject: boolean;
  rejectThreshold: number;
  /** Trained ham and spam (each) the chosen scope needs before it scores. */
  minTrained: number;
  /** Trained ham and spam (each) a user's own scope needs to take precedence. */
  userMinTrained: number;
  /** Where per-recipient copies larger than memoryLimit are written (the server's spool). */
  spool?: { spoolDir: string; memoryLimit: number };
}

/** What the pipeline logs. */
export interface ClassifySummary {
  spam: 'ham' | 'unsure' | 'spam' | 'untrained' | 'error';
  score?: number;
  scope?: string;
  clues?: string[];
  trained?: { ham: number; spam: number };
  error?: string;
  /** Recipients scored with their own statistics, apart from the main verdict. */
  perUser?: Array<{ users: number[]; spam: string; score?: number }>;
}

/** The verdict of one group of recipients. */
export interface GroupOutcome {
  userIds: number[];
  /** The X-Mailwarden-Spam field, CRLF-terminated. */
  header: string;
  mailbox: 'INBOX' | 'Junk';
  summary: ClassifySummary;
}

export interface ClassifyOutcome {
  /** The X-Mailwarden-Spam field to prepend, CRLF-terminated: the main verdict. */
  header: string;
  mailbox: 'INBOX' | 'Junk';
  /** Recipients with a verdict of their own (their own statistics); everyone else gets the main one. */
  perUser: GroupOutcome[];
}

/** Removes every X-Mailwarden-Spam field (with its continuation lines) from a header section. */
export function stripSpamFields(head: Buffer): Buffer {
  const text = head.toString('latin1');
  const name = `${SPAM_HEADER.toLowerCase()}:`;
  if (!text.toLowerCase().includes(SPAM_HEADER.toLowerCase())) return head;
  const lines = text.split(/(?<=\n)/);
  const out: string[] = [];
  let dropping = false;
  for (const line of lines) {
    if (dropping && (line.startsWith(' ') || line.startsWith('\t'))) continue;
    dropping = line.toLowerCase().replace(/^([^:\s]+)[ \t]*:/, '$1:').startsWith(name);
    if (!dropping) out.push(line);
  }
  return Buffer.from(out.join(''), 'latin1');
}

async function readPrefix(content: AsyncIterable<Buffer>, max: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let n = 0;
  for await (const c of content) {
    chunks.push(c);
    n += c.length;
    if (n >= max) break;
  }
  const b = Buffer.concat(chunks);
  return b.length > max ? b.subarray(0, max) : b;
}

const untrainedHeader = (t: Counts) => `${SPAM_HEADER}: untrained; trained=${t.ham}/${t.spam}\r\n`;
const scopeName = (g: ScopeGroup) => (g.scope.kind === 'global' ? 'global' : 'user');

function localUsers(tx: Transaction): number[] {
  const users = new Set<number>();
  for (const r of tx.recipients) if (r.kind === 'local') r.userIds.forEach((u) => users.add(u));
  return [...users];
}

export async function classifyStage(
  opts: ClassifyOptions,
  tx: Transaction,
  message: () => AsyncIterable<Buffer>,
  authHeaders: string,
): Promise<{ verdict: Verdict<ClassifyOutcome>; summary: ClassifySummary }> {
  const outcomes: Array<GroupOutcome & { score: number | null }> = [];
  try {
    // A user's own statistics count once they hold enough of each class for both rules.
    const need = Math.max(opts.minTrained, opts.userMinTrained);
    const groups = await groupByScope(opts.junk, localUsers(tx), { minHam: need, minSpam: need });
    let tokens: string[] | null = null;
    for (const g of groups) {
      const totals = await opts.junk.getTotals(g.scope);
      const min = g.scope.kind === 'global' ? opts.minTrained : need;
      if (totals.ham < min || totals.spam < min) {
        // An untrained scope cannot judge: answer "untrained" without tokenizing for it.
        outcomes.push({ userIds: g.userIds, header: untrainedHeader(totals), mailbox: 'INBOX', score: null, summary: { spam: 'untrained', trained: totals, scope: scopeName(g) } });
        continue;
      }
      tokens ??= tokenize(await readPrefix(message(), DEFAULT_TOKENIZE_LIMITS.maxInputBytes), { verdicts: ourVerdicts(Buffer.from(`${authHeaders}\r\n`), opts.authservId) });
      const scored = classify(tokens, await opts.junk.getCounts(g.scope, tokens), totals, { hamCutoff: opts.hamThreshold, spamCutoff: opts.junkThreshold });
      const summary: ClassifySummary = { spam: scored.verdict, score: Number(scored.score.toFixed(4)), scope: scopeName(g), clues: scored.clues.slice(0, 8).map((c) => c.token) };
      const header = `${spamHeaderField(scored, { cutoffs: { hamCutoff: opts.hamThreshold, spamCutoff: opts.junkThreshold } })}\r\n`;
      outcomes.push({ userIds: g.userIds, header, mailbox: scored.score >= opts.junkThreshold ? 'Junk' : 'INBOX', score: scored.score, summary });
    }
  } catch (e) {
    return { verdict: cont({ header: `${SPAM_HEADER}: error\r\n`, mailbox: 'INBOX', perUser: [] }), summary: { spam: 'error', error: String(e) } };
  }
  // The main verdict is the global group's (groupByScope puts it first), else the first user's.
  const [main, ...rest] = outcomes as [GroupOutcome & { score: number | null }, ...Array<GroupOutcome & { score: number | null }>];
  const perUser = rest.filter((o) => o.header !== main.header);
  for (const o of rest) if (o.header === main.header) main.userIds.push(...o.userIds);
  const summary: ClassifySummary = { ...main.summary, ...(perUser.length ? { perUser: perUser.map((o) => ({ users: o.userIds, spam: o.summary.spam, score: o.summary.score })) } : {}) };
  if (opts.reject && outcomes.every((o) => o.score !== null && o.score >= opts.rejectThreshold)) {
    return { verdict: reject(replies.spamReject(`score ${Math.min(...outcomes.map((o) => o.score!)).toFixed(4)}`)), summary };
  }
  return { verdict: cont({ header: main.header, mailbox: main.mailbox, perUser: perUser.map(({ score: _score, ...o }) => o) }), summary };
}

/**
 * The copies the route stage commits for recipients with a verdict of their own: the finished
 * message with their X-Mailwarden-Spam field instead of the main one, delivered to their Junk
 * when `junk(group)` says so (their spam verdict, or another stage's reason judged with their
 * score: see the pipeline).
 */
export async function perUserCopies(
  groups: readonly GroupOutcome[],
  finished: Buffer,
  o: {
    mailFrom: string;
    deliverTo: ReadonlySet<number>;
    junk: (g: GroupOutcome) => boolean;
    spool?: { spoolDir: string; memoryLimit: number };
    /** A field that depends on the Bayes score (X-Mailwarden-Phishing), redone with the group's score. */
    scoredField?: { name: string; value: (score: number) => string };
  },
): Promise<NonNullable<IngestRequest['copies']>> {
  const copies: NonNullable<IngestRequest['copies']> = [];
  const spool = o.spool ?? { spoolDir: '', memoryLimit: Number.MAX_SAFE_INTEGER };
  for (const g of groups) {
    const users = g.userIds.filter((u) => o.deliverTo.has(u));
    if (users.length === 0) continue;
    const mailbox = o.junk(g) ? 'Junk' : 'INBOX';
    const extra = o.scoredField && typeof g.summary.score === 'number' ? o.scoredField : null;
    const header = g.header + (extra ? extra.value(g.summary.score as number) : '');
    const blob = await deriveBlob(finished, spool, Buffer.from(header, 'latin1'), (head) => (extra ? stripFields(stripSpamFields(head), [extra.name]) : stripSpamFields(head)));
    copies.push({ blob, mailFrom: o.mailFrom, outbound: [], deliveries: users.map((userId) => ({ userId, mailbox })) });
  }
  return copies;
}
