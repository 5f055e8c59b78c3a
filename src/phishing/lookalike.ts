/**
 * Look-alike domains: a name made to be mistaken for one of ours (a local domain) or for a
 * protected brand's domain. Four ways, strongest first:
 *
 *   confusable  same UTS #39 skeleton (confusables.ts): "gmai1.test", "gmаil.test" (Cyrillic а),
 *               "xn--gmil-63d.test" (Punycode, RFC 3492, decoded before comparing), "grnail.test"
 *   typo        the registrable labels are one or two edits apart (Damerau-Levenshtein on the
 *               skeletons, distance.ts): "gmial.test", "gmaill.test"; at most 1 edit for labels
 *               of 4..8 characters, 2 from 9 on, none below 4 (short names collide by chance)
 *   subdomain   the whole protected domain sits left of another registrable domain:
 *               "gmail.test.attacker.test", "login.gmail.test-secure.example"
 *   contains    the protected label is one hyphen-separated word of the label, or a whole label of
 *               the subdomain part, in a name of 5+ characters: "gmail-security.test",
 *               "gmail.attacker.test" (weaker: ordinary words collide more often)
 *
 * For local domains the suffix must match (confusable and typo), so an organisation's own
 * "example.org" and "example.de" never flag each other; for protected brand domains, which the
 * operator lists precisely because they are imitated, any suffix counts ("paypa1.net" vs
 * "paypal.com"), including the same name under another suffix ("same-name": "paypal.net").
 *
 * A name whose registrable domain IS a protected one never matches.
 */
import { skeleton } from './confusables.ts';
import { damerauLevenshtein } from './distance.ts';
import { domainParts, type DomainParts } from './domains.ts';

export type TargetKind = 'local' | 'brand';
export type LookalikeHow = 'confusable' | 'typo' | 'subdomain' | 'contains' | 'same-name';

export interface LookalikeMatch {
  /** The look-alike name, normalized (Unicode). */
  host: string;
  /** The protected registrable domain it imitates. */
  target: string;
  kind: TargetKind;
  how: LookalikeHow;
  /** Edits between the labels (typo). */
  distance?: number;
  /** The name was written in Punycode (xn--). */
  punycode: boolean;
}

interface Target {
  parts: DomainParts;
  kind: TargetKind;
  skelRegistrable: string;
  skelLabel: string;
}

/** Protected domains prepared once for many comparisons. */
export interface Targets {
  list: Target[];
  registrables: Set<string>;
}

/** At most this many protected domains are compared (a bound on the work per name). */
export const MAX_TARGETS = 500;

export function prepareTargets(domains: ReadonlyArray<{ domain: string; kind: TargetKind }>): Targets {
  const list: Target[] = [];
  const registrables = new Set<string>();
  for (const d of domains) {
    if (list.length >= MAX_TARGETS) break;
    const parts = domainParts(d.domain);
    if (!parts) continue;
    registrables.add(parts.registrable);
    // A domain listed both as local and as a brand is compared once, as local (the stronger).
    const dup = list.findIndex((t) => t.parts.registrable === parts.registrable);
    if (dup >= 0) {
      if (d.kind === 'local') list[dup]!.kind = 'local';
      continue;
    }
    list.push({ parts, kind: d.kind, skelRegistrable: skeleton(parts.registrable), skelLabel: skeleton(parts.label) });
  }
  return { list, registrables };
}

/** Edits allowed between labels, by the protected label's length. */
export function maxEdits(labelLength: number): number {
  if (labelLength < 4) return 0;
  return labelLength < 9 ? 1 : 2;
}

const RANK: Record<LookalikeHow, number> = { confusable: 5, typo: 4, subdomain: 3, 'same-name': 2, contains: 1 };

function compare(h: DomainParts, hSkelRegistrable: string, hSkelLabel: string, t: Target): LookalikeMatch | null {
  const base = { host: h.host, target: t.parts.registrable, kind: t.kind, punycode: h.punycode };
  const tLabel = t.parts.label;
  const sameSuffix = h.suffix === t.parts.suffix;
  const anySuffix = t.kind === 'brand';
  if (hSkelRegistrable === t.skelRegistrable) return { ...base, how: 'confusable' };
  if (anySuffix && hSkelLabel === t.skelLabel) return { ...base, how: h.label === tLabel ? 'same-name' : 'confusable' };
  const len = Array.from(tLabel).length;
  const allowed = maxEdits(len);
  if (allowed > 0 && (sameSuffix || anySuffix)) {
    const d = damerauLevenshtein(hSkelLabel, t.skelLabel, allowed);
    if (d <= allowed) return { ...base, how: 'typo', distance: d };
  }
  if (h.sub !== '' && len >= 4) {
    const sub = `.${h.sub}.`;
    if (sub.includes(`.${t.parts.registrable}.`) || h.sub.endsWith(`.${t.parts.registrable}`) || h.sub === t.parts.registrable) return { ...base, how: 'subdomain' };
    if (len >= 5 && h.sub.split('.').some((l) => skeleton(l) === t.skelLabel)) return { ...base, how: 'contains' };
  }
  if (len >= 5 && h.label.includes('-') && h.label.split('-').some((w) => skeleton(w) === t.skelLabel)) return { ...base, how: 'contains' };
  return null;
}

/** The strongest look-alike match of `name` among the targets, or null. */
export function lookalike(name: string, targets: Targets): LookalikeMatch | null {
  const h = domainParts(name);
  if (!h || targets.registrables.has(h.registrable)) return null;
  const sr = skeleton(h.registrable);
  const sl = skeleton(h.label);
  let best: LookalikeMatch | null = null;
  for (const t of targets.list) {
    const m = compare(h, sr, sl, t);
    if (!m) continue;
    if (!best || RANK[m.how] > RANK[best.how] || (RANK[m.how] === RANK[best.how] && m.kind === 'local' && best.kind === 'brand')) best = m;
  }
  return best;
}
