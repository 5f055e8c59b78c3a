/**
 * Modified UTF-7 mailbox names: RFC 3501 §5.1.3 (kept by RFC 9051 §5.1 for IMAP4rev1 clients that
 * have not enabled UTF8=ACCEPT, RFC 6855).
 *
 * Printable US-ASCII (0x20-0x7E) stands for itself, except "&" which is written "&-". Anything
 * else is UTF-16BE in modified BASE64 ("," instead of "/", no "=" padding) between "&" and "-".
 *   "~peter/mail/台北/日本語" <-> "~peter/mail/&U,BTFw-/&ZeVnLIqe-"
 *
 * Decoding is strict (null on error) so two spellings never name one mailbox: printable ASCII may
 * not be encoded, padding bits must be zero, surrogates must pair, every "&" must be closed.
 */

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+,';

function isDirect(code: number): boolean {
  return code >= 0x20 && code <= 0x7e;
}

function encodeRun(units: number[]): string {
  let out = '&';
  let bits = 0;
  let acc = 0;
  for (const u of units) {
    acc = (acc << 16) | u;
    bits += 16;
    while (bits >= 6) {
      bits -= 6;
      out += B64[(acc >> bits) & 0x3f];
    }
    acc &= (1 << bits) - 1;
  }
  if (bits > 0) out += B64[(acc << (6 - bits)) & 0x3f];
  return out + '-';
}

/** Encode a Unicode mailbox name into modified UTF-7. */
export function encodeMailboxName(name: string): string {
  let out = '';
  let run: number[] = [];
  for (let i = 0; i < name.length; i++) {
    const code = name.charCodeAt(i);
    if (isDirect(code)) {
      if (run.length > 0) {
        out += encodeRun(run);
        run = [];
      }
      out += code === 0x26 ? '&-' : name[i];
    } else {
      run.push(code);
    }
  }
  if (run.length > 0) out += encodeRun(run);
  return out;
}

/** Decode a modified UTF-7 mailbox name; null when it is not valid modified UTF-7. */
export function decodeMailboxName(encoded: string): string | null {
  let out = '';
  let i = 0;
  while (i < encoded.length) {
    const c = encoded.charCodeAt(i);
    if (!isDirect(c)) return null; // RFC 3501 §5.1.3: 8-bit and controls are never direct
    if (c !== 0x26) {
      out += encoded[i];
      i++;
      continue;
    }
    const close = encoded.indexOf('-', i + 1);
    if (close < 0) return null;
    if (close === i + 1) {
      out += '&';
      i += 2;
      continue;
    }
    const decoded = decodeRun(encoded.slice(i + 1, close));
    if (decoded === null) return null;
    out += decoded;
    i = close + 1;
  }
  return out;
}

function decodeRun(b64: string): string | null {
  const units: number[] = [];
  let acc = 0;
  let bits = 0;
  for (const ch of b64) {
    const v = B64.indexOf(ch);
    if (v < 0) return null;
    acc = (acc << 6) | v;
    bits += 6;
    if (bits >= 16) {
      bits -= 16;
      units.push((acc >> bits) & 0xffff);
      acc &= (1 << bits) - 1;
    }
  }
  // Leftover bits are padding: fewer than 6 of them, all zero.
  if (bits >= 6 || acc !== 0 || units.length === 0) return null;
  let out = '';
  for (let k = 0; k < units.length; k++) {
    const u = units[k]!;
    if (isDirect(u)) return null; // printable ASCII must be written directly
    if (u >= 0xd800 && u <= 0xdbff) {
      const low = units[k + 1];
      if (low === undefined || low < 0xdc00 || low > 0xdfff) return null;
      out += String.fromCharCode(u, low);
      k++;
    } else if (u >= 0xdc00 && u <= 0xdfff) {
      return null;
    } else {
      out += String.fromCharCode(u);
    }
  }
  return out;
}
