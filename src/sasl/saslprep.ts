/**
 * SASLprep (RFC 4013), the stringprep (RFC 3454) profile SCRAM uses to
 * normalize passwords before hashing (RFC 5802 §2.2 "Normalize").
 *
 * Implements: the RFC 4013 §2.1 mapping, NFKC (§2.2), the prohibited-output
 * check (§2.3) and the bidirectional check (§2.4, RFC 3454 §6). Unassigned
 * code points are allowed, as for "query" strings (RFC 5802 §2.2).
 *
 * Limits: NFKC uses the runtime's Unicode version rather than Unicode 3.2, and
 * the bidi check approximates RandALCat (RFC 3454 Table D.1) by letters of the
 * right-to-left scripts and LCat (Table D.2) by all other letters. Both only
 * matter for exotic input, where the result is "prohibited" (null).
 *
 * Must never: log or retain its input (it is usually a password).
 */

// RFC 4013 §2.1 / RFC 3454 Table C.1.2: non-ASCII space characters map to SPACE.
const NON_ASCII_SPACE = /[\u00A0\u1680\u2000-\u200B\u202F\u205F\u3000]/gu;

// RFC 4013 §2.1 / RFC 3454 Table B.1: "commonly mapped to nothing".
const MAPPED_TO_NOTHING = /[\u00AD\u034F\u1806\u180B-\u180D\u200C\u200D\u2060\uFE00-\uFE0F\uFEFF]/gu;

// RFC 4013 §2.4 (RFC 3454 §6 / Table D.1, approximated): right-to-left letters.
const RAND_AL_CAT =
  /[\p{Script=Hebrew}\p{Script=Arabic}\p{Script=Syriac}\p{Script=Thaana}\p{Script=Nko}\p{Script=Samaritan}\p{Script=Mandaic}\p{Script=Adlam}\p{Script=Hanifi_Rohingya}]/u;
const LETTER = /\p{L}/u;

/** RFC 4013 §2.3: is this code point in one of the prohibited tables? */
function isProhibited(cp: number): boolean {
  return (
    // C.1.2 non-ASCII space (cannot survive the mapping, checked for completeness)
    cp === 0x00a0 ||
    cp === 0x1680 ||
    (cp >= 0x2000 && cp <= 0x200b) ||
    cp === 0x202f ||
    cp === 0x205f ||
    cp === 0x3000 ||
    // C.2.1 ASCII control characters
    cp <= 0x001f ||
    cp === 0x007f ||
    // C.2.2 non-ASCII control characters
    (cp >= 0x0080 && cp <= 0x009f) ||
    cp === 0x06dd ||
    cp === 0x070f ||
    cp === 0x180e ||
    cp === 0x200c ||
    cp === 0x200d ||
    cp === 0x2028 ||
    cp === 0x2029 ||
    (cp >= 0x2060 && cp <= 0x2063) ||
    (cp >= 0x206a && cp <= 0x206f) ||
    cp === 0xfeff ||
    (cp >= 0xfff9 && cp <= 0xfffc) ||
    (cp >= 0x1d173 && cp <= 0x1d17a) ||
    // C.3 private use
    (cp >= 0xe000 && cp <= 0xf8ff) ||
    (cp >= 0xf0000 && cp <= 0xffffd) ||
    (cp >= 0x100000 && cp <= 0x10fffd) ||
    // C.4 non-character code points
    (cp >= 0xfdd0 && cp <= 0xfdef) ||
    (cp & 0xfffe) === 0xfffe ||
    // C.5 surrogate codes
    (cp >= 0xd800 && cp <= 0xdfff) ||
    // C.6 inappropriate for plain text
    (cp >= 0xfff9 && cp <= 0xfffd) ||
    // C.7 inappropriate for canonical representation
    (cp >= 0x2ff0 && cp <= 0x2ffb) ||
    // C.8 change display properties or deprecated
    cp === 0x0340 ||
    cp === 0x0341 ||
    cp === 0x200e ||
    cp === 0x200f ||
    (cp >= 0x202a && cp <= 0x202e) ||
    // C.9 tagging characters
    cp === 0xe0001 ||
    (cp >= 0xe0020 && cp <= 0xe007f)
  );
}

/**
 * Prepare `input` with SASLprep. Returns the prepared string, or null when the
 * input contains prohibited output or fails the bidi rules.
 */
export function saslprep(input: string): string | null {
  // RFC 4013 §2.1: map non-ASCII spaces to SPACE, then drop B.1 characters.
  const mapped = input.replace(NON_ASCII_SPACE, ' ').replace(MAPPED_TO_NOTHING, '');
  // RFC 4013 §2.2: Unicode normalization form KC.
  const normalized = mapped.normalize('NFKC');

  // RFC 4013 §2.3: prohibited output. Lone surrogates (C.5) show up as
  // code points 0xD800-0xDFFF when iterating.
  const chars = Array.from(normalized);
  for (const ch of chars) {
    if (isProhibited(ch.codePointAt(0) ?? 0)) return null;
  }

  // RFC 4013 §2.4 / RFC 3454 §6: a string with any RandALCat character must
  // contain no LCat character, and must start and end with RandALCat.
  const randAL = chars.map((ch) => RAND_AL_CAT.test(ch) && LETTER.test(ch));
  if (randAL.some(Boolean)) {
    if (chars.some((ch, i) => !randAL[i] && LETTER.test(ch))) return null;
    if (!randAL[0] || !randAL[randAL.length - 1]) return null;
  }
  return normalized;
}
