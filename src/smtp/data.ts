/**
 * The DATA content decoder (RFC 5321 §4.1.1.4, §4.5.2), sans-I/O: bytes in, message bytes out.
 *
 * - The end of data is only <CRLF>.<CRLF>: a "." line counts only after a real CRLF and only when
 *   followed by CRLF. "\n.\n", "\r.\r", "\n.\r\n" and friends are content, never an end: this is
 *   the defence against SMTP smuggling (the end-of-data sequences in shared/conformance/smtp-smuggling).
 * - Transparency (§4.5.2): a leading "." on a line is removed.
 * - Bare CR and bare LF (§2.3.8) are flagged, so the session can refuse the message; they are
 *   never treated as line ends.
 * - NUL octets are flagged (not text; we offer no BINARYMIME).
 * - Line length (§4.5.3.1.6) and total size are counted as the bytes go by, so limits bite
 *   during the transfer; once the size limit is passed no more content is emitted.
 */

export interface DataDecoderOptions {
  maxSize: number;
  /** Longest line including CRLF. */
  maxLineLength: number;
}

export interface DataFlags {
  bareLf: boolean;
  bareCr: boolean;
  longLine: boolean;
  sizeExceeded: boolean;
  /** A NUL octet: not allowed in 7bit or 8bitmime content (RFC 5321 §2.3.8 text, RFC 6152 §3; we do not offer BINARYMIME). */
  nul: boolean;
}

export interface PushResult {
  /** Content bytes, dot-unstuffed, in order (slices of the input where possible). */
  out: Buffer[];
  /** True when <CRLF>.<CRLF> was seen; `consumed` then says how many input bytes belonged to DATA. */
  done: boolean;
  consumed: number;
}

const CR = 13;
const LF = 10;
const DOT = 46;
const CR_BUF = Buffer.from([CR]);

// States
const LINE_START = 0; // after CRLF (or at the very beginning)
const IN_LINE = 1;
const AFTER_CR = 2; // a CR was seen (and emitted); waiting to see if LF follows
const AT_DOT = 3; // "." at line start (dropped)
const AT_DOT_CR = 4; // "." then CR at line start (CR held back)

export class DataDecoder {
  private state = LINE_START;
  private lineLength = 0;
  /** Content bytes counted (after unstuffing). */
  size = 0;
  readonly flags: DataFlags = { bareLf: false, bareCr: false, longLine: false, sizeExceeded: false, nul: false };
  private readonly opts: DataDecoderOptions;

  constructor(opts: DataDecoderOptions) {
    this.opts = opts;
  }

  private inLine(c: number): void {
    if (c === LF) this.flags.bareLf = true;
    this.state = c === CR ? AFTER_CR : IN_LINE;
  }

  push(chunk: Buffer): PushResult {
    const out: Buffer[] = [];
    if (!this.flags.nul && chunk.includes(0)) this.flags.nul = true;
    let seg = 0; // start of the current pass-through segment
    const emit = (b: Buffer) => {
      if (this.flags.sizeExceeded) return;
      this.size += b.length;
      if (this.size > this.opts.maxSize) {
        this.flags.sizeExceeded = true;
        return;
      }
      out.push(b);
    };
    const flushTo = (end: number) => {
      if (end > seg) emit(chunk.subarray(seg, end));
    };
    for (let i = 0; i < chunk.length; i++) {
      const c = chunk[i]!;
      this.lineLength++;
      switch (this.state) {
        case LINE_START:
          if (c === DOT) {
            flushTo(i);
            seg = i + 1; // drop the dot (transparency, or the terminator)
            this.state = AT_DOT;
            continue;
          }
          this.inLine(c);
          break;
        case IN_LINE: {
          if (c !== CR && c !== LF) {
            // fast path: jump to the next CR or LF (lines are mostly plain text)
            const cr = chunk.indexOf(CR, i + 1);
            const lf = chunk.indexOf(LF, i + 1);
            const next = cr < 0 ? (lf < 0 ? chunk.length : lf) : lf < 0 ? cr : Math.min(cr, lf);
            this.lineLength += next - i - 1;
            i = next - 1;
            break;
          }
          this.inLine(c);
          break;
        }
        case AFTER_CR:
          if (c === LF) {
            if (this.lineLength > this.opts.maxLineLength) this.flags.longLine = true;
            this.lineLength = 0;
            this.state = LINE_START;
          } else {
            this.flags.bareCr = true;
            this.state = c === CR ? AFTER_CR : IN_LINE;
            if (c === LF) this.flags.bareLf = true;
          }
          break;
        case AT_DOT:
          if (c === CR) {
            this.state = AT_DOT_CR;
            seg = i + 1; // hold the CR back until we know
          } else {
            if (c === LF) this.flags.bareLf = true;
            this.state = IN_LINE;
          }
          break;
        case AT_DOT_CR:
          if (c === LF) {
            // <CRLF>.<CRLF>: end of data
            // content up to the dot was emitted already; the dot and CR are dropped
            return { out, done: true, consumed: i + 1 };
          }
          // ".<CR>x": the CR was content after all, and a bare one
          emit(CR_BUF);
          this.flags.bareCr = true;
          seg = i;
          this.state = c === CR ? AFTER_CR : IN_LINE;
          if (c === LF) this.flags.bareLf = true;
          break;
      }
    }
    if (this.state !== AT_DOT_CR) flushTo(chunk.length);
    return { out, done: false, consumed: chunk.length };
  }
}
