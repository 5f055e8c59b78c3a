/**
 * How phishing signals raise the spam score. Each signal has a weight w in [0, 1): the
 * probability, on its own, that the message is hostile. Signals are combined with each other and
 * with the Bayesian score b (src/junk; 0 when the filter is untrained, disabled or failed: no
 * evidence) by a noisy-OR, i.e. as independent pieces of evidence:
 *
 *   phishing = 1 - Π (1 - w_i)
 *   score    = 1 - (1 - b) · (1 - phishing)
 *
 * so a signal never lowers the score, two weak signals stay weak, and the Bayes verdict keeps
 * its weight. The weights are chosen so that only a strong signal moves a message to Junk on its
 * own (score >= [spam] junk_threshold, 0.95 by default): a look-alike of one of OUR domains
 * (0.99). A look-alike of a protected brand (0.9) or the display-name tricks (0.6-0.7) need more
 * evidence: another signal and an "unsure" Bayes score, for example. First contact (0.15) only
 * tips a message that is already suspicious. Phishing signals never cause a refusal.
 */
import { signalName, type PhishingSignal, type SignalName } from './signals.ts';

export const WEIGHTS: Readonly<Record<SignalName, number>> = {
  'lookalike-local': 0.99,
  'lookalike-brand': 0.9,
  'display-name-brand': 0.7,
  'display-name-address': 0.6,
  'display-name-user': 0.6,
  'link-mismatch': 0.5,
  'first-contact': 0.15,
};

/** The weaker look-alikes ("contains": a protected label as one word of another name). */
export const CONTAINS_WEIGHT = 0.5;

export function signalWeight(s: PhishingSignal): number {
  if (s.kind === 'lookalike' && s.match.how === 'contains') return CONTAINS_WEIGHT;
  return WEIGHTS[signalName(s)];
}

/** The phishing score: noisy-OR of the signal weights (0 without signals). */
export function phishingScore(signals: readonly PhishingSignal[]): number {
  let keep = 1;
  for (const s of signals) keep *= 1 - signalWeight(s);
  return 1 - keep;
}

/** The spam score raised by the phishing score. `bayes` is null when there is no Bayes score. */
export function combinedScore(bayes: number | null, phishing: number): number {
  const b = bayes === null || !Number.isFinite(bayes) ? 0 : Math.min(1, Math.max(0, bayes));
  return 1 - (1 - b) * (1 - phishing);
}
