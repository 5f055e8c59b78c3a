/**
 * Damerau-Levenshtein distance, "optimal string alignment" variant (Damerau 1964, "A technique
 * for computer detection and correction of spelling errors"; Levenshtein 1966): the number of
 * single-character insertions, deletions, substitutions and transpositions of two adjacent
 * characters that turn one string into the other, no substring edited twice. Typo-squatted
 * domains are mostly one such edit away: "gmial" (transposition), "gmai1" (substitution),
 * "gmaill" (insertion).
 *
 * Works on code points. Bounded: strings are cut at MAX_DISTANCE_INPUT, and `limit` stops the
 * work early (the answer is then limit + 1), so a call costs at most O(n·m) on short strings.
 */

/** Domain labels are at most 63 octets (RFC 1035 §2.3.4); nothing longer is compared. */
export const MAX_DISTANCE_INPUT = 64;

export function damerauLevenshtein(a: string, b: string, limit = Number.POSITIVE_INFINITY): number {
  const s = Array.from(a).slice(0, MAX_DISTANCE_INPUT);
  const t = Array.from(b).slice(0, MAX_DISTANCE_INPUT);
  const n = s.length;
  const m = t.length;
  if (Math.abs(n - m) > limit) return limit + 1;
  if (n === 0) return m;
  if (m === 0) return n;
  // Three rows: i-2, i-1, i.
  let prev2 = new Array<number>(m + 1).fill(0);
  let prev = Array.from({ length: m + 1 }, (_, j) => j);
  let cur = new Array<number>(m + 1).fill(0);
  for (let i = 1; i <= n; i++) {
    cur[0] = i;
    let rowMin = cur[0];
    for (let j = 1; j <= m; j++) {
      const cost = s[i - 1] === t[j - 1] ? 0 : 1;
      let d = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + cost);
      if (i > 1 && j > 1 && s[i - 1] === t[j - 2] && s[i - 2] === t[j - 1]) d = Math.min(d, prev2[j - 2]! + 1);
      cur[j] = d;
      if (d < rowMin) rowMin = d;
    }
    if (rowMin > limit) return limit + 1;
    [prev2, prev, cur] = [prev, cur, prev2];
  }
  return prev[m]!;
}
