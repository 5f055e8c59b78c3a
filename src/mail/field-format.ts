/**
 * Writing our own informational header fields (X-Mailwarden-Spam, -Phishing, -Attachments):
 * untrusted text shown as a safe quoted-string, and folding (RFC 5322 §2.2.3) between words so
 * no line passes 78 characters where it can be helped. Pure.
 */

const LINE = 78;

/**
 * Text as a quoted-string that is safe in a header field whatever it contains: printable ASCII
 * kept (`"` and `\` escaped), `%` and everything else percent-encoded UTF-8; longer than `max`
 * characters: shortened with "...".
 */
export function quoteText(text: string, max: number): string {
  const chars = Array.from(text);
  const shown = chars.length > max ? `${chars.slice(0, max).join('')}...` : text;
  let out = '';
  for (const ch of shown) {
    const c = ch.codePointAt(0)!;
    if (ch === '%') out += '%25';
    else if (ch === '"' || ch === '\\') out += `\\${ch}`;
    else if (c >= 0x20 && c < 0x7f) out += ch;
    else for (const b of Buffer.from(ch, 'utf8')) out += `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return `"${out}"`;
}

/** `name: w1 w2 ...`, folded (CRLF + one space) before a word that would pass 78; no final CRLF. */
export function foldWords(name: string, words: readonly string[]): string {
  let out = `${name}:`;
  let lineLen = out.length;
  for (const w of words) {
    if (lineLen + 1 + w.length > LINE && lineLen > 1) {
      out += `\r\n ${w}`;
      lineLen = 1 + w.length;
    } else {
      out += ` ${w}`;
      lineLen += 1 + w.length;
    }
  }
  return out;
}

/** Items separated by "; " and folded between words (each item may hold spaces). */
export function foldItems(name: string, items: readonly string[], splitItems = true): string {
  const words = items.flatMap((item, i) => {
    const w = i < items.length - 1 ? `${item};` : item;
    return splitItems ? w.split(' ') : [w];
  });
  return foldWords(name, words);
}
