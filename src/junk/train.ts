/**
 * Training and untraining through the JunkStore port, global and per user.
 *
 * Sources: Paul Graham, "A Plan for Spam" (train on the user's own ham and spam; a token is
 * counted once per message); Gary Robinson, "A Statistical Approach to the Spam Problem";
 * SpamBayes (classifier.learn/unlearn: unlearning must exactly undo learning, and a message
 * moved from one class to the other is first unlearned — "train on error", never twice).
 *
 * The rule: per scope, a message key has at most one training record. Training with the same
 * label again changes nothing; training with the other label undoes the earlier training
 * (exactly: the stored token list is subtracted, not a fresh tokenization) and then counts the
 * message in its new class. Must never count a message twice in one scope, never subtract what
 * was not added, and never train a scope the caller did not name.
 */
import { createHash } from 'node:crypto';
import type { JunkStore, Label, Scope, TrainingRecord } from './ports.ts';
import { GLOBAL, userScope } from './ports.ts';

function withoutFromLine(raw: Uint8Array): Buffer {
  const b = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
  if (b.length > 5 && b.toString('latin1', 0, 5) === 'From ') {
    const lf = b.indexOf(0x0a);
    return lf < 0 ? b.subarray(b.length) : b.subarray(lf + 1);
  }
  return b;
}

const SPAM_FIELD = /^x-mailwarden-(?:spam|phishing)[ \t]*:/i;

/**
 * The header section without our own X-Mailwarden-Spam and X-Mailwarden-Phishing fields (RFC 5322
 * §2.2.3: a field goes on over lines starting with white space), then the rest unchanged; the same
 * buffer when there is none. Both carry the Bayes score, which is ours, not the message's: copies
 * of one message that differ only in them (per-recipient verdicts) are one message.
 */
function withoutSpamFields(b: Buffer): Buffer {
  let end = b.indexOf('\n\n');
  const crlf = b.indexOf('\r\n\r\n');
  if (crlf >= 0 && (end < 0 || crlf < end)) end = crlf;
  const head = b.toString('latin1', 0, end < 0 ? b.length : end);
  if (!/x-mailwarden-(?:spam|phishing)/i.test(head)) return b;
  const kept: string[] = [];
  let dropping = false;
  for (const line of head.split(/(?<=\n)/)) {
    if (dropping && (line.startsWith(' ') || line.startsWith('\t'))) continue;
    dropping = SPAM_FIELD.test(line);
    if (!dropping) kept.push(line);
  }
  return Buffer.concat([Buffer.from(kept.join(''), 'latin1'), end < 0 ? Buffer.alloc(0) : b.subarray(end)]);
}

/**
 * A stable key for a message without a store id: SHA-256 of its bytes, the mbox "From " line and
 * our own X-Mailwarden-Spam/-Phishing fields excluded (so each recipient's copy of one message has one key).
 */
export function messageKey(raw: Uint8Array): string {
  return `sha256:${createHash('sha256').update(withoutSpamFields(withoutFromLine(raw))).digest('hex')}`;
}

/**
 * The key earlier versions gave the same message (our fields included), or null when it is
 * the same as messageKey(). Pass it as an alias so messages trained before keep one record.
 */
export function legacyMessageKey(raw: Uint8Array): string | null {
  const b = withoutFromLine(raw);
  return withoutSpamFields(b) === b ? null : `sha256:${createHash('sha256').update(b).digest('hex')}`;
}

/**
 * messageKey() and legacyMessageKey() of a message read as a stream (a stored blob), in memory
 * bounded by its header section: the header (and an mbox "From " line) is held until its end is
 * seen, the body is hashed as it passes. The same keys as the functions above on the whole bytes.
 */
export async function messageKeysOf(chunks: AsyncIterable<Uint8Array>): Promise<{ key: string; legacy: string | null }> {
  const key = createHash('sha256');
  const raw = createHash('sha256');
  let held: Buffer[] = [];
  let changed: boolean | null = null; // null until the header section is complete
  // The prefix up to the end of the header section: the same result as on the whole message,
  // because both helpers only look that far (the earliest "\n\n" or "\r\n\r\n" is in it).
  const settle = (prefix: Buffer) => {
    const b = withoutFromLine(prefix);
    const k = withoutSpamFields(b);
    key.update(k);
    raw.update(b);
    changed = k !== b;
  };
  // The exact test below needs the whole prefix; it runs only once a blank line may have been
  // seen (searched in each new chunk with the 3 bytes before it), so a long header section costs
  // one pass, not one concatenation and search per chunk.
  let tail = Buffer.alloc(0);
  let maybe = false;
  for await (const chunk of chunks) {
    const c = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    if (changed !== null) {
      key.update(c);
      raw.update(c);
      continue;
    }
    held.push(c);
    if (!maybe) {
      const window = tail.length ? Buffer.concat([tail, c]) : c;
      maybe = window.indexOf('\n\n') >= 0 || window.indexOf('\r\n\r\n') >= 0;
      tail = Buffer.from(window.subarray(Math.max(0, window.length - 3)));
      if (!maybe) continue;
    }
    const acc = held.length === 1 ? c : Buffer.concat(held);
    held = [acc];
    if (acc.length <= 5) continue; // withoutFromLine needs more than 5 bytes to decide
    if (acc.toString('latin1', 0, 5) === 'From ' && acc.indexOf(0x0a) < 0) continue;
    const b = withoutFromLine(acc);
    if (b.indexOf('\n\n') >= 0 || b.indexOf('\r\n\r\n') >= 0) {
      settle(acc);
      held = [];
    }
  }
  if (changed === null) settle(Buffer.concat(held));
  return { key: `sha256:${key.digest('hex')}`, legacy: changed ? `sha256:${raw.digest('hex')}` : null };
}

/** What training did in one scope. */
export type TrainOutcome = 'trained' | 'unchanged' | 'relabelled' | 'untrained' | 'absent';

export interface TrainOptions {
  /** Milliseconds since the epoch (injected clock). */
  now?: number;
}

/** A message's key and its tokens (tokenize() output). */
export interface TrainingMessage {
  key: string;
  tokens: readonly string[];
  /**
   * Keys the same message may have been trained under before (legacyMessageKey): in a scope with
   * no record under `key` but one under an alias, the alias stays the message's key there, so
   * relabelling and untraining remain exact.
   */
  aliases?: readonly string[];
}

/** The key this message's record has (or will have) in one scope. */
export async function keyIn(store: JunkStore, scope: Scope, msg: TrainingMessage): Promise<string> {
  if (!msg.aliases?.length || (await store.getRecord(scope, msg.key)) !== null) return msg.key;
  for (const a of msg.aliases) if ((await store.getRecord(scope, a)) !== null) return a;
  return msg.key;
}

/** Compare-and-swap attempts before giving up on a record that keeps changing under us. */
const MAX_ATTEMPTS = 5;

/** Count a message as `label` in one scope, undoing an earlier training with the other label. */
export async function trainScope(store: JunkStore, scope: Scope, msg: TrainingMessage, label: Label, opts: TrainOptions = {}): Promise<TrainOutcome> {
  const tokens = [...new Set(msg.tokens)];
  const key = await keyIn(store, scope, msg);
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const current = await store.getRecord(scope, key);
    if (current !== null && current.label === label) return 'unchanged';
    const add: TrainingRecord = { key, label, tokens, trainedAt: opts.now ?? Date.now() };
    if (await store.commit(scope, key, { remove: current, add })) return current === null ? 'trained' : 'relabelled';
  }
  throw new Error(`junk: training record ${key} kept changing`);
}

/**
 * Remove a message's training from one scope (e.g. the user deleted their verdict). With
 * `opts.label`, only a record with that label is removed ('unchanged' for one with the other).
 */
export async function untrainScope(store: JunkStore, scope: Scope, key: string, opts: { label?: Label } = {}): Promise<TrainOutcome> {
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const current = await store.getRecord(scope, key);
    if (current === null) return 'absent';
    if (opts.label !== undefined && current.label !== opts.label) return 'unchanged';
    if (await store.commit(scope, key, { remove: current, add: null })) return 'untrained';
  }
  throw new Error(`junk: training record ${key} kept changing`);
}

/**
 * The scopes a user's verdict trains: their own, and the global one unless `global` is false
 * (a site may keep its global database curated by the administrator only).
 */
export function scopesFor(userId: number | null, global = true): Scope[] {
  if (userId === null) return [GLOBAL];
  return global ? [userScope(userId), GLOBAL] : [userScope(userId)];
}

/** Train a message in each scope; outcomes in the same order. */
export async function train(store: JunkStore, scopes: readonly Scope[], msg: TrainingMessage, label: Label, opts: TrainOptions = {}): Promise<TrainOutcome[]> {
  const out: TrainOutcome[] = [];
  for (const s of scopes) out.push(await trainScope(store, s, msg, label, opts));
  return out;
}

export async function untrain(store: JunkStore, scopes: readonly Scope[], key: string): Promise<TrainOutcome[]> {
  const out: TrainOutcome[] = [];
  for (const s of scopes) out.push(await untrainScope(store, s, key));
  return out;
}

/** One message of a bulk training run: its key, label, and its tokens on demand. */
export interface BulkMessage {
  key: string;
  label: Label;
  /** Read and tokenize the message (called once per pass that looks at it). */
  tokens(): readonly string[] | Promise<readonly string[]>;
}

export interface ThickOptions {
  /**
   * Ham is trained when the statistics so far score it at or above this (default 0.13). Margins
   * are on the combined score before calibration (Classification.raw, SpamBayes' scale), so
   * what is trained does not depend on the calibration.
   */
  hamMargin: number;
  /** Spam is trained when the statistics so far score it below this (default 0.6; raw too). */
  spamMargin: number;
  /** Passes over the messages; a pass that trains nothing ends the run early (default 4). */
  passes: number;
  /**
   * Every message is trained while the scope holds fewer than this many ham or spam (default
   * 20, the server's [spam] min_trained): statistics of one class alone score nothing
   * meaningfully, and the server does not use statistics below its minimum.
   */
  warmup: number;
  /** Scores a message's tokens against the scope being trained: Classification.raw. */
  score(tokens: readonly string[]): Promise<number>;
  onProgress?(p: { pass: number; done: number; total: number; trained: number }): void;
  /** The order of the messages is by this string (default: the key). */
  orderKey?(m: BulkMessage): string;
  now?: number;
}

export const DEFAULT_THICK = { hamMargin: 0.13, spamMargin: 0.6, passes: 4, warmup: 20 } as const;

/**
 * Thick-threshold training ("train on error" with a margin; the TREC spam track's and
 * bogofilter's train-on-error, widened so near misses are trained too): the messages are taken in
 * an order that interleaves ham and spam (sorted by key: a SHA-256, so pseudo-random and
 * reproducible), and each is trained only when the statistics built so far score it on the wrong
 * side of its margin. Passes repeat until one trains nothing. The database then holds the hard
 * messages rather than thousands of easy ones, which ranks better on cross-validation
 * (docs/spam.md, fourth round). Exactly-once holds as for train(): a message already trained with
 * its label is unchanged (and not scored), one trained with the other label is relabelled.
 */
export async function trainThick(store: JunkStore, scope: Scope, messages: readonly BulkMessage[], opts: Partial<ThickOptions> & Pick<ThickOptions, 'score'>): Promise<Record<TrainOutcome, number>> {
  const o = { ...DEFAULT_THICK, ...opts };
  const by = new Map(messages.map((m) => [m, o.orderKey ? o.orderKey(m) : m.key]));
  const order = [...messages].sort((a, b) => (by.get(a)! < by.get(b)! ? -1 : by.get(a)! > by.get(b)! ? 1 : 0));
  const counts: Record<TrainOutcome, number> = { trained: 0, unchanged: 0, relabelled: 0, untrained: 0, absent: 0 };
  const settled = new Set<string>();
  const wrongSide = (label: Label, score: number) => (label === 'ham' ? score >= o.hamMargin : score < o.spamMargin);
  for (let pass = 1; pass <= o.passes; pass++) {
    let trained = 0;
    let done = 0;
    for (const m of order) {
      done++;
      if (!settled.has(m.key)) {
        // Trained before (an earlier run, or a user's move): the same label is left alone, the
        // other is relabelled whatever the score (the corpus's label is the user's word).
        const earlier = await store.getRecord(scope, m.key);
        if (earlier !== null && earlier.label === m.label) {
          counts.unchanged++;
          settled.add(m.key);
        } else {
          const tokens = await m.tokens();
          const totals = await store.getTotals(scope);
          const warming = totals.ham < o.warmup || totals.spam < o.warmup;
          if (warming || earlier !== null || wrongSide(m.label, await o.score(tokens))) {
            counts[await trainScope(store, scope, { key: m.key, tokens }, m.label, { now: o.now })]++;
            settled.add(m.key);
            trained++;
          }
        }
      }
      o.onProgress?.({ pass, done, total: order.length, trained });
    }
    if (trained === 0) break;
  }
  return counts;
}
