// How signals raise the spam score (score.ts): noisy-OR, never lowering, only strong alone junks.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { combinedScore, phishingScore, signalWeight, WEIGHTS } from './score.ts';
import type { PhishingSignal } from './signals.ts';

const match = (kind: 'local' | 'brand', how: 'confusable' | 'contains' = 'confusable') => ({ host: 'x.test', target: 'y.test', kind, how, punycode: false });
const S: Record<string, PhishingSignal> = {
  local: { kind: 'lookalike', where: 'from', match: match('local') },
  brand: { kind: 'lookalike', where: 'from', match: match('brand') },
  contains: { kind: 'lookalike', where: 'link', match: match('local', 'contains') },
  name: { kind: 'display-name-brand', brand: 'B', sender: 'x.test' },
  first: { kind: 'first-contact', sender: 'a@x.test' },
};
const JUNK = 0.95;

test('noisy-OR of the weights; none is 0', () => {
  assert.equal(phishingScore([]), 0);
  assert.ok(Math.abs(phishingScore([S.first!]) - WEIGHTS['first-contact']) < 1e-12);
  assert.ok(Math.abs(phishingScore([S.name!, S.first!]) - (1 - 0.3 * 0.85)) < 1e-12);
  assert.equal(signalWeight(S.contains!), 0.5, 'a "contains" look-alike weighs less');
});

test('combined with Bayes: never lower, untrained counts as no evidence, only strong signals alone reach Junk', () => {
  for (const b of [0, 0.1, 0.5, 0.9]) for (const p of [0, 0.3, 0.9]) assert.ok(combinedScore(b, p) >= Math.max(b, p) - 1e-12);
  assert.ok(Math.abs(combinedScore(null, 0.4) - 0.4) < 1e-12);
  assert.ok(Math.abs(combinedScore(0.2, 0) - 0.2) < 1e-12);
  assert.ok(combinedScore(null, phishingScore([S.local!])) >= JUNK, 'a look-alike of a local domain junks alone');
  assert.ok(combinedScore(null, phishingScore([S.brand!, S.first!])) < JUNK, 'a brand look-alike from a stranger does not, alone');
  assert.ok(combinedScore(0.05, phishingScore([S.name!, S.first!])) < JUNK, 'display-name trick on ham content: warn only');
  assert.ok(combinedScore(0.85, phishingScore([S.name!, S.first!])) >= JUNK, 'with unsure-to-spammy content it tips over');
});
