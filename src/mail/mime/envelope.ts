/**
 * ENVELOPE from a header block: RFC 9051 §7.5.2 (RFC 3501 §7.4.2).
 *
 *   envelope = "(" env-date SP env-subject SP env-from SP env-sender SP env-reply-to SP env-to
 *              SP env-cc SP env-bcc SP env-in-reply-to SP env-message-id ")"
 *
 * Values are the raw header values (encoded-words untouched), unfolded and trimmed; the first
 * occurrence of a field counts. "If the Sender or Reply-To header lines are absent in the
 * [RFC-5322] header, or are present but empty, the server sets the corresponding member of the
 * envelope to be the same value as the from member" (RFC 9051 §7.5.2).
 */
import { parseAddressList } from './address.ts';
import { firstField, type HeaderField } from './header.ts';
import type { Envelope } from './structure.ts';

function addresses(fields: readonly HeaderField[], name: string) {
  const v = firstField(fields, name);
  return v === null ? null : parseAddressList(v);
}

export function buildEnvelope(fields: readonly HeaderField[]): Envelope {
  const from = addresses(fields, 'From');
  return {
    date: firstField(fields, 'Date'),
    subject: firstField(fields, 'Subject'),
    from,
    sender: addresses(fields, 'Sender') ?? from,
    replyTo: addresses(fields, 'Reply-To') ?? from,
    to: addresses(fields, 'To'),
    cc: addresses(fields, 'Cc'),
    bcc: addresses(fields, 'Bcc'),
    inReplyTo: firstField(fields, 'In-Reply-To'),
    messageId: firstField(fields, 'Message-ID'),
  };
}

export const EMPTY_ENVELOPE: Envelope = {
  date: null, subject: null, from: null, sender: null, replyTo: null, to: null, cc: null, bcc: null, inReplyTo: null, messageId: null,
};
