/**
 * RFC 3516 BINARY content, streamed: the decoded octets of one leaf part (RFC 2045 §6.8 base64,
 * §6.7 quoted-printable, identity for 7bit/8bit/binary), decoded chunk by chunk as the stored
 * part's byte range is read, so a part is never held in memory whole.
 *
 * A literal's size must be written before its first octet (RFC 9051 §4.3), and a part holding NUL
 * must go out as literal8 `~{n}` (RFC 3516 §4.2), so a BINARY[part] is two passes over the part:
 * `measure` decodes and counts (and looks for NUL in the requested window), then the literal
 * streams the same decoding again, cut to `<origin.count>`. BINARY.SIZE is the first pass alone.
 *
 * The decoding itself is mail/mime/transfer-stream.ts, the decoder the content filters' leaves and
 * webmail downloads use too; this module holds what only BINARY needs: the window cut and the
 * size/NUL pass.
 */

/** Octets [start, end) of a stream. */
export async function* cutStream(source: AsyncIterable<Buffer>, start: number, end: number): AsyncGenerator<Buffer> {
  let pos = 0;
  for await (const chunk of source) {
    const from = Math.max(start - pos, 0);
    const to = Math.min(end - pos, chunk.length);
    pos += chunk.length;
    if (to > from) yield chunk.subarray(from, to);
    if (pos >= end) return;
  }
}

/** Decoded length of a stream, and whether a NUL octet lies in [start, end) of it. */
export async function measure(source: AsyncIterable<Buffer>, start = 0, end = Infinity): Promise<{ size: number; nul: boolean }> {
  let size = 0;
  let nul = false;
  for await (const chunk of source) {
    if (!nul && size + chunk.length > start && size < end) {
      nul = chunk.subarray(Math.max(start - size, 0), Math.min(end - size, chunk.length)).includes(0);
    }
    size += chunk.length;
  }
  return { size, nul };
}
