/**
 * The phishing signals: one closed union, each produced by its own module and shown in the
 * X-Mailwarden-Phishing field (header.ts) in a readable one-line form, e.g.
 *
 *   display-name-address "paypal.com" != sender attacker.test
 *   display-name-brand "Seccamp Bank" from external attacker.test
 *   display-name-user "Alice" from external attacker.test
 *   lookalike-local from gmai1.test ~ gmail.test (confusable)
 *   lookalike-brand link paypa1.co ~ paypal.com (confusable)
 *   link-mismatch "www.seccampbank.test" -> attacker.test
 *   first-contact x@attacker.test
 */
import type { LookalikeMatch } from './lookalike.ts';

export type PhishingSignal =
  /** display-name.ts: the display name shows an address or domain that is not the sender's. */
  | { kind: 'display-name-address'; shown: string; sender: string }
  /** display-name.ts: the display name holds a protected brand, the address is not the brand's nor ours. */
  | { kind: 'display-name-brand'; brand: string; sender: string }
  /** display-name.ts: the display name is a local user's (or protected) name, the address is external. */
  | { kind: 'display-name-user'; name: string; sender: string }
  /** lookalike.ts: a domain in From, Reply-To or a link imitates a local or protected domain. */
  | { kind: 'lookalike'; where: 'from' | 'reply-to' | 'link'; match: LookalikeMatch }
  /** links.ts: a link's visible text shows one domain, its href goes to another. */
  | { kind: 'link-mismatch'; shown: string; href: string }
  /** first-contact.ts: no local recipient has exchanged mail with this sender before. */
  | { kind: 'first-contact'; sender: string };

export type SignalName = 'display-name-address' | 'display-name-brand' | 'display-name-user' | 'lookalike-local' | 'lookalike-brand' | 'link-mismatch' | 'first-contact';

/** The name shown in the header and used for weights: look-alikes split by what they imitate. */
export function signalName(s: PhishingSignal): SignalName {
  return s.kind === 'lookalike' ? (s.match.kind === 'local' ? 'lookalike-local' : 'lookalike-brand') : s.kind;
}
