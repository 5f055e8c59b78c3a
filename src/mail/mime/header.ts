/**
 * Header fields and MIME parameters: RFC 5322 §2.2 (header fields, §2.2.3 unfolding),
 * RFC 2045 §5.1 (Content-Type syntax), RFC 2183 (Content-Disposition), RFC 2231 §3
 * (parameter continuations "name*0", "name*1*" ...).
 *
 * Values are kept raw (no encoded-word decoding): IMAP's ENVELOPE and BODYSTRUCTURE return them
 * as written (RFC 9051 §7.5.2). Parsing is lenient and bounded: malformed lines are skipped,
 * never thrown on.
 */

/** One header field: the name as written, the value unfolded with its ends trimmed. */
export interface HeaderField {
  name: string;
  value: string;
}

/** MIME parameters in order: [attribute as written, value unquoted]. */
export type Params = Array<[string, string]>;

/** At most this many fields are kept from one header block. */
export const MAX_HEADER_FIELDS = 1000;

/** Octets to text: UTF-8 (RFC 6532), invalid sequences replaced by U+FFFD. */
export function headerText(bytes: Buffer): string {
  return bytes.toString('utf8');
}

/**
 * Split a header block into fields. RFC 5322 §2.2.3: a line starting with WSP continues the
 * previous field; unfolding removes the CRLF only. Lines without a colon are skipped.
 * `foldAsSpace`: a continuation line's leading whitespace becomes one space (what folding white
 * space means, §3.2.2), so a folded value cannot be told from one written on one line.
 */
export function parseHeaderBlock(block: Buffer, options: { foldAsSpace?: boolean } = {}): HeaderField[] {
  const fields: HeaderField[] = [];
  const lines = headerText(block).split(/\r?\n/);
  let current: { name: string; value: string } | null = null;
  const flush = () => {
    if (current !== null && fields.length < MAX_HEADER_FIELDS) fields.push({ name: current.name, value: current.value.trim() });
    current = null;
  };
  for (const line of lines) {
    if (line.length === 0) break; // RFC 5322 §2.1: the empty line ends the header
    const c = line.charCodeAt(0);
    if (c === 0x20 || c === 0x09) {
      if (current !== null) current.value += options.foldAsSpace === true ? ` ${line.trimStart()}` : line;
      continue;
    }
    flush();
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trimEnd();
    // RFC 5322 §3.6.8: ftext = %d33-57 / %d59-126
    if (!/^[\x21-\x39\x3b-\x7e]+$/.test(name)) continue;
    current = { name, value: line.slice(colon + 1) };
  }
  flush();
  return fields;
}

/** The first field with this name (case-insensitive), or null. */
export function firstField(fields: readonly HeaderField[], name: string): string | null {
  const lower = name.toLowerCase();
  for (const f of fields) if (f.name.toLowerCase() === lower) return f.value;
  return null;
}

/** Remove RFC 5322 comments "(...)" outside quoted strings (nested, with quoted-pairs). */
export function stripComments(text: string): string {
  let out = '';
  let depth = 0;
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (ch === '\\' && (quoted || depth > 0)) {
      if (depth === 0) out += ch + (text[i + 1] ?? '');
      i++;
      continue;
    }
    if (depth === 0 && ch === '"') quoted = !quoted;
    if (!quoted && ch === '(') {
      depth++;
      continue;
    }
    if (!quoted && ch === ')' && depth > 0) {
      depth--;
      if (depth === 0) out += ' ';
      continue;
    }
    if (depth === 0) out += ch;
  }
  return out;
}

/**
 * Split "a; b=c; d="e;f"" at semicolons outside double-quoted strings (with \-escapes, RFC 5322
 * §3.2.4); `closed` is false when a quoted string is left open.
 */
export function splitOutsideQuotes(text: string): { items: string[]; closed: boolean } {
  const items: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted && ch === '\\') {
      cur += ch + (text[i + 1] ?? '');
      i++;
      continue;
    }
    if (ch === '"') quoted = !quoted;
    if (ch === ';' && !quoted) {
      items.push(cur);
      cur = '';
    } else cur += ch;
  }
  items.push(cur);
  return { items, closed: !quoted };
}

const splitParams = (text: string): string[] => splitOutsideQuotes(text).items;

function unquote(value: string): string {
  const v = value.trim();
  if (v.length >= 2 && v.startsWith('"') && v.endsWith('"')) return v.slice(1, -1).replace(/\\(.)/g, '$1');
  if (v.startsWith('"')) return v.slice(1).replace(/\\(.)/g, '$1'); // unterminated: take the rest
  return v;
}

/**
 * Parameters after the first ";" (RFC 2045 §5.1), with RFC 2231 §3 continuations joined:
 * name*0, name*1 ... become "name"; when any segment is extended (name*0*) the result is "name*"
 * holding the joined, still-encoded value. Comments must already be stripped.
 */
export function parseParams(segments: readonly string[]): Params {
  const raw: Params = [];
  for (const seg of segments) {
    const eq = seg.indexOf('=');
    if (eq <= 0) continue;
    const attr = seg.slice(0, eq).trim();
    if (attr.length === 0 || /[\s"]/.test(attr)) continue;
    raw.push([attr, unquote(seg.slice(eq + 1))]);
  }
  return joinContinuations(raw);
}

function joinContinuations(raw: Params): Params {
  const out: Params = [];
  const groups = new Map<string, { index: number; segs: Map<number, [string, boolean]> }>();
  for (const [attr, value] of raw) {
    const m = /^(.+?)\*([0-9]{1,3})(\*?)$/.exec(attr);
    if (m === null) {
      out.push([attr, value]);
      continue;
    }
    const key = m[1]!.toLowerCase();
    let g = groups.get(key);
    if (g === undefined) {
      g = { index: out.length, segs: new Map() };
      groups.set(key, g);
      out.push([m[1]!, '']); // placeholder keeps the first segment's position
    }
    const n = Number(m[2]);
    if (!g.segs.has(n)) g.segs.set(n, [value, m[3] === '*']);
  }
  for (const [, g] of groups) {
    let value = '';
    let extended = false;
    for (let n = 0; g.segs.has(n); n++) {
      const [v, ext] = g.segs.get(n)!;
      if (n === 0) extended = ext;
      value += v;
    }
    const slot = out[g.index]!;
    out[g.index] = [extended ? `${slot[0]}*` : slot[0], value];
  }
  return out;
}

/** Case-insensitive parameter lookup. */
export function param(params: Params, name: string): string | null {
  const lower = name.toLowerCase();
  for (const [a, v] of params) if (a.toLowerCase() === lower) return v;
  return null;
}

export interface ContentType {
  type: string;
  subtype: string;
  params: Params;
}

/** RFC 2045 §5.1: type "/" subtype *(";" parameter). null when there is no usable type/subtype. */
export function parseContentType(value: string): ContentType | null {
  const segs = splitParams(stripComments(value));
  // RFC 2045 §5.1: type and subtype are tokens (no SP, CTLs or tspecials).
  const m = /^\s*([^\x00-\x20()<>@,;:\\"/[\]?=\x7f]+)\s*\/\s*([^\x00-\x20()<>@,;:\\"/[\]?=\x7f]+)\s*$/.exec(segs[0] ?? '');
  if (m === null) return null;
  return { type: m[1]!, subtype: m[2]!, params: parseParams(segs.slice(1)) };
}

export interface Disposition {
  type: string;
  params: Params;
}

/** RFC 2183 §2: disposition-type *(";" disposition-parm). */
export function parseDisposition(value: string): Disposition | null {
  const segs = splitParams(stripComments(value));
  const type = (segs[0] ?? '').trim();
  if (type.length === 0 || /[\s=]/.test(type)) return null;
  return { type, params: parseParams(segs.slice(1)) };
}

/** RFC 3282 Content-Language: comma-separated language tags; null when none. */
export function parseLanguage(value: string): string[] | null {
  const tags = stripComments(value)
    .split(',')
    .map((t) => t.trim())
    .filter((t) => t.length > 0);
  return tags.length > 0 ? tags : null;
}

/**
 * BODY[HEADER.FIELDS (...)] and BODY[HEADER.FIELDS.NOT (...)] (RFC 9051 §6.4.5): the matching
 * (or non-matching) fields of a raw header block, each with its folded lines as written, followed
 * by the blank line that ends a header.
 */
export function filterHeaderFields(block: Buffer, names: readonly string[], not: boolean): Buffer {
  const wanted = new Set(names.map((n) => n.toLowerCase()));
  const out: Buffer[] = [];
  let keep = false;
  let start = 0;
  while (start < block.length) {
    const lf = block.indexOf(0x0a, start);
    const end = lf < 0 ? block.length : lf + 1;
    const line = block.subarray(start, end);
    start = end;
    const first = line[0];
    if (first === 0x0d || first === 0x0a) break; // the blank line: end of the header
    if (first !== 0x20 && first !== 0x09) {
      const colon = line.indexOf(0x3a);
      const name = colon > 0 ? line.subarray(0, colon).toString('latin1').trimEnd().toLowerCase() : null;
      keep = name !== null && wanted.has(name) !== not;
    }
    if (keep) out.push(line.length > 0 && line[line.length - 1] !== 0x0a ? Buffer.concat([line, Buffer.from('\r\n')]) : line);
  }
  out.push(Buffer.from('\r\n'));
  return Buffer.concat(out);
}
