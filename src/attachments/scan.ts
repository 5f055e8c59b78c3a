/**
 * Scanning one attachment: its name (names.ts), its content (sniff.ts), and what it contains when
 * it is a container: ZIP archives and ZIP-based formats (zip.ts: JAR, OOXML, ODF), nested to a
 * bounded depth, and OLE2 compound files (ole.ts: legacy Office macros, MSI).
 *
 * Findings, in the order a reader needs them (the policy, policy.ts, decides what each means):
 *
 *   blocked-extension  the name ends in a blocked extension (double extensions reported)
 *   blocked-content    the content is a blocked kind, whatever the name (sniff.ts)
 *   bidi-name          the name holds bidirectional override characters (names.ts)
 *   macro              an Office document with macros: OOXML vbaProject.bin, a macro-enabled
 *                      format (.docm ...), an ODF "Basic/" library, an OLE2 VBA project
 *   encrypted          a ZIP with encrypted entries: their content cannot be checked (names can)
 *   unscannable        a limit stopped the check: nesting deeper than maxDepth, more than
 *                      maxEntries entries, more inflated octets than the message's budget, a
 *                      broken archive
 *
 * Bounded work: every inflate is capped (zip.ts entryData) and counted against one budget per
 * message (`Budget`); at most MAX_FINDINGS findings are kept. A zip bomb costs at most the budget.
 */
import { ARCHIVE_EXTENSIONS, MACRO_EXTENSIONS, nameInfo } from './names.ts';
import { sniff, sniffTail, type ContentKind } from './sniff.ts';
import { hasVbaProject } from './ole.ts';
import { entryData, hasZipEnd, listZip, localHeader, wholeSparse, type Sparse, type ZipEntry } from './zip.ts';

export type Finding =
  | { kind: 'blocked-extension'; path: string[]; ext: string; double: string | null }
  | { kind: 'blocked-content'; path: string[]; content: ContentKind }
  | { kind: 'bidi-name'; path: string[] }
  | { kind: 'macro'; path: string[]; why: string }
  | { kind: 'encrypted'; path: string[] }
  | { kind: 'unscannable'; path: string[]; why: string };

export interface ScanOptions {
  blockedExtensions: ReadonlySet<string>;
  blockedContent: ReadonlySet<ContentKind>;
  /** Archive nesting: an attached archive is level 1, an archive inside it level 2, ...; deeper is unscannable. */
  maxDepth: number;
  /** Entries per archive. */
  maxEntries: number;
  /** Largest content inflated whole to look inside it (a nested archive, an OLE2 document). */
  maxScanBytes: number;
}

/** Inflated octets and archive entries, shared by all attachments of one message. */
export class Budget {
  inflated = 0;
  readonly maxInflated: number;

  constructor(maxInflated: number) {
    this.maxInflated = maxInflated;
  }

  get left(): number {
    return Math.max(0, this.maxInflated - this.inflated);
  }
}

export const MAX_FINDINGS = 50;
/** Names that promise a plain ZIP: one that cannot be read is unscannable (a .docx that is not one is just a mislabelled file). */
const ZIP_NAMES: ReadonlySet<string> = new Set(['zip', 'jar', 'apk']);
/** Compressed octets inflated to sniff an entry (at most ~1 MiB out: deflate's ratio is < 1032:1). */
const PREFIX_COMPRESSED = 1000;
const PREFIX_OUT = 1024 * 1024 + 65536;

class Scan {
  readonly findings: Finding[] = [];
  private readonly opts: ScanOptions;
  private readonly budget: Budget;

  constructor(opts: ScanOptions, budget: Budget) {
    this.opts = opts;
    this.budget = budget;
  }

  add(f: Finding): void {
    if (this.findings.length < MAX_FINDINGS) this.findings.push(f);
  }

  /** Name rules; returns the extension. */
  name(path: string[], raw: string): string {
    const n = nameInfo(raw);
    if (n.bidi) this.add({ kind: 'bidi-name', path });
    if (n.ext !== '' && this.opts.blockedExtensions.has(n.ext)) {
      this.add({ kind: 'blocked-extension', path, ext: n.ext, double: n.previousExt !== '' && n.previousExt !== n.ext ? `${n.previousExt}.${n.ext}` : null });
    }
    if (MACRO_EXTENSIONS.has(n.ext)) this.add({ kind: 'macro', path, why: `macro-enabled format .${n.ext}` });
    return n.ext;
  }

  /** Content rules, then containers. */
  async content(path: string[], s: Sparse, ext: string, depth: number): Promise<void> {
    const sn = sniff(s.head);
    const kind = sn.kind ?? (s.tail.length ? sniffTail(s.tail) : null);
    if (kind && this.opts.blockedContent.has(kind)) this.add({ kind: 'blocked-content', path, content: kind });
    if (sn.container === 'ole2' && hasVbaProject(s.head, s.tail)) this.add({ kind: 'macro', path, why: 'VBA project in OLE2 document' });
    // A ZIP may follow other data (a self-extracting program, a polyglot): its end record tells.
    if (sn.container === 'zip' || (sn.container === null && ZIP_NAMES.has(ext))) await this.zip(path, s, ext, depth, true);
    else if (sn.container === null && hasZipEnd(s)) await this.zip(path, s, ext, depth, false);
  }

  /** `surely`: the magic or the name says ZIP (else only an end record was seen: failing to list it is no finding). */
  private async zip(path: string[], s: Sparse, ext: string, depth: number, surely: boolean): Promise<void> {
    if (depth > this.opts.maxDepth) {
      this.add({ kind: 'unscannable', path, why: `archives nested deeper than ${this.opts.maxDepth}` });
      return;
    }
    const listing = listZip(s, this.opts.maxEntries);
    if (!listing.ok) {
      if (surely) this.add({ kind: 'unscannable', path, why: `archive: ${listing.error}` });
      return;
    }
    const names = listing.entries.map((e) => e.name.toLowerCase());
    // JAR File Specification: a JAR (and an APK) carries META-INF/MANIFEST.MF.
    if (names.includes('meta-inf/manifest.mf') && this.opts.blockedContent.has('jar')) this.add({ kind: 'blocked-content', path, content: 'jar' });
    // [MS-OFFMACRO2]/ECMA-376: the VBA project of an OOXML document is a part named vbaProject.bin.
    const vba = names.find((n) => n.endsWith('vbaproject.bin'));
    if (vba !== undefined) this.add({ kind: 'macro', path, why: `contains ${vba}` });
    // ODF (OASIS OpenDocument 1.2 Part 3 §3.6): Basic macro libraries live under Basic/.
    if (names.some((n) => n.startsWith('basic/') && n.endsWith('.xml') && n !== 'basic/script-lc.xml') && (ext.startsWith('od') || names.includes('mimetype'))) {
      this.add({ kind: 'macro', path, why: 'OpenDocument Basic macros' });
    }
    if (listing.entries.some((e) => e.encrypted)) this.add({ kind: 'encrypted', path });
    for (const e of listing.entries) {
      if (this.findings.length >= MAX_FINDINGS) return;
      if (e.name.endsWith('/')) continue; // a directory
      const entryPath = [...path, e.name];
      const entryExt = this.name(entryPath, e.name);
      if (e.encrypted) continue;
      const lh = localHeader(s, e);
      if (!lh) continue; // content not at hand (outside head and tail): checked by name only
      if (lh.name !== e.name) this.name([...path, lh.name], lh.name);
      if (!(await this.entry(entryPath, s, e, lh.dataOffset, entryExt, depth))) return;
    }
  }

  /** Sniffs an entry and opens it when it is a container. False when the budget is spent. */
  private async entry(path: string[], s: Sparse, e: ZipEntry, dataOffset: number, ext: string, depth: number): Promise<boolean> {
    if (this.budget.left <= 0) {
      this.add({ kind: 'unscannable', path, why: 'inflate budget spent (zip bomb?)' });
      return false;
    }
    const prefix = await entryData(s, e, dataOffset, { max: Math.min(PREFIX_OUT, this.budget.left), compressedMax: PREFIX_COMPRESSED, whole: false });
    if (!prefix.ok) {
      if (prefix.error === 'limit') {
        this.add({ kind: 'unscannable', path, why: 'inflate budget spent (zip bomb?)' });
        return false;
      }
      return true; // unsupported method or damaged entry: checked by name only
    }
    this.budget.inflated += prefix.data.length;
    const sn = sniff(prefix.data);
    if (sn.kind && this.opts.blockedContent.has(sn.kind)) this.add({ kind: 'blocked-content', path, content: sn.kind });
    const container = sn.container !== null || ARCHIVE_EXTENSIONS.has(ext);
    if (!container) return true;
    if (sn.container === 'zip' && depth + 1 > this.opts.maxDepth) {
      this.add({ kind: 'unscannable', path, why: `archives nested deeper than ${this.opts.maxDepth}` });
      return true;
    }
    const max = Math.min(this.budget.left, this.opts.maxScanBytes);
    if (e.size > max) {
      this.add({ kind: 'unscannable', path, why: e.size > this.opts.maxScanBytes ? `entry larger than ${this.opts.maxScanBytes} octets` : 'inflate budget spent (zip bomb?)' });
      return e.size > this.opts.maxScanBytes;
    }
    const whole = await entryData(s, e, dataOffset, { max, compressedMax: e.compressedSize, whole: true });
    if (!whole.ok) {
      if (whole.error === 'limit') this.add({ kind: 'unscannable', path, why: 'entry inflates past its declared size or the budget (zip bomb?)' });
      return whole.error !== 'limit';
    }
    this.budget.inflated += whole.data.length;
    await this.content(path, wholeSparse(whole.data), ext, depth + 1);
    return true;
  }
}

/**
 * Findings for one attachment. `name` is its decoded file name (null when it has none);
 * `content` its decoded octets at hand; `budget` is shared by the message's attachments.
 */
export async function scanAttachment(name: string | null, content: Sparse, opts: ScanOptions, budget: Budget): Promise<Finding[]> {
  const scan = new Scan(opts, budget);
  const label = name ?? '(unnamed)';
  const ext = name === null ? '' : scan.name([label], name);
  await scan.content([label], content, ext, 1);
  return scan.findings;
}
