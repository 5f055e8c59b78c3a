/**
 * Domain names as a phishing check sees them: normalized (lower case, no trailing dot, A-labels
 * decoded to Unicode: RFC 5890 §2.3.2.1, RFC 3492 Punycode, via node:url's WHATWG domainToUnicode),
 * split into the registrable domain (Public Suffix List, as DMARC's Organizational Domain,
 * RFC 7489 §3.2) and its first label ("gmail" of "mx.gmail.test").
 *
 * Also finds domain names and addresses written inside free text (a display name such as
 * "paypal.com Support"): a dotted name counts only when its last label is a known public suffix
 * or one of the special-use TLDs of RFC 2606 / RFC 6761 (test, example, invalid, localhost), so
 * "Mr.Smith" or "v1.2" are not domains.
 *
 * Bounded: inputs are cut at MAX_TEXT, at most MAX_FOUND names are returned, and the patterns
 * have no nested ambiguous repetition.
 */
import { domainToASCII, domainToUnicode } from 'node:url';
import { parse } from 'tldts';

export const MAX_TEXT = 1024;
export const MAX_FOUND = 16;

/** RFC 2606 §2 and RFC 6761 §6 special-use TLDs, accepted as suffixes in labs and tests. */
const SPECIAL_TLDS = new Set(['test', 'example', 'invalid', 'localhost']);

export interface DomainParts {
  /** The whole name, lower case, Unicode (U-labels). */
  host: string;
  /** The registrable domain (public suffix + one label), Unicode. */
  registrable: string;
  /** The registrable domain's first label: "gmail" of "gmail.test". */
  label: string;
  /** The public suffix: "test", "co.uk". */
  suffix: string;
  /** The labels left of the registrable domain ("mx.eu" of "mx.eu.gmail.test"), or ''. */
  sub: string;
  /** The name was written with A-labels (xn--). */
  punycode: boolean;
}

/** Lower case, no trailing dot, Unicode labels; '' when it is not a usable domain name. */
export function normalizeDomain(name: string): string {
  let d = name.trim().toLowerCase();
  if (d.endsWith('.')) d = d.slice(0, -1);
  if (d === '' || d.length > 253 || d.startsWith('[')) return '';
  const ascii = domainToASCII(d);
  if (ascii === '') return '';
  const uni = domainToUnicode(ascii);
  return uni === '' ? ascii : uni;
}

/** The parts of a domain name, or null (an IP address, a bare suffix, not a name). */
export function domainParts(name: string): DomainParts | null {
  const host = normalizeDomain(name);
  if (host === '') return null;
  const ascii = domainToASCII(host);
  const p = parse(ascii, { allowPrivateDomains: true, validateHostname: false });
  if (p.isIp || !p.domain || !p.publicSuffix || !p.domainWithoutSuffix) return null;
  const registrable = domainToUnicode(p.domain) || p.domain;
  const suffix = domainToUnicode(p.publicSuffix) || p.publicSuffix;
  const label = registrable.slice(0, registrable.length - suffix.length - 1);
  const sub = host.length > registrable.length ? host.slice(0, host.length - registrable.length - 1) : '';
  return { host, registrable, label, suffix, sub, punycode: /(^|\.)xn--/.test(name.toLowerCase()) };
}

/** The registrable domain of a name ('' when none). */
export function registrableDomain(name: string): string {
  return domainParts(name)?.registrable ?? '';
}

/** Known suffix: in the Public Suffix List (ICANN or private section) or special-use. */
function knownSuffix(name: string): boolean {
  const ascii = domainToASCII(name.toLowerCase());
  if (ascii === '') return false;
  const tld = ascii.slice(ascii.lastIndexOf('.') + 1);
  if (SPECIAL_TLDS.has(tld)) return true;
  const p = parse(ascii, { allowPrivateDomains: true, validateHostname: false });
  return (p.isIcann === true || p.isPrivate === true) && p.domain !== null;
}

// label = letter/digit, then letters, digits, hyphens; labels joined by dots; a final alphabetic
// label of 2..63 (Unicode letters allowed: IDN TLDs). Each repetition is anchored by a dot.
const DOMAIN_RE = /(?<![\p{L}\p{N}.-])(?:[\p{L}\p{N}][\p{L}\p{N}-]{0,62}\.){1,8}\p{L}[\p{L}\p{N}-]{1,62}(?![\p{L}\p{N}-]|\.[\p{L}\p{N}])/gu;
const ADDRESS_RE = /[^\s<>()"',;:@]{1,64}@((?:[\p{L}\p{N}][\p{L}\p{N}-]{0,62}\.){1,8}\p{L}[\p{L}\p{N}-]{1,62})/gu;

export interface FoundName {
  kind: 'address' | 'domain';
  /** As written (address or domain). */
  text: string;
  /** The domain, normalized. */
  domain: string;
}

/** Addresses and domain names written in free text (display names, link texts). */
export function findNames(text: string): FoundName[] {
  const t = text.slice(0, MAX_TEXT).normalize('NFKC');
  const out: FoundName[] = [];
  const seen = new Set<string>();
  for (const m of t.matchAll(ADDRESS_RE)) {
    if (out.length >= MAX_FOUND) break;
    const domain = normalizeDomain(m[1]!);
    if (domain === '' || !knownSuffix(domain)) continue;
    seen.add(domain);
    out.push({ kind: 'address', text: m[0], domain });
  }
  const rest = t.replace(ADDRESS_RE, ' ');
  for (const m of rest.matchAll(DOMAIN_RE)) {
    if (out.length >= MAX_FOUND) break;
    const domain = normalizeDomain(m[0]);
    if (domain === '' || seen.has(domain) || !knownSuffix(domain)) continue;
    seen.add(domain);
    out.push({ kind: 'domain', text: m[0], domain });
  }
  return out;
}
