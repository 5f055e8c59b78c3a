/**
 * Section specifiers to byte ranges: RFC 9051 §6.4.5 (BODY[section]: part numbers, HEADER,
 * HEADER.FIELDS[.NOT], TEXT, MIME).
 *
 * Part numbering: the parts of a multipart are 1, 2, ...; a non-multipart message has one part,
 * "1", its body; "n.HEADER"/"n.TEXT" apply to a message/rfc822 part n; "n.MIME" is part n's own
 * MIME header. Ranges come from the offsets recorded by the walker, so nothing is re-parsed.
 */
import type { BodyNode, MessageStructure } from './structure.ts';

/** [start, end) octets of the raw message. */
export interface ByteRange {
  start: number;
  end: number;
}

export type SectionText = 'HEADER' | 'HEADER.FIELDS' | 'HEADER.FIELDS.NOT' | 'TEXT' | 'MIME' | null;

/** The body part at a part path (e.g. [4, 2, 1]), or null when there is none. */
export function findPart(structure: MessageStructure, path: readonly number[]): BodyNode | null {
  let container: BodyNode = structure.body;
  let node: BodyNode | null = null;
  for (const n of path) {
    if (node !== null) {
      if (node.kind === 'multipart') container = node;
      else if (node.kind === 'message') container = node.body;
      else return null; // a leaf has no sub-parts
    }
    if (container.kind === 'multipart') node = container.parts[n - 1] ?? null;
    else node = n === 1 ? container : null;
    if (node === null) return null;
  }
  return node;
}

/**
 * The octets BODY[part.text] refers to (before any <partial>), or null when the section does not
 * exist. For HEADER.FIELDS[.NOT] the range is the whole header block: filter it with
 * filterHeaderFields (header.ts).
 */
export function sectionRange(structure: MessageStructure, part: readonly number[], text: SectionText): ByteRange | null {
  if (part.length === 0) {
    const root = structure.body.offsets;
    if (text === null) return { start: 0, end: structure.size };
    if (text === 'TEXT') return { start: root.bodyStart, end: root.end };
    if (text === 'MIME') return null; // RFC 9051 §6.4.5: MIME needs a part number
    return { start: root.headerStart, end: root.bodyStart };
  }
  const node = findPart(structure, part);
  if (node === null) return null;
  if (text === null) return { start: node.offsets.bodyStart, end: node.offsets.end };
  if (text === 'MIME') return { start: node.offsets.headerStart, end: node.offsets.bodyStart };
  // HEADER, HEADER.FIELDS[.NOT] and TEXT address the message inside a message/rfc822 part.
  if (node.kind !== 'message') return null;
  const inner = node.body.offsets;
  return text === 'TEXT' ? { start: inner.bodyStart, end: inner.end } : { start: inner.headerStart, end: inner.bodyStart };
}
