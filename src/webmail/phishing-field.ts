/**
 * Reading back our X-Mailwarden-Phishing field (written by phishing/header.ts) for the webmail's
 * warnings:
 *
 *   X-Mailwarden-Phishing: warn; score=0.7450; bayes=untrained; phishing=0.7450;
 *    display-name-brand "Seccamp Bank" from external attacker.test;
 *    first-contact x@attacker.test
 *
 * Items are separated by ";" outside quoted-strings; quoted text (a display name, a link text)
 * is percent-decoded back to Unicode (the writer percent-encodes everything outside printable
 * ASCII). Pure and total: what is not our format gives null. Only ever applied to the field our
 * MX wrote (the route stage strips any the sender brought).
 */
import { unquoteToken } from '../junk/header.ts';
import { splitOutsideQuotes } from '../mail/mime/header.ts';

export const PHISHING_FIELD = 'X-Mailwarden-Phishing';

export interface PhishingWarning {
  /** The signal name as written (display-name-brand, lookalike-local, link-mismatch, ...). */
  kind: string;
  /** The rest of the item, quoted-strings decoded (still untrusted text: escape it). */
  detail: string;
  /** One sentence for the reader. */
  explanation: string;
}

export interface ParsedPhishingField {
  verdict: 'none' | 'warn' | 'junk';
  score: number;
  /** The Bayes score as written: a number, or untrained | error | off. */
  bayes: string;
  phishing: number;
  warnings: PhishingWarning[];
  /** Signals the writer left out (more=N). */
  more: number;
}

const EXPLAIN: Record<string, string> = {
  'display-name-address': 'The display name shows an address or domain that is not the real sender.',
  'display-name-brand': 'The display name is a protected brand, but the mail comes from outside that brand.',
  'display-name-user': 'The display name is the name of someone here, but the mail comes from outside.',
  'lookalike-local': 'A domain imitates one of our own domains (look-alike characters or a typo).',
  'lookalike-brand': 'A domain imitates a protected brand\'s domain (look-alike characters or a typo).',
  'link-mismatch': 'A link shows one address but leads somewhere else.',
  'first-contact': 'Nobody here has exchanged mail with this sender before.',
};

/** Split at ";" outside double-quoted strings; null when a quoted string is left open. */
function splitItems(v: string): string[] | null {
  const { items, closed } = splitOutsideQuotes(v);
  return closed ? items.map((i) => i.trim()) : null;
}

/** The item's text with each quoted-string decoded (and shown in double quotes). */
const decodeQuoted = (text: string) => text.replace(/"((?:[^"\\]|\\.)*)"/g, (_m, inner: string) => `"${unquoteToken(inner)}"`);

const unit = (s: string | undefined): number | null => (s !== undefined && /^[0-9]+(\.[0-9]+)?$/.test(s) && Number(s) <= 1 ? Number(s) : null);

/** Parses the field value (folded or not; the field name may be left on). */
export function parsePhishingField(value: string): ParsedPhishingField | null {
  let v = value.replace(/\r?\n(?=[ \t])/g, '').replace(/[ \t]+/g, ' ').trim();
  if (v.toLowerCase().startsWith(`${PHISHING_FIELD.toLowerCase()}:`)) v = v.slice(PHISHING_FIELD.length + 1).trim();
  const items = splitItems(v);
  if (!items || items.length < 4) return null;
  const [verdict, scoreItem, bayesItem, phishingItem, ...rest] = items as [string, string, string, string, ...string[]];
  if (verdict !== 'none' && verdict !== 'warn' && verdict !== 'junk') return null;
  const score = unit(/^score=(.*)$/.exec(scoreItem)?.[1]);
  const bayes = /^bayes=([a-z0-9.]+)$/.exec(bayesItem)?.[1];
  const phishing = unit(/^phishing=(.*)$/.exec(phishingItem)?.[1]);
  if (score === null || bayes === undefined || phishing === null) return null;
  const warnings: PhishingWarning[] = [];
  let more = 0;
  for (const item of rest) {
    const m = /^more=([0-9]{1,6})$/.exec(item);
    if (m) {
      more = Number(m[1]);
      continue;
    }
    const k = /^([a-z-]+)(?: (.*))?$/.exec(item);
    if (!k) return null;
    warnings.push({ kind: k[1]!, detail: decodeQuoted(k[2] ?? ''), explanation: EXPLAIN[k[1]!] ?? 'A phishing signal.' });
  }
  return { verdict, score, bayes, phishing, warnings, more };
}
