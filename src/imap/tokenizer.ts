/**
 * Command framing: RFC 9051 §2.2.1 (commands are CRLF lines), §4.3 (string literals
 * `{n}` CRLF octets), §7.5 (command continuation request "+" before a synchronizing literal),
 * RFC 7888 (LITERAL+ / LITERAL- non-synchronizing `{n+}`), RFC 3516 §4.2 (literal8 `~{n}`).
 *
 * Sans-I/O: `push()` bytes in, `next()` events out. A frame is one whole command: its line
 * segments, each ending in a literal announcement, and the literals' octets. Nothing is parsed
 * here beyond the tag and command name needed to choose limits and to report errors.
 *
 * Trusts nothing: every line is bounded (maxLineLength), every literal is bounded before a
 * single octet is read (a synchronizing literal over the limit is refused before "+"; a
 * non-synchronizing one is answered with TOOBIG and its octets skipped without buffering), and
 * a whole command is bounded (maxCommandSize). Never throws on client input.
 */

/** One literal's octets. `binary` marks literal8 (`~{n}`), which may contain NUL. */
export interface Literal {
  data: Buffer;
  binary: boolean;
}

/**
 * One complete command. `lines[i]` (decoded as UTF-8, CRLF stripped) ends with the literal
 * announcement for `literals[i]`; the last line has no literal after it.
 */
export interface Frame {
  lines: string[];
  literals: Literal[];
}

/** Limits, all in octets. */
export interface ReaderLimits {
  /** One line, excluding literals. RFC 7162 §4 asks servers to accept at least 8192. */
  maxLineLength: number;
  /** Any literal outside APPEND. */
  maxLiteralSize: number;
  /** A literal inside APPEND (the message); the server's message size limit. */
  maxAppendSize: number;
  /** A whole command: lines plus literals, APPEND literals excepted. */
  maxCommandSize: number;
  /** RFC 7888 §3: with LITERAL- (not LITERAL+), non-synchronizing literals over 4096 are refused. */
  literalMinus: boolean;
}

export const DEFAULT_LIMITS: ReaderLimits = {
  maxLineLength: 64 * 1024,
  maxLiteralSize: 256 * 1024,
  maxAppendSize: 50 * 1024 * 1024,
  maxCommandSize: 1024 * 1024,
  literalMinus: false,
};

/** RFC 7888 §5: LITERAL- caps non-synchronizing literals at 4096 octets. */
export const LITERAL_MINUS_MAX = 4096;

/** Response codes the framer itself can cause (RFC 9051 §7.1; RFC 7888 §4 TOOBIG). */
export type FrameErrorCode = 'TOOBIG' | 'LIMIT';

export type FramerEvent =
  /** A whole command. */
  | { kind: 'frame'; frame: Frame }
  /**
   * A synchronizing literal within limits was announced. The server answers "+ ..." and keeps
   * pushing bytes, or calls `refuseLiteral()` and answers `tag NO/BAD` (RFC 9051 §7.5: the client
   * then sends nothing of the literal and the command is over).
   */
  | { kind: 'literal'; tag: string | undefined; command: string | undefined; size: number; binary: boolean }
  /** The command could not be framed; answer `tag BAD` (or `* BAD` without a tag). */
  | { kind: 'error'; tag: string | undefined; code: FrameErrorCode; reason: string }
  /** A raw continuation line requested with `expectLine()` (IDLE's DONE, an AUTHENTICATE response). */
  | { kind: 'line'; text: string }
  /** Nothing complete yet: push more bytes. */
  | { kind: 'need-more' };

type State =
  | { s: 'line' } // reading a command line (the first, or one after a literal)
  | { s: 'literal'; remaining: number; binary: boolean; chunks: Buffer[]; size: number }
  | { s: 'skip-literal'; remaining: number } // discarding a refused non-synchronizing literal
  | { s: 'skip-line' }; // discarding the rest of a failed command up to its final line

// RFC 9051 §9: literal = "{" number64 ["+"] "}" CRLF *CHAR8 ; RFC 3516: literal8 = "~{" number64 ["+"] "}"
const LITERAL_AT_END = /(~?)\{([0-9]{1,20})(\+?)\}$/;
// Lenient sniffing of "tag [UID] NAME" for limits and error replies; the parser validates.
const TAG_AND_NAME = /^([^\s(){%*"\\+\x00-\x1f\x7f]+)(?: +(?:[Uu][Ii][Dd] +)?([A-Za-z]+))?/;
const SKIP_TAIL = 32; // octets kept from a skipped line: enough to see a literal announcement

export class CommandFramer {
  readonly limits: ReaderLimits;
  private input: Buffer[] = [];
  private inputOffset = 0;
  private inputBytes = 0;
  private state: State = { s: 'line' };
  private lineChunks: Buffer[] = [];
  private lineLength = 0;
  private skipTail: Buffer = Buffer.alloc(0);
  private frame: Frame = { lines: [], literals: [] };
  private commandBytes = 0;
  private tag: string | undefined;
  private command: string | undefined;
  private wantLine = false;

  constructor(limits: Partial<ReaderLimits> = {}) {
    this.limits = { ...DEFAULT_LIMITS, ...limits };
  }

  /** Queue bytes from the connection. Pause the socket while `bufferedBytes` grows. */
  push(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    this.input.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
    this.inputBytes += chunk.length;
  }

  /** Octets pushed but not yet consumed by `next()`. */
  get bufferedBytes(): number {
    return this.inputBytes - this.inputOffset;
  }

  /** True between commands (no partial command held). */
  get idle(): boolean {
    return this.state.s === 'line' && this.frame.lines.length === 0 && this.lineLength === 0;
  }

  /** The next line is to be returned raw as a `line` event (IDLE "DONE", SASL responses). */
  expectLine(): void {
    this.wantLine = true;
  }

  /** Refuse the synchronizing literal just announced: drop the command, read a new one. */
  refuseLiteral(): void {
    if (this.frame.lines.length > 0) this.reset();
  }

  next(): FramerEvent {
    for (;;) {
      const buf = this.input[0];
      if (buf === undefined) return { kind: 'need-more' };
      const ev = this.step(buf);
      if (this.inputOffset >= buf.length) {
        this.input.shift();
        this.inputBytes -= buf.length;
        this.inputOffset = 0;
      }
      if (ev !== null) return ev;
    }
  }

  /** Consume from `buf` starting at inputOffset; returns an event or null to keep going. */
  private step(buf: Buffer): FramerEvent | null {
    const st = this.state;
    const start = this.inputOffset;
    if (st.s === 'literal' || st.s === 'skip-literal') {
      const take = Math.min(st.remaining, buf.length - start);
      if (st.s === 'literal') st.chunks.push(buf.subarray(start, start + take));
      st.remaining -= take;
      this.inputOffset += take;
      if (st.remaining > 0) return null;
      if (st.s === 'skip-literal') {
        this.state = { s: 'skip-line' };
        return null;
      }
      const data = st.chunks.length === 1 ? st.chunks[0]! : Buffer.concat(st.chunks, st.size);
      this.frame.literals.push({ data, binary: st.binary });
      this.state = { s: 'line' };
      return null;
    }
    const lf = buf.indexOf(0x0a, start);
    const end = lf < 0 ? buf.length : lf;
    this.inputOffset = lf < 0 ? buf.length : lf + 1;
    if (st.s === 'skip-line') {
      this.keepTail(buf.subarray(start, end));
      if (lf >= 0) this.endSkippedLine();
      return null;
    }
    return this.lineBytes(buf.subarray(start, end), lf >= 0);
  }

  private lineBytes(piece: Buffer, complete: boolean): FramerEvent | null {
    this.lineLength += piece.length;
    if (this.lineLength > this.limits.maxLineLength + 1) {
      // +1 tolerates the CR of CRLF. Read the tag while the line's head is still at hand.
      const whole = Buffer.concat([...this.lineChunks, piece]);
      if (this.frame.lines.length === 0) this.sniff(whole.subarray(0, 200));
      const ev = this.fail('LIMIT', 'Line too long');
      this.state = { s: 'skip-line' };
      this.keepTail(whole);
      if (complete) this.endSkippedLine();
      return ev;
    }
    this.lineChunks.push(piece);
    if (!complete) return null;
    let line = this.lineChunks.length === 1 ? this.lineChunks[0]! : Buffer.concat(this.lineChunks);
    this.lineChunks = [];
    this.lineLength = 0;
    if (line.length > 0 && line[line.length - 1] === 0x0d) line = line.subarray(0, line.length - 1);
    const text = line.toString('utf8');
    if (this.wantLine && this.frame.lines.length === 0) {
      this.wantLine = false;
      return { kind: 'line', text };
    }
    return this.completeLine(text, line.length);
  }

  private completeLine(text: string, octets: number): FramerEvent | null {
    if (this.frame.lines.length === 0) this.sniff(Buffer.from(text.slice(0, 200)));
    this.commandBytes += octets + 2;
    this.frame.lines.push(text);
    if (this.commandBytes > this.limits.maxCommandSize) {
      const ev = this.fail('LIMIT', 'Command too long');
      this.state = { s: 'skip-line' };
      this.skipTail = Buffer.from(text.slice(-SKIP_TAIL));
      this.endSkippedLine();
      return ev;
    }
    const m = LITERAL_AT_END.exec(text);
    if (m === null) {
      const frame = this.frame;
      this.reset();
      return { kind: 'frame', frame };
    }
    const binary = m[1] === '~';
    const size = Number(m[2]);
    const sync = m[3] !== '+';
    const isAppend = this.command === 'APPEND';
    const limit = isAppend ? this.limits.maxAppendSize : this.limits.maxLiteralSize;
    const tooBig =
      size > limit ||
      (!isAppend && this.commandBytes + size > this.limits.maxCommandSize) ||
      (!sync && this.limits.literalMinus && size > LITERAL_MINUS_MAX);
    if (tooBig) {
      // RFC 9051 §7.5: a refused synchronizing literal is never sent. RFC 7888 §4: a
      // non-synchronizing one arrives anyway, so skip its octets and the rest of the command.
      const ev = this.fail('TOOBIG', `Literal of ${size} octets exceeds the limit of ${limit}`);
      if (sync) this.reset();
      else this.state = size > 0 ? { s: 'skip-literal', remaining: size } : { s: 'skip-line' };
      return ev;
    }
    if (!isAppend) this.commandBytes += size;
    this.state = { s: 'literal', remaining: size, binary, chunks: [], size };
    if (size === 0) {
      this.frame.literals.push({ data: Buffer.alloc(0), binary });
      this.state = { s: 'line' };
    }
    if (sync) return { kind: 'literal', tag: this.tag, command: this.command, size, binary };
    return null;
  }

  /** A skipped line ended: if it announced a non-synchronizing literal, skip that too. */
  private endSkippedLine(): void {
    const m = LITERAL_AT_END.exec(this.skipTail.toString('latin1').replace(/\r$/, ''));
    this.skipTail = Buffer.alloc(0);
    if (m !== null && m[3] === '+') {
      const size = Number(m[2]);
      this.state = size > 0 ? { s: 'skip-literal', remaining: size } : { s: 'skip-line' };
      return;
    }
    this.reset();
  }

  private keepTail(piece: Buffer): void {
    const joined = Buffer.concat([this.skipTail, piece]);
    this.skipTail = joined.subarray(Math.max(0, joined.length - SKIP_TAIL));
  }

  private sniff(head: Buffer): void {
    const m = TAG_AND_NAME.exec(head.toString('latin1'));
    this.tag = m?.[1];
    this.command = m?.[2]?.toUpperCase();
  }

  private fail(code: FrameErrorCode, reason: string): FramerEvent {
    const tag = this.tag;
    this.frame = { lines: [], literals: [] };
    this.lineChunks = [];
    this.lineLength = 0;
    this.commandBytes = 0;
    return { kind: 'error', tag, code, reason };
  }

  private reset(): void {
    this.state = { s: 'line' };
    this.frame = { lines: [], literals: [] };
    this.lineChunks = [];
    this.lineLength = 0;
    this.commandBytes = 0;
    this.tag = undefined;
    this.command = undefined;
  }
}
