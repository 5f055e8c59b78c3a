/**
 * Message flags: RFC 9051 §2.3.2. System flags (\Seen \Answered \Flagged \Deleted \Draft) are
 * stored in their canonical spelling; keywords are atoms without a backslash (RFC 9051 §9
 * flag-keyword). \Recent (RFC 3501 only) is session state, never stored.
 */

export const SYSTEM_FLAGS = ['\\Answered', '\\Flagged', '\\Deleted', '\\Seen', '\\Draft'] as const;

export const SEEN = '\\Seen';
export const DELETED = '\\Deleted';

/** Keywords per mailbox (a guard against a client inventing thousands). */
export const MAX_KEYWORDS = 256;
/** Octets of one keyword. */
export const MAX_KEYWORD_LENGTH = 128;

/** RFC 9051 §9 ATOM-CHAR minus "]" would do; we also refuse 8-bit so keywords stay ASCII. */
const KEYWORD = /^[\x21\x23\x24\x26\x27\x2b-\x5b\x5e-\x7a\x7c\x7e]+$/;

export type FlagCheck = { ok: true; flags: string[] } | { ok: false; reason: string };

/**
 * Canonical system flags, valid keywords, duplicates dropped (case-insensitively). Refuses
 * \Recent and unknown backslash flags (RFC 9051 §2.3.2: the server may refuse flag-extensions it
 * does not know).
 */
export function checkFlags(flags: readonly string[]): FlagCheck {
  const out: string[] = [];
  const seen = new Set<string>();
  for (const f of flags) {
    let flag = f;
    if (f.startsWith('\\')) {
      const sys = SYSTEM_FLAGS.find((s) => s.toLowerCase() === f.toLowerCase());
      if (sys === undefined) return { ok: false, reason: f.toLowerCase() === '\\recent' ? '\\Recent cannot be stored' : `Unknown system flag ${f.slice(0, 40)}` };
      flag = sys;
    } else if (!KEYWORD.test(f) || f.length > MAX_KEYWORD_LENGTH) {
      return { ok: false, reason: `Invalid keyword ${f.slice(0, 40)}` };
    }
    if (seen.has(flag.toLowerCase())) continue;
    seen.add(flag.toLowerCase());
    out.push(flag);
  }
  return { ok: true, flags: out };
}

export function hasFlag(flags: readonly string[], flag: string): boolean {
  const lower = flag.toLowerCase();
  return flags.some((f) => f.toLowerCase() === lower);
}

export function isKeyword(flag: string): boolean {
  return !flag.startsWith('\\');
}
