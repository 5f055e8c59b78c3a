/**
 * Lexical primitives over a framed command: RFC 9051 §9 (formal syntax) and §4 (data formats:
 * atom §4.1, number §4.2, string §4.3 quoted and literal, parenthesised list §4.4, NIL §4.5).
 *
 *   atom-specials = "(" / ")" / "{" / SP / CTL / list-wildcards / quoted-specials / resp-specials
 *   ASTRING-CHAR  = ATOM-CHAR / resp-specials        ; "]" is allowed in an astring atom
 *   list-char     = ATOM-CHAR / list-wildcards / resp-specials
 *   tag           = 1*<any ASTRING-CHAR except "+">
 *
 * A Scanner walks the frame's line segments; a literal announcement ends a segment and reading
 * it yields that literal's octets and moves to the next segment. Failures throw ParseFailure,
 * which parseCommand (parser/index.ts) catches: it never reaches the reader's caller.
 */
import type { Frame, Literal } from '../tokenizer.ts';
import { parseSequenceSet, type SequenceSet } from '../sequence.ts';

/** Internal to the parser: thrown by Scanner, caught by parseCommand only. */
export class ParseFailure extends Error {
  override readonly name = 'ParseFailure';
}

/** RFC 9051 §9: number = 1*DIGIT ; unsigned 32-bit. */
export const MAX_NUMBER = 4294967295;
/** RFC 9051 §9: number64 / mod-sequence-value: 63-bit. */
export const MAX_NUMBER64 = 9223372036854775807n;

/** Canonical spelling of the system flags (RFC 9051 §2.3.2); flags compare case-insensitively. */
const SYSTEM_FLAGS = ['\\Seen', '\\Answered', '\\Flagged', '\\Deleted', '\\Draft', '\\Recent'];

function isCtlOrSpace(c: number): boolean {
  return c <= 0x20 || c === 0x7f;
}

/** ATOM-CHAR (ASCII only; 8-bit is allowed in quoted strings and literals, RFC 9051 §4.3). */
export function isAtomChar(c: number): boolean {
  if (isCtlOrSpace(c) || c > 0x7e) return false;
  // ( ) { % * " \ ]
  return c !== 0x28 && c !== 0x29 && c !== 0x7b && c !== 0x25 && c !== 0x2a && c !== 0x22 && c !== 0x5c && c !== 0x5d;
}

function isAstringChar(c: number): boolean {
  return isAtomChar(c) || c === 0x5d;
}

function isListChar(c: number): boolean {
  return isAstringChar(c) || c === 0x25 || c === 0x2a;
}

const LITERAL_MARKER = /^(~?)\{([0-9]{1,20})(\+?)\}$/;

export class Scanner {
  private readonly frame: Frame;
  private seg = 0;
  private pos = 0;

  constructor(frame: Frame) {
    this.frame = frame;
  }

  private get line(): string {
    return this.frame.lines[this.seg] ?? '';
  }

  fail(reason: string): never {
    throw new ParseFailure(reason);
  }

  /** The code unit at the cursor, or -1 at the end of a segment. */
  peek(): number {
    return this.pos < this.line.length ? this.line.charCodeAt(this.pos) : -1;
  }

  atEnd(): boolean {
    return this.seg >= this.frame.lines.length - 1 && this.pos >= this.line.length;
  }

  /** The command must be over: no trailing arguments. */
  end(): void {
    if (!this.atEnd()) this.fail('Unexpected extra arguments');
  }

  /** Exactly one SP (RFC 9051 §9 allows no runs of spaces). */
  sp(): void {
    if (this.peek() !== 0x20) this.fail(this.atEnd() ? 'Missing arguments' : 'Expected a space');
    this.pos++;
  }

  trySp(): boolean {
    if (this.peek() !== 0x20) return false;
    this.pos++;
    return true;
  }

  expect(ch: string): void {
    if (!this.tryChar(ch)) this.fail(`Expected "${ch}"`);
  }

  tryChar(ch: string): boolean {
    if (this.line[this.pos] !== ch) return false;
    this.pos++;
    return true;
  }

  /** Consume the longest run of code units satisfying `ok` (possibly empty). */
  take(ok: (c: number) => boolean): string {
    const start = this.pos;
    while (this.pos < this.line.length && ok(this.line.charCodeAt(this.pos))) this.pos++;
    return this.line.slice(start, this.pos);
  }

  /** 1*ATOM-CHAR */
  atom(what = 'atom'): string {
    const a = this.take(isAtomChar);
    if (a.length === 0) this.fail(`Expected ${what}`);
    return a;
  }

  /** Peek at the next atom (upper-cased) without consuming it; '' when none. */
  peekAtom(): string {
    const save = this.pos;
    const a = this.take(isAtomChar);
    this.pos = save;
    return a.toUpperCase();
  }

  /** Consume `word` (case-insensitive) when it is the whole next atom. */
  tryKeyword(word: string): boolean {
    if (this.peekAtom() !== word) return false;
    this.pos += word.length;
    return true;
  }

  /** RFC 9051 §9: tag = 1*<any ASTRING-CHAR except "+"> */
  tag(): string {
    const t = this.take((c) => isAstringChar(c) && c !== 0x2b);
    if (t.length === 0) this.fail('Missing tag');
    return t;
  }

  /** number: 32-bit unsigned. */
  number(): number {
    const digits = this.take((c) => c >= 0x30 && c <= 0x39);
    if (digits.length === 0) this.fail('Expected a number');
    const n = Number(digits);
    if (digits.length > 10 || n > MAX_NUMBER) this.fail('Number out of range');
    return n;
  }

  nzNumber(): number {
    const n = this.number();
    if (n === 0) this.fail('Expected a non-zero number');
    return n;
  }

  /** number64 / mod-sequence-value (RFC 9051 §9, RFC 7162 §7). */
  number64(): bigint {
    const digits = this.take((c) => c >= 0x30 && c <= 0x39);
    if (digits.length === 0 || digits.length > 19) this.fail('Expected a 63-bit number');
    const n = BigInt(digits);
    if (n > MAX_NUMBER64) this.fail('Number out of range');
    return n;
  }

  /** quoted = DQUOTE *QUOTED-CHAR DQUOTE ; only \" and \\ may be escaped. */
  quoted(): string {
    this.expect('"');
    let out = '';
    for (;;) {
      const c = this.peek();
      if (c === -1) this.fail('Unterminated quoted string');
      this.pos++;
      if (c === 0x22) return out;
      if (c === 0x5c) {
        const e = this.peek();
        if (e !== 0x22 && e !== 0x5c) this.fail('Invalid escape in quoted string');
        this.pos++;
        out += String.fromCharCode(e);
      } else if (c === 0 || c === 0x0d || c === 0x0a) {
        this.fail('Invalid character in quoted string');
      } else {
        out += String.fromCharCode(c);
      }
    }
  }

  /** True when the cursor is at a literal announcement that ends this segment. */
  atLiteral(): boolean {
    const c = this.peek();
    return (c === 0x7b || c === 0x7e) && LITERAL_MARKER.test(this.line.slice(this.pos));
  }

  /** Read the literal announced at the cursor (`{n}`, `{n+}`, `~{n}`). */
  literal(allowBinary = false): Literal {
    if (!this.atLiteral()) this.fail('Expected a literal');
    const lit = this.frame.literals[this.seg];
    if (lit === undefined) this.fail('Missing literal data');
    if (lit.binary && !allowBinary) this.fail('literal8 is not allowed here');
    this.seg++;
    this.pos = 0;
    return lit;
  }

  /** string = quoted / literal, as text (UTF-8). NUL is never valid in a string. */
  string(): string {
    if (this.peek() === 0x22) return this.quoted();
    const lit = this.literal();
    if (lit.streamed) this.fail('A message literal is not allowed here');
    if (lit.data.includes(0)) this.fail('NUL in literal');
    return lit.data.toString('utf8');
  }

  /** astring = 1*ASTRING-CHAR / string */
  astring(what = 'string'): string {
    const c = this.peek();
    if (c === 0x22 || this.atLiteral()) return this.string();
    const a = this.take(isAstringChar);
    if (a.length === 0) this.fail(`Expected ${what}`);
    return a;
  }

  /** nstring = string / NIL */
  nstring(): string | null {
    if (this.tryKeyword('NIL')) return null;
    return this.string();
  }

  /** mailbox = "INBOX" / astring ; INBOX is case-insensitive (RFC 9051 §5.1). */
  mailbox(): string {
    const name = this.astring('mailbox name');
    return name.toUpperCase() === 'INBOX' ? 'INBOX' : name;
  }

  /** list-mailbox = 1*list-char / string (RFC 9051 §6.3.9). */
  listMailbox(): string {
    const c = this.peek();
    if (c === 0x22 || this.atLiteral()) return this.string();
    const a = this.take(isListChar);
    if (a.length === 0) this.fail('Expected a mailbox pattern');
    return a;
  }

  /** flag = "\Answered" / ... / flag-keyword / flag-extension (RFC 9051 §9). */
  flag(allowRecent = false): string {
    if (this.tryChar('\\')) {
      const name = this.atom('flag name');
      const canonical = SYSTEM_FLAGS.find((f) => f.toLowerCase() === `\\${name.toLowerCase()}`);
      if (canonical === '\\Recent' && !allowRecent) this.fail('\\Recent cannot be set');
      return canonical ?? `\\${name}`;
    }
    return this.atom('flag');
  }

  /** flag-list = "(" [flag *(SP flag)] ")" */
  flagList(): string[] {
    return this.list(() => this.flag(), true);
  }

  /** "(" item *(SP item) ")" ; `allowEmpty` for "()". */
  list<T>(item: () => T, allowEmpty = false): T[] {
    this.expect('(');
    const out: T[] = [];
    if (this.tryChar(')')) {
      if (!allowEmpty) this.fail('Empty list');
      return out;
    }
    for (;;) {
      out.push(item());
      if (this.tryChar(')')) return out;
      this.sp();
    }
  }

  /** sequence-set / "$" (RFC 9051 §9, RFC 5182). */
  sequenceSet(): SequenceSet {
    const text = this.take((c) => (c >= 0x30 && c <= 0x39) || c === 0x3a || c === 0x2c || c === 0x2a || c === 0x24);
    if (text.length === 0) this.fail('Expected a sequence set');
    const set = parseSequenceSet(text);
    if (set === null) this.fail(`Invalid sequence set "${text.slice(0, 40)}"`);
    return set;
  }

  /** True when the cursor is at something that starts a sequence set. */
  atSequenceSet(): boolean {
    const c = this.peek();
    return (c >= 0x30 && c <= 0x39) || c === 0x2a || c === 0x24;
  }
}
