/**
 * Stage "classify" (MX only, after "authenticate"): the trainable Bayesian filter of src/junk.
 * Tokenizes the message (with our own authentication verdicts as tokens), scores it against the
 * recipient's statistics (the user's own once trained enough, else the global ones; a message
 * for several users is scored with the global ones, since it carries one header), and decides:
 *
 *   fewer than min_trained ham or spam messages trained -> header "untrained", delivered as is
 *   score >= reject_threshold (only with reject = true)   -> 550 5.7.1 at the end of DATA
 *   score >= junk_threshold                               -> delivered to Junk
 *   otherwise                                             -> delivered (ham / unsure in the header)
 *
 * Sources: Graham "A Plan for Spam", Robinson "A Statistical Approach to the Spam Problem",
 * SpamBayes (see src/junk); RFC 5321 §4.2.5 (a refusal after DATA takes responsibility away from
 * us, so it is only for near-certain spam and off by default).
 *
 * Never: trust an X-Mailwarden-Spam field the message brought (the route stage removes it with
 * stripSpamFields), score with an untrained database, or junk or refuse on a failure of its own
 * (a store error delivers the message with "error" in the header and logs it).
 */
import { tokenize, DEFAULT_TOKENIZE_LIMITS } from '../../junk/tokenize.ts';
import { ourVerdicts } from '../../junk/message.ts';
import { chooseScope, scoreTokens, type ScoredMessage } from '../../junk/filter.ts';
import { spamHeaderField, SPAM_HEADER } from '../../junk/header.ts';
import type { JunkStore } from '../../junk/ports.ts';
import { replies } from '../../smtp/replies.ts';
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
}

export interface ClassifyOutcome {
  /** The X-Mailwarden-Spam field to prepend, CRLF-terminated. */
  header: string;
  mailbox: 'INBOX' | 'Junk';
}

/** What the pipeline logs. */
export interface ClassifySummary {
  spam: 'ham' | 'unsure' | 'spam' | 'untrained' | 'error';
  score?: number;
  scope?: string;
  clues?: string[];
  trained?: { ham: number; spam: number };
  error?: string;
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

const untrainedHeader = (t: { ham: number; spam: number }) => `${SPAM_HEADER}: untrained; trained=${t.ham}/${t.spam}\r\n`;

export async function classifyStage(
  opts: ClassifyOptions,
  tx: Transaction,
  message: () => AsyncIterable<Buffer>,
  authHeaders: string,
): Promise<{ verdict: Verdict<ClassifyOutcome>; summary: ClassifySummary }> {
  const users = new Set<number>();
  for (const r of tx.recipients) if (r.kind === 'local') r.userIds.forEach((u) => users.add(u));
  const userId = users.size === 1 ? [...users][0]! : null;
  let scored: ScoredMessage;
  let totals: { ham: number; spam: number };
  try {
    // An untrained scope cannot judge: answer "untrained" before tokenizing anything.
    const policy = { minHam: opts.userMinTrained, minSpam: opts.userMinTrained };
    const scope0 = await chooseScope(opts.junk, userId, policy);
    const totals0 = await opts.junk.getTotals(scope0);
    const min0 = scope0.kind === 'global' ? opts.minTrained : Math.max(opts.minTrained, opts.userMinTrained);
    if (totals0.ham < min0 || totals0.spam < min0) {
      return { verdict: cont({ header: untrainedHeader(totals0), mailbox: 'INBOX' }), summary: { spam: 'untrained', trained: totals0, scope: scope0.kind === 'global' ? 'global' : 'user' } };
    }
    const raw = await readPrefix(message(), DEFAULT_TOKENIZE_LIMITS.maxInputBytes);
    const tokens = tokenize(raw, { verdicts: ourVerdicts(Buffer.from(`${authHeaders}\r\n`), opts.authservId) });
    scored = await scoreTokens(opts.junk, userId, tokens, {
      classifier: { hamCutoff: opts.hamThreshold, spamCutoff: opts.junkThreshold },
      policy: { minHam: opts.userMinTrained, minSpam: opts.userMinTrained },
    });
    totals = await opts.junk.getTotals(scored.scope);
  } catch (e) {
    return { verdict: cont({ header: `${SPAM_HEADER}: error\r\n`, mailbox: 'INBOX' }), summary: { spam: 'error', error: String(e) } };
  }
  const scope = scored.scope.kind === 'global' ? 'global' : 'user';
  const min = scored.scope.kind === 'global' ? opts.minTrained : Math.max(opts.minTrained, opts.userMinTrained);
  if (totals.ham < min || totals.spam < min) {
    return { verdict: cont({ header: untrainedHeader(totals), mailbox: 'INBOX' }), summary: { spam: 'untrained', trained: totals, scope } };
  }
  const summary: ClassifySummary = { spam: scored.verdict, score: Number(scored.score.toFixed(4)), scope, clues: scored.clues.slice(0, 8).map((c) => c.token) };
  if (opts.reject && scored.score >= opts.rejectThreshold) return { verdict: reject(replies.spamReject(`score ${scored.score.toFixed(4)}`)), summary };
  const header = `${spamHeaderField(scored, { cutoffs: { hamCutoff: opts.hamThreshold, spamCutoff: opts.junkThreshold } })}\r\n`;
  return { verdict: cont({ header, mailbox: scored.score >= opts.junkThreshold ? 'Junk' : 'INBOX' }), summary };
}
