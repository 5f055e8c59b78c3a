/**
 * Sequence sets: RFC 9051 §9 (sequence-set, seq-range, seq-number) and RFC 5182 (SEARCHRES "$").
 *
 *   sequence-set = (seq-number / seq-range) ["," sequence-set]
 *   seq-range    = seq-number ":" seq-number    ; either order: 4:2 is 2:4 (RFC 9051 §9 note)
 *   seq-number   = nz-number / "*"              ; "*" = largest number in use
 *   sequence-set =/ "$"                         ; RFC 5182 §2.1: the saved search result
 *
 * Pure helpers: parse, format, resolve "*" against the mailbox's largest number, and work on
 * merged intervals so "1:4294967295" never turns into four billion numbers.
 */

/** A number as written: a positive integer or "*" (the largest number in use). */
export type SeqNumber = number | '*';

/** One comma-separated element: a single number has from === to. Order is as written. */
export interface SeqRange {
  from: SeqNumber;
  to: SeqNumber;
}

/** A parsed sequence set: an explicit list of ranges, or "$" (RFC 5182 saved result). */
export type SequenceSet = { kind: 'set'; ranges: SeqRange[] } | { kind: 'saved' };

/** A closed interval [lo, hi] with lo <= hi, after "*" has been resolved. */
export type Interval = readonly [number, number];

/** RFC 9051 §9: nz-number = digit-nz *DIGIT ; unsigned 32-bit integer (0 < n < 4,294,967,296). */
export const MAX_SEQ_NUMBER = 4294967295;

/** Upper bound on comma-separated elements accepted from a client (a guard, not an RFC limit). */
export const MAX_SEQ_RANGES = 100_000;

function parseSeqNumber(s: string): SeqNumber | null {
  if (s === '*') return '*';
  // RFC 9051 §9: nz-number = digit-nz *DIGIT — no leading zero, no zero.
  if (!/^[1-9][0-9]{0,9}$/.test(s)) return null;
  const n = Number(s);
  return n <= MAX_SEQ_NUMBER ? n : null;
}

/** Parse a sequence set; null when malformed. `$` is accepted only on its own (RFC 5182 §2.1). */
export function parseSequenceSet(text: string): SequenceSet | null {
  if (text === '$') return { kind: 'saved' };
  if (text.length === 0) return null;
  const ranges: SeqRange[] = [];
  for (const element of text.split(',')) {
    if (ranges.length >= MAX_SEQ_RANGES) return null;
    const colon = element.indexOf(':');
    if (colon < 0) {
      const n = parseSeqNumber(element);
      if (n === null) return null;
      ranges.push({ from: n, to: n });
    } else {
      const from = parseSeqNumber(element.slice(0, colon));
      const to = parseSeqNumber(element.slice(colon + 1));
      if (from === null || to === null) return null;
      ranges.push({ from, to });
    }
  }
  return { kind: 'set', ranges };
}

/** Format as written (no normalisation): `1:3,5,7:*` or `$`. */
export function formatSequenceSet(set: SequenceSet): string {
  if (set.kind === 'saved') return '$';
  return set.ranges.map((r) => (r.from === r.to ? String(r.from) : `${r.from}:${r.to}`)).join(',');
}

/** True when the set mentions "*" anywhere. */
export function usesStar(set: SequenceSet): boolean {
  return set.kind === 'set' && set.ranges.some((r) => r.from === '*' || r.to === '*');
}

/** Largest explicit number in the set (ignoring "*"), 0 when none; for "is this beyond EXISTS?". */
export function maxExplicitNumber(set: SequenceSet): number {
  if (set.kind === 'saved') return 0;
  let max = 0;
  for (const r of set.ranges) {
    if (r.from !== '*' && r.from > max) max = r.from;
    if (r.to !== '*' && r.to > max) max = r.to;
  }
  return max;
}

/**
 * Resolve "*" to `star` (the largest sequence number / UID in use) and return sorted, merged,
 * non-overlapping intervals. RFC 9051 §9: "*" in an empty mailbox has no value, so with
 * star = 0 ranges touching "*" become [1, n] clipped at the explicit end, or vanish when both ends
 * are "*". The "saved" set cannot be resolved here: the session substitutes its saved result.
 */
export function resolveSequenceSet(set: { kind: 'set'; ranges: SeqRange[] }, star: number): Interval[] {
  const raw: Array<[number, number]> = [];
  for (const r of set.ranges) {
    const a = r.from === '*' ? star : r.from;
    const b = r.to === '*' ? star : r.to;
    const lo = Math.max(1, Math.min(a, b));
    const hi = Math.max(a, b);
    if (hi >= lo) raw.push([lo, hi]);
  }
  return mergeIntervals(raw);
}

/** Sort and merge overlapping or adjacent intervals. */
export function mergeIntervals(input: Array<readonly [number, number]>): Interval[] {
  const sorted = [...input].sort((x, y) => x[0] - y[0] || x[1] - y[1]);
  const out: Array<[number, number]> = [];
  for (const [lo, hi] of sorted) {
    const last = out[out.length - 1];
    if (last !== undefined && lo <= last[1] + 1) {
      if (hi > last[1]) last[1] = hi;
    } else {
      out.push([lo, hi]);
    }
  }
  return out;
}

/** Clip merged intervals to [lo, hi] (e.g. 1..EXISTS). */
export function clipIntervals(intervals: readonly Interval[], lo: number, hi: number): Interval[] {
  const out: Interval[] = [];
  for (const [a, b] of intervals) {
    const x = Math.max(a, lo);
    const y = Math.min(b, hi);
    if (x <= y) out.push([x, y]);
  }
  return out;
}

/** Membership test by binary search over merged intervals. */
export function intervalsContain(intervals: readonly Interval[], n: number): boolean {
  let lo = 0;
  let hi = intervals.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const iv = intervals[mid]!;
    if (n < iv[0]) hi = mid - 1;
    else if (n > iv[1]) lo = mid + 1;
    else return true;
  }
  return false;
}

/** Number of integers covered by merged intervals. */
export function countIntervals(intervals: readonly Interval[]): number {
  let n = 0;
  for (const [a, b] of intervals) n += b - a + 1;
  return n;
}

/** Iterate the covered numbers in ascending order, lazily. */
export function* iterateIntervals(intervals: readonly Interval[]): Generator<number> {
  for (const [a, b] of intervals) {
    for (let n = a; n <= b; n++) yield n;
  }
}

/**
 * Select the members of a sorted ascending list (e.g. the mailbox's UIDs) that fall in the
 * intervals, with a two-pointer walk: O(list + intervals), never materialising the ranges.
 * Returns indices into `sorted` (0-based), so index + 1 is the message sequence number.
 */
export function selectSorted(sorted: readonly number[], intervals: readonly Interval[]): number[] {
  const out: number[] = [];
  let i = 0;
  let j = 0;
  while (i < sorted.length && j < intervals.length) {
    const v = sorted[i]!;
    const iv = intervals[j]!;
    if (v < iv[0]) {
      i = lowerBound(sorted, iv[0], i);
    } else if (v > iv[1]) {
      j++;
    } else {
      out.push(i);
      i++;
    }
  }
  return out;
}

/** First index >= from whose value is >= target (binary search). */
function lowerBound(sorted: readonly number[], target: number, from: number): number {
  let lo = from;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! < target) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Compact numbers into the shortest sequence-set string: [1,2,3,5,9,8] → "1:3,5,8:9".
 * Input need not be sorted; duplicates are dropped. Empty input gives "" (callers decide:
 * e.g. COPYUID is not sent when nothing was copied).
 */
export function compactNumbers(numbers: Iterable<number>): string {
  const sorted = [...numbers].sort((a, b) => a - b);
  return formatIntervals(mergeIntervals(sorted.map((n) => [n, n] as const)));
}

/** Format merged intervals: [[1,3],[5,5]] → "1:3,5". */
export function formatIntervals(intervals: readonly Interval[]): string {
  return intervals.map(([a, b]) => (a === b ? String(a) : `${a}:${b}`)).join(',');
}

/**
 * Compact numbers while keeping their order (COPYUID RFC 4315 §3: source and destination sets
 * must pair up element by element, so "5,3" must not be re-sorted): only ascending consecutive
 * runs are joined.
 */
export function compactOrdered(numbers: readonly number[]): string {
  const parts: string[] = [];
  let i = 0;
  while (i < numbers.length) {
    const start = numbers[i]!;
    let end = start;
    while (i + 1 < numbers.length && numbers[i + 1] === end + 1) {
      end++;
      i++;
    }
    parts.push(start === end ? String(start) : `${start}:${end}`);
    i++;
  }
  return parts.join(',');
}
