/**
 * Decoding for the tokenizer: Content-Transfer-Encoding (RFC 2045 §6.7 quoted-printable, §6.8
 * base64), charsets (WHATWG Encoding labels through TextDecoder), RFC 2047 encoded-words,
 * RFC 2231 extended parameters, and the visible text of HTML.
 *
 * Sources: as the tokenizer (Graham "A Plan for Spam", Robinson, SpamBayes tokenizer.py, which
 * also decodes before it tokenizes and drops HTML tags and comments so "V<!-- -->iagra" is one
 * word).
 *
 * Pure and bounded: every function takes or applies a size cap, never throws on content (an
 * unknown charset falls back to UTF-8/windows-1252), never evaluates anything it decodes (no
 * HTML parsing into a DOM, no entity tables beyond a few names, no script), and never reads
 * past the bytes it is given.
 */

import { isAscii } from 'node:buffer';
import { TextDecoder } from 'node:util';

const decoders = new Map<string, TextDecoder | null>();

/** A TextDecoder for a MIME charset label, or null when the label is unknown. */
function decoderFor(charset: string): TextDecoder | null {
  const label = charset.trim().toLowerCase().slice(0, 40);
  let d = decoders.get(label);
  if (d === undefined) {
    try {
      d = new TextDecoder(label === 'us-ascii' || label === 'ascii' ? 'windows-1252' : label);
    } catch {
      d = null;
    }
    if (decoders.size < 200) decoders.set(label, d);
  }
  return d;
}

const utf8Strict = new TextDecoder('utf-8', { fatal: true });
const cp1252 = new TextDecoder('windows-1252');

/**
 * Bytes to text in the declared charset. Undeclared or unknown charsets: UTF-8 when the bytes
 * are valid UTF-8, else windows-1252 (the usual mislabel of 8-bit Western mail).
 */
export function decodeText(bytes: Uint8Array, charset: string | null): string {
  if (isAscii(bytes) && !(charset !== null && /^(utf-?16|utf-?7|iso-2022)/i.test(charset))) return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
  const d = charset === null ? null : decoderFor(charset);
  if (d !== null && !/^(us-)?ascii$/i.test(charset ?? '')) return d.decode(bytes);
  try {
    return utf8Strict.decode(bytes);
  } catch {
    return cp1252.decode(bytes);
  }
}

const HEX = (c: number): number => (c >= 0x30 && c <= 0x39 ? c - 0x30 : c >= 0x41 && c <= 0x46 ? c - 0x37 : c >= 0x61 && c <= 0x66 ? c - 0x57 : -1);

/** RFC 2045 §6.7: "=XX" is an octet, "=" at the end of a line is a soft line break. */
export function decodeQuotedPrintable(src: Uint8Array, maxOut: number): Buffer {
  const out = Buffer.allocUnsafe(Math.min(src.length, maxOut));
  let o = 0;
  for (let i = 0; i < src.length && o < out.length; i++) {
    const c = src[i]!;
    if (c !== 0x3d) {
      out[o++] = c;
      continue;
    }
    const a = src[i + 1];
    if (a === 0x0a) {
      i += 1; // soft break, LF
      continue;
    }
    if (a === 0x0d && src[i + 2] === 0x0a) {
      i += 2; // soft break, CRLF
      continue;
    }
    const h = a === undefined ? -1 : HEX(a);
    const l = src[i + 2] === undefined ? -1 : HEX(src[i + 2]!);
    if (h >= 0 && l >= 0) {
      out[o++] = h * 16 + l;
      i += 2;
    } else {
      out[o++] = c; // §6.7 note (2): a lone "=" is kept as is
    }
  }
  return out.subarray(0, o);
}

/** RFC 2045 §6.8: characters outside the alphabet are ignored; output capped at maxOut. */
export function decodeBase64(src: Uint8Array, maxOut: number): Buffer {
  const inCap = Math.ceil((maxOut * 4) / 3) + 4;
  const text = Buffer.from(src.buffer, src.byteOffset, Math.min(src.byteLength, inCap * 2)).toString('latin1');
  const out = Buffer.from(text, 'base64');
  return out.length > maxOut ? out.subarray(0, maxOut) : out;
}

/** Undo a Content-Transfer-Encoding; 7bit/8bit/binary/unknown pass through (capped). */
export function decodeTransfer(body: Uint8Array, encoding: string, maxOut: number): Buffer {
  const enc = encoding.trim().toLowerCase();
  if (enc === 'base64') return decodeBase64(body, maxOut);
  if (enc === 'quoted-printable') return decodeQuotedPrintable(body, maxOut);
  const b = Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  return b.length > maxOut ? b.subarray(0, maxOut) : b;
}

/** RFC 2047 encoded-words in a header value ("=?charset?B|Q?text?="), adjacent words joined (§6.2). */
export function decodeEncodedWords(value: string): string {
  if (!value.includes('=?')) return value;
  return value
    .replace(/(\?=)\s+(?==\?)/g, '$1')
    .replace(/=\?([^?\s]{1,40})\?([bBqQ])\?([^?\s]{0,2000})\?=/g, (_m, cs: string, enc: string, text: string) => {
      const charset = cs.split('*')[0]!; // RFC 2231 §5: charset*language
      const bytes = enc === 'b' || enc === 'B' ? Buffer.from(text, 'base64') : decodeQuotedPrintable(Buffer.from(text.replace(/_/g, ' '), 'latin1'), 4000);
      return decodeText(bytes, charset);
    });
}

/** RFC 2231 §4 extended value "charset'lang'%XX..." to text. */
export function decodeExtendedParam(value: string): string {
  const m = /^([^']*)'[^']*'(.*)$/.exec(value);
  if (m === null) return value;
  const bytes = Buffer.from(m[2]!.replace(/%([0-9a-fA-F]{2})|[^%]/g, (s, h: string | undefined) => (h === undefined ? s : String.fromCharCode(parseInt(h, 16)))), 'latin1');
  return decodeText(bytes, m[1] || null);
}

const ENTITIES: Record<string, string> = { nbsp: ' ', amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", copy: '©', reg: '®', euro: '€', pound: '£', yen: '¥' };

function decodeEntities(s: string): string {
  if (!s.includes('&')) return s;
  return s.replace(/&(#[0-9]{1,7}|#x[0-9a-f]{1,6}|[a-z]{2,8});?/gi, (m, e: string) => {
    if (e[0] === '#') {
      const cp = e[1] === 'x' || e[1] === 'X' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10);
      return cp > 0 && cp <= 0x10ffff && !(cp >= 0xd800 && cp <= 0xdfff) ? String.fromCodePoint(cp) : ' ';
    }
    return ENTITIES[e.toLowerCase()] ?? m;
  });
}

/** Tags that do not separate words when removed (spammers split words with them). */
const INLINE = new Set(['a', 'b', 'i', 'u', 'em', 'strong', 'font', 'span', 'small', 'big', 'sub', 'sup', 's', 'strike', 'abbr', 'code', 'tt']);

export interface HtmlText {
  /** Visible text: tags and comments removed, script/style dropped, entities decoded. */
  text: string;
  /** href/src/action values, entities decoded. */
  links: string[];
  /** Lower-case names of the tags used (distinct, capped). */
  tags: string[];
}

/**
 * The visible text of an HTML body, by regular expressions over a string already capped by the
 * caller. Linear: every pattern is anchored on a literal and has no nested quantifiers.
 */
export function htmlToText(html: string, maxLinks = 100): HtmlText {
  const links: string[] = [];
  const tags = new Set<string>();
  // Comments, then declarations and processing instructions (<!DOCTYPE ...>, <?xml ...?>): not
  // visible text, and their words ("doctype", "w3c", "transitional") only name the HTML version.
  const noComments = html.replace(/<!--[\s\S]*?(?:-->|$)/g, '').replace(/<[!?][^>]{0,2000}>?/g, ' ').replace(/<(script|style)\b[^>]{0,2000}>[\s\S]*?(?:<\/\1\s*>|$)/gi, (_m, name: string) => {
    tags.add(name.toLowerCase());
    return ' ';
  });
  const text = noComments.replace(/<\/?([a-zA-Z][a-zA-Z0-9]{0,15})\b([^>]{0,2000})>?/g, (_m, name: string, attrs: string) => {
    const tag = name.toLowerCase();
    if (tags.size < 64) tags.add(tag);
    if (links.length < maxLinks && attrs.length > 0) {
      for (const a of attrs.matchAll(/\b(?:href|src|action)\s*=\s*(?:"([^"]{0,2000})"|'([^']{0,2000})'|([^\s>]{1,2000}))/gi)) {
        if (links.length >= maxLinks) break;
        links.push(decodeEntities(a[1] ?? a[2] ?? a[3] ?? ''));
      }
    }
    return INLINE.has(tag) ? '' : ' ';
  });
  return { text: decodeEntities(text), links, tags: [...tags] };
}
