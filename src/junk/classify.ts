/**
 * Classifier maths: Robinson's token probability f(w) and Fisher's chi-square combining, with
 * the evidence of a message's clues bounded to a number of independent tests, and the combined
 * score's log-odds scaled back to SpamBayes' scale (see combine() and sharpen(); docs/spam.md).
 *
 * Sources: Paul Graham, "A Plan for Spam" (2002: per-token spam probability from the share of
 * ham and spam messages containing it; only the most interesting tokens decide); Gary Robinson,
 * "A Statistical Approach to the Spam Problem" (Linux Journal, 2003: f(w) = (s·x + n·p(w)) /
 * (s + n), and Fisher's method, -2·Σ ln p ~ χ² with 2n degrees of freedom, applied to both tails);
 * SpamBayes classifier.py (chi2_spamprob: S and H combined as (S − H + 1) / 2, the defaults
 * s = 0.45, x = 0.5, minimum_prob_strength = 0.1, max_discriminators = 150, and the three-way
 * ham / unsure / spam verdict; its notes on the independence assumption, which the bound on
 * effective clues addresses); Robinson's geometric-mean combining as the alternative rule.
 *
 * Pure: counts in, a score out; no I/O, no clock, no randomness. Never returns a score outside
 * [0, 1] or NaN (no evidence at all is 0.5, "unsure"), and never lets a token seen in only one
 * class reach probability 0 or 1 (f(w) is always pulled towards x by s).
 */
import type { Counts } from './ports.ts';

export type Verdict = 'ham' | 'unsure' | 'spam';

export interface ClassifierOptions {
  /** Robinson's s: how strongly the prior x counts, in units of messages (SpamBayes 0.45). */
  s: number;
  /** Robinson's x: the probability assumed for a token never seen (SpamBayes 0.5). */
  x: number;
  /** Tokens with |f(w) − 0.5| below this are ignored (SpamBayes 0.1). */
  minStrength: number;
  /** At most this many tokens, the strongest, are combined (SpamBayes 150; here all of them). */
  maxClues: number;
  /** Below: ham. */
  hamCutoff: number;
  /** At or above: spam. Between the cutoffs: unsure. */
  spamCutoff: number;
  /** Fisher's chi-square on both tails (SpamBayes' default) or Robinson's geometric means. */
  combining: Combining;
  /**
   * chi2 only: the clues count as at most this many independent tests (their evidence is
   * averaged and scaled to this many degrees of freedom); 0: no bound (SpamBayes).
   */
  effectiveClues: number;
  /** The combined score's log-odds are multiplied by this (1: unchanged); see sharpen(). */
  sharpness: number;
  /** The combined score that sharpen() maps to 0.5 (0.5: unchanged); see sharpen(). */
  center: number;
  /**
   * Degeneration: a token never trained borrows the counts of its plainer form (degenerate()),
   * when that form is not itself among the message's tokens.
   */
  degenerate: boolean;
  /**
   * At most this many never-trained tokens are clues (when x is far enough from 0.5 to make them
   * clues at all), taken in message order; the rest are skipped. Bounds what a flood of invented
   * words ("word salad", hash busters) can do to the combined evidence.
   */
  unknownClues: number;
}

export type Combining = 'chi2' | 'geometric';

/**
 * Defaults (docs/spam.md, fifth round), for statistics built by thick-threshold training
 * (train.ts trainThick, what `spam train` does by default), chosen on three measures inside the
 * train split of the DEV corpus: cross-validation, and two distribution-shift checks (train on the
 * older collections and score the newer ones, and back), so that ham stays safe on mail unlike the
 * mail the filter was trained on. x = 0.36 makes a never-trained token weak ham evidence (a new
 * word is more often a correspondent's new topic than a spam run the filter has not seen), at most
 * 20 of them per message (a flood of invented words must not outvote the known ones). Ham must
 * essentially never be lost, so the spam cutoff is high: the calibration (c = 3, m = 0.185) puts at
 * 0.95 the combined score (0.38) where the ham called spam were at most 3 on cross-validation and
 * at most 4 of 2,000 on the shift check, and at 0.2 the combined score (0.13) below which almost
 * nothing is spam; the "unsure" band between them is delivered to the inbox, marked.
 */
export const DEFAULT_CLASSIFIER: ClassifierOptions = { s: 1, x: 0.36, unknownClues: 20, minStrength: 0.1, maxClues: 3000, hamCutoff: 0.2, spamCutoff: 0.95, combining: 'chi2', effectiveClues: 20, sharpness: 3, center: 0.185, degenerate: false };

/** Field prefixes whose words fall back to the bare body word ("subject:free" → "free"). */
const WORD_PREFIXES = ['subject:', 'from:name:', 'reply-to:name:', 'x-mailer:', 'filename:'];

/**
 * The plainer form of a token, for degeneration (Graham, "Better Bayesian Filtering", 2003:
 * "Subject*FREE!!!" falls back to "Subject*free!!!", "FREE!!!", "free" ...; CRM114 and DSPAM do
 * the like): a field word becomes the bare word, a word in capitals its lower case; null when
 * there is none.
 */
export function degenerate(token: string): string | null {
  for (const p of WORD_PREFIXES) if (token.startsWith(p)) return token.length > p.length ? token.slice(p.length) : null;
  const lower = token.toLowerCase();
  return lower !== token && !token.includes(':') ? lower : null;
}

/**
 * Robinson's f(w). p(w) = (spam/nspam) / (spam/nspam + ham/nham), the spam share of the token
 * with class sizes normalised (Graham's ratio); f(w) = (s·x + n·p) / (s + n), n = ham + spam.
 */
export function tokenProbability(c: Counts, totals: Counts, o: Pick<ClassifierOptions, 's' | 'x'> = DEFAULT_CLASSIFIER): number {
  const hamRatio = totals.ham > 0 ? c.ham / totals.ham : 0;
  const spamRatio = totals.spam > 0 ? c.spam / totals.spam : 0;
  if (hamRatio + spamRatio === 0) return o.x;
  const p = spamRatio / (hamRatio + spamRatio);
  const n = c.ham + c.spam;
  return (o.s * o.x + n * p) / (o.s + n);
}

/**
 * Upper tail of the χ² distribution, Q(χ² | v) for even v: e^(−m) Σ_{i<v/2} m^i / i!, m = χ²/2
 * (SpamBayes chi2Q; for m ≥ 700 the terms are summed in log space so e^(−m) cannot underflow).
 */
export function chi2Q(x2: number, v: number): number {
  if (v <= 0 || v % 2 !== 0) throw new RangeError('chi2Q: v must be a positive even number');
  const m = x2 / 2;
  if (m <= 0) return 1;
  const k = v / 2;
  if (m < 700) {
    // SpamBayes' loop: term_i = term_{i-1} · m / i, exact while e^(−m) is a normal double.
    let term = Math.exp(-m);
    let sum = term;
    for (let i = 1; i < k; i++) {
      term *= m / i;
      sum += term;
    }
    return Math.min(sum, 1);
  }
  const logM = Math.log(m);
  let logTerm = -m;
  let sum = Math.exp(logTerm);
  for (let i = 1; i < k; i++) {
    logTerm += logM - Math.log(i);
    sum += Math.exp(logTerm);
  }
  return Math.min(sum, 1);
}

export interface Combined {
  /** (S − H + 1) / 2 in [0, 1]. */
  score: number;
  /** Spam evidence: 1 − Q(−2 Σ ln(1 − f), 2n). */
  spamEvidence: number;
  /** Ham evidence: 1 − Q(−2 Σ ln f, 2n). */
  hamEvidence: number;
}

/**
 * Fisher/chi-square combining of token probabilities (Robinson 2003; SpamBayes chi2_spamprob).
 * With `effectiveClues` k > 0 and n > k clues, the sums are scaled by k/n and the degrees of
 * freedom are 2k: the clues count as k independent tests of their mean evidence, because a
 * message's tokens are correlated (one mail program, one template) and Fisher's method assumes
 * they are not; unbounded, a long message's S or H saturates at exactly 1.
 */
export function combine(probs: readonly number[], effectiveClues = 0): Combined {
  const n = probs.length;
  if (n === 0) return { score: 0.5, spamEvidence: 0, hamEvidence: 0 };
  let lnSpam = 0;
  let lnHam = 0;
  for (const p of probs) {
    lnSpam += Math.log(1 - p);
    lnHam += Math.log(p);
  }
  const k = effectiveClues > 0 && n > effectiveClues ? effectiveClues : n;
  const S = 1 - chi2Q((-2 * lnSpam * k) / n, 2 * k);
  const H = 1 - chi2Q((-2 * lnHam * k) / n, 2 * k);
  return { score: Math.min(1, Math.max(0, (S - H + 1) / 2)), spamEvidence: S, hamEvidence: H };
}

/**
 * Robinson's geometric-mean combining (Linux Journal 2003, before he proposed chi-square):
 * P = 1 − (Π(1 − f))^(1/n), Q = 1 − (Π f)^(1/n), S = (P − Q) / (P + Q), score = (1 + S) / 2.
 * Less extreme than chi-square: scores spread over [0, 1] instead of piling up at the ends.
 */
export function combineGeometric(probs: readonly number[]): Combined {
  const n = probs.length;
  if (n === 0) return { score: 0.5, spamEvidence: 0, hamEvidence: 0 };
  let lnSpam = 0;
  let lnHam = 0;
  for (const p of probs) {
    lnSpam += Math.log(1 - p);
    lnHam += Math.log(p);
  }
  const P = 1 - Math.exp(lnSpam / n);
  const Q = 1 - Math.exp(lnHam / n);
  const S = P + Q === 0 ? 0 : (P - Q) / (P + Q);
  return { score: Math.min(1, Math.max(0, (1 + S) / 2)), spamEvidence: P, hamEvidence: Q };
}

/**
 * score' = σ(c · (logit(score) − logit(m))): the same order of messages, the log-odds moved so
 * the combined score m becomes 0.5, and scaled by c. 0 and 1 stay put; with m = 0.5, 0.5 stays 0.5.
 * A calibration: it puts the cutoffs chosen on cross-validation at the fixed scale the rest of
 * the server uses (junk at 0.95; see DEFAULT_CLASSIFIER).
 */
export function sharpen(score: number, c: number, center = 0.5): number {
  if ((c === 1 && center === 0.5) || score <= 0 || score >= 1) return score;
  // σ(c · (logit(score) − logit(center))) = 1 / (1 + ((1 − score)/score · center/(1 − center))^c)
  return 1 / (1 + Math.pow(((1 - score) / score) * (center / (1 - center)), c));
}

export interface Clue {
  token: string;
  /** f(w). */
  probability: number;
  ham: number;
  spam: number;
}

export interface Classification extends Combined {
  /** The combined score before sharpen(): (S − H + 1) / 2, SpamBayes' scale. */
  raw: number;
  verdict: Verdict;
  /** The tokens that decided, strongest first. */
  clues: Clue[];
}

export function verdictFor(score: number, o: Pick<ClassifierOptions, 'hamCutoff' | 'spamCutoff'> = DEFAULT_CLASSIFIER): Verdict {
  return score < o.hamCutoff ? 'ham' : score >= o.spamCutoff ? 'spam' : 'unsure';
}

/**
 * Score distinct tokens against counts. Tokens absent from `counts` were never trained: they
 * get f = x and, with the default minStrength, are not clues.
 */
export function classify(tokens: readonly string[], counts: ReadonlyMap<string, Counts>, totals: Counts, options: Partial<ClassifierOptions> = {}): Classification {
  const o = { ...DEFAULT_CLASSIFIER, ...options };
  const candidates: Clue[] = [];
  const seen = new Set<string>();
  // A never-trained token has f = x; when x is not strong enough to be a clue, skip it early.
  const unknownIsClue = Math.abs(o.x - 0.5) >= o.minStrength;
  const present = o.degenerate ? new Set(tokens) : null;
  let unknownLeft = o.unknownClues;
  for (const token of tokens) {
    let known = counts.get(token);
    if (known === undefined && present !== null) {
      const d = degenerate(token);
      if (d !== null && !present.has(d)) known = counts.get(d);
    }
    if (known === undefined && (!unknownIsClue || unknownLeft <= 0)) continue;
    if (seen.has(token)) continue; // a token counts once per message (Graham)
    seen.add(token);
    if (known === undefined) unknownLeft--;
    const c = known ?? { ham: 0, spam: 0 };
    const probability = tokenProbability(c, totals, o);
    if (Math.abs(probability - 0.5) >= o.minStrength) candidates.push({ token, probability, ham: c.ham, spam: c.spam });
  }
  // Strongest first; ties broken by token so the result does not depend on input order.
  candidates.sort((a, b) => Math.abs(b.probability - 0.5) - Math.abs(a.probability - 0.5) || (a.token < b.token ? -1 : a.token > b.token ? 1 : 0));
  const clues = candidates.length > o.maxClues ? candidates.slice(0, o.maxClues) : candidates;
  const probs = clues.map((c) => c.probability);
  const combined = o.combining === 'geometric' ? combineGeometric(probs) : combine(probs, o.effectiveClues);
  // No clue at all is no evidence: 0.5, "unsure", whatever the calibration (sharpen() would move
  // the centre's 0.5 towards spam). Nor are never-trained tokens alone: they only dilute the
  // evidence of trained ones.
  const score = !clues.some((c) => c.ham + c.spam > 0) ? 0.5 : sharpen(combined.score, o.sharpness, o.center);
  return { ...combined, raw: combined.score, score, verdict: verdictFor(score, o), clues };
}
