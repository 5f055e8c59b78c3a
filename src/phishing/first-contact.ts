/**
 * First contact: a sender none of the local recipients has exchanged mail with. Ordinary for a
 * new customer or a newsletter, so it weighs little alone; it matters together with the other
 * signals (a brand name from a stranger, a look-alike domain never seen before).
 *
 * "Exchanged mail" is what the correspondents store (store/ports.ts CorrespondentStore) records:
 * addresses a user sent mail to through submission, and the From addresses of mail delivered to
 * the user's INBOX without a phishing warning. The lookup is the stage's (I/O); this module only
 * decides, so it stays pure and testable.
 */
import type { PhishingSignal } from './signals.ts';

/** The signal for `sender` (an address, lower case) given whether some recipient knows it. */
export function firstContactSignal(sender: string, known: boolean): PhishingSignal[] {
  if (known || sender === '') return [];
  return [{ kind: 'first-contact', sender }];
}
