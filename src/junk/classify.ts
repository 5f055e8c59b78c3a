/**
 * Classifier maths: Robinson's token probability f(w) and Fisher's chi-square combining.
 *
 * Sources: Paul Graham, "A Plan for Spam" (2002: per-token spam probability from the share of
 * ham and spam messages containing it; only the most interesting tokens decide); Gary Robinson,
 * "A Statistical Approach to the Spam Problem" (Linux Journal, 2003: f(w) = (s·x + n·p(w)) /
 * (s + n), and Fisher's method, -2·Σ ln p ~ χ² with 2n degrees of freedom, applied to both tails);
 * SpamBayes classifier.py (chi2_spamprob: S and H combined as (S − H + 1) / 2, the defaults
 * s = 0.45, x = 0.5, minimum_prob_strength = 0.1, max_discriminators = 150, and the three-way
 * ham / unsure / spam verdict).
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
  /** At most this many tokens, the strongest, are combined (SpamBayes 150). */
  maxClues: number;
  /** Below: ham. */
  hamCutoff: number;
  /** At or above: spam. Between the cutoffs: unsure. */
  spamCutoff: number;
}

/**
 * Defaults. Ham must essentially never be lost, so the spam cutoff is high (0.95): a message is
 * only called spam when the spam evidence is near-certain and the ham evidence absent; the
 * "unsure" band below it is delivered to the inbox, marked. Measured in docs/spam.md.
 */
export const DEFAULT_CLASSIFIER: ClassifierOptions = { s: 0.45, x: 0.5, minStrength: 0.1, maxClues: 150, hamCutoff: 0.2, spamCutoff: 0.95 };

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

/** Fisher/chi-square combining of token probabilities (Robinson 2003; SpamBayes chi2_spamprob). */
export function combine(probs: readonly number[]): Combined {
  const n = probs.length;
  if (n === 0) return { score: 0.5, spamEvidence: 0, hamEvidence: 0 };
  let lnSpam = 0;
  let lnHam = 0;
  for (const p of probs) {
    lnSpam += Math.log(1 - p);
    lnHam += Math.log(p);
  }
  const S = 1 - chi2Q(-2 * lnSpam, 2 * n);
  const H = 1 - chi2Q(-2 * lnHam, 2 * n);
  return { score: Math.min(1, Math.max(0, (S - H + 1) / 2)), spamEvidence: S, hamEvidence: H };
}

export interface Clue {
  token: string;
  /** f(w). */
  probability: number;
  ham: number;
  spam: number;
}

export interface Classification extends Combined {
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
  const candidates: Array<Clue & { strength: number }> = [];
  const seen = new Set<string>();
  for (const token of tokens) {
    if (seen.has(token)) continue; // a token counts once per message (Graham)
    seen.add(token);
    const c = counts.get(token) ?? { ham: 0, spam: 0 };
    const probability = tokenProbability(c, totals, o);
    const strength = Math.abs(probability - 0.5);
    if (strength >= o.minStrength) candidates.push({ token, probability, ham: c.ham, spam: c.spam, strength });
  }
  // Strongest first; ties broken by token so the result does not depend on input order.
  candidates.sort((a, b) => b.strength - a.strength || (a.token < b.token ? -1 : a.token > b.token ? 1 : 0));
  const clues = candidates.slice(0, o.maxClues).map(({ token, probability, ham, spam }) => ({ token, probability, ham, spam }));
  const combined = combine(clues.map((c) => c.probability));
  return { ...combined, verdict: verdictFor(combined.score, o), clues };
}
