/**
 * Response encoding: RFC 9051 §4 (data formats), §7 (responses), §7.1 (response codes),
 * §7.5.2 (FETCH response), §9 (formal syntax); RFC 3516 §4.2 (literal8 in BINARY responses);
 * RFC 4315 §3 (APPENDUID, COPYUID, UIDNOTSTICKY); RFC 7162 §3.1 (HIGHESTMODSEQ, NOMODSEQ,
 * MODIFIED); RFC 5530 codes (ALREADYEXISTS, NONEXISTENT, CANNOT, LIMIT, SERVERBUG ...).
 *
 * Strings are quoted when that is safe (short, no CR/LF/NUL, 7-bit unless the client enabled
 * UTF8=ACCEPT) and sent as literals otherwise; atoms only where the grammar allows astring.
 * Untrusted text (server messages quoting client input) is stripped of CR/LF so it cannot
 * inject a response line. Large bodies are never joined into one string: FETCH assembly yields
 * a list of parts, some of which are streams.
 */
import type { FetchAttribute, Section } from './parser/types.ts';
import { formatDateTime } from './datetime.ts';

/** A streamed literal body: exactly `size` octets from `source`. */
export interface StreamPart {
  kind: 'stream';
  size: number;
  source: AsyncIterable<Uint8Array>;
}

/** What the session writes, in order. Strings are written as UTF-8. */
export type WirePart = string | Buffer | StreamPart;

/** Strings longer than this go out as literals even when they could be quoted. */
export const MAX_QUOTED = 1024;

export interface StringOptions {
  /** The client enabled UTF8=ACCEPT (RFC 6855 §3) or speaks IMAP4rev2: 8-bit may be quoted. */
  utf8?: boolean;
}

/** True when `s` can be a quoted string: no NUL/CR/LF, 7-bit unless utf8, not too long. */
export function canQuote(s: string, opts: StringOptions = {}): boolean {
  if (s.length > MAX_QUOTED) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0 || c === 0x0a || c === 0x0d) return false;
    if (c > 0x7f && !opts.utf8) return false;
  }
  return !opts.utf8 || Buffer.byteLength(s) <= MAX_QUOTED;
}

/** quoted = DQUOTE *QUOTED-CHAR DQUOTE, escaping "\" and DQUOTE. Caller checks canQuote. */
export function quote(s: string): string {
  return `"${s.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

/** literal = "{" number "}" CRLF *CHAR8 */
export function literal(s: string): string {
  return `{${Buffer.byteLength(s)}}\r\n${s}`;
}

/** string = quoted / literal */
export function encodeString(s: string, opts: StringOptions = {}): string {
  return canQuote(s, opts) ? quote(s) : literal(s);
}

/** string from raw octets: quoted when 7-bit-safe, else a literal with the octets unchanged. */
export function encodeBytes(b: Buffer, opts: StringOptions = {}): Buffer {
  const text = b.toString('latin1');
  if (b.length <= MAX_QUOTED && !/[\x00\r\n\x80-\xff]/.test(text)) return Buffer.from(quote(text), 'latin1');
  if (opts.utf8 && b.length <= MAX_QUOTED && !/[\x00\r\n]/.test(text) && isUtf8(b)) {
    return Buffer.from(quote(b.toString('utf8')));
  }
  return Buffer.concat([Buffer.from(`{${b.length}}\r\n`), b]);
}

function isUtf8(b: Buffer): boolean {
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(b);
    return true;
  } catch {
    return false;
  }
}

/** nstring = string / NIL */
export function encodeNString(s: string | null, opts: StringOptions = {}): string {
  return s === null ? 'NIL' : encodeString(s, opts);
}

/** ASTRING-CHAR: ATOM-CHAR or "]" (RFC 9051 §9). */
function isAstringChar(c: number): boolean {
  if (c <= 0x20 || c >= 0x7f) return false;
  return c !== 0x28 && c !== 0x29 && c !== 0x7b && c !== 0x25 && c !== 0x2a && c !== 0x22 && c !== 0x5c;
}

/** astring = 1*ASTRING-CHAR / string. "NIL" is always quoted so it cannot read as nil. */
export function encodeAstring(s: string, opts: StringOptions = {}): string {
  if (s.length > 0 && s.length <= MAX_QUOTED && s.toUpperCase() !== 'NIL') {
    let atom = true;
    for (let i = 0; i < s.length && atom; i++) atom = isAstringChar(s.charCodeAt(i));
    if (atom) return s;
  }
  return encodeString(s, opts);
}

/** "(" items ")" with items already encoded. */
export function encodeList(items: readonly string[]): string {
  return `(${items.join(' ')})`;
}

/** flag-list: flags are atoms or "\" atom; "\*" only in PERMANENTFLAGS. */
export function encodeFlags(flags: readonly string[]): string {
  return encodeList(flags);
}

/** "17-Jul-1996 02:44:25 -0700" with DQUOTEs (RFC 9051 §9 date-time). */
export function encodeDateTime(date: Date, offsetMinutes = 0): string {
  return `"${formatDateTime(date, offsetMinutes)}"`;
}

/** Response text: one line, no CR/LF (RFC 9051 §9 text = 1*TEXT-CHAR). */
export function sanitizeText(text: string): string {
  const clean = text.replace(/[\r\n\x00]+/g, ' ').trim();
  return clean.length > 0 ? clean : 'completed';
}

type NoArgCode =
  | 'ALERT'
  | 'ALREADYEXISTS'
  | 'AUTHENTICATIONFAILED'
  | 'AUTHORIZATIONFAILED'
  | 'CANNOT'
  | 'CLIENTBUG'
  | 'CLOSED'
  | 'CONTACTADMIN'
  | 'CORRUPTION'
  | 'EXPIRED'
  | 'EXPUNGEISSUED'
  | 'HASCHILDREN'
  | 'INUSE'
  | 'LIMIT'
  | 'NOMODSEQ'
  | 'NONEXISTENT'
  | 'NOPERM'
  | 'NOTSAVED'
  | 'OVERQUOTA'
  | 'PARSE'
  | 'PRIVACYREQUIRED'
  | 'READ-ONLY'
  | 'READ-WRITE'
  | 'SERVERBUG'
  | 'TOOBIG'
  | 'TRYCREATE'
  | 'UIDNOTSTICKY'
  | 'UNAVAILABLE'
  | 'UNKNOWN-CTE'
  | 'USEATTR';

/** RFC 9051 §7.1 resp-text-code and the extension codes we send. */
export type ResponseCode =
  | { code: NoArgCode }
  /** RFC 4315 §3: APPENDUID uidvalidity uid-set */
  | { code: 'APPENDUID'; uidValidity: number; uids: string }
  /** RFC 4315 §3: COPYUID uidvalidity source-set dest-set */
  | { code: 'COPYUID'; uidValidity: number; source: string; destination: string }
  | { code: 'UIDVALIDITY' | 'UIDNEXT' | 'UNSEEN'; value: number }
  /** RFC 7162 §3.1.1 */
  | { code: 'HIGHESTMODSEQ'; value: bigint | number }
  /** RFC 7162 §3.1.3: the UIDs / numbers that failed UNCHANGEDSINCE. */
  | { code: 'MODIFIED'; set: string }
  /** Flags may include "\*" (new keywords allowed). */
  | { code: 'PERMANENTFLAGS'; flags: string[] }
  | { code: 'CAPABILITY'; capabilities: string[] }
  | { code: 'BADCHARSET'; charsets: string[] }
  /** RFC 8474 §4.1 */
  | { code: 'MAILBOXID'; id: string };

export function encodeResponseCode(rc: ResponseCode): string {
  switch (rc.code) {
    case 'APPENDUID':
      return `APPENDUID ${rc.uidValidity} ${rc.uids}`;
    case 'COPYUID':
      return `COPYUID ${rc.uidValidity} ${rc.source} ${rc.destination}`;
    case 'UIDVALIDITY':
    case 'UIDNEXT':
    case 'UNSEEN':
    case 'HIGHESTMODSEQ':
      return `${rc.code} ${rc.value}`;
    case 'MODIFIED':
      return `MODIFIED ${rc.set}`;
    case 'PERMANENTFLAGS':
      return `PERMANENTFLAGS ${encodeFlags(rc.flags)}`;
    case 'CAPABILITY':
      return `CAPABILITY ${rc.capabilities.join(' ')}`;
    case 'BADCHARSET':
      return rc.charsets.length === 0 ? 'BADCHARSET' : `BADCHARSET ${encodeList(rc.charsets.map((c) => encodeAstring(c)))}`;
    case 'MAILBOXID':
      return `MAILBOXID (${rc.id})`;
    default:
      return rc.code;
  }
}

export type Status = 'OK' | 'NO' | 'BAD';

function respText(text: string, code?: ResponseCode): string {
  return code === undefined ? sanitizeText(text) : `[${encodeResponseCode(code)}] ${sanitizeText(text)}`;
}

/** tag SP ("OK" / "NO" / "BAD") SP resp-text CRLF ; RFC 9051 §7.1 */
export function tagged(tag: string, status: Status, text: string, code?: ResponseCode): string {
  return `${tag} ${status} ${respText(text, code)}\r\n`;
}

/** "* OK/NO/BAD/PREAUTH/BYE [code] text" ; RFC 9051 §7.1 */
export function untaggedStatus(status: Status | 'PREAUTH' | 'BYE', text: string, code?: ResponseCode): string {
  return `* ${status} ${respText(text, code)}\r\n`;
}

/** Untagged data: "* " + already-encoded payload. */
export function untagged(payload: string): string {
  return `* ${payload}\r\n`;
}

/** continue-req = "+" SP (resp-text / base64) CRLF ; RFC 9051 §7.5 */
export function continuation(text = 'Ready'): string {
  return `+ ${text.replace(/[\r\n]+/g, ' ')}\r\n`;
}

/** Section text as it appears in a response name, e.g. "1.2.HEADER.FIELDS (FROM TO)". */
export function formatSection(section: Section): string {
  let out = section.part.join('.');
  if (section.text !== null) out += (out.length > 0 ? '.' : '') + section.text;
  if (section.fields.length > 0) out += ` ${encodeList(section.fields.map((f) => encodeAstring(f)))}`;
  return out;
}

/**
 * The name a FETCH response uses for a requested attribute (RFC 9051 §7.5.2): .PEEK is dropped
 * and a partial echoes only its origin octet ("BODY[]<0>").
 */
export function fetchResponseName(att: FetchAttribute): string {
  switch (att.name) {
    case 'BODY[]':
      return `BODY[${formatSection(att.section)}]${att.partial === null ? '' : `<${att.partial.start}>`}`;
    case 'BINARY[]':
      return `BINARY[${att.part.join('.')}]${att.partial === null ? '' : `<${att.partial.start}>`}`;
    case 'BINARY.SIZE':
      return `BINARY.SIZE[${att.part.join('.')}]`;
    default:
      return att.name;
  }
}

/** The value of one FETCH response item. */
export type FetchValue =
  /** Already-encoded wire text: a number, a flag list, an ENVELOPE or BODYSTRUCTURE. */
  | { kind: 'raw'; text: string }
  /** A short value that may be quoted (or NIL). */
  | { kind: 'nstring'; value: string | Buffer | null }
  /**
   * Message content, always a literal; `binary` makes it a literal8 "~{n}" (RFC 3516 §4.2, for
   * BINARY[] content holding NUL). Small contents may be given as a Buffer.
   */
  | { kind: 'literal'; size: number; source: AsyncIterable<Uint8Array> | Uint8Array; binary?: boolean };

export interface FetchItem {
  name: string;
  value: FetchValue;
}

/**
 * "* n FETCH (name value ...)" as parts: strings, Buffers and streams in order. Adjacent text is
 * merged, so a FETCH without bodies is a single string.
 */
export function encodeFetch(seq: number, items: readonly FetchItem[], opts: StringOptions = {}): WirePart[] {
  const parts: WirePart[] = [];
  let text = `* ${seq} FETCH (`;
  items.forEach((item, i) => {
    text += `${i > 0 ? ' ' : ''}${item.name} `;
    const v = item.value;
    if (v.kind === 'raw') {
      text += v.text;
    } else if (v.kind === 'nstring') {
      if (v.value === null || typeof v.value === 'string') {
        text += encodeNString(v.value, opts);
      } else {
        parts.push(text, encodeBytes(v.value, opts));
        text = '';
      }
    } else {
      parts.push(`${text}${v.binary === true ? '~' : ''}{${v.size}}\r\n`);
      parts.push(v.source instanceof Uint8Array ? Buffer.from(v.source.buffer, v.source.byteOffset, v.source.byteLength) : { kind: 'stream', size: v.size, source: v.source });
      text = '';
    }
  });
  parts.push(`${text})\r\n`);
  return coalesce(parts);
}

/** Merge adjacent strings/Buffers (keeping streams apart) to cut write calls. */
export function coalesce(parts: readonly WirePart[]): WirePart[] {
  const out: WirePart[] = [];
  for (const p of parts) {
    if (typeof p !== 'string' && !Buffer.isBuffer(p)) {
      out.push(p);
      continue;
    }
    if (typeof p === 'string' && p.length === 0) continue;
    const last = out[out.length - 1];
    if (typeof last === 'string' && typeof p === 'string') out[out.length - 1] = last + p;
    else if (last !== undefined && (typeof last === 'string' || Buffer.isBuffer(last)) && small(last) && small(p)) {
      out[out.length - 1] = Buffer.concat([toBuffer(last), toBuffer(p)]);
    } else out.push(p);
  }
  return out;
}

/** Buffers above this size are written as they are rather than copied into a merged Buffer. */
const MERGE_LIMIT = 16 * 1024;

function small(p: string | Buffer): boolean {
  return typeof p === 'string' || p.length <= MERGE_LIMIT;
}

function toBuffer(p: string | Buffer): Buffer {
  return typeof p === 'string' ? Buffer.from(p) : p;
}
