/**
 * Confusable characters: the skeleton of Unicode Technical Standard #39 §4 ("Confusable
 * Detection"): two strings are confusable when their skeletons are equal.
 *
 *   skeleton(X) = NFD(map each character of NFD(X) by confusables.txt)
 *
 * The mapping is the Unicode Consortium's confusables.txt, shipped by the npm package
 * `unhomoglyph` (MIT, nodeca; a generated copy of the data file, no code of its own to speak of).
 * We add what comparing *names* needs, since IDNA (RFC 5895 §2) and display names are case- and
 * width-insensitive: NFKC first (full-width "ｇｍａｉｌ" is "gmail"), lower case before the mapping
 * (confusables.txt maps capital I to l, so "GMAIL" would otherwise not be "gmail"), and the mapping
 * twice, lower-casing after each (it maps some characters to capitals: "0" becomes "O"). So
 * "gmai1", "GMAIL", "gmаil" (Cyrillic а) and "grnail" share one skeleton.
 *
 * Display names keep their case, and capitals have confusables of their own (Cyrillic "М" is
 * Latin "M", while lower-case "м" is not "m"): `skeletons` also gives the skeleton of the text
 * mapped before lower-casing, and two names match when any of their skeletons match.
 *
 * The skeleton is for comparison only: it is not meant to be read ("m" becomes "rn").
 * Inputs are bounded by the callers (domain names, display names <= MAX_SKELETON_INPUT).
 */
import unhomoglyph from 'unhomoglyph';

/** Longer inputs are cut before mapping (a display name or domain is never this long). */
export const MAX_SKELETON_INPUT = 512;

const map = (s: string) => unhomoglyph(s.normalize('NFD')).normalize('NFD');

/** UTS #39 §4 skeleton, case- and width-folded (see the module comment). */
export function skeleton(text: string): string {
  const s = text.slice(0, MAX_SKELETON_INPUT).normalize('NFKC').toLowerCase();
  return map(map(s).toLowerCase()).toLowerCase();
}

/** The skeleton, and the skeleton of the text mapped with its capitals first (distinct ones). */
export function skeletons(text: string): string[] {
  const a = skeleton(text);
  const b = skeleton(map(text.slice(0, MAX_SKELETON_INPUT).normalize('NFKC')));
  return a === b ? [a] : [a, b];
}

/** True when the text holds a character outside printable ASCII (a homoglyph candidate). */
export function hasNonAscii(text: string): boolean {
  return /[^\x20-\x7e]/.test(text);
}
