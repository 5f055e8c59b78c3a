/**
 * FETCH data items of one message: RFC 9051 §6.4.5 / §7.5.2 (FLAGS, INTERNALDATE, RFC822.SIZE,
 * ENVELOPE, BODY, BODYSTRUCTURE, UID, BODY[section]<partial>), RFC 3501 §6.4.5 (RFC822,
 * RFC822.HEADER, RFC822.TEXT), RFC 3516 §4.3 (BINARY[part]<partial>, BINARY.SIZE), RFC 7162 §3.1.4
 * (MODSEQ).
 *
 * ENVELOPE and BODYSTRUCTURE come from the structure stored at delivery; sections are byte ranges
 * of the stored message (offsets from that structure) streamed from the store, so a body is never
 * assembled in memory. The one exception, bounded by the header size: HEADER.FIELDS filters a
 * header block. BINARY decodes a part as a stream, twice (binary.ts: the literal's size must be
 * known before it starts).
 */
import type { MessageRow } from '../store/ports.ts';
import type { MessageStructure } from '../mail/mime/structure.ts';
import { findPart, sectionRange } from '../mail/mime/section.ts';
import { filterHeaderFields } from '../mail/mime/header.ts';
import { cutStream, measure } from './binary.ts';
import { decodeStream, knownTransferEncoding, transferDecoder } from '../mail/mime/transfer-stream.ts';
import type { UserMailboxes } from '../mailbox/user-mailboxes.ts';
import type { FetchAttribute, PartialRange, Section } from '../imap/parser/types.ts';
import { encodeDateTime, fetchResponseName, type FetchItem, type FetchValue, type StringOptions } from '../imap/encoder.ts';
import { renderBodyStructure, renderEnvelope } from '../imap/bodystructure.ts';
import type { SelectedMailbox } from './selected.ts';

/** What a FETCH needs from the store, decided once per command. */
export interface FetchPlan {
  structure: boolean;
  /** ENVELOPE is asked for: read the stored wire form with the rows. */
  envelope: boolean;
  /** Some item sets \Seen unless .PEEK (RFC 9051 §6.4.5). */
  setsSeen: boolean;
}

export function planFetch(items: readonly FetchAttribute[]): FetchPlan {
  let structure = false;
  let envelope = false;
  let setsSeen = false;
  for (const a of items) {
    switch (a.name) {
      case 'ENVELOPE':
        envelope = true;
        break;
      case 'BODY':
      case 'BODYSTRUCTURE':
      case 'RFC822.HEADER':
      case 'RFC822.TEXT':
      case 'BINARY.SIZE':
        structure = true;
        break;
      case 'BODY[]':
        if (a.section.part.length > 0 || a.section.text !== null) structure = true;
        if (!a.peek) setsSeen = true;
        break;
      case 'BINARY[]':
        if (a.part.length > 0) structure = true;
        if (!a.peek) setsSeen = true;
        break;
      default:
        break;
    }
    if (a.name === 'RFC822' || a.name === 'RFC822.TEXT') setsSeen = true;
  }
  return { structure, envelope, setsSeen };
}

type Content = { kind: 'nil' } | { kind: 'data'; size: number; source: AsyncIterable<Uint8Array> | Uint8Array; binary?: boolean };

/** RFC 9051 §6.4.5: <origin.octets> cuts the section; an origin past its end gives "". */
function cut(start: number, end: number, partial: PartialRange | null): [number, number] {
  if (partial === null) return [start, end];
  const s = Math.min(start + partial.start, end);
  return [s, Math.min(s + partial.length, end)];
}

function range(mail: UserMailboxes, row: MessageRow, start: number, end: number, partial: PartialRange | null): Content {
  const [s, e] = cut(start, end, partial);
  return e <= s ? { kind: 'data', size: 0, source: Buffer.alloc(0) } : { kind: 'data', size: e - s, source: mail.range(row.blobId, s, e) };
}

function sliceBuffer(buf: Buffer, partial: PartialRange | null): Buffer {
  const [s, e] = cut(0, buf.length, partial);
  return buf.subarray(s, e);
}

async function bodySection(mail: UserMailboxes, row: MessageRow, st: MessageStructure | null, section: Section, partial: PartialRange | null): Promise<Content> {
  if (section.part.length === 0 && section.text === null) return range(mail, row, 0, row.size, partial);
  const r = sectionRange(st!, section.part, section.text);
  // A section that does not exist (a part number too high) is NIL, as Dovecot answers.
  if (r === null) return { kind: 'nil' };
  if (section.text === 'HEADER.FIELDS' || section.text === 'HEADER.FIELDS.NOT') {
    const block = await mail.readRange(row.blobId, r.start, r.end);
    return { kind: 'data', size: 0, source: sliceBuffer(filterHeaderFields(block, section.fields, section.text === 'HEADER.FIELDS.NOT'), partial) };
  }
  return range(mail, row, r.start, r.end, partial);
}

/** A leaf part's decoded octets as a fresh stream each call (transfer-stream.ts), or null for an unknown CTE. */
function decodedPart(mail: UserMailboxes, row: MessageRow, node: { encoding: string; offsets: { bodyStart: number; end: number } }): (() => AsyncGenerator<Buffer>) | null {
  if (!knownTransferEncoding(node.encoding)) return null;
  return () => decodeStream(mail.range(row.blobId, node.offsets.bodyStart, node.offsets.end), transferDecoder(node.encoding));
}

/**
 * RFC 3516 §4.3: the decoded content of a leaf part; null for an unknown transfer encoding.
 * Streamed in two passes (binary.ts): the size and NUL test first, then the literal itself.
 */
async function binaryContent(mail: UserMailboxes, row: MessageRow, st: MessageStructure | null, part: readonly number[], partial: PartialRange | null): Promise<Content | null> {
  if (part.length === 0) return range(mail, row, 0, row.size, partial);
  const node = findPart(st!, part);
  if (node === null || node.kind === 'multipart') return { kind: 'nil' };
  const open = decodedPart(mail, row, node);
  if (open === null) return null;
  const { size, nul } = await measure(open(), partial?.start ?? 0, partial ? partial.start + partial.length : Infinity);
  const [s, e] = cut(0, size, partial);
  if (e <= s) return { kind: 'data', size: 0, source: Buffer.alloc(0) };
  return { kind: 'data', size: e - s, source: cutStream(open(), s, e), binary: nul };
}

async function binarySize(mail: UserMailboxes, row: MessageRow, st: MessageStructure | null, part: readonly number[]): Promise<number | null> {
  if (part.length === 0) return row.size;
  const node = findPart(st!, part);
  if (node === null || node.kind === 'multipart') return 0;
  if (/^\s*(7bit|8bit|binary)\s*$/i.test(node.encoding)) return node.size;
  const open = decodedPart(mail, row, node);
  return open === null ? null : (await measure(open())).size;
}

function value(c: Content): FetchValue {
  if (c.kind === 'nil') return { kind: 'raw', text: 'NIL' };
  const source = c.source;
  const size = source instanceof Uint8Array ? source.length : c.size;
  return { kind: 'literal', size, source, ...(c.binary ? { binary: true } : {}) };
}

export interface RenderContext {
  mail: UserMailboxes;
  selected: SelectedMailbox;
  rev1: boolean;
  strings: StringOptions;
}

/** The FETCH items of one message, in the order asked; null when a part has an unknown CTE. */
export async function renderItems(rc: RenderContext, row: MessageRow, st: MessageStructure | null, items: readonly FetchAttribute[]): Promise<FetchItem[] | null> {
  const out: FetchItem[] = [];
  const raw = (name: string, text: string) => out.push({ name, value: { kind: 'raw', text } });
  for (const a of items) {
    switch (a.name) {
      case 'UID':
        raw('UID', String(row.uid));
        break;
      case 'FLAGS':
        raw('FLAGS', rc.selected.flagsFor(row.uid, row.flags, rc.rev1));
        break;
      case 'INTERNALDATE':
        raw('INTERNALDATE', encodeDateTime(new Date(row.internalDate)));
        break;
      case 'RFC822.SIZE':
        raw('RFC822.SIZE', String(row.size));
        break;
      case 'MODSEQ':
        raw('MODSEQ', `(${row.modseq})`);
        break;
      case 'ENVELOPE':
        // The stored wire form when the row has one; else rendered from the structure.
        raw('ENVELOPE', row.envelope ?? renderEnvelope(st!.envelope, rc.strings));
        break;
      case 'BODY':
      case 'BODYSTRUCTURE':
        raw(a.name, renderBodyStructure(st!.body, { ...rc.strings, extended: a.name === 'BODYSTRUCTURE' }));
        break;
      case 'RFC822':
        out.push({ name: 'RFC822', value: value(range(rc.mail, row, 0, row.size, null)) });
        break;
      case 'RFC822.HEADER':
      case 'RFC822.TEXT': {
        const r = sectionRange(st!, [], a.name === 'RFC822.HEADER' ? 'HEADER' : 'TEXT')!;
        out.push({ name: a.name, value: value(range(rc.mail, row, r.start, r.end, null)) });
        break;
      }
      case 'BODY[]':
        out.push({ name: fetchResponseName(a), value: value(await bodySection(rc.mail, row, st, a.section, a.partial)) });
        break;
      case 'BINARY[]': {
        const c = await binaryContent(rc.mail, row, st, a.part, a.partial);
        if (c === null) return null;
        out.push({ name: fetchResponseName(a), value: value(c) });
        break;
      }
      case 'BINARY.SIZE': {
        const n = await binarySize(rc.mail, row, st, a.part);
        if (n === null) return null;
        raw(fetchResponseName(a), String(n));
        break;
      }
    }
  }
  return out;
}
