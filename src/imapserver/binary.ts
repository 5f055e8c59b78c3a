/**
 * RFC 3516 BINARY content, streamed: the decoded octets of one leaf part (RFC 2045 §6.8 base64,
 * §6.7 quoted-printable, identity for 7bit/8bit/binary), decoded chunk by chunk as the stored
 * part's byte range is read, so a part is never held in memory whole.
 *
 * A literal's size must be written before its first octet (RFC 9051 §4.3), and a part holding NUL
 * must go out as literal8 `~{n}` (RFC 3516 §4.2), so a BINARY[part] is two passes over the part:
 * `measure` decodes and counts (and looks for NUL in the requested window), then the literal
 * streams the same decoding again, cut to `<origin.count>`. BINARY.SIZE is the first pass alone.
 *
 * The decoders give exactly what mail/mime/decode.ts decodeTransfer gives for the whole part
 * (SEARCH's decoding), whatever the chunking (binary.test.ts checks this).
 */
import { decodeQuotedPrintable } from '../mail/mime/decode.ts';

/** A transfer-decoding transform: octets in, decoded octets out; `end` flushes what was held. */
export interface ChunkDecoder {
  push(chunk: Uint8Array): Buffer;
  end(): Buffer;
}

const EMPTY = Buffer.alloc(0);
const asBuffer = (c: Uint8Array): Buffer => (Buffer.isBuffer(c) ? c : Buffer.from(c.buffer, c.byteOffset, c.byteLength));

class IdentityDecoder implements ChunkDecoder {
  push(chunk: Uint8Array): Buffer {
    return asBuffer(chunk);
  }
  end(): Buffer {
    return EMPTY;
  }
}

/**
 * RFC 2045 §6.8: characters outside the alphabet (line breaks, "=") are ignored; every 4 alphabet
 * characters are 3 octets, decoded as they complete; a last group of 2 or 3 gives 1 or 2 octets.
 */
export class Base64Decoder implements ChunkDecoder {
  private rest = '';

  push(chunk: Uint8Array): Buffer {
    const text = this.rest + asBuffer(chunk).toString('latin1').replace(/[^A-Za-z0-9+/]/g, '');
    const whole = text.length - (text.length % 4);
    this.rest = text.slice(whole);
    return whole ? Buffer.from(text.slice(0, whole), 'base64') : EMPTY;
  }

  end(): Buffer {
    const out = Buffer.from(this.rest, 'base64');
    this.rest = '';
    return out;
  }
}

const SP = 0x20;
const TAB = 0x09;
const CR = 0x0d;
const LF = 0x0a;
const EQ = 0x3d;

/**
 * RFC 2045 §6.7, line by line: a decoded line depends on nothing after its LF (soft breaks,
 * "=XX" and trailing blanks all end there), so complete lines are decoded as they arrive and only
 * the unfinished line is held. A line longer than `maxHold` is cut where nothing can depend on
 * what follows: after an ordinary octet (not blank, "=" or CR) with no "=" in the two before it.
 */
export class QuotedPrintableDecoder implements ChunkDecoder {
  private held: Buffer = EMPTY;
  private readonly maxHold: number;

  constructor(maxHold = 64 * 1024) {
    this.maxHold = maxHold;
  }

  push(chunk: Uint8Array): Buffer {
    const buf = this.held.length ? Buffer.concat([this.held, asBuffer(chunk)]) : asBuffer(chunk);
    let cut = buf.lastIndexOf(LF) + 1;
    if (buf.length - cut > this.maxHold) cut = Math.max(cut, safeCut(buf, cut));
    this.held = cut < buf.length ? Buffer.from(buf.subarray(cut)) : EMPTY;
    return cut ? decodeQuotedPrintable(buf.subarray(0, cut)) : EMPTY;
  }

  end(): Buffer {
    const out = this.held.length ? decodeQuotedPrintable(this.held) : EMPTY;
    this.held = EMPTY;
    return out;
  }
}

/** The last position p > from inside a line where the decoding can be split, or -1. */
function safeCut(buf: Buffer, from: number): number {
  for (let p = buf.length; p > from; p--) {
    const c = buf[p - 1]!;
    if (c === SP || c === TAB || c === EQ || c === CR) continue;
    if ((p - 2 >= from && buf[p - 2] === EQ) || (p - 3 >= from && buf[p - 3] === EQ)) continue;
    return p;
  }
  return -1;
}

/** The decoder for a Content-Transfer-Encoding, or null for one we do not know (UNKNOWN-CTE). */
export function transferDecoder(encoding: string): ChunkDecoder | null {
  switch (encoding.trim().toLowerCase()) {
    case 'base64':
      return new Base64Decoder();
    case 'quoted-printable':
      return new QuotedPrintableDecoder();
    case '7bit':
    case '8bit':
    case 'binary':
    case '':
      return new IdentityDecoder();
    default:
      return null;
  }
}

/** The source decoded, chunk by chunk. */
export async function* decodeStream(source: AsyncIterable<Uint8Array>, decoder: ChunkDecoder): AsyncGenerator<Buffer> {
  for await (const chunk of source) {
    const out = decoder.push(chunk);
    if (out.length) yield out;
  }
  const last = decoder.end();
  if (last.length) yield last;
}

/** Octets [start, end) of a stream. */
export async function* cutStream(source: AsyncIterable<Buffer>, start: number, end: number): AsyncGenerator<Buffer> {
  let pos = 0;
  for await (const chunk of source) {
    const from = Math.max(start - pos, 0);
    const to = Math.min(end - pos, chunk.length);
    pos += chunk.length;
    if (to > from) yield chunk.subarray(from, to);
    if (pos >= end) return;
  }
}

/** Decoded length of a stream, and whether a NUL octet lies in [start, end) of it. */
export async function measure(source: AsyncIterable<Buffer>, start = 0, end = Infinity): Promise<{ size: number; nul: boolean }> {
  let size = 0;
  let nul = false;
  for await (const chunk of source) {
    if (!nul && size + chunk.length > start && size < end) {
      nul = chunk.subarray(Math.max(start - size, 0), Math.min(end - size, chunk.length)).includes(0);
    }
    size += chunk.length;
  }
  return { size, nul };
}
