/**
 * All phishing signals of one message, from what the stage gathered (pure: no I/O). The stage
 * (src/inbound/stages/phishing.ts) reads the header fields and HTML parts, asks the directory
 * for local domains and names and the correspondents store for first contact, then calls this.
 *
 * Order of the checks, each in its own module:
 *   display-name.ts  From's display name vs its address, brands, local users' names
 *   lookalike.ts     From domain, Reply-To domains, link hosts vs local and protected domains
 *   links.ts         visible text vs href of every HTML link
 *   first-contact.ts the sender vs the recipients' correspondents
 */
import { displayNameSignals } from './display-name.ts';
import { lookalike, type Targets } from './lookalike.ts';
import { extractLinks, httpHost, linkSignals } from './links.ts';
import { firstContactSignal } from './first-contact.ts';
import type { PhishingSignal } from './signals.ts';

/** Reply-To addresses and link hosts judged per message. */
export const MAX_REPLY_TO = 10;
export const MAX_LINK_HOSTS = 50;
export const MAX_HTML_PARTS = 10;

export interface PhishingContext {
  localDomains: ReadonlySet<string>;
  brandDomains: ReadonlySet<string>;
  brands: readonly string[];
  names: ReadonlyMap<string, string>;
  targets: Targets;
}

export interface MessageFacts {
  /** The first From mailbox (display name RFC 2047-decoded), or null when there is none. */
  from: { name: string; address: string } | null;
  replyTo: readonly string[];
  /** Decoded text of the HTML parts. */
  html: readonly string[];
  /** Whether a local recipient has exchanged mail with the sender; null: not checked. */
  known: boolean | null;
}

const domainOf = (address: string) => address.slice(address.lastIndexOf('@') + 1);

export function analyze(m: MessageFacts, ctx: PhishingContext): PhishingSignal[] {
  const out: PhishingSignal[] = [];
  const fromDomain = m.from ? domainOf(m.from.address) : '';
  if (m.from && fromDomain !== '') {
    out.push(...displayNameSignals(m.from.name, { senderDomain: fromDomain, localDomains: ctx.localDomains, brandDomains: ctx.brandDomains, brands: ctx.brands, names: ctx.names }));
    const l = lookalike(fromDomain, ctx.targets);
    if (l) out.push({ kind: 'lookalike', where: 'from', match: l });
  }
  const seen = new Set<string>([fromDomain.toLowerCase()]);
  for (const a of m.replyTo.slice(0, MAX_REPLY_TO)) {
    const d = domainOf(a).toLowerCase();
    if (d === '' || seen.has(d)) continue;
    seen.add(d);
    const l = lookalike(d, ctx.targets);
    if (l) out.push({ kind: 'lookalike', where: 'reply-to', match: l });
  }
  const links = m.html.slice(0, MAX_HTML_PARTS).flatMap((h) => extractLinks(h));
  out.push(...linkSignals(links));
  const hosts = new Set<string>();
  for (const link of links) {
    const h = httpHost(link.href);
    if (h !== null && hosts.size < MAX_LINK_HOSTS) hosts.add(h);
  }
  const flagged = new Set<string>();
  for (const h of hosts) {
    const l = lookalike(h, ctx.targets);
    if (l && !flagged.has(l.host)) {
      flagged.add(l.host);
      out.push({ kind: 'lookalike', where: 'link', match: l });
    }
  }
  if (m.known !== null && m.from) out.push(...firstContactSignal(m.from.address.toLowerCase(), m.known));
  return out;
}
