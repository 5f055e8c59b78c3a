/**
 * Per-blob values derived from the MIME structure once (at ingest, or lazily on first use) so
 * the IMAP hot paths read stored strings instead of parsing a structure per message:
 *
 *   envelope  the wire form of ENVELOPE (RFC 9051 §7.5.2), stored only when it is the same for
 *             every client (7-bit-quotable strings); otherwise null and rendered per FETCH.
 *   subject, from, to, cc, bcc
 *             SEARCH's view of those fields (RFC 9051 §6.4.4: case-insensitive substring on the
 *             decoded value): decoded and lower-cased, null when the field is absent. SEARCH
 *             lower-cases its needle the same way and matches with a plain substring test.
 *
 * Engine-neutral: every store engine keeps these next to the structure.
 */
import { STRUCTURE_VERSION, type Address, type MessageStructure } from '../mail/mime/structure.ts';
import { decodeHeaderValue } from '../mail/mime/decode.ts';
import { renderEnvelope } from '../imap/bodystructure.ts';

/**
 * Stored with the fields; fields of another version count as not derived (recomputed lazily).
 * Follows the structure's version; bump the last digits when what is derived here changes.
 */
export const DERIVED_VERSION = STRUCTURE_VERSION * 1000 + 1;

export interface DerivedFields {
  envelope: string | null;
  subject: string | null;
  from: string | null;
  to: string | null;
  cc: string | null;
  bcc: string | null;
}

/** The address fields SEARCH answers from the stored ENVELOPE. */
export const SEARCH_FIELDS = ['subject', 'from', 'to', 'cc', 'bcc'] as const;
export type SearchField = (typeof SEARCH_FIELDS)[number];

function addressText(list: readonly Address[] | null): string | null {
  if (list === null) return null;
  return list.map((a) => `${a.name === null ? '' : decodeHeaderValue(a.name)} <${a.mailbox ?? ''}@${a.host ?? ''}>`).join(', ');
}

/** SEARCH's lower-cased text of one ENVELOPE field; null when absent. */
export function searchFieldText(st: MessageStructure, name: SearchField): string | null {
  const env = st.envelope;
  const v = name === 'subject' ? (env.subject === null ? null : decodeHeaderValue(env.subject)) : addressText(env[name]);
  return v === null ? null : v.toLowerCase();
}

export function deriveFields(st: MessageStructure): DerivedFields {
  const plain = renderEnvelope(st.envelope, { utf8: false });
  const utf8 = renderEnvelope(st.envelope, { utf8: true });
  return {
    envelope: plain === utf8 ? plain : null,
    subject: searchFieldText(st, 'subject'),
    from: searchFieldText(st, 'from'),
    to: searchFieldText(st, 'to'),
    cc: searchFieldText(st, 'cc'),
    bcc: searchFieldText(st, 'bcc'),
  };
}
