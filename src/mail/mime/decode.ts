/**
 * Content decoding for IMAP BINARY (RFC 3516) and SEARCH (RFC 9051 §6.4.4 asks for matching on
 * decoded text): Content-Transfer-Encoding (RFC 2045 §6.7 quoted-printable, §6.8 base64),
 * charsets (via TextDecoder, the WHATWG set), and RFC 2047 encoded-words in header values.
 *
 * Lenient by design: malformed input decodes to something (RFC 2045 §6.7 note 4: keep a bad
 * "=XX" as is), never throws. Only an unknown transfer encoding is reported (null), because
 * RFC 3516 §4.3 wants UNKNOWN-CTE for it.
 */

/** RFC 2045 §6.7. Soft line breaks ("=" CRLF) vanish; "=XX" is an octet; trailing blanks are dropped. */
export function decodeQuotedPrintable(input: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(input.length);
  let o = 0;
  let lineStart = 0;
  const hex = (c: number) => (c >= 0x30 && c <= 0x39 ? c - 0x30 : c >= 0x41 && c <= 0x46 ? c - 0x37 : c >= 0x61 && c <= 0x66 ? c - 0x57 : -1);
  for (let i = 0; i < input.length; i++) {
    const c = input[i]!;
    if (c === 0x3d) {
      // soft line break: "=" then optional blanks then (CR)LF
      let j = i + 1;
      while (j < input.length && (input[j] === 0x20 || input[j] === 0x09)) j++;
      if (j < input.length && input[j] === 0x0d && input[j + 1] === 0x0a) {
        i = j + 1;
        lineStart = o;
        continue;
      }
      if (j < input.length && input[j] === 0x0a) {
        i = j;
        lineStart = o;
        continue;
      }
      if (j >= input.length) break;
      const h = hex(input[i + 1] ?? 0);
      const l = hex(input[i + 2] ?? 0);
      if (h >= 0 && l >= 0) {
        out[o++] = h * 16 + l;
        i += 2;
        continue;
      }
      out[o++] = c;
      continue;
    }
    if (c === 0x0a || (c === 0x0d && input[i + 1] === 0x0a)) {
      // RFC 2045 §6.7 rule 3: blanks at the end of an encoded line are not part of the data.
      while (o > lineStart && (out[o - 1] === 0x20 || out[o - 1] === 0x09)) o--;
      if (c === 0x0d) {
        out[o++] = 0x0d;
        i++;
      }
      out[o++] = 0x0a;
      lineStart = o;
      continue;
    }
    out[o++] = c;
  }
  return out.subarray(0, o);
}

/** RFC 2045 §6.8; characters outside the alphabet (line breaks) are ignored. */
export function decodeBase64(input: Uint8Array): Buffer {
  return Buffer.from(Buffer.from(input).toString('latin1').replace(/[^A-Za-z0-9+/]/g, ''), 'base64');
}

/** The decoded octets of a part body, or null for a transfer encoding we do not know. */
export function decodeTransfer(body: Uint8Array, encoding: string): Buffer | null {
  switch (encoding.trim().toLowerCase()) {
    case 'base64':
      return decodeBase64(body);
    case 'quoted-printable':
      return decodeQuotedPrintable(body);
    case '7bit':
    case '8bit':
    case 'binary':
    case '':
      return Buffer.from(body.buffer, body.byteOffset, body.byteLength);
    default:
      return null;
  }
}

/** Octets in a named charset to text; unknown charsets fall back to UTF-8 (then Latin-1 feel). */
export function decodeCharset(bytes: Uint8Array, charset: string | null): string {
  const label = (charset ?? 'utf-8').trim().toLowerCase();
  try {
    return new TextDecoder(label === 'us-ascii' ? 'utf-8' : label).decode(bytes);
  } catch {
    return new TextDecoder('utf-8').decode(bytes);
  }
}

const ENCODED_WORD = /=\?([^?\s]+)\?([BbQq])\?([^?\s]*)\?=/g;

/** RFC 2047 §4-6: decode encoded-words; blanks between two adjacent encoded-words vanish. */
export function decodeHeaderValue(value: string): string {
  if (!value.includes('=?')) return value;
  return value
    .replace(/(=\?[^?\s]+\?[BbQq]\?[^?\s]*\?=)\s+(?==\?[^?\s]+\?[BbQq]\?[^?\s]*\?=)/g, '$1')
    .replace(ENCODED_WORD, (_m, charset: string, enc: string, text: string) => {
      const cs = charset.split('*')[0]!; // RFC 2231 §5 language suffix
      const bytes =
        enc.toUpperCase() === 'B'
          ? Buffer.from(text, 'base64')
          : decodeQuotedPrintable(Buffer.from(text.replace(/_/g, ' '), 'latin1'));
      return decodeCharset(bytes, cs);
    });
}
