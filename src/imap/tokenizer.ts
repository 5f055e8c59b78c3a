/**
 * Command framing: RFC 9051 §2.2.1 (commands are CRLF lines), §4.3 (string literals
 * `{n}` CRLF octets), §7.5 (command continuation request "+" before a synchronizing literal),
 * RFC 7888 (LITERAL+ / LITERAL- non-synchronizing `{n+}`), RFC 3516 §4.2 (literal8 `~{n}`).
 *
 * Sans-I/O: `push()` bytes in, `next()` events out. A frame is one whole command: its line
 * segments, each ending in a literal announcement, and the literals' octets. Nothing is parsed
 * here beyond the tag and command name needed to choose limits and to report errors.
 *
 * APPEND's message literal is not kept: its octets are handed out as they arrive (`literal-data`
 * events, slices of the pushed chunks) for the session to spool, so a message of any allowed size
 * never sits in the framer's memory (RFC 9051 §6.3.12; the issue's "literals are streamed").
 * Every other literal (LOGIN's strings, APPEND's mailbox name) is small and kept in the frame.
 *
 * Trusts nothing: every line is bounded (maxLineLength), every literal is bounded before a
 * single octet is read (a synchronizing literal over the limit is refused before "+"; a
 * non-synchronizing one is answered with TOOBIG and its octets skipped without buffering), and
 * a whole command is bounded (maxCommandSize). Never throws on client input.
 */

/**
 * One literal's octets. `binary` marks literal8 (`~{n}`), which may contain NUL. A streamed
 * literal (APPEND's message, see CommandFramer) went out as `literal-data` events instead: its
 * `data` is empty and `streamed` says how many octets there were and whether one was NUL.
 */
export interface Literal {
  data: Buffer;
  binary: boolean;
  streamed?: { size: number; nul: boolean };
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
  /** APPEND's message literal (streamed, never kept); the server's message size limit. */
  maxAppendSize: number;
  /** A whole command: lines plus literals, APPEND's message excepted. */
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
  /**
   * Octets of a streamed literal (APPEND's message), in order, as they arrive; the command's
   * `frame` (with this literal marked `streamed`) follows once its last line is read. A slice of
   * a pushed chunk, not a copy.
   */
  | { kind: 'literal-data'; data: Buffer }
  /** A raw continuation line requested with `expectLine()` (IDLE's DONE, an AUTHENTICATE response). */
  | { kind: 'line'; text: string }
  /** Nothing complete yet: push more bytes. */
  | { kind: 'need-more' };

type State =
  | { s: 'line' } // reading a command line (the first, or one after a literal)
  | { s: 'literal'; remaining: number; binary: boolean; chunks: Buffer[]; size: number }
  | { s: 'stream-literal'; remaining: number; binary: boolean; size: number; nul: boolean } // APPEND's message
  | { s: 'skip-literal'; remaining: number } // discarding a refused non-synchronizing literal
  | { s: 'skip-line' }; // discarding the rest of a failed command up to its final line

// RFC 9051 §9: literal = "{" number64 ["+"] "}" CRLF *CHAR8 ; RFC 3516: literal8 = "~{" number64 ["+"] "}"
const LITERAL_AT_END = /(~?)\{([0-9]{1,20})(\+?)\}$/;
// Lenient sniffing of "tag [UID] NAME" for limits and error replies; the parser validates.
const TAG_AND_NAME = /^([^\s(){%*"\\+\x00-\x1f\x7f]+)(?: +(?:[Uu][Ii][Dd] +)?([A-Za-z]+))?/;
const SKIP_TAIL = 32; // octets kept from a skipped line: enough to see a literal announcement
// RFC 9051 §6.3.12: append = "APPEND" SP mailbox ...: a literal right after the command name is
// the mailbox name, not the message.
const APPEND_MAILBOX_LITERAL = /^[^ ]+ +APPEND +$/i;

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
    if (st.s === 'stream-literal') {
      const take = Math.min(st.remaining, buf.length - start);
      const data = buf.subarray(start, start + take);
      if (!st.nul && data.includes(0)) st.nul = true;
      st.remaining -= take;
      this.inputOffset += take;
      if (st.remaining === 0) {
        this.frame.literals.push({ data: Buffer.alloc(0), binary: st.binary, streamed: { size: st.size, nul: st.nul } });
        this.state = { s: 'line' };
      }
      return take > 0 ? { kind: 'literal-data', data } : null;
    }
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
    // APPEND's message: the first literal of an APPEND that is not its mailbox name. It has the
    // message size limit and is streamed; any other literal is a small one kept in the frame.
    const isMessage =
      this.command === 'APPEND' &&
      !this.frame.literals.some((l) => l.streamed) &&
      !(this.frame.lines.length === 1 && APPEND_MAILBOX_LITERAL.test(text.slice(0, m.index)));
    const limit = isMessage ? this.limits.maxAppendSize : this.limits.maxLiteralSize;
    const tooBig =
      size > limit ||
      (!isMessage && this.commandBytes + size > this.limits.maxCommandSize) ||
      (!sync && this.limits.literalMinus && size > LITERAL_MINUS_MAX);
    if (tooBig) {
      // RFC 9051 §7.5: a refused synchronizing literal is never sent. RFC 7888 §4: a
      // non-synchronizing one arrives anyway, so skip its octets and the rest of the command.
      const ev = this.fail('TOOBIG', `Literal of ${size} octets exceeds the limit of ${limit}`);
      if (sync) this.reset();
      else this.state = size > 0 ? { s: 'skip-literal', remaining: size } : { s: 'skip-line' };
      return ev;
    }
    if (!isMessage) this.commandBytes += size;
    this.state =
      isMessage && size > 0
        ? { s: 'stream-literal', remaining: size, binary, size, nul: false }
        : { s: 'literal', remaining: size, binary, chunks: [], size };
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
