/**
 * Benchmark (not a test): train the Bayesian filter on the train split of the DEV corpus and
 * evaluate it on the test split (../shared/corpus, spam-dev-split.txt), printing false-positive
 * rate, false-negative rate, unsure rate, 1-ROCA and messages/second (tokenize with MIME
 * decoding + classify through the JunkStore port, one core, files already in memory).
 *
 * Sources: Graham "A Plan for Spam", Robinson "A Statistical Approach to the Spam Problem",
 * SpamBayes (its test harness reports the same rates); 1-ROCA as in the TREC spam track and
 * ../shared/bench/spam/anchor.py (ties count one half).
 *
 *   npx node bench/spam-eval.ts              default tokenizer options
 *   npx node bench/spam-eval.ts --ablation   also: with Received tokens, and headers off
 *   npx node bench/spam-eval.ts --json       machine-readable summary on stdout
 *
 * Never writes into the corpus or sends any of its messages anywhere; reads only.
 */
import { readFileSync } from 'node:fs';
import { DEFAULT_CLASSIFIER, verdictFor } from '../src/junk/classify.ts';
import { scoreTokens } from '../src/junk/filter.ts';
import { MemoryJunkStore } from '../src/junk/memory.ts';
import type { Label } from '../src/junk/ports.ts';
import { GLOBAL } from '../src/junk/ports.ts';
import { tokenize, type TokenizeOptions } from '../src/junk/tokenize.ts';
import { messageKey, trainScope } from '../src/junk/train.ts';

const corpus = new URL('../../shared/corpus/', import.meta.url);

interface Item {
  label: Label;
  name: string;
  raw: Buffer;
}

function load(): { train: Item[]; test: Item[] } {
  const train: Item[] = [];
  const test: Item[] = [];
  const lines = readFileSync(new URL('spam-dev-split.txt', corpus), 'ascii').split('\n').filter((l) => l.trim() !== '');
  lines.forEach((line, i) => {
    const [part, rel] = line.trim().split(/\s+/) as [string, string];
    const label = rel.startsWith('spam/') ? 'spam' : 'ham';
    (part === 'test' ? test : train).push({ label, name: rel, raw: readFileSync(new URL(`spam-dev/${rel}`, corpus)) });
    progress('load', i + 1, lines.length);
  });
  return { train, test };
}

let lastProgress = 0;
function progress(what: string, done: number, total: number): void {
  const now = Date.now();
  if (done !== total && now - lastProgress < 200) return;
  lastProgress = now;
  const width = 30;
  const filled = Math.round((done / total) * width);
  process.stderr.write(`\r${what.padEnd(24)} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total}`);
  if (done === total) process.stderr.write('\n');
}

/** 1 − AUC in percent; ties count one half (anchor.py one_minus_roca). */
export function oneMinusRoca(spamScores: number[], hamScores: number[]): number {
  const ham = [...hamScores].sort((a, b) => a - b);
  const lower = (x: number, strict: boolean): number => {
    let lo = 0;
    let hi = ham.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (strict ? ham[mid]! < x : ham[mid]! <= x) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  let wins = 0;
  for (const s of spamScores) {
    const below = lower(s, true);
    const upTo = lower(s, false);
    wins += below + 0.5 * (upTo - below);
  }
  return 100 * (1 - wins / (spamScores.length * ham.length));
}

interface Result {
  variant: string;
  tokens: number;
  trainSeconds: number;
  classifySeconds: number;
  messagesPerSecond: number;
  oneMinusRocaPct: number;
  atDefaults: Record<string, number>;
  atHalf: { fpRatePct: number; fnRatePct: number };
  worstHam: Array<{ name: string; score: number }>;
}

async function run(variant: string, opts: TokenizeOptions, data: { train: Item[]; test: Item[] }): Promise<Result> {
  const store = new MemoryJunkStore();
  const t0 = performance.now();
  for (let i = 0; i < data.train.length; i++) {
    const it = data.train[i]!;
    await trainScope(store, GLOBAL, { key: messageKey(it.raw), tokens: tokenize(it.raw, opts) }, it.label, { now: 0 });
    progress(`train (${variant})`, i + 1, data.train.length);
  }
  const trainSeconds = (performance.now() - t0) / 1000;

  const scores: number[] = [];
  const t1 = performance.now();
  for (let i = 0; i < data.test.length; i++) {
    const r = await scoreTokens(store, null, tokenize(data.test[i]!.raw, opts));
    scores.push(r.score);
    progress(`classify (${variant})`, i + 1, data.test.length);
  }
  const classifySeconds = (performance.now() - t1) / 1000;

  const ham = data.test.filter((t) => t.label === 'ham').length;
  const spam = data.test.length - ham;
  let fp = 0, fn = 0, unsureHam = 0, unsureSpam = 0, fpHalf = 0, fnHalf = 0;
  data.test.forEach((t, i) => {
    const v = verdictFor(scores[i]!, DEFAULT_CLASSIFIER);
    if (t.label === 'ham') {
      if (v === 'spam') fp++;
      if (v === 'unsure') unsureHam++;
      if (scores[i]! > 0.5) fpHalf++;
    } else {
      if (v !== 'spam') fn++;
      if (v === 'unsure') unsureSpam++;
      if (scores[i]! <= 0.5) fnHalf++;
    }
  });
  const pct = (a: number, b: number) => (100 * a) / b;
  const worstHam = data.test
    .map((t, i) => ({ name: t.name, score: scores[i]!, label: t.label }))
    .filter((t) => t.label === 'ham')
    .sort((a, b) => b.score - a.score)
    .slice(0, 3)
    .map(({ name, score }) => ({ name, score }));
  return {
    variant,
    tokens: store.tokenCount(GLOBAL),
    trainSeconds,
    classifySeconds,
    messagesPerSecond: data.test.length / classifySeconds,
    oneMinusRocaPct: oneMinusRoca(scores.filter((_, i) => data.test[i]!.label === 'spam'), scores.filter((_, i) => data.test[i]!.label === 'ham')),
    atDefaults: {
      ham, spam, fp, fn, unsureHam, unsureSpam,
      fpRatePct: pct(fp, ham),
      fnRatePct: pct(fn, spam),
      unsureRatePct: pct(unsureHam + unsureSpam, data.test.length),
      spamAsUnsurePct: pct(unsureSpam, spam),
    },
    atHalf: { fpRatePct: pct(fpHalf, ham), fnRatePct: pct(fnHalf, spam) },
    worstHam,
  };
}

function print(r: Result): void {
  const d = r.atDefaults;
  const f = (x: number | undefined, n = 2) => (x ?? 0).toFixed(n);
  console.log(`== ${r.variant}`);
  console.log(`  distinct tokens trained   ${r.tokens}  (training ${f(r.trainSeconds)} s)`);
  console.log(`  at defaults (ham < ${DEFAULT_CLASSIFIER.hamCutoff} <= unsure < ${DEFAULT_CLASSIFIER.spamCutoff} <= spam), ${d.ham} ham / ${d.spam} spam:`);
  console.log(`    false-positive rate     ${f(d.fpRatePct)}%  (${d.fp} ham called spam)`);
  console.log(`    false-negative rate     ${f(d.fnRatePct)}%  (${d.fn} spam not called spam, ${d.unsureSpam} of them unsure)`);
  console.log(`    unsure rate             ${f(d.unsureRatePct)}%  (${d.unsureHam} ham, ${d.unsureSpam} spam)`);
  console.log(`  at p > 0.5                FPR ${f(r.atHalf.fpRatePct)}%  FNR ${f(r.atHalf.fnRatePct)}%`);
  console.log(`  1-ROCA                    ${f(r.oneMinusRocaPct, 4)}%`);
  console.log(`  messages/second           ${f(r.messagesPerSecond, 0)}  (tokenize + classify, ${f(r.classifySeconds)} s for ${d.ham! + d.spam!})`);
  console.log(`  highest-scoring ham       ${r.worstHam.map((w) => `${w.name} ${w.score.toFixed(3)}`).join(', ')}`);
}

const args = new Set(process.argv.slice(2));
const data = load();
const variants: Array<[string, TokenizeOptions]> = [['default', {}]];
if (args.has('--ablation')) variants.push(['with Received tokens', { received: true }], ['headers off (body only)', { headers: false }]);
const results: Result[] = [];
for (const [name, opts] of variants) results.push(await run(name, opts, data));
if (args.has('--json')) console.log(JSON.stringify(results, null, 2));
else for (const r of results) print(r);
