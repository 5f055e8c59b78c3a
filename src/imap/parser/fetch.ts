/**
 * FETCH / UID FETCH: RFC 9051 §6.4.5 (attributes, macros, sections, partial), RFC 3501 §6.4.5
 * (RFC822, RFC822.HEADER, RFC822.TEXT), RFC 3516 §4.3 (BINARY, BINARY.PEEK, BINARY.SIZE),
 * RFC 7162 §3.1.4 (CHANGEDSINCE, MODSEQ) and §3.2.6 (VANISHED).
 *
 *   fetch = "FETCH" SP sequence-set SP ("ALL" / "FULL" / "FAST" / fetch-att /
 *           "(" fetch-att *(SP fetch-att) ")") [fetch-modifiers]
 *   section = "[" [section-spec] "]"
 *   section-spec = section-msgtext / (section-part ["." section-text])
 *   section-msgtext = "HEADER" / "HEADER.FIELDS" [".NOT"] SP header-list / "TEXT"
 *   section-text = section-msgtext / "MIME"
 *   section-binary = "[" [section-part] "]"
 *   partial = "<" number64 "." nz-number64 ">"
 */
import type { FetchAttribute, FetchMacro, ImapCommand, PartialRange, Section, SimpleFetchName } from './types.ts';
import type { Scanner } from './scanner.ts';

/** RFC 9051 §6.4.5 macros. */
export const FETCH_MACROS: Record<FetchMacro, SimpleFetchName[]> = {
  ALL: ['FLAGS', 'INTERNALDATE', 'RFC822.SIZE', 'ENVELOPE'],
  FAST: ['FLAGS', 'INTERNALDATE', 'RFC822.SIZE'],
  FULL: ['FLAGS', 'INTERNALDATE', 'RFC822.SIZE', 'ENVELOPE', 'BODY'],
};

const SIMPLE: readonly SimpleFetchName[] = [
  'FLAGS',
  'INTERNALDATE',
  'RFC822.SIZE',
  'ENVELOPE',
  'BODY',
  'BODYSTRUCTURE',
  'UID',
  'MODSEQ',
  'RFC822',
  'RFC822.HEADER',
  'RFC822.TEXT',
];

function isNameChar(c: number): boolean {
  return (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39) || c === 0x2e || c === 0x2d;
}

/** Attribute and section-text names: letters, digits, "." and "-", up to "[", "]", SP or ")". */
function attName(s: Scanner, what: string): string {
  const name = s.take(isNameChar);
  if (name.length === 0) s.fail(`Expected ${what}`);
  return name.toUpperCase();
}

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

/**
 * section-part = nz-number *("." nz-number). `dot` tells whether a "." followed the last number,
 * i.e. a section-text comes next.
 */
function sectionPart(s: Scanner): { part: number[]; dot: boolean } {
  const part: number[] = [];
  while (isDigit(s.peek())) {
    part.push(s.nzNumber());
    if (!s.tryChar('.')) return { part, dot: false };
  }
  return { part, dot: part.length > 0 };
}

/** section = "[" [section-spec] "]" for BODY / BODY.PEEK. */
export function section(s: Scanner): Section {
  s.expect('[');
  const { part, dot } = sectionPart(s);
  const result: Section = { part, text: null, fields: [] };
  if (part.length === 0 ? s.peek() !== 0x5d : dot) {
    const word = attName(s, 'section text');
    if (word === 'HEADER' || word === 'TEXT') result.text = word;
    else if (word === 'MIME' && part.length > 0) result.text = 'MIME'; // section-text only after a part
    else if (word === 'HEADER.FIELDS' || word === 'HEADER.FIELDS.NOT') {
      result.text = word;
      s.sp();
      // header-list = "(" header-fld-name *(SP header-fld-name) ")"
      result.fields = s.list(() => s.astring('header field name').toUpperCase());
    } else s.fail(`Invalid section ${word.slice(0, 40)}`);
  }
  s.expect(']');
  return result;
}

/** section-binary = "[" [section-part] "]" */
function binarySection(s: Scanner): number[] {
  s.expect('[');
  const { part, dot } = sectionPart(s);
  if (dot) s.fail('Invalid BINARY section');
  s.expect(']');
  return part;
}

/** partial = "<" number64 "." nz-number64 ">" */
function partial(s: Scanner): PartialRange | null {
  if (!s.tryChar('<')) return null;
  const start = s.number64();
  s.expect('.');
  const length = s.number64();
  s.expect('>');
  if (length === 0n) s.fail('Partial length must be non-zero');
  const max = BigInt(Number.MAX_SAFE_INTEGER);
  if (start > max || length > max) s.fail('Partial range out of range');
  return { start: Number(start), length: Number(length) };
}

function fetchAtt(s: Scanner): FetchAttribute {
  const name = attName(s, 'a fetch attribute');
  if (s.peek() === 0x5b) {
    if (name === 'BODY' || name === 'BODY.PEEK') {
      const sec = section(s);
      return { name: 'BODY[]', peek: name === 'BODY.PEEK', section: sec, partial: partial(s) };
    }
    if (name === 'BINARY' || name === 'BINARY.PEEK') {
      const part = binarySection(s);
      return { name: 'BINARY[]', peek: name === 'BINARY.PEEK', part, partial: partial(s) };
    }
    if (name === 'BINARY.SIZE') return { name: 'BINARY.SIZE', part: binarySection(s) };
    s.fail(`${name} takes no section`);
  }
  const simple = SIMPLE.find((x) => x === name);
  if (simple === undefined) s.fail(`Unknown fetch attribute ${name.slice(0, 40)}`);
  return { name: simple };
}

export function parseFetch(s: Scanner, tag: string, uid: boolean): ImapCommand {
  s.sp();
  const set = s.sequenceSet();
  s.sp();
  let items: FetchAttribute[];
  let macro: FetchMacro | null = null;
  if (s.peek() === 0x28) {
    items = s.list(() => fetchAtt(s));
  } else {
    const word = s.peekAtom();
    if (word === 'ALL' || word === 'FAST' || word === 'FULL') {
      s.tryKeyword(word);
      macro = word;
      items = FETCH_MACROS[word].map((name) => ({ name }));
    } else {
      items = [fetchAtt(s)];
    }
  }
  const mods: { changedSince: bigint | null; vanished: boolean } = { changedSince: null, vanished: false };
  if (s.trySp()) {
    // fetch-modifiers = SP "(" fetch-modifier *(SP fetch-modifier) ")"
    s.list(() => {
      const mod = s.atom('fetch modifier').toUpperCase();
      if (mod === 'CHANGEDSINCE' && mods.changedSince === null) {
        s.sp();
        mods.changedSince = s.number64();
      } else if (mod === 'VANISHED' && !mods.vanished) {
        mods.vanished = true;
      } else s.fail(`Unknown or repeated fetch modifier ${mod.slice(0, 40)}`);
    });
  }
  s.end();
  const { changedSince, vanished } = mods;
  // RFC 7162 §3.2.6: VANISHED only in UID FETCH, and only together with CHANGEDSINCE.
  if (vanished && !uid) s.fail('VANISHED requires UID FETCH');
  if (vanished && changedSince === null) s.fail('VANISHED requires CHANGEDSINCE');
  return { tag, name: 'FETCH', uid, set, items, macro, changedSince, vanished };
}
