/**
 * Benchmark (not a test): the Bayesian filter on the DEV corpus (../shared/corpus,
 * spam-dev-split.txt). Two modes:
 *
 *   test (default)  train on the train split, evaluate once on the test split: false-positive
 *                   rate, false-negative rate, unsure rate, 1-ROCA, and messages/second (tokenize
 *                   with MIME decoding + classify through the JunkStore port, one core, messages
 *                   already in memory; median of --repeat timed passes after the scored one).
 *   --cv K          K-fold cross-validation INSIDE the train split (message i of the train list
 *                   is in fold i mod K); the test split is not read. Scores of all folds are
 *                   pooled. This is the mode to tune with, so the test split is not tuned on.
 *   --shift         a distribution-shift check, also INSIDE the train split: train on its messages
 *                   of the older collections (easy_ham_2, spam_2 and hard_ham: mostly May–Aug 2002,
 *                   spam_2 back to 2001), score its messages of the newer ones (easy_ham, spam:
 *                   mostly Aug–Oct 2002, other lists and other spam runs). Features that fit only
 *                   the mail they were trained on lose here (docs/spam.md, fifth round).
 *   --shift-back    the same the other way: train on the newer collections, score the older ones.
 *
 * Variants: `default` is the library's defaults (thick-threshold training, as `spam train`).
 * --ablation runs the rows of the fifth-round ablation in docs/spam.md (earlier rounds' defaults
 * with their own training and calibration, never-trained tokens as clues or not and their bound,
 * the thick-training settings, each token family or setting switched on or off, other combining
 * rules, Received on, headers off, the corpus's obfuscation strings dropped); --variants a,b picks named variants (--list shows them);
 * --variant 'name={"training":{...},"tokenize":{...},"classifier":{...}}' adds an ad-hoc one
 * (repeatable; the name must not contain "=", a --variants name no ","). The tokens of the latest
 * tokenizer configuration are kept for the variants that follow it; CV fold stores are shared
 * only by variants with the same tokenizer and training (and, for thick training, which scores
 * with the classifier, the same classifier options).
 *
 *   npx node bench/spam-eval.ts                      default, test split
 *   npx node bench/spam-eval.ts --ablation           the ablation table, test split (reads the
 *                                                    test split for every variant: never tune on it)
 *   npx node bench/spam-eval.ts --cv 10 --ablation   the same, 10-fold CV on the train split
 *   npx node bench/spam-eval.ts --shift --ablation   the same, older collections -> newer ones
 *   npx node bench/spam-eval.ts --json               machine-readable summary on stdout
 *   --cutoffs 0.5,0.6,...  the spam cutoffs of the FP/FN table; --repeat N  timed passes (5)
 *   --salad N              score every spam with N invented words before its own (word salad)
 *   --dump FILE            write every scored message (name, class, score) to FILE.<variant>.jsonl
 *
 * Besides the rates at the variant's cutoffs it prints FP/FN at a list of cutoffs and the
 * trade-off curve: how many spam fall below the cutoff that lets exactly k ham through.
 *
 * Sources: Graham "A Plan for Spam", Robinson "A Statistical Approach to the Spam Problem",
 * SpamBayes (its test harness reports the same rates and tunes by cross-validation); 1-ROCA as in
 * the TREC spam track and ../shared/bench/spam/anchor.py (ties count one half).
 *
 * Never writes into the corpus or sends any of its messages anywhere; reads only.
 */
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { DEFAULT_CLASSIFIER, verdictFor, type ClassifierOptions } from '../src/junk/classify.ts';
import { scoreIn, scoreTokens } from '../src/junk/filter.ts';
import { MemoryJunkStore } from '../src/junk/memory.ts';
import type { Label } from '../src/junk/ports.ts';
import { GLOBAL } from '../src/junk/ports.ts';
import { tokenize, type TokenizeOptions } from '../src/junk/tokenize.ts';
import { DEFAULT_THICK, messageKey, trainScope, trainThick } from '../src/junk/train.ts';

const corpus = new URL('../../shared/corpus/', import.meta.url);

interface Item {
  label: Label;
  name: string;
  raw: Buffer;
}

interface Variant {
  name: string;
  tokenize?: TokenizeOptions;
  classifier?: Partial<ClassifierOptions>;
  /** Drop every token that carries one of the corpus's obfuscation strings (see ARTEFACT). */
  dropArtefacts?: boolean;
  /**
   * Training regime: 'thick' (the default, as `mailwarden spam train`: train.ts trainThick, a
   * message is trained only when the statistics so far score it on the wrong side of a margin —
   * ham at or above `low`, spam below `high`, on the uncalibrated score — over `passes` passes,
   * every message while either class has fewer than `warmup`); 'all' trains every message.
   * `seed` changes the pseudo-random order of thick training (its variance, docs/spam.md).
   */
  training?: { mode: 'all' | 'thick'; low?: number; high?: number; passes?: number; seed?: string; warmup?: number };
}

/**
 * Strings the corpus maintainer substituted for real names, hosts and addresses
 * (../shared/corpus/README.md: spamassassin.taint.org, zzzz@, qqqqqqqqqq-, and the collector's
 * own jmason.org / yyyy@). A token containing one says how the corpus was gathered and
 * anonymised; the "without corpus artefacts" variant drops them to show the filter does not
 * need them.
 */
const ARTEFACT = /taint\.org|taint$|zzzz|qqqqqqqqqq|jmason|yyyy@/;

/** The token families the third round added (docs/spam.md), all off: the second round's tokenizer. */
const THIRD_ROUND_OFF = { urlShapes: false, numberShapes: false, subjectPairs: false };

/** The third round's classifier (every message trained; s, sharpening and no centre of then). */
const THIRD_ROUND_CLASSIFIER = { s: 0.45, x: 0.5, sharpness: 1.85, center: 0.5 };
const ALL: Variant['training'] = { mode: 'all' };

/** The fourth round's classifier and training (x = 0.5: never-trained tokens are no clue; spam margin 0.92). */
const FOURTH_ROUND: Omit<Variant, 'name'> = { training: { mode: 'thick', high: 0.92 }, classifier: { x: 0.5, sharpness: 4, center: 0.3 } };

/** Named variants: each switches one thing away from the defaults. */
const VARIANTS: Variant[] = [
  { name: 'default' },
  { name: 'fourth-round defaults', ...FOURTH_ROUND },
  { name: 'x = 0.5 (never-trained tokens no clue)', classifier: { x: 0.5 } },
  { name: 'never-trained clues unbounded', classifier: { unknownClues: Infinity } },
  { name: 'never-trained clues at most 10', classifier: { unknownClues: 10 } },
  { name: 'never-trained clues at most 40', classifier: { unknownClues: 40 } },
  { name: 'x = 0.3', classifier: { x: 0.3 } },
  { name: 'thick, spam margin 0.92', training: { mode: 'thick', high: 0.92 } },
  { name: 'thick, spam margin 0.5', training: { mode: 'thick', high: 0.5 } },
  { name: 'thick, ham margin 0.05', training: { mode: 'thick', low: 0.05 } },
  { name: 'third-round defaults (train every message)', training: ALL, classifier: THIRD_ROUND_CLASSIFIER },
  { name: 'train every message', training: ALL },
  { name: 'thick, s = 0.45', classifier: { s: 0.45 } },
  { name: 'thick, one pass', training: { mode: 'thick', passes: 1 } },
  { name: 'second-round defaults', training: ALL, tokenize: { features: THIRD_ROUND_OFF }, classifier: { ...THIRD_ROUND_CLASSIFIER, sharpness: 1.7 } },
  { name: 'no URL shapes', tokenize: { features: { urlShapes: false } } },
  { name: 'no number shapes', tokenize: { features: { numberShapes: false } } },
  { name: 'no Subject word pairs', tokenize: { features: { subjectPairs: false } } },
  { name: 'with case tokens', tokenize: { features: { caseTokens: true } } },
  { name: 'with Content-Type combinations', tokenize: { features: { contentCombo: true } } },
  { name: 'with degeneration', classifier: { degenerate: true } },
  { name: 'body word pairs (first 50)', tokenize: { features: { bigrams: true }, limits: { maxBigrams: 50 } } },
  { name: 'minimum strength 0.2', classifier: { minStrength: 0.2 } },
  { name: 'at most 150 clues', classifier: { maxClues: 150 } },
  { name: 'effective clues 30', classifier: { effectiveClues: 30 } },
  {
    name: 'first-round defaults',
    training: ALL,
    tokenize: { features: { htmlTags: 'all', mimeParams: false, messageIdShape: false, dateShape: false, ...THIRD_ROUND_OFF } },
    classifier: { combining: 'chi2', effectiveClues: 0, sharpness: 1, center: 0.5, s: 0.45, x: 0.5, minStrength: 0.1, maxClues: 150 },
  },
  { name: 'SpamBayes chi-square (unbounded)', training: ALL, classifier: { effectiveClues: 0, sharpness: 1, center: 0.5, s: 0.45, x: 0.5, maxClues: 150 } },
  { name: 'Robinson geometric combining', training: ALL, classifier: { combining: 'geometric', s: 0.45, x: 0.5, sharpness: 1, center: 0.5, minStrength: 0.3, maxClues: 300, hamCutoff: 0.45, spamCutoff: 0.57 } },
  { name: 'with word bigrams', tokenize: { features: { bigrams: true } } },
  { name: 'all HTML tags as tokens', tokenize: { features: { htmlTags: 'all' } } },
  { name: 'no HTML tag tokens', tokenize: { features: { htmlTags: 'none' } } },
  { name: 'HTML alternative: tags only', tokenize: { features: { alternativeHtmlText: false } } },
  { name: 'no MIME parameter tokens', tokenize: { features: { mimeParams: false } } },
  { name: 'no Message-ID shape', tokenize: { features: { messageIdShape: false } } },
  { name: 'no Date shape', tokenize: { features: { dateShape: false } } },
  { name: 'with thread/list fields', tokenize: { features: { threadHeaders: true } } },
  { name: 'with Received tokens', tokenize: { received: true } },
  { name: 'headers off (body only)', tokenize: { headers: false } },
  { name: 'without corpus artefacts', dropArtefacts: true },
];
const ABLATION = VARIANTS.map((v) => v.name);

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
  process.stderr.write(`\r${what.slice(0, 40).padEnd(40)} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total}`);
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

/** Cutoffs at which the cutoff table counts false positives and false negatives. */
let CUTOFFS = [0.5, 0.55, 0.6, 0.65, 0.7, 0.8, 0.9];

interface Result {
  variant: string;
  mode: string;
  tokens: number;
  /** Messages trained (of fold 0 in CV). */
  trained?: { ham: number; spam: number };
  messagesPerSecond: number | null;
  /** The same per second of CPU time of this process. */
  messagesPerCpuSecond?: number | null;
  oneMinusRocaPct: number;
  cutoffs: { ham: number; spam: number };
  atDefaults: Record<string, number>;
  atHalf: { fpRatePct: number; fnRatePct: number };
  /** For each cutoff c: ham with score >= c, spam with score < c. */
  cutoffTable: Array<{ cutoff: number; fp: number; fn: number }>;
  /** The trade-off curve: with the cutoff just above the (fp+1)-th highest ham score, how many spam fall below it. */
  tradeoff: Array<{ fp: number; fn: number; cutoff: number }>;
  worstHam: Array<{ name: string; score: number }>;
  worstSpam: Array<{ name: string; score: number }>;
}

/**
 * --salad N: every spam is scored with N invented words added (never trained: "word salad" or
 * hash busters, which spammers add to dilute a Bayesian filter's evidence). Training is unchanged.
 */
let SALAD = 0;
/** --dump FILE: every scored message's name, class and score as JSON Lines (per variant: FILE.<variant>.jsonl), for error analysis. */
let DUMP: string | null = null;
function scored(it: Item, tokens: string[]): string[] {
  if (SALAD === 0 || it.label !== 'spam') return tokens;
  const h = createHash('sha256').update(it.name).digest('hex');
  // Placed first, as a spammer would (before the message's own words; the classifier takes tokens in order).
  return [...Array.from({ length: SALAD }, (_, i) => `zq${h.slice(0, 6)}x${i.toString(36)}`), ...tokens];
}

const tokenCache = new Map<string, Map<Item, string[]>>();

/** Tokens of every item under one tokenizer configuration (computed once). */
function tokensOf(items: readonly Item[], v: Variant, what: string): Map<Item, string[]> {
  const opts = v.tokenize ?? {};
  const key = JSON.stringify([opts, v.dropArtefacts === true]);
  let cache = tokenCache.get(key);
  if (cache === undefined) {
    // One tokenizer configuration at a time: the full ablation would not fit in the heap otherwise.
    tokenCache.clear();
    tokenCache.set(key, (cache = new Map()));
  }
  let i = 0;
  for (const it of items) {
    if (!cache.has(it)) {
      const tokens = tokenize(it.raw, opts);
      cache.set(it, v.dropArtefacts === true ? tokens.filter((t) => !ARTEFACT.test(t)) : tokens);
    }
    progress(what, ++i, items.length);
  }
  return cache;
}

async function trained(items: readonly Item[], tokens: Map<Item, string[]>, v: Variant = { name: '' }): Promise<MemoryJunkStore> {
  const store = new MemoryJunkStore();
  const t = v.training ?? { mode: 'thick' };
  if (t.mode === 'all') {
    for (const it of items) await trainScope(store, GLOBAL, { key: messageKey(it.raw), tokens: tokens.get(it)! }, it.label, { now: 0 });
    return store;
  }
  await trainThick(store, GLOBAL, items.map((it) => ({ key: messageKey(it.raw), label: it.label, tokens: () => tokens.get(it)! })), {
    hamMargin: t.low ?? DEFAULT_THICK.hamMargin,
    spamMargin: t.high ?? DEFAULT_THICK.spamMargin,
    passes: t.passes ?? DEFAULT_THICK.passes,
    warmup: t.warmup ?? DEFAULT_THICK.warmup,
    score: async (toks) => (await scoreIn(store, GLOBAL, toks, v.classifier)).raw,
    // Another pseudo-random interleaving per seed (the variance of the order, docs/spam.md).
    orderKey: t.seed ? (m) => createHash('sha256').update(t.seed + m.key).digest('hex') : undefined,
  });
  return store;
}

/** FN when the cutoff lets exactly k ham through (k = 0..5): the cutoff is just above ham score k+1. */
function tradeoff(hamScores: number[], spamScores: number[]): Result['tradeoff'] {
  const ham = [...hamScores].sort((a, b) => b - a);
  const out: Result['tradeoff'] = [];
  for (let k = 0; k <= 5 && k < ham.length; k++) {
    const cutoff = Math.min(1, ham[k]! + 1e-12);
    out.push({ fp: hamScores.filter((s) => s >= cutoff).length, fn: spamScores.filter((s) => s < cutoff).length, cutoff });
  }
  return out;
}

function summarise(v: Variant, mode: string, items: readonly Item[], scores: number[], storeTokens: number, messagesPerSecond: number | null): Result {
  const o = { ...DEFAULT_CLASSIFIER, ...v.classifier };
  const ham = items.filter((t) => t.label === 'ham').length;
  const spam = items.length - ham;
  let fp = 0, fn = 0, unsureHam = 0, unsureSpam = 0, fpHalf = 0, fnHalf = 0;
  items.forEach((t, i) => {
    const verdict = verdictFor(scores[i]!, o);
    if (t.label === 'ham') {
      if (verdict === 'spam') fp++;
      if (verdict === 'unsure') unsureHam++;
      if (scores[i]! > 0.5) fpHalf++;
    } else {
      if (verdict !== 'spam') fn++;
      if (verdict === 'unsure') unsureSpam++;
      if (scores[i]! <= 0.5) fnHalf++;
    }
  });
  const pct = (a: number, b: number) => (100 * a) / b;
  const scored = items.map((t, i) => ({ name: t.name, score: scores[i]!, label: t.label }));
  if (DUMP !== null) writeFileSync(`${DUMP}.${v.name.replace(/[^a-z0-9.-]+/gi, '_')}.jsonl`, scored.map((x) => JSON.stringify(x)).join('\n') + '\n');
  const hamScores = scored.filter((t) => t.label === 'ham').map((t) => t.score);
  const spamScores = scored.filter((t) => t.label === 'spam').map((t) => t.score);
  return {
    variant: v.name,
    mode,
    tokens: storeTokens,
    messagesPerSecond,
    oneMinusRocaPct: oneMinusRoca(spamScores, hamScores),
    cutoffs: { ham: o.hamCutoff, spam: o.spamCutoff },
    atDefaults: {
      ham, spam, fp, fn, unsureHam, unsureSpam,
      fpRatePct: pct(fp, ham),
      fnRatePct: pct(fn, spam),
      unsureRatePct: pct(unsureHam + unsureSpam, items.length),
      spamAsUnsurePct: pct(unsureSpam, spam),
    },
    atHalf: { fpRatePct: pct(fpHalf, ham), fnRatePct: pct(fnHalf, spam) },
    cutoffTable: CUTOFFS.map((c) => ({ cutoff: c, fp: hamScores.filter((s) => s >= c).length, fn: spamScores.filter((s) => s < c).length })),
    tradeoff: tradeoff(hamScores, spamScores),
    worstHam: scored.filter((t) => t.label === 'ham').sort((a, b) => b.score - a.score).slice(0, 3).map(({ name, score }) => ({ name, score })),
    worstSpam: scored.filter((t) => t.label === 'spam').sort((a, b) => a.score - b.score).slice(0, 3).map(({ name, score }) => ({ name, score })),
  };
}

/** Train on train, score the test split once, then time `repeat` passes of tokenize + classify. */
async function runTest(v: Variant, data: { train: Item[]; test: Item[] }, repeat: number): Promise<Result> {
  const opts = v.tokenize ?? {};
  const store = await trained(data.train, tokensOf(data.train, v, `tokenize train (${v.name})`), v);
  const tokens = tokensOf(data.test, v, `tokenize test (${v.name})`);
  const scores: number[] = [];
  for (const it of data.test) scores.push((await scoreTokens(store, null, scored(it, tokens.get(it)!), { classifier: v.classifier })).score);
  // Throughput: everything a message costs after it is in memory (MIME walk, decoding, HTML,
  // tokens, counts through the port, classification), median of `repeat` passes. Reported per
  // second of wall time and per second of this process's CPU time (user + system, all threads:
  // the figure the shared machine disturbs least).
  const rates: number[] = [];
  const cpuRates: number[] = [];
  for (let r = 0; r < repeat; r++) {
    const t = performance.now();
    const c = process.cpuUsage();
    for (const it of data.test) await scoreTokens(store, null, tokenize(it.raw, opts), { classifier: v.classifier });
    const cpu = process.cpuUsage(c);
    rates.push(data.test.length / ((performance.now() - t) / 1000));
    cpuRates.push(data.test.length / ((cpu.user + cpu.system) / 1e6));
    progress(`throughput (${v.name})`, r + 1, repeat);
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const r = summarise(v, 'test split', data.test, scores, store.tokenCount(GLOBAL), repeat > 0 ? median(rates) : null);
  return { ...r, trained: await store.getTotals(GLOBAL), messagesPerCpuSecond: repeat > 0 ? median(cpuRates) : null };
}

/** The older collections of the corpus (by set name: see --shift). */
const OLDER = /^(ham\/easy_ham_2|ham\/hard_ham|spam\/spam_2)\./;

/** Train on the train split's older collections, score its newer ones (the test split is not read). */
async function runShift(v: Variant, train: Item[], back: boolean): Promise<Result> {
  let older = train.filter((it) => OLDER.test(it.name));
  let newer = train.filter((it) => !OLDER.test(it.name));
  if (back) [older, newer] = [newer, older];
  const tokens = tokensOf(train, v, `tokenize train (${v.name})`);
  const store = await trained(older, tokens, v);
  const scores: number[] = [];
  for (const it of newer) scores.push((await scoreTokens(store, null, scored(it, tokens.get(it)!), { classifier: v.classifier })).score);
  return { ...summarise(v, back ? 'shift back: newer collections -> older (train split)' : 'shift: older collections -> newer (train split)', newer, scores, store.tokenCount(GLOBAL), null), trained: await store.getTotals(GLOBAL) };
}

const foldStores = new Map<string, MemoryJunkStore[]>();

/** K-fold cross-validation inside the train split; pooled scores. */
async function runCv(v: Variant, train: Item[], k: number): Promise<Result> {
  const tokens = tokensOf(train, v, `tokenize train (${v.name})`);
  const key = JSON.stringify([v.tokenize ?? {}, v.dropArtefacts === true, v.training ?? null, v.training?.mode === 'all' ? null : (v.classifier ?? null)]); // thick training scores with the classifier
  let stores = foldStores.get(key);
  if (stores === undefined) {
    foldStores.clear(); // one configuration's fold stores at a time (memory)
    stores = [];
    for (let f = 0; f < k; f++) {
      stores.push(await trained(train.filter((_, i) => i % k !== f), tokens, v));
      progress(`train folds (${v.name})`, f + 1, k);
    }
    foldStores.set(key, stores);
  }
  const scores = new Array<number>(train.length);
  for (let i = 0; i < train.length; i++) scores[i] = (await scoreTokens(stores[i % k]!, null, scored(train[i]!, tokens.get(train[i]!)!), { classifier: v.classifier })).score;
  return { ...summarise(v, `${k}-fold CV on the train split`, train, scores, stores[0]!.tokenCount(GLOBAL), null), trained: await stores[0]!.getTotals(GLOBAL) };
}

function print(r: Result): void {
  const d = r.atDefaults;
  const f = (x: number | undefined, n = 2) => (x ?? 0).toFixed(n);
  console.log(`== ${r.variant}  (${r.mode})`);
  console.log(`  distinct tokens trained   ${r.tokens}${r.trained ? `  (messages trained: ${r.trained.ham} ham, ${r.trained.spam} spam)` : ''}`);
  console.log(`  at cutoffs (ham < ${r.cutoffs.ham} <= unsure < ${r.cutoffs.spam} <= spam), ${d.ham} ham / ${d.spam} spam:`);
  console.log(`    false-positive rate     ${f(d.fpRatePct)}%  (${d.fp} ham called spam)`);
  console.log(`    false-negative rate     ${f(d.fnRatePct)}%  (${d.fn} spam not called spam, ${d.unsureSpam} of them unsure)`);
  console.log(`    unsure rate             ${f(d.unsureRatePct)}%  (${d.unsureHam} ham, ${d.unsureSpam} spam)`);
  console.log(`  at p > 0.5                FPR ${f(r.atHalf.fpRatePct)}%  FNR ${f(r.atHalf.fnRatePct)}%`);
  console.log(`  1-ROCA                    ${f(r.oneMinusRocaPct, 4)}%`);
  console.log(`  FP / FN by spam cutoff    ${r.cutoffTable.map((c) => `${c.cutoff}: ${c.fp}/${c.fn}`).join('  ')}`);
  console.log(`  FN with k FP allowed      ${r.tradeoff.map((t) => `${t.fp}: ${t.fn} (>${t.cutoff.toFixed(4)})`).join('  ')}`);
  if (r.messagesPerSecond !== null) console.log(`  messages/second           ${f(r.messagesPerSecond, 0)} wall, ${f(r.messagesPerCpuSecond ?? 0, 0)} per CPU second  (tokenize + classify, median of the timed passes)`);
  console.log(`  highest-scoring ham       ${r.worstHam.map((w) => `${w.name} ${w.score.toFixed(3)}`).join(', ')}`);
  console.log(`  lowest-scoring spam       ${r.worstSpam.map((w) => `${w.name} ${w.score.toFixed(3)}`).join(', ')}`);
}

function parseArgs(argv: string[]) {
  const a = { cv: 0, shift: false, back: false, repeat: 5, json: false, list: false, names: ['default'], extra: [] as Variant[] };
  for (let i = 0; i < argv.length; i++) {
    const x = argv[i]!;
    if (x === '--cv') a.cv = Number(argv[++i]);
    else if (x === '--shift') a.shift = true;
    else if (x === '--salad') SALAD = Number(argv[++i]);
    else if (x === '--shift-back') a.shift = a.back = true;
    else if (x === '--repeat') a.repeat = Number(argv[++i]);
    else if (x === '--json') a.json = true;
    else if (x === '--dump') DUMP = argv[++i]!;
    else if (x === '--cutoffs') CUTOFFS = argv[++i]!.split(',').map(Number);
    else if (x === '--list') a.list = true;
    else if (x === '--ablation') a.names = ABLATION;
    else if (x === '--variants') a.names = argv[++i]!.split(',');
    else if (x === '--variant') {
      const spec = argv[++i]!;
      const eq = spec.indexOf('=');
      a.extra.push({ name: spec.slice(0, eq), ...(JSON.parse(spec.slice(eq + 1)) as Omit<Variant, 'name'>) });
    } else throw new Error(`unknown argument ${x} (see the comment at the top of bench/spam-eval.ts)`);
  }
  if (a.extra.length > 0 && !argv.includes('--variants') && !argv.includes('--ablation')) a.names = [];
  return a;
}

const args = parseArgs(process.argv.slice(2));
if (args.list) {
  for (const v of VARIANTS) console.log(`${v.name.padEnd(32)} ${JSON.stringify({ training: v.training, tokenize: v.tokenize, classifier: v.classifier })}`);
  process.exit(0);
}
const chosen = [...args.names.map((n) => VARIANTS.find((v) => v.name === n) ?? (() => { throw new Error(`no variant "${n}" (--list)`); })()), ...args.extra];
const data = load();
const results: Result[] = [];
for (const v of chosen) {
  const r = args.shift ? await runShift(v, data.train, args.back) : args.cv > 1 ? await runCv(v, data.train, args.cv) : await runTest(v, data, args.repeat);
  results.push(r);
  if (!args.json) print(r);
}
if (args.json) console.log(JSON.stringify(results, null, 2));
