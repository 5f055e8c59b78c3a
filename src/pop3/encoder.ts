/**
 * Sans-I/O encoder for POP3 multi-line responses (RFC 1939 §3): every line ends with CRLF, a line
 * that begins with "." gets one more "." in front (byte-stuffing), and the response ends with
 * ".CRLF". Messages are pushed through in chunks, so a large message is never one big string.
 *
 * Also cuts a message short for TOP (RFC 1939 §7): the header, the blank line after it, and at
 * most n lines of the body. A bare LF in a stored message is sent as CRLF; a message that does not
 * end with a line break gets one, so the terminating "." stands on its own line.
 */

const CR = 13;
const LF = 10;
const DOT = 46;
const CRLF = Buffer.from('\r\n');
const STUFF = Buffer.from('.');

export interface EncoderOptions {
  /** TOP: send the header and at most this many body lines. Undefined sends everything (RETR). */
  bodyLines?: number;
}

export class MessageEncoder {
  private atLineStart = true;
  /** A CR ended the previous chunk; the next byte decides whether it was a line end. */
  private pendingCr = false;
  /** True while still in the header section (TOP only needs to know). */
  private inHeader = true;
  /** The current line has had content bytes (an empty line ends the header). */
  private lineHasContent = false;
  private bodyLinesLeft: number;
  private finished = false;

  constructor(opts: EncoderOptions = {}) {
    this.bodyLinesLeft = opts.bodyLines ?? Infinity;
  }

  /** True once TOP has everything it needs; further input is ignored and the caller may stop reading. */
  get done(): boolean {
    return this.finished;
  }

  /** Encodes one chunk of the raw message. */
  push(chunk: Buffer): Buffer {
    if (this.finished || !chunk.length) return Buffer.alloc(0);
    const out: Buffer[] = [];
    let i = 0;
    if (this.pendingCr) {
      this.pendingCr = false;
      if (chunk[0] === LF) {
        i = 1;
        this.endLine(out);
      } else {
        // A bare CR inside a line is passed through as data.
        out.push(Buffer.from([CR]));
        this.lineHasContent = true;
      }
    }
    while (i < chunk.length && !this.finished) {
      if (this.atLineStart) {
        this.atLineStart = false;
        this.lineHasContent = false;
        if (chunk[i] === DOT) out.push(STUFF);
      }
      const lf = chunk.indexOf(LF, i);
      const end = lf < 0 ? chunk.length : lf;
      let content = chunk.subarray(i, end);
      if (lf < 0) {
        if (content.length && content[content.length - 1] === CR) {
          this.pendingCr = true;
          content = content.subarray(0, content.length - 1);
        }
        if (content.length) {
          out.push(content);
          this.lineHasContent = true;
        }
        break;
      }
      if (content.length && content[content.length - 1] === CR) content = content.subarray(0, content.length - 1);
      if (content.length) {
        out.push(content);
        this.lineHasContent = true;
      }
      this.endLine(out);
      i = lf + 1;
    }
    return Buffer.concat(out);
  }

  /** Ends the response: closes an unterminated last line and appends ".CRLF". */
  end(): Buffer {
    const out: Buffer[] = [];
    if (this.pendingCr) {
      this.pendingCr = false;
      this.endLine(out);
    } else if (!this.atLineStart && !this.finished) {
      this.endLine(out);
    }
    this.finished = true;
    out.push(Buffer.from('.\r\n'));
    return Buffer.concat(out);
  }

  private endLine(out: Buffer[]): void {
    out.push(CRLF);
    this.atLineStart = true;
    if (this.inHeader) {
      // RFC 5322 §2.1: the first empty line ends the header section.
      if (!this.lineHasContent) this.inHeader = false;
      if (!this.inHeader && this.bodyLinesLeft <= 0) this.finished = true;
    } else if (--this.bodyLinesLeft <= 0) {
      this.finished = true;
    }
    this.lineHasContent = false;
  }
}

/** A whole multi-line listing (CAPA, LIST, UIDL) as one string; lines starting with "." are stuffed. */
export function encodeLines(lines: readonly string[]): string {
  return lines.map((l) => `${l.startsWith('.') ? '.' : ''}${l}\r\n`).join('') + '.\r\n';
}
