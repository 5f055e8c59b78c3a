/**
 * The leaf parts of a message and their decoded content, for content filters (attachment policy,
 * link checks): RFC 2045 §6.7/§6.8 transfer decoding while streaming, RFC 2183 §2.3 filename,
 * RFC 2231 §4 (encoded parameter values "filename*=utf-8''%E2%80%AE...") and RFC 2047 §5
 * (encoded-words in a quoted filename, as many mail programs write them although §5 forbids it).
 *
 * Two passes over the message bytes: the MIME walker (walker.ts) finds every part and its byte
 * offsets, then `readLeaves` streams the message once more and decodes only the selected leaves,
 * one at a time (with the streaming decoders of transfer-stream.ts). Memory is bounded per leaf:
 * the first `headBytes` decoded octets are kept, and of the rest only the last `tailBytes` (where
 * a ZIP file keeps its central directory), so a leaf's content is `head` + (a gap) + `tail`,
 * `total` octets in all.
 */
import type { BodyNode, MessageStructure } from './structure.ts';
import { param, type Params } from './header.ts';
import { decodeCharset, decodeHeaderValue } from './decode.ts';
import { transferDecoder, type ChunkDecoder } from './transfer-stream.ts';

export interface Leaf {
  /** Part path as in IMAP ("1.2"; "1" for a single-part message). */
  path: string;
  /** Lower-case "type/subtype". */
  contentType: string;
  /** RFC 2183 filename, else Content-Type name (RFC 2045 §7 legacy), decoded; null when none. */
  filename: string | null;
  /** "inline", "attachment", ... lower case, or null. */
  disposition: string | null;
  charset: string | null;
  encoding: string;
  /** Body octets as transmitted. */
  start: number;
  end: number;
}

export interface LeafContent {
  leaf: Leaf;
  head: Buffer;
  /** The last octets after the head (empty when the content fits in the head). */
  tail: Buffer;
  /** Decoded octets in all. */
  total: number;
}

/** True when the content was kept whole. */
export const isWhole = (c: LeafContent) => c.total === c.head.length;

/** RFC 2231 §4: charset'language'percent-encoded octets. */
export function decodeRfc2231(value: string): string {
  const m = /^([^']*)'[^']*'(.*)$/s.exec(value);
  if (!m) return value;
  const bytes: number[] = [];
  const text = m[2]!;
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '%' && /^[0-9a-fA-F]{2}$/.test(text.slice(i + 1, i + 3))) {
      bytes.push(Number.parseInt(text.slice(i + 1, i + 3), 16));
      i += 2;
    } else bytes.push(...Buffer.from(text[i]!, 'utf8'));
  }
  return decodeCharset(Uint8Array.from(bytes), m[1] || 'utf-8');
}

function paramValue(params: Params, name: string): string | null {
  const ext = param(params, `${name}*`);
  if (ext !== null) return decodeRfc2231(ext);
  const v = param(params, name);
  return v === null ? null : decodeHeaderValue(v);
}

/** The part's file name, decoded (RFC 2183 filename first, then Content-Type name). */
export function partFilename(node: BodyNode): string | null {
  const f = (node.disposition ? paramValue(node.disposition.params, 'filename') : null) ?? paramValue(node.params, 'name');
  return f === null || f.trim() === '' ? null : f;
}

/** Every leaf of the structure (inside encapsulated messages too), in message order. */
export function listLeaves(structure: MessageStructure): Leaf[] {
  const out: Leaf[] = [];
  const visit = (node: BodyNode, path: string) => {
    if (node.kind === 'multipart') {
      node.parts.forEach((p, i) => visit(p, path === '' ? String(i + 1) : `${path}.${i + 1}`));
      return;
    }
    if (node.kind === 'message') {
      visit(node.body, path === '' ? '1' : path);
      return;
    }
    out.push({
      path: path === '' ? '1' : path,
      contentType: `${node.type}/${node.subtype}`.toLowerCase(),
      filename: partFilename(node),
      disposition: node.disposition?.type.toLowerCase() ?? null,
      charset: param(node.params, 'charset'),
      encoding: node.encoding.trim().toLowerCase(),
      start: node.offsets.bodyStart,
      end: node.offsets.end,
    });
  };
  visit(structure.body, '');
  return out;
}

/** Keeps the first `headMax` octets and the last `tailMax` of the rest. */
class HeadTail {
  private readonly head: Buffer[] = [];
  private headLen = 0;
  private tail: Buffer[] = [];
  private tailLen = 0;
  total = 0;
  private readonly headMax: number;
  private readonly tailMax: number;

  constructor(headMax: number, tailMax: number) {
    this.headMax = headMax;
    this.tailMax = tailMax;
  }

  push(b: Buffer): void {
    this.total += b.length;
    if (this.headLen < this.headMax) {
      const n = Math.min(b.length, this.headMax - this.headLen);
      this.head.push(Buffer.from(b.subarray(0, n)));
      this.headLen += n;
      b = b.subarray(n);
    }
    if (b.length === 0 || this.tailMax === 0) return;
    this.tail.push(Buffer.from(b.subarray(Math.max(0, b.length - this.tailMax))));
    this.tailLen += Math.min(b.length, this.tailMax);
    while (this.tail.length > 1 && this.tailLen - this.tail[0]!.length >= this.tailMax) this.tailLen -= this.tail.shift()!.length;
  }

  finish(): { head: Buffer; tail: Buffer } {
    const t = Buffer.concat(this.tail);
    return { head: Buffer.concat(this.head), tail: t.length > this.tailMax ? t.subarray(t.length - this.tailMax) : t };
  }
}

export interface ReadLimits {
  headBytes: number;
  tailBytes: number;
}

/**
 * Streams the message and hands each selected leaf's decoded content to `onLeaf`, in message
 * order, one leaf in memory at a time. `select` chooses the leaves and may give each its own
 * limits. Leaves never overlap (the walker's offsets), so one pass suffices.
 */
export async function readLeaves(
  content: AsyncIterable<Buffer>,
  leaves: readonly Leaf[],
  select: (leaf: Leaf) => ReadLimits | null,
  onLeaf: (c: LeafContent) => void | Promise<void>,
): Promise<void> {
  const wanted = leaves
    .map((leaf) => ({ leaf, limits: select(leaf) }))
    .filter((w): w is { leaf: Leaf; limits: ReadLimits } => w.limits !== null && w.leaf.end >= w.leaf.start)
    .sort((a, b) => a.leaf.start - b.leaf.start);
  if (wanted.length === 0) return;
  let k = 0;
  let cur: { leaf: Leaf; dec: ChunkDecoder; buf: HeadTail } | null = null;
  let pos = 0;
  const finish = async () => {
    const c = cur!;
    c.buf.push(c.dec.end());
    const { head, tail } = c.buf.finish();
    cur = null;
    k++;
    await onLeaf({ leaf: c.leaf, head, tail, total: c.buf.total });
  };
  for await (const chunk of content) {
    let off = 0;
    while (off < chunk.length && k < wanted.length) {
      const w = wanted[k]!;
      const abs = pos + off;
      if (cur === null) {
        if (abs + (chunk.length - off) <= w.leaf.start) break; // the leaf starts in a later chunk
        if (abs < w.leaf.start) off = w.leaf.start - pos;
        cur = { leaf: w.leaf, dec: transferDecoder(w.leaf.encoding), buf: new HeadTail(w.limits.headBytes, w.limits.tailBytes) };
        continue;
      }
      const upto = Math.min(chunk.length, w.leaf.end - pos);
      if (upto > off) cur.buf.push(cur.dec.push(chunk.subarray(off, upto)));
      off = Math.max(off, upto);
      if (pos + off >= w.leaf.end) await finish();
      else break;
    }
    pos += chunk.length;
    if (k >= wanted.length) break;
  }
  if (cur !== null) await finish();
  while (k < wanted.length) {
    // A leaf past the end of the content (cannot happen with the walker's offsets): empty.
    const w = wanted[k++]!;
    await onLeaf({ leaf: w.leaf, head: Buffer.alloc(0), tail: Buffer.alloc(0), total: 0 });
  }
}

/** Decoded text of a text leaf (charset via TextDecoder). */
export function leafText(c: LeafContent): string {
  return decodeCharset(c.head, c.leaf.charset);
}
