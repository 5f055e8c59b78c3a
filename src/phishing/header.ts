/**
 * The X-Mailwarden-Phishing header field, added to every message the MX delivers (when [phishing]
 * is enabled), folded per RFC 5322 §2.2.3 between items:
 *
 *   X-Mailwarden-Phishing: warn; score=0.7450; bayes=untrained; phishing=0.7450;
 *    display-name-brand "Seccamp Bank" from external attacker.test;
 *    first-contact x@attacker.test
 *
 *   verdict   none (no signal) | warn (signals, delivered as decided before) | junk (signals, and
 *             the combined score reached the junk threshold: delivered to Junk)
 *   score     the spam score raised by the signals (score.ts), 4 decimals
 *   bayes     the Bayesian score, or untrained | error | off
 *   phishing  the signals' own score
 *   then one item per signal (signals.ts), at most MAX_SHOWN, strongest first.
 *
 * Never emits CR, LF, other controls or non-ASCII octets: text from the message (display names,
 * link texts) is a quoted-string with '"' and '\' escaped, '%' and every character outside
 * printable ASCII percent-encoded as UTF-8, cut at MAX_QUOTED characters; domains are shown as
 * A-labels (RFC 5890). The route stage strips any X-Mailwarden-Phishing field the message
 * brought (a sender could forge a reassuring one).
 */
import { domainToASCII } from 'node:url';
import { foldItems, quoteText } from '../mail/field-format.ts';
import type { PhishingSignal } from './signals.ts';
import { signalName } from './signals.ts';
import { signalWeight } from './score.ts';

export const PHISHING_HEADER = 'X-Mailwarden-Phishing';
export const MAX_SHOWN = 10;
export const MAX_QUOTED = 64;

export type PhishingVerdict = 'none' | 'warn' | 'junk';

/** Message text as a safe quoted-string. */
export const quoted = (text: string): string => quoteText(text, MAX_QUOTED);

/** A domain as an A-label name, or quoted when it is not a usable name. */
export function shownDomain(domain: string): string {
  const a = domainToASCII(domain);
  return a !== '' && /^[a-z0-9.-]+$/.test(a) ? a : quoted(domain);
}

/** An address, bare when it is plain printable ASCII without our separators, else quoted. */
function shownAddress(address: string): string {
  return /^[\x21-\x7e]+$/.test(address) && !/[";\\]/.test(address) && address.length <= 254 ? address : quoted(address);
}

/** One signal in its readable form (signals.ts lists them). */
export function describeSignal(s: PhishingSignal): string {
  switch (s.kind) {
    case 'display-name-address':
      return `display-name-address ${quoted(s.shown)} != sender ${shownDomain(s.sender)}`;
    case 'display-name-brand':
      return `display-name-brand ${quoted(s.brand)} from external ${shownDomain(s.sender)}`;
    case 'display-name-user':
      return `display-name-user ${quoted(s.name)} from external ${shownDomain(s.sender)}`;
    case 'lookalike': {
      const m = s.match;
      const how = [m.how, ...(m.distance !== undefined ? [`distance=${m.distance}`] : []), ...(m.punycode ? ['punycode'] : [])].join(', ');
      return `${signalName(s)} ${s.where} ${shownDomain(m.host)} ~ ${shownDomain(m.target)} (${how})`;
    }
    case 'link-mismatch':
      return `link-mismatch ${quoted(s.shown)} -> ${shownDomain(s.href)}`;
    case 'first-contact':
      return `first-contact ${shownAddress(s.sender)}`;
  }
}

export interface PhishingHeaderInput {
  verdict: PhishingVerdict;
  score: number;
  /** The Bayes score, or why there is none. */
  bayes: number | 'untrained' | 'error' | 'off';
  phishing: number;
  signals: readonly PhishingSignal[];
}

/** The whole field, folded, CRLF-terminated. */
export function phishingHeaderField(h: PhishingHeaderInput): string {
  const bayes = typeof h.bayes === 'number' ? h.bayes.toFixed(4) : h.bayes;
  const sorted = [...h.signals].sort((a, b) => signalWeight(b) - signalWeight(a)).slice(0, MAX_SHOWN);
  const items = [h.verdict, `score=${h.score.toFixed(4)}`, `bayes=${bayes}`, `phishing=${h.phishing.toFixed(4)}`, ...sorted.map(describeSignal)];
  if (h.signals.length > MAX_SHOWN) items.push(`more=${h.signals.length - MAX_SHOWN}`);
  const out = foldItems(PHISHING_HEADER, items, false);
  return `${out}\r\n`;
}
