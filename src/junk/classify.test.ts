// Classifier maths against hand-computed values: Robinson's f(w) (SpamBayes' s = 0.45 and the default s = 1, x = 0.5), the χ²
// upper tail for even degrees of freedom, SpamBayes' chi-square combining, its bound on the
// number of independent clues, Robinson's geometric combining, and the log-odds sharpening.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chi2Q, classify, combine, combineGeometric, DEFAULT_CLASSIFIER, sharpen, tokenProbability, verdictFor } from './classify.ts';

const near = (actual: number, expected: number, eps = 1e-9) => assert.ok(Math.abs(actual - expected) < eps, `${actual} != ${expected}`);

/** [counts, totals, f(w)] computed by hand. */
const fw: Array<[{ ham: number; spam: number }, { ham: number; spam: number }, number]> = [
  [{ ham: 0, spam: 1 }, { ham: 1, spam: 1 }, 1.225 / 1.45], // p = 1, n = 1: (0.225 + 1) / 1.45
  [{ ham: 1, spam: 0 }, { ham: 1, spam: 1 }, 0.225 / 1.45], // p = 0
  [{ ham: 2, spam: 1 }, { ham: 4, spam: 2 }, 0.5], // equal ratios: p = 0.5
  [{ ham: 1, spam: 3 }, { ham: 10, spam: 5 }, (0.225 + 4 * (0.6 / 0.7)) / 4.45], // ratios 0.1 / 0.6
  [{ ham: 0, spam: 0 }, { ham: 10, spam: 5 }, 0.5], // never seen: x
  [{ ham: 0, spam: 3 }, { ham: 0, spam: 0 }, 0.5], // empty database: x
];
for (const [c, t, expected] of fw) test(`f(w) ${JSON.stringify(c)} of ${JSON.stringify(t)} (s = 0.45)`, () => near(tokenProbability(c, t, { s: 0.45, x: 0.5 }), expected));

test('f(w) with the defaults s = 1, x = 0.36: a token seen once in spam is 0.68, twice 0.787; never seen 0.36', () => {
  assert.equal(DEFAULT_CLASSIFIER.s, 1);
  assert.equal(DEFAULT_CLASSIFIER.x, 0.36);
  near(tokenProbability({ ham: 0, spam: 1 }, { ham: 1, spam: 1 }), (0.36 + 1) / 2);
  near(tokenProbability({ ham: 1, spam: 0 }, { ham: 1, spam: 1 }), 0.36 / 2);
  near(tokenProbability({ ham: 0, spam: 2 }, { ham: 5, spam: 5 }), (0.36 + 2) / 3);
  near(tokenProbability({ ham: 1, spam: 3 }, { ham: 10, spam: 5 }), (0.36 + 4 * (0.6 / 0.7)) / 5);
  near(tokenProbability({ ham: 0, spam: 0 }, { ham: 10, spam: 5 }), 0.36);
});

test('chi2Q: closed forms for v = 2 and v = 4', () => {
  near(chi2Q(3, 2), Math.exp(-1.5));
  near(chi2Q(4, 4), 3 * Math.exp(-2));
  near(chi2Q(0, 10), 1);
  assert.ok(chi2Q(5000, 300) < 1e-100 && chi2Q(5000, 300) >= 0); // no underflow to NaN
  assert.throws(() => chi2Q(1, 3), RangeError);
});

test('combine: one clue gives back its probability', () => {
  const r = combine([0.9]);
  near(r.spamEvidence, 0.9);
  near(r.hamEvidence, 0.1);
  near(r.score, 0.9);
});

test('combine: two clues, by hand', () => {
  // S = 1 − 0.08·(1 − ln 0.08), H = 1 − 0.18·(1 − ln 0.18), score = (S − H + 1) / 2
  const S = 1 - 0.08 * (1 - Math.log(0.08));
  const H = 1 - 0.18 * (1 - Math.log(0.18));
  near(combine([0.9, 0.2]).score, (S - H + 1) / 2);
  near((S - H + 1) / 2, 0.6033027, 1e-6);
});

test('combine: no clues is 0.5; symmetric in p ↔ 1 − p', () => {
  assert.equal(combine([]).score, 0.5);
  const probs = [0.99, 0.97, 0.3, 0.8, 0.12];
  near(combine(probs).score + combine(probs.map((p) => 1 - p)).score, 1);
});

test('verdict bands: ham < hamCutoff <= unsure < spamCutoff <= spam', () => {
  const o = { hamCutoff: 0.2, spamCutoff: 0.9 };
  assert.equal(verdictFor(0.1999, o), 'ham');
  assert.equal(verdictFor(0.2, o), 'unsure');
  assert.equal(verdictFor(0.8999, o), 'unsure');
  assert.equal(verdictFor(0.9, o), 'spam');
});

test('classify: weak tokens are not clues, strongest first, at most maxClues, duplicates once', () => {
  const totals = { ham: 10, spam: 10 };
  const counts = new Map([
    ['money', { ham: 0, spam: 9 }],
    ['meeting', { ham: 8, spam: 0 }],
    ['the', { ham: 10, spam: 10 }],
    ['winner', { ham: 0, spam: 2 }],
  ]);
  const r = classify(['the', 'money', 'money', 'winner', 'unknown'], counts, totals);
  // 'the' (f = 0.5) is no clue; the never-trained 'unknown' is a weak ham clue (f = x = 0.36).
  assert.deepEqual(r.clues.map((c) => c.token), ['money', 'winner', 'unknown']);
  near(r.clues[0]!.probability, (0.36 + 9) / 10); // s = 1
  near(r.clues[2]!.probability, 0.36);
  assert.equal(r.verdict, 'spam');
  assert.ok(r.score > 0.95);
  assert.equal(classify(['meeting', 'the'], counts, totals).verdict, 'ham');
  assert.deepEqual(classify(['winner', 'money'], counts, totals, { maxClues: 1 }).clues.map((c) => c.token), ['money']);
  for (const tokens of [['the'], ['the', 'unknown'], ['unknown', 'other']]) {
    const none = classify(tokens, counts, totals);
    assert.equal(none.score, 0.5, `${tokens}: no trained clue is no evidence`);
    assert.equal(none.verdict, 'unsure');
  }
  // With x = 0.5 (SpamBayes) a never-trained token is no clue at all.
  assert.deepEqual(classify(['money', 'unknown'], counts, totals, { x: 0.5 }).clues.map((c) => c.token), ['money']);
});

test('classify: never-trained tokens count as at most unknownClues clues (word salad cannot outvote known words)', () => {
  const totals = { ham: 50, spam: 50 };
  const counts = new Map<string, { ham: number; spam: number }>();
  for (let i = 0; i < 10; i++) counts.set(`offer${i}`, { ham: 0, spam: 30 });
  const known = Array.from({ length: 10 }, (_, i) => `offer${i}`);
  const salad = Array.from({ length: 1000 }, (_, i) => `xq${i}`);
  const plain = classify(known, counts, totals);
  const flooded = classify([...salad, ...known], counts, totals);
  assert.equal(flooded.clues.filter((c) => c.ham + c.spam === 0).length, DEFAULT_CLASSIFIER.unknownClues);
  assert.equal(plain.verdict, 'spam');
  assert.equal(flooded.verdict, 'spam', `1,000 invented words: ${flooded.score}`);
  // Without the bound the same flood would get it past the spam cutoff.
  assert.notEqual(classify([...salad, ...known], counts, totals, { unknownClues: Infinity }).verdict, 'spam');
  // And the bound is per message: 20 unknown tokens, then the next ones are skipped.
  assert.deepEqual(classify(salad.slice(0, 25), counts, totals).clues.map((c) => c.token).sort(), salad.slice(0, 20).sort());
});

test('combine with a bound on independent clues: n clues count as k tests of their mean evidence', () => {
  const probs = [0.99, 0.97, 0.3, 0.8, 0.12];
  near(combine(probs, 5).score, combine(probs).score, 1e-12); // n <= k: unchanged
  near(combine(probs, 50).score, combine(probs).score, 1e-12);
  // 40 clues of 0.9 bounded to 20 are exactly 20 clues of 0.9
  near(combine(Array(40).fill(0.9), 20).score, combine(Array(20).fill(0.9)).score, 1e-12);
  // unbounded, many weak-ish clues saturate; bounded, they do not
  const many = Array(300).fill(0.8);
  assert.ok(combine(many).score > 1 - 1e-12, 'unbounded: 300 clues of 0.8 are certainty');
  assert.ok(combine(many, 20).score < 0.999, 'bounded: strong, not certain');
  // the bound keeps the order of messages whose clues agree
  assert.ok(combine(Array(100).fill(0.95), 20).score > combine(Array(100).fill(0.9), 20).score);
});

test("combineGeometric: Robinson's P, Q, S by hand", () => {
  const P = 1 - Math.sqrt(0.1 * 0.8);
  const Q = 1 - Math.sqrt(0.9 * 0.2);
  const r = combineGeometric([0.9, 0.2]);
  near(r.spamEvidence, P);
  near(r.hamEvidence, Q);
  near(r.score, (1 + (P - Q) / (P + Q)) / 2);
  assert.equal(combineGeometric([]).score, 0.5);
  near(combineGeometric([0.7, 0.6, 0.1]).score + combineGeometric([0.3, 0.4, 0.9]).score, 1);
});

test('sharpen: scales the log-odds, keeps order, 0.5, 0 and 1', () => {
  for (const c of [1, 1.7, 3]) {
    assert.equal(sharpen(0.5, c), 0.5);
    assert.equal(sharpen(0, c), 0);
    assert.equal(sharpen(1, c), 1);
  }
  near(sharpen(0.8, 1), 0.8);
  near(sharpen(0.8, 2), 0.64 / (0.64 + 0.04)); // p^2 / (p^2 + (1-p)^2)
  assert.ok(sharpen(0.85, 1.7) > 0.949 && sharpen(0.85, 1.7) < 0.951, 'c = 1.7 (the second-round default) maps 0.85 to 0.95');
});

test('sharpen with a centre: the centre becomes 0.5, order kept, 0 and 1 stay; the defaults put the chosen cutoffs at 0.2 and 0.95', () => {
  near(sharpen(0.3, 4, 0.3), 0.5);
  near(sharpen(0.3, 1, 0.3), 0.5);
  near(sharpen(0.6, 1, 0.3), 0.6 / 0.4 / (0.6 / 0.4 + 0.3 / 0.7), 1e-12); // odds divided by the centre's odds
  assert.equal(sharpen(0, 4, 0.3), 0);
  assert.equal(sharpen(1, 4, 0.3), 1);
  const { sharpness: c, center: m } = DEFAULT_CLASSIFIER;
  // Chosen on cross-validation and the shift checks (docs/spam.md, fifth round): combined 0.38 -> 0.95, 0.13 -> about 0.2.
  assert.ok(sharpen(0.38, c, m) > 0.95 && sharpen(0.38, c, m) < 0.953, String(sharpen(0.38, c, m)));
  assert.ok(sharpen(0.375, c, m) < 0.95, String(sharpen(0.375, c, m)));
  assert.ok(sharpen(0.13, c, m) > 0.2 && sharpen(0.13, c, m) < 0.23, String(sharpen(0.13, c, m)));
  let last = 0;
  for (let p = 0.01; p < 1; p += 0.01) {
    const v = sharpen(p, c, m);
    assert.ok(v > last);
    last = v;
  }
});

test('classify: the defaults use the bounded chi-square and sharpen; options select the others', () => {
  const totals = { ham: 100, spam: 100 };
  const counts = new Map<string, { ham: number; spam: number }>();
  const tokens: string[] = [];
  for (let i = 0; i < 60; i++) {
    counts.set(`s${i}`, { ham: 20, spam: 80 });
    tokens.push(`s${i}`);
  }
  const raw = combine(Array(60).fill(tokenProbability({ ham: 20, spam: 80 }, totals)), DEFAULT_CLASSIFIER.effectiveClues).score;
  near(classify(tokens, counts, totals).score, sharpen(raw, DEFAULT_CLASSIFIER.sharpness, DEFAULT_CLASSIFIER.center), 1e-12);
  near(classify(tokens, counts, totals).raw, raw, 1e-12);
  near(classify(tokens, counts, totals, { sharpness: 1, center: 0.5 }).score, raw, 1e-12);
  near(classify(tokens, counts, totals, { effectiveClues: 0, sharpness: 1, center: 0.5 }).score, combine(Array(60).fill(tokenProbability({ ham: 20, spam: 80 }, totals))).score, 1e-12);
  near(classify(tokens, counts, totals, { combining: 'geometric', sharpness: 1, center: 0.5 }).score, combineGeometric(Array(60).fill(tokenProbability({ ham: 20, spam: 80 }, totals))).score, 1e-12);
});
