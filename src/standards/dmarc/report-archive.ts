/**
 * The containers DMARC aggregate reports arrive in (RFC 7489 §7.2.1.1: "The aggregate data MUST be
 * an XML file that SHOULD be subjected to GZIP compression"; ZIP is what many real reporters send),
 * opened with a hard cap on what they inflate to.
 *
 * - gzip (RFC 1952), one or more members: node:zlib with `maxOutputLength`.
 * - ZIP (PKWARE APPNOTE 6.3.x): a small reader of our own. The end of central directory record
 *   (§4.3.16) is found from the end, the central directory (§4.3.12) gives each entry's method and
 *   sizes (trusted over local headers, which may defer them to a data descriptor, §4.3.9), and
 *   the local file header (§4.3.7) gives where the data starts. Only "stored" (0) and "deflate"
 *   (8) are read; encrypted entries (general purpose bit 0), ZIP64 (§4.5.3) and multi-disk archives
 *   are refused.
 *
 * Every inflation draws on one budget (`maxInflatedBytes`) shared by all the documents of a
 * message, so neither a gzip bomb nor a ZIP of many overlapping entries ("42.zip") can take more
 * than the budget of memory; the declared sizes of an entry are never trusted for allocation.
 *
 * Pure: bytes in, documents or a reason out. Never writes a file, never follows an entry's path.
 */
import { gunzip, inflateRaw } from 'node:zlib';
import { promisify } from 'node:util';

const gunzipAsync = promisify(gunzip);
const inflateRawAsync = promisify(inflateRaw);

export interface ArchiveLimits {
  /** Inflated octets for all the documents of one message together. */
  maxInflatedBytes: number;
  /** Entries in one ZIP archive. */
  maxZipEntries: number;
}

/** 20 MiB of XML is about 40,000 report rows: far more than any real daily report for one domain. */
export const DEFAULT_ARCHIVE_LIMITS: ArchiveLimits = { maxInflatedBytes: 20 * 1024 * 1024, maxZipEntries: 16 };

/** A document found in an attachment: its name (the entry's, or the part's) and its octets. */
export interface ReportDocument {
  name: string;
  data: Buffer;
}

export type OpenResult = { ok: true; documents: ReportDocument[] } | { ok: false; reason: string };

export type Container = 'gzip' | 'zip' | 'xml' | 'unknown';

/** What the octets are, by their magic numbers (RFC 1952 §2.3.1 ID1 ID2; APPNOTE §4.3.7 "PK\3\4"; XML's "<"). */
export function sniffContainer(data: Buffer): Container {
  if (data.length >= 2 && data[0] === 0x1f && data[1] === 0x8b) return 'gzip';
  if (data.length >= 4 && data.readUInt32LE(0) === LOCAL_SIG) return 'zip';
  const head = data.subarray(0, 512).toString('utf8').replace(/^\uFEFF/, '').trimStart();
  if (head.startsWith('<')) return 'xml';
  return 'unknown';
}

/** Tracks what is left of the inflation budget. */
export class InflateBudget {
  remaining: number;
  constructor(limit: number) {
    this.remaining = limit;
  }
}

function tooLarge(e: unknown): boolean {
  return typeof e === 'object' && e !== null && 'code' in e && (e as { code: unknown }).code === 'ERR_BUFFER_TOO_LARGE';
}

async function inflateCapped(kind: 'gzip' | 'deflate', data: Buffer, budget: InflateBudget, what: string): Promise<Buffer | string> {
  if (budget.remaining <= 0) return `${what}: the inflated-size budget of the message is used up`;
  try {
    // maxOutputLength: zlib stops and fails as soon as the output would pass it
    const out = kind === 'gzip' ? await gunzipAsync(data, { maxOutputLength: budget.remaining }) : await inflateRawAsync(data, { maxOutputLength: budget.remaining });
    budget.remaining -= out.length;
    return out;
  } catch (e) {
    if (tooLarge(e)) return `${what}: inflates to more than the ${budget.remaining}-octet limit (compression bomb?)`;
    return `${what}: corrupt ${kind === 'gzip' ? 'gzip' : 'deflate'} data (${e instanceof Error ? e.message : String(e)})`;
  }
}

const LOCAL_SIG = 0x04034b50;
const CENTRAL_SIG = 0x02014b50;
const EOCD_SIG = 0x06054b50;
/** APPNOTE §4.3.16: 22 fixed octets plus a comment of at most 65535. */
const EOCD_MAX_SEARCH = 22 + 0xffff;

export interface ZipEntry {
  name: string;
  method: number;
  flags: number;
  compressedSize: number;
  uncompressedSize: number;
  localHeaderOffset: number;
}

/** The central directory of a ZIP archive, or why it cannot be read. */
export function readZipDirectory(zip: Buffer, maxEntries: number): { ok: true; entries: ZipEntry[] } | { ok: false; reason: string } {
  let eocd = -1;
  for (let i = zip.length - 22; i >= Math.max(0, zip.length - EOCD_MAX_SEARCH); i--) {
    if (zip.readUInt32LE(i) === EOCD_SIG) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) return { ok: false, reason: 'ZIP: no end of central directory record (truncated archive?)' };
  const disk = zip.readUInt16LE(eocd + 4);
  const cdDisk = zip.readUInt16LE(eocd + 6);
  const count = zip.readUInt16LE(eocd + 10);
  const cdSize = zip.readUInt32LE(eocd + 12);
  const cdOffset = zip.readUInt32LE(eocd + 16);
  if (disk !== 0 || cdDisk !== 0) return { ok: false, reason: 'ZIP: multi-disk archives are not supported' };
  if (count === 0xffff || cdOffset === 0xffffffff) return { ok: false, reason: 'ZIP: ZIP64 archives are not supported' };
  if (count > maxEntries) return { ok: false, reason: `ZIP: ${count} entries, more than the ${maxEntries} accepted` };
  if (cdOffset + cdSize > eocd) return { ok: false, reason: 'ZIP: the central directory lies outside the archive' };
  const entries: ZipEntry[] = [];
  let p = cdOffset;
  for (let n = 0; n < count; n++) {
    if (p + 46 > eocd || zip.readUInt32LE(p) !== CENTRAL_SIG) return { ok: false, reason: `ZIP: central directory entry ${n + 1} is damaged` };
    const nameLen = zip.readUInt16LE(p + 28);
    const extraLen = zip.readUInt16LE(p + 30);
    const commentLen = zip.readUInt16LE(p + 32);
    if (p + 46 + nameLen > eocd) return { ok: false, reason: `ZIP: central directory entry ${n + 1} is damaged` };
    entries.push({
      flags: zip.readUInt16LE(p + 8),
      method: zip.readUInt16LE(p + 10),
      compressedSize: zip.readUInt32LE(p + 20),
      uncompressedSize: zip.readUInt32LE(p + 24),
      localHeaderOffset: zip.readUInt32LE(p + 42),
      name: zip.subarray(p + 46, p + 46 + nameLen).toString('utf8'),
    });
    p += 46 + nameLen + extraLen + commentLen;
  }
  return { ok: true, entries };
}

async function unzipEntry(zip: Buffer, e: ZipEntry, budget: InflateBudget): Promise<Buffer | string> {
  const what = `ZIP entry ${JSON.stringify(e.name)}`;
  if (e.flags & 0x1) return `${what} is encrypted`;
  if (e.compressedSize === 0xffffffff || e.uncompressedSize === 0xffffffff || e.localHeaderOffset === 0xffffffff) return `${what}: ZIP64 is not supported`;
  const h = e.localHeaderOffset;
  if (h + 30 > zip.length || zip.readUInt32LE(h) !== LOCAL_SIG) return `${what}: local header missing`;
  const start = h + 30 + zip.readUInt16LE(h + 26) + zip.readUInt16LE(h + 28);
  const end = start + e.compressedSize;
  if (end > zip.length) return `${what}: data runs past the end of the archive`;
  const raw = zip.subarray(start, end);
  if (e.method === 0) {
    if (raw.length > budget.remaining) return `${what}: larger than the ${budget.remaining}-octet limit`;
    budget.remaining -= raw.length;
    return Buffer.from(raw);
  }
  if (e.method === 8) return inflateCapped('deflate', raw, budget, what);
  return `${what}: compression method ${e.method} is not supported (only stored and deflate)`;
}

/** The XML documents inside a ZIP archive (entries not ending in .xml are ignored, as are directories). */
export async function unzipReports(zip: Buffer, budget: InflateBudget, limits: ArchiveLimits = DEFAULT_ARCHIVE_LIMITS): Promise<OpenResult> {
  const dir = readZipDirectory(zip, limits.maxZipEntries);
  if (!dir.ok) return dir;
  const xmlEntries = dir.entries.filter((e) => !e.name.endsWith('/') && /\.xml$/i.test(e.name));
  // Lenient: an archive with one entry is the report, whatever it is called.
  const chosen = xmlEntries.length ? xmlEntries : dir.entries.filter((e) => !e.name.endsWith('/')).slice(0, dir.entries.length === 1 ? 1 : 0);
  if (!chosen.length) return { ok: false, reason: 'ZIP: no .xml entry in the archive' };
  const documents: ReportDocument[] = [];
  for (const e of chosen) {
    const data = await unzipEntry(zip, e, budget);
    if (typeof data === 'string') return { ok: false, reason: data };
    documents.push({ name: e.name, data });
  }
  return { ok: true, documents };
}

/**
 * The XML document(s) in one attachment, whatever container it is in (decided by its octets, not
 * its declared type: real reporters label gzip as application/octet-stream, zip as gzip, ...).
 */
export async function openReportAttachment(name: string, data: Buffer, budget: InflateBudget, limits: ArchiveLimits = DEFAULT_ARCHIVE_LIMITS): Promise<OpenResult> {
  switch (sniffContainer(data)) {
    case 'gzip': {
      const xml = await inflateCapped('gzip', data, budget, `gzip ${JSON.stringify(name)}`);
      if (typeof xml === 'string') return { ok: false, reason: xml };
      return { ok: true, documents: [{ name: name.replace(/\.gz(ip)?$/i, ''), data: xml }] };
    }
    case 'zip':
      return unzipReports(data, budget, limits);
    case 'xml':
      if (data.length > budget.remaining) return { ok: false, reason: `${JSON.stringify(name)}: larger than the ${budget.remaining}-octet limit` };
      budget.remaining -= data.length;
      return { ok: true, documents: [{ name, data }] };
    case 'unknown':
      return { ok: false, reason: `${JSON.stringify(name)} is neither XML, gzip nor ZIP` };
  }
}
