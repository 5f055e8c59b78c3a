/**
 * Sans-I/O line framing for POP3 commands (RFC 1939 §3: lines end with CRLF; a bare LF is
 * accepted too). Bytes in, complete lines out, with a length limit that bites while the line is
 * still arriving: an overlong line is reported once, and the rest of it is skipped when it comes.
 */

export type Frame = { kind: 'line'; line: Buffer } | { kind: 'too-long' };

export class LineFramer {
  private buf: Buffer = Buffer.alloc(0);
  private discarding = false;
  private readonly maxLength: number;

  /** `maxLength` counts the whole line including CRLF. */
  constructor(maxLength: number) {
    this.maxLength = maxLength;
  }

  push(chunk: Buffer): void {
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
  }

  /** Bytes received and not yet returned as a line. */
  get pending(): number {
    return this.buf.length;
  }

  /** Drops everything buffered (STLS: nothing sent before the handshake may be acted on). */
  clear(): void {
    this.buf = Buffer.alloc(0);
    this.discarding = false;
  }

  /** The next complete line without its line end, a too-long report, or null when more bytes are needed. */
  next(): Frame | null {
    for (;;) {
      const lf = this.buf.indexOf(10);
      if (lf < 0) {
        if (!this.discarding && this.buf.length >= this.maxLength) {
          // Reject now, skip the rest of the line when it arrives.
          this.buf = Buffer.alloc(0);
          this.discarding = true;
          return { kind: 'too-long' };
        }
        if (this.discarding) this.buf = Buffer.alloc(0);
        return null;
      }
      const raw = this.buf.subarray(0, lf);
      this.buf = this.buf.subarray(lf + 1);
      if (this.discarding) {
        this.discarding = false;
        continue;
      }
      if (raw.length + 1 > this.maxLength) return { kind: 'too-long' };
      const line = raw.length && raw[raw.length - 1] === 13 ? raw.subarray(0, raw.length - 1) : raw;
      return { kind: 'line', line };
    }
  }
}
