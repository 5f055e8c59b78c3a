/**
 * Reading ZIP archives without trusting them (PKWARE APPNOTE.TXT 6.3.10): the central directory
 * lists every entry with its name, sizes, flags and the offset of its local header, so names are
 * checked without decompressing anything, and content only where it is needed and within a
 * budget.
 *
 *   §4.3.16  end of central directory record (EOCD), searched backwards over the last
 *            22 + 65,535 octets (the comment may be that long)
 *   §4.3.14/15  ZIP64 EOCD record and locator, for archives past 65,535 entries or 4 GiB
 *   §4.3.12  central directory file headers; §4.5.3 the ZIP64 extra field (0x0001);
 *            §4.4.4 general purpose bit 0 = encrypted, bit 11 = UTF-8 names (APPNOTE Appendix D);
 *            Info-ZIP Unicode Path extra field 0x7075 (§4.6.9)
 *   §4.3.7   local file headers: the data starts after its own name and extra field lengths
 *            (which may differ from the central directory's)
 *   §4.4.5   compression methods: 0 stored, 8 deflated; 99 = AES (WinZip AE-x, Appendix E of
 *            the WinZip documentation) is encryption
 *
 * Data that precedes the archive (self-extractors, a ZIP appended to something else) shifts
 * every offset; like Info-ZIP we take the shift from where the central directory really ends.
 *
 * Bounded: at most `maxEntries` entries are read (more is an error); inflating is the caller's
 * business (scan.ts), with its own budget.
 */
import { inflateRaw, constants as zc } from 'node:zlib';
import { promisify } from 'node:util';

const inflateRawAsync = promisify(inflateRaw);

/** The octets of a file at hand: all of it, or its head and tail. */
export interface Sparse {
  head: Buffer;
  tail: Buffer;
  total: number;
}

export const wholeSparse = (b: Buffer): Sparse => ({ head: b, tail: Buffer.alloc(0), total: b.length });

/** [off, off+len) of the file, or null when those octets are not at hand. */
export function readAt(s: Sparse, off: number, len: number): Buffer | null {
  if (off < 0 || len < 0 || off + len > s.total) return null;
  if (off + len <= s.head.length) return s.head.subarray(off, off + len);
  const tailStart = s.total - s.tail.length;
  if (off >= tailStart) return s.tail.subarray(off - tailStart, off - tailStart + len);
  return null;
}

export interface ZipEntry {
  name: string;
  method: number;
  encrypted: boolean;
  compressedSize: number;
  size: number;
  /** Offset of the local header, corrected for data before the archive. */
  localOffset: number;
}

export type ZipListing = { ok: true; entries: ZipEntry[] } | { ok: false; error: string };

const SIG_EOCD = 0x06054b50;
const SIG_Z64_LOC = 0x07064b50;
const SIG_Z64_EOCD = 0x06064b50;
const SIG_CEN = 0x02014b50;
const SIG_LOC = 0x04034b50;

const u64 = (b: Buffer, off: number) => Number(b.readBigUInt64LE(off));

/** CP437 is close enough to Latin-1 for extensions and paths (the letters that matter are ASCII). */
function entryName(raw: Buffer, utf8: boolean, extra: Buffer): string {
  // Info-ZIP Unicode Path extra field (0x7075): version 1, CRC of the header name, UTF-8 name.
  for (let i = 0; i + 4 <= extra.length; ) {
    const id = extra.readUInt16LE(i);
    const len = extra.readUInt16LE(i + 2);
    if (id === 0x7075 && len >= 5 && i + 4 + len <= extra.length && extra[i + 4] === 1) return extra.toString('utf8', i + 9, i + 4 + len);
    i += 4 + len;
  }
  return utf8 ? raw.toString('utf8') : raw.toString('latin1');
}

/** The last (up to) 22 + 65,535 octets at hand: where the EOCD must be (§4.3.16). */
function endWindow(s: Sparse): { buf: Buffer; start: number } | null {
  const len = Math.min(s.total, 22 + 0xffff);
  const whole = readAt(s, s.total - len, len);
  if (whole) return { buf: whole, start: s.total - len };
  if (s.tail.length < 22) return null;
  return { buf: s.tail, start: s.total - s.tail.length }; // a shorter window: all of the tail
}

/** True when an end of central directory record is in the window at the end (a ZIP, maybe after other data). */
export function hasZipEnd(s: Sparse): boolean {
  const w = endWindow(s);
  return w !== null && w.buf.lastIndexOf(Buffer.from('PK\x05\x06', 'latin1')) >= 0;
}

export function listZip(s: Sparse, maxEntries: number): ZipListing {
  // §4.3.16: the EOCD is 22 octets plus a comment of up to 65,535.
  const w = endWindow(s);
  if (!w) return { ok: false, error: 'end of central directory not at hand' };
  const end = w.buf;
  let eocd = -1;
  for (let i = end.length - 22; i >= 0; i--) {
    if (end.readUInt32LE(i) === SIG_EOCD) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) return { ok: false, error: 'no end of central directory record' };
  const eocdPos = w.start + eocd;
  let count = end.readUInt16LE(eocd + 10);
  let cdSize = end.readUInt32LE(eocd + 12);
  let cdOffset = end.readUInt32LE(eocd + 16);
  let cdEnd = eocdPos;
  // §4.3.15: a ZIP64 locator right before the EOCD means ZIP64 records sit between the central
  // directory and the EOCD (writers add them even when the EOCD's own fields would do).
  const loc = eocdPos >= 20 ? readAt(s, eocdPos - 20, 20) : null;
  const hasZip64 = loc !== null && loc.readUInt32LE(0) === SIG_Z64_LOC;
  if (count === 0xffff || cdSize === 0xffffffff || cdOffset === 0xffffffff || hasZip64) {
    if (!hasZip64) return { ok: false, error: 'ZIP64 locator missing' };
    // The record is 56 octets without extensible data; else take the locator's offset (§4.3.15).
    const guess = readAt(s, eocdPos - 20 - 56, 4);
    const z64Pos = guess && guess.readUInt32LE(0) === SIG_Z64_EOCD ? eocdPos - 20 - 56 : u64(loc!, 8);
    const z = readAt(s, z64Pos, 56);
    if (!z || z.readUInt32LE(0) !== SIG_Z64_EOCD) return { ok: false, error: 'ZIP64 end of central directory missing' };
    count = u64(z, 32);
    cdSize = u64(z, 40);
    cdOffset = u64(z, 48);
    cdEnd = z64Pos;
  }
  if (count > maxEntries) return { ok: false, error: `more than ${maxEntries} entries` };
  const cdStart = cdEnd - cdSize;
  if (cdStart < 0) return { ok: false, error: 'central directory out of range' };
  const shift = cdStart - cdOffset; // data before the archive
  const cd = readAt(s, cdStart, cdSize);
  if (!cd) return { ok: false, error: 'central directory not at hand' };
  const entries: ZipEntry[] = [];
  let p = 0;
  while (p + 46 <= cd.length && entries.length < count) {
    if (cd.readUInt32LE(p) !== SIG_CEN) return { ok: false, error: 'bad central directory header' };
    const flags = cd.readUInt16LE(p + 8);
    const method = cd.readUInt16LE(p + 10);
    let csize = cd.readUInt32LE(p + 20);
    let usize = cd.readUInt32LE(p + 24);
    const nameLen = cd.readUInt16LE(p + 28);
    const extraLen = cd.readUInt16LE(p + 30);
    const commentLen = cd.readUInt16LE(p + 32);
    let local = cd.readUInt32LE(p + 42);
    if (p + 46 + nameLen + extraLen > cd.length) return { ok: false, error: 'truncated central directory' };
    const rawName = cd.subarray(p + 46, p + 46 + nameLen);
    const extra = cd.subarray(p + 46 + nameLen, p + 46 + nameLen + extraLen);
    // §4.5.3: ZIP64 extended information holds the fields that are 0xFFFFFFFF, in this order.
    for (let i = 0; i + 4 <= extra.length; ) {
      const id = extra.readUInt16LE(i);
      const len = extra.readUInt16LE(i + 2);
      if (id === 0x0001) {
        let q = i + 4;
        const lim = Math.min(extra.length, i + 4 + len);
        if (usize === 0xffffffff && q + 8 <= lim) (usize = u64(extra, q)), (q += 8);
        if (csize === 0xffffffff && q + 8 <= lim) (csize = u64(extra, q)), (q += 8);
        if (local === 0xffffffff && q + 8 <= lim) local = u64(extra, q);
      }
      i += 4 + len;
    }
    entries.push({
      name: entryName(rawName, (flags & 0x0800) !== 0, extra),
      method,
      encrypted: (flags & 0x0001) !== 0 || method === 99,
      compressedSize: csize,
      size: usize,
      localOffset: local + shift,
    });
    p += 46 + nameLen + extraLen + commentLen;
  }
  return { ok: true, entries };
}

export interface LocalHeader {
  /** The name in the local header (checked too: it may differ from the central directory's). */
  name: string;
  dataOffset: number;
}

/** §4.3.7: the local header of an entry, or null when it is not at hand or not valid. */
export function localHeader(s: Sparse, e: ZipEntry): LocalHeader | null {
  const h = readAt(s, e.localOffset, 30);
  if (!h || h.readUInt32LE(0) !== SIG_LOC) return null;
  const nameLen = h.readUInt16LE(26);
  const extraLen = h.readUInt16LE(28);
  const name = readAt(s, e.localOffset + 30, nameLen + extraLen);
  if (!name) return null;
  const flags = h.readUInt16LE(6);
  return { name: entryName(name.subarray(0, nameLen), (flags & 0x0800) !== 0, name.subarray(nameLen)), dataOffset: e.localOffset + 30 + nameLen + extraLen };
}

/**
 * Up to `max` octets of an entry's content, from at most `compressedMax` compressed octets.
 * Deflate is inflated with a hard output cap (zlib maxOutputLength): a bomb stops at the cap.
 * Result: the octets and how many were produced, or an error (cap exceeded, bad data, not at hand).
 */
export async function entryData(s: Sparse, e: ZipEntry, dataOffset: number, opts: { max: number; compressedMax: number; whole: boolean }): Promise<{ ok: true; data: Buffer } | { ok: false; error: 'limit' | 'unavailable' | 'method' | 'corrupt' }> {
  const clen = Math.min(e.compressedSize, opts.compressedMax);
  const raw = readAt(s, dataOffset, clen);
  if (!raw) return { ok: false, error: 'unavailable' };
  if (e.method === 0) return { ok: true, data: raw.subarray(0, opts.max) };
  if (e.method !== 8) return { ok: false, error: 'method' };
  try {
    // A prefix of a deflate stream is readable with a sync flush at its end (partial output).
    const data = await inflateRawAsync(raw, { maxOutputLength: opts.max, finishFlush: opts.whole ? zc.Z_FINISH : zc.Z_SYNC_FLUSH });
    return { ok: true, data };
  } catch (err) {
    const code = (err as { code?: string }).code;
    return { ok: false, error: code === 'ERR_BUFFER_TOO_LARGE' ? 'limit' : 'corrupt' };
  }
}
