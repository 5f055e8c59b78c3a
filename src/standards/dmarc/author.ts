/**
 * The Author Domain DMARC evaluates, RFC 7489 §6.6.1 (and §3.1: the RFC5322.From domain).
 *
 * RFC 5322 §3.6 requires exactly one From field. A message with none or several, or whose From
 * names mailboxes in different domains, cannot be evaluated; RFC 7489 §6.6.1 lets the receiver
 * reject such messages, and mailwarden does (issue 5: "multiple From headers → reject, no From →
 * reject"), because these are the shapes that make a reader see a domain DMARC did not check.
 *
 * Must never: pick one of several author domains (that is exactly the spoofing trick).
 */
import { normalizeName } from '../../dns/names.ts';

export type AuthorDomain =
  | { ok: true; domain: string }
  | {
      ok: false;
      /** Why DMARC cannot be evaluated; the caller rejects (550 5.7.1). */
      reason: 'no-from-field' | 'multiple-from-fields' | 'no-author-domain' | 'multiple-author-domains' | 'invalid-author-domain';
    };

/** From data as verifyDkimMessage() returns it: the number of From fields and their addresses. */
export function authorDomain(author: { fromFields: number; addresses: readonly string[] }): AuthorDomain {
  if (author.fromFields === 0) return { ok: false, reason: 'no-from-field' };
  if (author.fromFields > 1) return { ok: false, reason: 'multiple-from-fields' }; // RFC 5322 §3.6 max 1
  const domains = new Set<string>();
  for (const address of author.addresses) {
    const at = address.lastIndexOf('@');
    if (at < 0) continue;
    const raw = address.slice(at + 1);
    // A domain literal (RFC 5322 §3.4.1) or a broken name cannot publish a DMARC record.
    const domain = raw.startsWith('[') ? undefined : normalizeName(raw);
    if (domain === undefined || domain === '' || !domain.includes('.')) return { ok: false, reason: 'invalid-author-domain' };
    domains.add(domain);
  }
  if (domains.size === 0) return { ok: false, reason: 'no-author-domain' };
  // §6.6.1: several mailboxes are fine only when they share one domain.
  if (domains.size > 1) return { ok: false, reason: 'multiple-author-domains' };
  return { ok: true, domain: [...domains][0] as string };
}
