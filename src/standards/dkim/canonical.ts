/**
 * DKIM canonicalization (RFC 6376 §3.4): "relaxed" for header fields (§3.4.2) and a streaming
 * "relaxed" body hasher (§3.4.4, with the §3.4.3 empty-line rule), and the header selection of
 * §5.4.2 (bottom-up, a name listed more often than it occurs signs the "null" field, which is how
 * oversigning keeps a field from being added later, §8.15).
 *
 * Works on bytes: text is handled as latin1 so that every byte maps to one character and back.
 */
import { createHash, type Hash } from 'node:crypto';

/** A raw header field: name as written, and everything after the colon (folding CRLFs kept). */
export interface RawField {
  name: string;
  /** After the colon, including folding, without the final CRLF. */
  value: string;
}

/** Splits a header section (latin1 text, CRLF line ends) into raw fields (RFC 5322 §2.2). */
export function splitFields(header: string): RawField[] {
  const out: RawField[] = [];
  for (const line of header.split('\r\n')) {
    if (line === '') continue;
    if ((line[0] === ' ' || line[0] === '\t') && out.length) {
      out[out.length - 1]!.value += `\r\n${line}`;
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) continue; // not a field; never signed
    out.push({ name: line.slice(0, colon), value: line.slice(colon + 1) });
  }
  return out;
}

/** RFC 6376 §3.4.2: lower-case name, unfold, collapse WSP, trim around the colon and at the end. */
export function relaxedHeader(name: string, value: string): string {
  return `${name.trim().toLowerCase()}:${value.replace(/\r\n/g, '').replace(/[ \t]+/g, ' ').trim()}`;
}

/**
 * RFC 6376 §5.4.2: for each name of `h=` in order, the next unused instance from the bottom;
 * null when none is left (it then contributes nothing to the hash).
 */
export function selectFields(fields: readonly RawField[], names: readonly string[]): Array<RawField | null> {
  const used = new Set<number>();
  return names.map((n) => {
    const lower = n.toLowerCase();
    for (let i = fields.length - 1; i >= 0; i--) {
      if (!used.has(i) && fields[i]!.name.trim().toLowerCase() === lower) {
        used.add(i);
        return fields[i]!;
      }
    }
    return null;
  });
}

/**
 * Streaming relaxed body canonicalization (RFC 6376 §3.4.4) into a hash: WSP runs become one
 * SP, WSP at line ends goes, empty lines at the end go, and a non-empty body ends with CRLF.
 */
export class RelaxedBodyHash {
  private readonly hash: Hash;
  private partial = '';
  private emptyLines = 0;

  constructor(algorithm = 'sha256') {
    this.hash = createHash(algorithm);
  }

  update(chunk: Buffer): void {
    const text = this.partial + chunk.toString('latin1');
    let start = 0;
    for (let nl = text.indexOf('\n', start); nl >= 0; nl = text.indexOf('\n', start)) {
      this.line(text.slice(start, nl > start && text[nl - 1] === '\r' ? nl - 1 : nl));
      start = nl + 1;
    }
    this.partial = text.slice(start);
  }

  private line(raw: string): void {
    const canon = raw.replace(/[ \t]+/g, ' ').replace(/ $/, '');
    if (canon === '') {
      this.emptyLines++;
      return;
    }
    if (this.emptyLines) this.hash.update('\r\n'.repeat(this.emptyLines), 'latin1');
    this.emptyLines = 0;
    this.hash.update(`${canon}\r\n`, 'latin1');
  }

  /** base64 digest (the bh= value). */
  digest(): string {
    if (this.partial) this.line(this.partial.replace(/\r$/, ''));
    this.partial = '';
    return this.hash.digest('base64');
  }
}
