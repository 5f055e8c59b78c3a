/**
 * The stored shape of a message's MIME structure: everything IMAP's ENVELOPE (RFC 9051 §7.5.2),
 * BODY and BODYSTRUCTURE (RFC 9051 §7.5.2, RFC 3501 §7.4.2) need, plus per-part byte offsets so
 * BODY[section] (RFC 9051 §6.4.5) can be served by byte ranges without re-parsing.
 *
 * Plain JSON (no Buffer, no bigint): built once at delivery, stored beside the message, rendered
 * per FETCH. Strings are raw header values decoded as UTF-8; type, subtype, parameter names and
 * encodings keep the case they were written in (defaults are lower case, as Dovecot does).
 */
import type { Address } from './address.ts';
import type { Params } from './header.ts';

export type { Address } from './address.ts';
export type { Params } from './header.ts';

/** Bumped when the stored shape changes. */
export const STRUCTURE_VERSION = 1;

export interface Envelope {
  date: string | null;
  subject: string | null;
  from: Address[] | null;
  sender: Address[] | null;
  replyTo: Address[] | null;
  to: Address[] | null;
  cc: Address[] | null;
  bcc: Address[] | null;
  inReplyTo: string | null;
  messageId: string | null;
}

/**
 * Byte offsets into the raw message, end exclusive:
 *   [headerStart, bodyStart) the part's header including the blank line (BODY[n.MIME], or
 *                            BODY[HEADER] for a message root),
 *   [bodyStart, end)         the part's body (BODY[n], or BODY[TEXT] for a message root).
 * In a multipart, a part ends before the CRLF that precedes the next boundary (RFC 2046 §5.1.1).
 */
export interface PartOffsets {
  headerStart: number;
  bodyStart: number;
  end: number;
}

interface PartBase {
  type: string;
  subtype: string;
  /** Content-Type parameters; text/* without a charset gets charset=us-ascii (RFC 2045 §5.2). */
  params: Params;
  disposition: { type: string; params: Params } | null;
  language: string[] | null;
  location: string | null;
  offsets: PartOffsets;
}

export interface MultipartNode extends PartBase {
  kind: 'multipart';
  /** Never empty: a multipart without parts gets one empty text/plain part (as Dovecot does). */
  parts: BodyNode[];
}

interface SinglePartBase extends PartBase {
  id: string | null;
  description: string | null;
  /** Content-Transfer-Encoding as written, "7bit" when absent (RFC 2045 §6.1). */
  encoding: string;
  md5: string | null;
  /** Body octets. */
  size: number;
}

export interface BasicNode extends SinglePartBase {
  kind: 'basic';
}

export interface TextNode extends SinglePartBase {
  kind: 'text';
  /** Body lines: LF octets in the body (Dovecot's count; a final unterminated line adds none). */
  lines: number;
}

/** message/rfc822 or message/global (RFC 9051 §9 media-message): an encapsulated message. */
export interface MessageNode extends SinglePartBase {
  kind: 'message';
  lines: number;
  envelope: Envelope;
  /** The encapsulated message's root part; its headerStart is this part's bodyStart. */
  body: BodyNode;
}

export type BodyNode = MultipartNode | BasicNode | TextNode | MessageNode;

export interface MessageStructure {
  version: typeof STRUCTURE_VERSION;
  /** Total octets (RFC822.SIZE). */
  size: number;
  envelope: Envelope;
  /** The root part: its header is the message header. */
  body: BodyNode;
  /** True when a limit (depth, parts, header size) cut the analysis short. */
  truncated: boolean;
}
