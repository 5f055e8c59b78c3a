/**
 * One pass over a message's MIME leaves for the content stages: "attachments" scans every
 * attachment as it streams by (src/attachments), "phishing" gets the decoded HTML parts
 * (src/phishing/links.ts). The walk happens at most once per message and only when some stage
 * asks; a single-part text/plain message without a file name needs no walk at all.
 *
 *   walk     src/mail/mime/walker.ts, with limits (MAX_PARTS parts, MAX_DEPTH nesting); a message
 *            beyond them is reported `truncated` (attachments: "unscannable")
 *   read     src/mail/mime/leaves.ts, one leaf decoded at a time: attachments up to
 *            max_scan_bytes plus a 1 MiB tail, HTML up to MAX_HTML_BYTES, at most MAX_HTML_PARTS
 */
import { parseMessageStructureStream } from '../../mail/mime/walker.ts';
import { leafText, listLeaves, readLeaves, type Leaf, type LeafContent } from '../../mail/mime/leaves.ts';
import { firstField, parseContentType, parseDisposition, param } from '../../mail/mime/header.ts';
import type { HeaderField } from '../../mail/headers.ts';

export const MAX_PARTS = 1000;
export const MAX_DEPTH = 30;
export const MAX_HTML_BYTES = 512 * 1024;
export const MAX_HTML_PARTS = 10;
export const TAIL_BYTES = 1024 * 1024;

/** A leaf the attachment policy looks at: named, marked as attachment, or not plain/HTML text. */
export function isAttachment(l: Leaf): boolean {
  return l.filename !== null || l.disposition === 'attachment' || (l.contentType !== 'text/plain' && l.contentType !== 'text/html');
}

/** True when the top-level header shows a plain single-part text message (nothing to walk). */
export function plainTextOnly(fields: readonly HeaderField[]): boolean {
  const ctRaw = firstField(fields, 'Content-Type');
  const ct = ctRaw === null ? { type: 'text', subtype: 'plain', params: [] } : parseContentType(ctRaw);
  if (ct === null) return true; // RFC 2045 §5.2: an invalid Content-Type is text/plain
  if (ct.type.toLowerCase() !== 'text' || ct.subtype.toLowerCase() !== 'plain') return false;
  if (param(ct.params, 'name') !== null || param(ct.params, 'name*') !== null) return false;
  const dRaw = firstField(fields, 'Content-Disposition');
  return dRaw === null || parseDisposition(dRaw)?.type.toLowerCase() !== 'attachment';
}

export interface ContentPass {
  /** Leaves beyond the walker's limits were not seen. */
  truncated: boolean;
  attachments: number;
  /** Decoded HTML parts (at most MAX_HTML_PARTS). */
  html: string[];
}

export interface ContentRequest {
  /** Called for each attachment while streaming (awaited before the next leaf is read). */
  onAttachment?: (c: LeafContent) => Promise<void>;
  /** Max decoded octets held per attachment; 0 when attachments are not wanted. */
  attachmentHeadBytes: number;
  html: boolean;
}

/** Walks and reads the message once for the requested content. */
export async function contentPass(message: () => AsyncIterable<Buffer>, fields: readonly HeaderField[], req: ContentRequest): Promise<ContentPass> {
  const wantAttachments = req.attachmentHeadBytes > 0;
  if (plainTextOnly(fields) || (!wantAttachments && !req.html)) return { truncated: false, attachments: 0, html: [] };
  const structure = await parseMessageStructureStream(message(), { maxParts: MAX_PARTS, maxDepth: MAX_DEPTH, maxHeaderBytes: 64 * 1024 });
  const leaves = listLeaves(structure);
  const html: string[] = [];
  let attachments = 0;
  let htmlSeen = 0;
  const select = (l: Leaf) => {
    if (wantAttachments && isAttachment(l)) return { headBytes: req.attachmentHeadBytes, tailBytes: TAIL_BYTES };
    if (req.html && l.contentType === 'text/html' && htmlSeen++ < MAX_HTML_PARTS) return { headBytes: MAX_HTML_BYTES, tailBytes: 0 };
    return null;
  };
  await readLeaves(message(), leaves, select, async (c) => {
    if (req.html && c.leaf.contentType === 'text/html' && html.length < MAX_HTML_PARTS) html.push(leafText({ ...c, head: c.head.subarray(0, MAX_HTML_BYTES) }));
    if (wantAttachments && isAttachment(c.leaf)) {
      attachments++;
      await req.onAttachment?.(c);
    }
  });
  return { truncated: structure.truncated, attachments, html };
}
