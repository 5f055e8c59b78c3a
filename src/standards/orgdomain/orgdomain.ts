/**
 * Organizational Domain, RFC 7489 §3.2: the registrable domain of a name by the Public Suffix
 * List (the public suffix plus one label). Used by DMARC relaxed alignment (RFC 7489 §3.1) and
 * policy discovery (§6.6.3).
 *
 * The list comes from `tldts`, a maintained package that ships the current PSL (ICANN and
 * private sections, wildcard and exception rules); the PSL's own test vectors (test_psl.txt)
 * pass in orgdomain.test.ts. DMARCbis (RFC 9989) replaces this with a DNS Tree Walk, which the
 * dmarc/ module uses in its `dmarcbis` mode.
 *
 * Must never: make a network request, or keep a hand-made suffix list.
 */
import { getDomain } from 'tldts';

/** RFC 1035 §2.3.4 label and name limits, checked before asking the list. */
const MAX_LABEL = 63;
const MAX_NAME = 253;

/**
 * The Organizational Domain of `domain`, or undefined when there is none (the name is itself a
 * public suffix, or not a valid domain name: empty labels, a leading dot, an address).
 * Case-insensitive (RFC 4343 §3): the result is lower case. A U-label input gives a U-label
 * result and an A-label input an A-label result.
 */
export function organizationalDomain(domain: string): string | undefined {
  let name = domain.trim().toLowerCase();
  if (name.endsWith('.')) name = name.slice(0, -1); // a trailing root dot is the same name
  if (name === '' || name.length > MAX_NAME) return undefined;
  const labels = name.split('.');
  // A leading dot (test_psl.txt ".example.com") or an empty label is not a domain name.
  if (labels.some((l) => l === '' || l.length > MAX_LABEL)) return undefined;
  if (/^[0-9.]+$/.test(name) || name.includes(':') || name.startsWith('[')) return undefined; // address literals
  const registrable = getDomain(name, { allowPrivateDomains: true, validateHostname: false });
  return registrable ?? undefined;
}

/** RFC 7489 §3.1 relaxed alignment: same Organizational Domain (both must have one). */
export function sameOrganizationalDomain(a: string, b: string): boolean {
  const oa = organizationalDomain(a);
  return oa !== undefined && oa === organizationalDomain(b);
}
