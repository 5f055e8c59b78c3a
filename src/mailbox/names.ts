/**
 * Mailbox names: one hierarchy with "/" as the delimiter (RFC 9051 §5.1.1), INBOX case-insensitive
 * (RFC 9051 §5.1: "INBOX" in any case is the user's inbox, and so is the INBOX prefix of its
 * children). Names are Unicode strings here; the wire forms (modified UTF-7 for IMAP4rev1 clients,
 * UTF-8 otherwise) are the IMAP server's business.
 *
 * validateName refuses what would make a name ambiguous or unlistable: empty levels, leading or
 * trailing delimiters, the LIST wildcards "*" and "%", control characters, and oversized names.
 */

export const DELIMITER = '/';
export const INBOX = 'INBOX';

/** Limits on one name (a guard against abuse, not an RFC number). */
export const MAX_NAME_OCTETS = 512;
export const MAX_NAME_DEPTH = 32;

/** "inbox" → "INBOX", "Inbox/Sub" → "INBOX/Sub"; anything else unchanged. */
export function normalizeName(name: string): string {
  const first = name.split(DELIMITER, 1)[0]!;
  if (first.toUpperCase() !== INBOX) return name;
  return INBOX + name.slice(first.length);
}

/** Why a name cannot be created, or null when it can. */
export function validateName(name: string): string | null {
  if (name.length === 0) return 'The mailbox name is empty';
  if (Buffer.byteLength(name) > MAX_NAME_OCTETS) return `The mailbox name is longer than ${MAX_NAME_OCTETS} octets`;
  if (/[\x00-\x1f\x7f]/.test(name)) return 'The mailbox name contains control characters';
  if (/[*%]/.test(name)) return 'The mailbox name contains a wildcard ("*" or "%")';
  const levels = name.split(DELIMITER);
  if (levels.some((l) => l.length === 0)) return `The mailbox name has an empty level (leading, trailing or doubled "${DELIMITER}")`;
  if (levels.length > MAX_NAME_DEPTH) return `The mailbox name is nested more than ${MAX_NAME_DEPTH} levels deep`;
  return null;
}

/** The superior names of a name, outermost first: "a/b/c" → ["a", "a/b"]. */
export function parentNames(name: string): string[] {
  const levels = name.split(DELIMITER);
  const out: string[] = [];
  for (let i = 1; i < levels.length; i++) out.push(levels.slice(0, i).join(DELIMITER));
  return out;
}

/** True when `name` is an inferior of `ancestor` ("a/b" is within "a"). */
export function isWithin(name: string, ancestor: string): boolean {
  return name.startsWith(ancestor + DELIMITER);
}
