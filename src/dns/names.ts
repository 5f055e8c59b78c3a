/**
 * Domain names as the DNS layer handles them.
 *
 * Implements: RFC 1035 §2.3.4 (size limits: labels ≤ 63 octets, names ≤ 255 octets on the
 * wire, i.e. ≤ 253 characters in text form), RFC 4343 §3 (names compare case-insensitively,
 * so we keep them lower-case), RFC 1035 §3.5 (IN-ADDR.ARPA reverse names), RFC 3596 §2.5
 * (IP6.ARPA reverse names, one nibble per label), RFC 5890 (non-ASCII names go on the wire as
 * A-labels).
 *
 * Canonical text form used everywhere in src/dns/: lower-case, no trailing dot, the root is
 * the empty string '' (so a null MX, RFC 7505, has exchange '').
 */
import { isIP, isIPv4, isIPv6 } from 'node:net';
import { domainToASCII } from 'node:url';

/** RFC 1035 §2.3.4: 63 octets or less per label. */
export const MAX_LABEL_LENGTH = 63;
/** RFC 1035 §2.3.4: 255 octets on the wire = 253 characters without the trailing dot. */
export const MAX_NAME_LENGTH = 253;

/**
 * Canonical form of a domain name, or undefined when it cannot exist in the DNS
 * (empty label, label or name too long, IDN that does not convert to A-labels).
 */
export function normalizeName(name: string): string | undefined {
  let n = name.endsWith('.') ? name.slice(0, -1) : name;
  if (n === '') return '';
  // RFC 5890 §2.3.2.1: only A-labels go on the wire.
  if (/[^\x00-\x7f]/.test(n)) {
    n = domainToASCII(n);
    if (n === '') return undefined;
  }
  n = n.toLowerCase(); // RFC 4343 §3
  if (n.length > MAX_NAME_LENGTH) return undefined;
  for (const label of n.split('.')) {
    if (label.length === 0 || label.length > MAX_LABEL_LENGTH) return undefined;
  }
  return n;
}

/** True when `name` is `ancestor` or below it (both canonical). The root contains every name. */
export function isSubdomain(name: string, ancestor: string): boolean {
  if (ancestor === '') return true;
  return name === ancestor || name.endsWith('.' + ancestor);
}

/** The parent of a canonical name ('' for a top-level label, undefined for the root). */
export function parentName(name: string): string | undefined {
  if (name === '') return undefined;
  const dot = name.indexOf('.');
  return dot === -1 ? '' : name.slice(dot + 1);
}

/**
 * Canonical, fully expanded-then-compressed IPv6 text (RFC 5952 §4) via the WHATWG URL host
 * parser, or undefined if `ip` is not IPv6.
 */
export function canonicalIPv6(ip: string): string | undefined {
  if (!isIPv6(ip)) return undefined;
  try {
    return new URL(`http://[${ip}]/`).hostname.slice(1, -1);
  } catch {
    return undefined;
  }
}

/** The 32 hex nibbles of an IPv6 address, most significant first. */
function ipv6Nibbles(ip: string): string[] | undefined {
  const canonical = canonicalIPv6(ip); // hex groups only: the URL serializer never emits a dotted tail
  if (canonical === undefined) return undefined;
  const [left = '', right] = canonical.split('::');
  const head = left === '' ? [] : left.split(':');
  const tail = right === undefined || right === '' ? [] : right.split(':');
  const zeros = new Array<string>(8 - head.length - tail.length).fill('0');
  return [...head, ...zeros, ...tail].map((g) => g.padStart(4, '0')).join('').split('');
}

/**
 * The reverse-mapping name for an IP address: RFC 1035 §3.5 (`4.3.2.1.in-addr.arpa`) and
 * RFC 3596 §2.5 (`b.a.9.8.…ip6.arpa`, nibbles in reverse order). Undefined if not an IP.
 */
export function reverseName(ip: string): string | undefined {
  if (isIPv4(ip)) return ip.split('.').reverse().join('.') + '.in-addr.arpa';
  const nibbles = ipv6Nibbles(ip);
  return nibbles === undefined ? undefined : nibbles.reverse().join('.') + '.ip6.arpa';
}

/** The inverse of reverseName: `4.3.2.1.in-addr.arpa` → `1.2.3.4`; undefined if not one. */
export function ipFromReverseName(name: string): string | undefined {
  const n = normalizeName(name);
  if (n === undefined) return undefined;
  if (n.endsWith('.in-addr.arpa')) {
    const parts = n.slice(0, -'.in-addr.arpa'.length).split('.');
    const ip = parts.reverse().join('.');
    return parts.length === 4 && isIPv4(ip) ? ip : undefined;
  }
  if (n.endsWith('.ip6.arpa')) {
    const nibbles = n.slice(0, -'.ip6.arpa'.length).split('.');
    if (nibbles.length !== 32 || !nibbles.every((x) => /^[0-9a-f]$/.test(x))) return undefined;
    const hex = nibbles.reverse().join('');
    const groups = hex.match(/.{4}/g) ?? [];
    return canonicalIPv6(groups.join(':'));
  }
  return undefined;
}

/** True if `s` is an IPv4 or IPv6 literal. */
export function isIpLiteral(s: string): boolean {
  return isIP(s) !== 0;
}
