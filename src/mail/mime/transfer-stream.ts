/**
 * Content-Transfer-Encoding decoding as a stream: RFC 2045 §6.8 base64 (the incomplete
 * 4-character quantum is carried between chunks) and §6.7 quoted-printable (the unfinished line is
 * carried), identity for 7bit/8bit/binary (§6.2) and for an encoding we do not know. A part of any
 * size is decoded chunk by chunk and never held in memory whole.
 *
 * The one decoder behind IMAP BINARY (imapserver/binary.ts, fetch-items.ts), the content filters'
 * leaves (leaves.ts) and webmail attachment downloads. Whatever the chunking, the output is exactly
 * what decode.ts decodeTransfer gives for the whole part (transfer-stream.test.ts checks this).
 *
 * Trusts nothing in the input: bytes outside the base64 alphabet are skipped, malformed "=" escapes
 * pass through as decodeQuotedPrintable leaves them, and a quoted-printable line without an end is
 * held only up to `maxHold` octets.
 */
import { decodeQuotedPrintable } from './decode.ts';

/** A transfer-decoding transform: octets in, decoded octets out; `end` flushes what was held. */
export interface ChunkDecoder {
  push(chunk: Uint8Array): Buffer;
  end(): Buffer;
}

const EMPTY = Buffer.alloc(0);
const asBuffer = (c: Uint8Array): Buffer => (Buffer.isBuffer(c) ? c : Buffer.from(c.buffer, c.byteOffset, c.byteLength));

/** RFC 2045 §6.2: 7bit, 8bit and binary mean no transformation. */
export class IdentityDecoder implements ChunkDecoder {
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

/** A quoted-printable line without its end is held up to this many octets, then cut (safeCut). */
export const QP_MAX_HOLD = 64 * 1024;

/**
 * RFC 2045 §6.7, line by line: a decoded line depends on nothing after its LF (soft breaks,
 * "=XX" and trailing blanks all end there), so complete lines are decoded as they arrive and only
 * the unfinished line is held. A line longer than `maxHold` is cut where nothing can depend on
 * what follows: after an ordinary octet (not blank, "=" or CR) with no "=" in the two before it.
 */
export class QuotedPrintableDecoder implements ChunkDecoder {
  private held: Buffer = EMPTY;
  private readonly maxHold: number;

  constructor(maxHold = QP_MAX_HOLD) {
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

/**
 * True for the encodings RFC 2045 §6.1 defines (and none given, §6.1: 7bit by default); an
 * X-token or anything else is unknown (IMAP answers UNKNOWN-CTE for it, RFC 3516 §4.3).
 */
export function knownTransferEncoding(encoding: string): boolean {
  return ['base64', 'quoted-printable', '7bit', '8bit', 'binary', ''].includes(encoding.trim().toLowerCase());
}

/**
 * A fresh decoder for a Content-Transfer-Encoding (case and blanks ignored): base64,
 * quoted-printable, else identity (7bit, 8bit, binary, none, and unknown encodings: their octets
 * as stored; callers that must refuse an unknown one ask knownTransferEncoding first).
 */
export function transferDecoder(encoding: string): ChunkDecoder {
  switch (encoding.trim().toLowerCase()) {
    case 'base64':
      return new Base64Decoder();
    case 'quoted-printable':
      return new QuotedPrintableDecoder();
    default:
      return new IdentityDecoder();
  }
}

/** The source decoded by `decoder`, chunk by chunk (empty pieces are not yielded). */
export async function* decodeStream(source: AsyncIterable<Uint8Array>, decoder: ChunkDecoder): AsyncGenerator<Buffer> {
  for await (const chunk of source) {
    const out = decoder.push(chunk);
    if (out.length) yield out;
  }
  const last = decoder.end();
  if (last.length) yield last;
}

/** The chunks decoded per their Content-Transfer-Encoding (transferDecoder), as a stream. */
export function decodeTransferStream(chunks: AsyncIterable<Uint8Array>, encoding: string): AsyncGenerator<Buffer> {
  return decodeStream(chunks, transferDecoder(encoding));
}
