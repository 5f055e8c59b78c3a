/** MIME encoding for the bodies we write (reports, lab samples). Pure. */

/** Base64 in lines of at most 76 characters, CRLF-separated (RFC 2045 §6.8). */
export function base64Lines(b: Buffer): string {
  return (b.toString('base64').match(/.{1,76}/g) ?? []).join('\r\n');
}
