/**
 * Display-name tricks (RFC 5322 §3.4: the display name is free text the sender chooses, and most
 * mail programs show it instead of the address):
 *
 *   display-name-address  the name holds an address or domain whose registrable domain is not the
 *                         sender's: "paypal.com" <x@attacker.test>,
 *                         "service@paypal.com" <x@attacker.test>
 *   display-name-brand    the name contains a protected brand ([phishing] protected_brands) as
 *                         whole words, and the address is neither in a protected domain nor in a
 *                         local one: "Seccamp Bank Official" <x@attacker.test>
 *   display-name-user     the name equals a local user's display name (or a [phishing]
 *                         protected_names entry) and the address is external: CEO fraud,
 *                         "Alice" <alice.ceo@attacker.test>
 *
 * Names are compared by their UTS #39 skeletons (confusables.ts) after RFC 2047 decoding, with
 * punctuation and spacing folded, so "Seccamp  Bаnk" (Cyrillic а) or "ALICE" still match.
 * Only the first From address is judged (RFC 5322 §3.6.2 allows several; DMARC refuses those).
 */
import { skeletons } from './confusables.ts';
import { findNames, registrableDomain, normalizeDomain } from './domains.ts';
import type { PhishingSignal } from './signals.ts';

/** Longer display names are judged on their first MAX_NAME characters. */
export const MAX_NAME = 256;

/** Skeletons (confusables.ts), every run of non-letters/digits one space: the forms names are compared in. */
export function nameKeys(text: string): string[] {
  const keys = skeletons(text.slice(0, MAX_NAME)).map((k) => k.replace(/[^\p{L}\p{N}]+/gu, ' ').trim()).filter((k) => k !== '');
  return [...new Set(keys)];
}

export interface DisplayNameContext {
  /** The sender's address domain (From:). */
  senderDomain: string;
  /** Local domains (normalized). */
  localDomains: ReadonlySet<string>;
  /** Protected brand domains (normalized registrable domains). */
  brandDomains: ReadonlySet<string>;
  /** Protected brand names, as configured. */
  brands: readonly string[];
  /** Local users' display names and configured protected names: each key (nameKeys) -> name as written. */
  names: ReadonlyMap<string, string>;
}

function isLocal(domain: string, ctx: DisplayNameContext): boolean {
  const reg = registrableDomain(domain);
  return ctx.localDomains.has(domain) || (reg !== '' && ctx.localDomains.has(reg));
}

export function displayNameSignals(displayName: string, ctx: DisplayNameContext): PhishingSignal[] {
  const name = displayName.slice(0, MAX_NAME).trim();
  if (name === '') return [];
  const sender = normalizeDomain(ctx.senderDomain) || ctx.senderDomain.toLowerCase();
  const senderReg = registrableDomain(sender) || sender;
  const out: PhishingSignal[] = [];
  for (const f of findNames(name)) {
    const reg = registrableDomain(f.domain) || f.domain;
    if (reg !== senderReg) {
      out.push({ kind: 'display-name-address', shown: f.text, sender });
      break;
    }
  }
  const external = !isLocal(sender, ctx);
  const keys = nameKeys(name);
  if (keys.length === 0 || !external) return out;
  if (!ctx.brandDomains.has(senderReg)) {
    const padded = keys.map((k) => ` ${k} `);
    const brand = ctx.brands.find((b) => nameKeys(b).some((bk) => padded.some((p) => p.includes(` ${bk} `))));
    if (brand !== undefined) out.push({ kind: 'display-name-brand', brand, sender });
  }
  const user = keys.map((k) => ctx.names.get(k)).find((u) => u !== undefined);
  if (user !== undefined) out.push({ kind: 'display-name-user', name: user, sender });
  return out;
}
