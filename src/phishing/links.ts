/**
 * Links in HTML parts (HTML Living Standard §4.6.1 "a" element; URLs per the WHATWG URL
 * Standard): each <a href> with its visible text, read by htmlparser2 (a maintained, forgiving
 * streaming parser that decodes character references, so "&#112;aypal.com" is "paypal.com").
 *
 *   link-mismatch  the visible text shows a domain (or a URL, or an address) whose registrable
 *                  domain differs from the href's host: <a href="http://attacker.test/">
 *                  www.seccampbank.test</a>; an href to a bare IP address under a shown name too
 *
 * Only http(s) hrefs are judged. Text that shows no domain ("click here") is not a mismatch.
 * Bounded: HTML is cut at MAX_HTML, at most MAX_LINKS anchors are kept, MAX_LINK_TEXT characters
 * of each text and MAX_HREF of each href.
 */
import { Parser } from 'htmlparser2';
import { findNames, registrableDomain, normalizeDomain } from './domains.ts';
import type { PhishingSignal } from './signals.ts';

export const MAX_HTML = 512 * 1024;
export const MAX_LINKS = 200;
export const MAX_LINK_TEXT = 256;
export const MAX_HREF = 2048;

export interface Link {
  href: string;
  text: string;
}

/** The anchors of an HTML document with their visible text (tags inside the anchor removed). */
export function extractLinks(html: string): Link[] {
  const links: Link[] = [];
  let open: Link | null = null;
  let depth = 0;
  const parser = new Parser(
    {
      onopentag(name, attribs) {
        if (name === 'a') {
          if (open && links.length < MAX_LINKS) links.push(open); // an unclosed <a> ends at the next
          const href = attribs.href;
          open = href === undefined ? null : { href: href.trim().slice(0, MAX_HREF), text: '' };
          depth = 0;
        } else if (open) depth++;
      },
      ontext(text) {
        if (open && open.text.length < MAX_LINK_TEXT) open.text = (open.text + text).slice(0, MAX_LINK_TEXT);
      },
      onclosetag(name) {
        if (name === 'a') {
          if (open && links.length < MAX_LINKS) links.push(open);
          open = null;
        } else if (open && depth > 0) depth--;
      },
    },
    { decodeEntities: true, lowerCaseTags: true, lowerCaseAttributeNames: true },
  );
  parser.write(html.slice(0, MAX_HTML));
  parser.end();
  if (open && links.length < MAX_LINKS) links.push(open);
  return links.map((l) => ({ href: l.href, text: l.text.replace(/\s+/g, ' ').trim() }));
}

/** The host of an http(s) URL (normalized), or null. */
export function httpHost(href: string): string | null {
  let u: URL;
  try {
    u = new URL(href);
  } catch {
    return null;
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return null;
  const host = u.hostname.replace(/^\[|\]$/g, '');
  return normalizeDomain(host) || host.toLowerCase();
}

const isIp = (host: string) => /^[0-9.]+$/.test(host) || host.includes(':');

/** link-mismatch signals, at most one per href host. */
export function linkSignals(links: readonly Link[]): PhishingSignal[] {
  const out: PhishingSignal[] = [];
  const seen = new Set<string>();
  for (const l of links) {
    const host = httpHost(l.href);
    if (host === null || l.text === '') continue;
    const shown = findNames(l.text)[0];
    if (!shown) continue;
    const hrefReg = isIp(host) ? host : registrableDomain(host) || host;
    const shownReg = registrableDomain(shown.domain) || shown.domain;
    if (hrefReg === shownReg) continue;
    const key = `${shownReg} ${hrefReg}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ kind: 'link-mismatch', shown: shown.text, href: host });
  }
  return out;
}
