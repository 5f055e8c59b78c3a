/**
 * One message as the webmail shows it, read from the store in bounded pieces: the header block
 * (at most MAX_HEADER octets), the chosen text part (at most MAX_TEXT octets as transmitted),
 * never the whole message.
 *
 * - Header fields: RFC 5322 §3.6, RFC 2047 encoded-words decoded (mail/mime/decode.ts),
 *   addresses split into display name and address so a name can never pass for an address.
 * - OUR verdicts only: the Authentication-Results fields whose authserv-id is our host name
 *   (RFC 8601 §5, the MX strips forged ones), and the first X-Mailwarden-Spam and
 *   X-Mailwarden-Phishing fields (the MX strips the sender's and puts its own on top).
 * - The body: the first inline text/plain part; without one, the first inline text/html part
 *   converted to text (html-text.ts). Everything else is an attachment.
 * Everything returned is untrusted text for the views to escape.
 */
import { parseHeaderBlock, firstField, type HeaderField } from '../mail/mime/header.ts';
import { decodeCharset, decodeHeaderValue, decodeTransfer } from '../mail/mime/decode.ts';
import { parseAddressList } from '../mail/mime/address.ts';
import { listLeaves, type Leaf } from '../mail/mime/leaves.ts';
import { headerEnd } from '../mail/headers.ts';
import { collectAuthResults, parseAuthResults, type AuthResultEntry } from '../standards/authresults/authresults.ts';
import { parseSpamHeaderField, SPAM_HEADER, type ParsedSpamField } from '../junk/header.ts';
import { parsePhishingField, PHISHING_FIELD, type ParsedPhishingField } from './phishing-field.ts';
import { htmlToText } from './html-text.ts';
import type { UserMailboxes } from '../mailbox/user-mailboxes.ts';
import type { StoredMessage } from '../store/ports.ts';

/** Header octets read for a list row or a message page. */
export const MAX_HEADER = 64 * 1024;
/** Octets of a text part (as transmitted) read for display; the rest is cut. */
export const MAX_TEXT = 2 * 1024 * 1024;

export interface ShownAddress {
  name: string;
  address: string;
}

export interface HeaderSummary {
  from: ShownAddress[];
  to: ShownAddress[];
  cc: ShownAddress[];
  replyTo: ShownAddress[];
  subject: string;
  /** The Date field as written, and as a time when it parses. */
  date: string;
  time: number | null;
  spam: ParsedSpamField | null;
  phishing: ParsedPhishingField | null;
}

export interface Attachment {
  path: string;
  name: string;
  contentType: string;
  /** Decoded size, estimated from the transmitted size (base64: 3/4). */
  size: number;
  encoding: string;
  start: number;
  end: number;
}

export interface MessageView extends HeaderSummary {
  auth: AuthResultEntry[];
  body: { text: string; from: 'plain' | 'html' | 'none'; truncated: boolean };
  /** The inline HTML part the "show HTML" view renders, if any. */
  html: Leaf | null;
  attachments: Attachment[];
}

function addresses(fields: readonly HeaderField[], name: string): ShownAddress[] {
  const v = firstField(fields, name);
  if (v === null) return [];
  return (parseAddressList(v) ?? [])
    .filter((a) => a.host !== null)
    .slice(0, 100)
    .map((a) => ({ name: decodeHeaderValue(a.name ?? '').trim(), address: `${a.mailbox ?? ''}@${a.host}` }));
}

/** The summary a list row and a message page share, from a raw header block. */
export function summarize(header: Buffer): HeaderSummary {
  const fields = parseHeaderBlock(header);
  const date = firstField(fields, 'Date') ?? '';
  const parsed = date ? Date.parse(date.replace(/\([^)]*\)/g, '')) : Number.NaN;
  const spam = firstField(fields, SPAM_HEADER);
  const phishing = firstField(fields, PHISHING_FIELD);
  return {
    from: addresses(fields, 'From'),
    to: addresses(fields, 'To'),
    cc: addresses(fields, 'Cc'),
    replyTo: addresses(fields, 'Reply-To'),
    subject: decodeHeaderValue(firstField(fields, 'Subject') ?? ''),
    date,
    time: Number.isNaN(parsed) ? null : parsed,
    spam: spam === null ? null : parseSpamHeaderField(spam),
    phishing: phishing === null ? null : parsePhishingField(phishing),
  };
}

/** The header block of a stored message (up to the blank line, at most MAX_HEADER octets). */
export async function readHeader(ux: UserMailboxes, m: Pick<StoredMessage, 'blobId' | 'size'>): Promise<Buffer> {
  let want = Math.min(m.size, 8 * 1024);
  for (;;) {
    const b = await ux.readRange(m.blobId, 0, want);
    const end = headerEnd(b);
    if (end >= 0) return b.subarray(0, end);
    if (want >= Math.min(m.size, MAX_HEADER)) return b;
    want = Math.min(m.size, MAX_HEADER);
  }
}

const isInlineText = (l: Leaf, subtype: string) => l.contentType === `text/${subtype}` && l.disposition !== 'attachment' && l.filename === null;

/** The body parts: the first inline text/plain and the first inline text/html leaf. */
export function bodyLeaves(leaves: readonly Leaf[]): { plain: Leaf | null; html: Leaf | null } {
  return { plain: leaves.find((l) => isInlineText(l, 'plain')) ?? null, html: leaves.find((l) => isInlineText(l, 'html')) ?? null };
}

/** The decoded text of a leaf, at most MAX_TEXT octets read. */
export async function leafText(ux: UserMailboxes, blobId: number, leaf: Leaf): Promise<{ text: string; truncated: boolean }> {
  const end = Math.min(leaf.end, leaf.start + MAX_TEXT);
  const raw = await ux.readRange(blobId, leaf.start, end);
  const decoded = decodeTransfer(raw, leaf.encoding) ?? raw;
  return { text: decodeCharset(decoded, leaf.charset), truncated: end < leaf.end };
}

export async function readMessageView(ux: UserMailboxes, m: StoredMessage, authservId: string): Promise<MessageView> {
  const structure = await ux.structure({ blobId: m.blobId, structure: null });
  const header = await readHeader(ux, m);
  const summary = summarize(header);
  const payload = parseAuthResults(collectAuthResults(header, authservId));
  const leaves = listLeaves(structure);
  const { plain, html } = bodyLeaves(leaves);
  let body: MessageView['body'] = { text: '', from: 'none', truncated: false };
  if (plain) body = { ...(await leafText(ux, m.blobId, plain)), from: 'plain' };
  else if (html) {
    const t = await leafText(ux, m.blobId, html);
    body = { text: htmlToText(t.text), from: 'html', truncated: t.truncated };
  }
  const attachments = leaves
    .filter((l) => l !== plain && l !== html && !(l.contentType.startsWith('multipart/')))
    .map((l) => ({
      path: l.path,
      name: l.filename ?? `part-${l.path}`,
      contentType: l.contentType,
      size: l.encoding === 'base64' ? Math.floor(((l.end - l.start) * 3) / 4 * (76 / 78)) : l.end - l.start,
      encoding: l.encoding,
      start: l.start,
      end: l.end,
    }));
  return { ...summary, auth: payload?.results ?? [], body, html, attachments };
}

/** The leaves of a stored message. */
export async function messageLeaves(ux: UserMailboxes, m: StoredMessage): Promise<Leaf[]> {
  return listLeaves(await ux.structure({ blobId: m.blobId, structure: null }));
}
