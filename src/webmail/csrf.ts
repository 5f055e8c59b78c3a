/**
 * Cross-site request forgery defences for the webmail's POSTs, two independent ones:
 *  - a per-session token in a hidden form field, compared in constant time (the attacker's page
 *    cannot read it: same-origin policy, and our CSP frame-ancestors 'none');
 *  - the browser's own statement of where the request comes from: Sec-Fetch-Site (Fetch
 *    Metadata) must be "same-origin" and Origin (RFC 6454 §7) must be ours when they are sent.
 * The session cookie is also SameSite=Strict. Clients that send neither header (curl) still need
 * the token.
 */
import { createHash, timingSafeEqual } from 'node:crypto';

/** Constant-time comparison of two tokens (of any lengths: both are hashed first). */
export function sameToken(given: string | undefined, expected: string): boolean {
  if (given === undefined || given === '' || expected === '') return false;
  const h = (s: string) => createHash('sha256').update(s).digest();
  return timingSafeEqual(h(given), h(expected));
}

/**
 * Why a state-changing request is refused as cross-site, or null. `host` is the request's Host
 * header (our origin is https://host).
 */
export function crossSiteReason(headers: { origin?: string; secFetchSite?: string; host?: string }): string | null {
  const site = headers.secFetchSite?.trim().toLowerCase();
  if (site !== undefined && site !== '' && site !== 'same-origin') return `Sec-Fetch-Site: ${site}`;
  const origin = headers.origin?.trim();
  if (origin !== undefined && origin !== '') {
    const host = (headers.host ?? '').trim().toLowerCase();
    if (origin.toLowerCase() !== `https://${host}`) return `Origin: ${origin.slice(0, 100)}`;
  }
  return null;
}
