/**
 * Content sniffing: what a file IS, whatever its name says, from its first octets ("magic
 * numbers"). Sources, per format:
 *
 *   pe          "MZ" DOS header whose e_lfanew (offset 0x3C) points at "PE\0\0"
 *               (Microsoft PE/COFF specification §2, §3): .exe, .dll, .scr, .cpl, .sys
 *   elf         7F "ELF" (System V ABI, ELF header e_ident)
 *   macho       FEEDFACE / FEEDFACF / CEFAEDFE / CFFAEDFE (Mach-O, <mach-o/loader.h>) and
 *               CAFEBABE (a fat binary, <mach-o/fat.h>, which is also a Java class file's magic,
 *               JVMS §4.1: both are programs)
 *   script      "#!" then a path: a shebang script (POSIX exec; Linux binfmt_script), after an
 *               optional UTF-8 BOM
 *   lnk         a Windows shell link: header size 0x4C and CLSID 00021401-0000-0000-C000-
 *               000000000046 ([MS-SHLLINK] §2.1)
 *   disk-image  ISO 9660 / UDF volume descriptors "CD001", "BEA01", "NSR02", "NSR03" at 0x8001,
 *               0x8801 or 0x9001 (ECMA-119 §8, ECMA-167 §2/9.1); "vhdxfile" (MS-VHDX §2.2.1);
 *               "conectix" (VHD footer, which fixed disks also copy to the start)
 *   msi         an OLE2 compound file (ole.ts) whose root storage has the Windows Installer CLSID
 *   zip         "PK\3\4" or "PK\5\6" (APPNOTE.TXT §4.3.7, §4.3.16): opened by zip.ts; a ZIP with
 *               META-INF/MANIFEST.MF is a Java archive (jar: JAR File Specification)
 *   ole2        D0 CF 11 E0 A1 B1 1A E1 ([MS-CFB] §2.2): legacy Office, MSI; opened by ole.ts
 *
 * Pure; reads at most the first SNIFF_BYTES octets (ISO volume descriptors lie at 32 KiB).
 */
import { isMsi } from './ole.ts';

export const SNIFF_BYTES = 0x9006;

export type ContentKind = 'pe' | 'elf' | 'macho' | 'script' | 'lnk' | 'disk-image' | 'msi' | 'jar';

/** Blocked content kinds with a readable description (jar is decided by zip.ts). */
export const CONTENT_KINDS: Readonly<Record<ContentKind, string>> = {
  pe: 'Windows program (PE)',
  elf: 'Linux/Unix program (ELF)',
  macho: 'macOS program (Mach-O) or Java class',
  script: 'script (#!)',
  lnk: 'Windows shortcut (LNK)',
  'disk-image': 'disk image (ISO/UDF/VHD)',
  msi: 'Windows installer (MSI)',
  jar: 'Java archive (JAR/APK)',
};

export type Container = 'zip' | 'ole2' | null;

export interface Sniffed {
  kind: ContentKind | null;
  container: Container;
}

const LNK_HEADER = Buffer.from('4c0000000114020000000000c000000000000046', 'hex');
const OLE2 = Buffer.from('d0cf11e0a1b11ae1', 'hex');
const MACHO = new Set([0xfeedface, 0xfeedfacf, 0xcefaedfe, 0xcffaedfe, 0xcafebabe]);

const at = (b: Buffer, off: number, s: string) => b.length >= off + s.length && b.toString('latin1', off, off + s.length) === s;

function isPe(b: Buffer): boolean {
  if (!at(b, 0, 'MZ') || b.length < 0x40) return false;
  const lfanew = b.readUInt32LE(0x3c);
  return lfanew >= 0x40 && lfanew + 4 <= b.length && b.readUInt32BE(lfanew) === 0x50450000;
}

export function sniff(b: Buffer): Sniffed {
  if (b.length < 2) return { kind: null, container: null };
  if (at(b, 0, 'PK\x03\x04') || at(b, 0, 'PK\x05\x06')) return { kind: null, container: 'zip' };
  if (b.length >= 8 && b.subarray(0, 8).equals(OLE2)) return { kind: isMsi(b) ? 'msi' : null, container: 'ole2' };
  if (isPe(b)) return { kind: 'pe', container: null };
  if (at(b, 0, '\x7fELF')) return { kind: 'elf', container: null };
  if (b.length >= 8 && MACHO.has(b.readUInt32BE(0))) {
    // CAFEBABE: a fat Mach-O has a small architecture count; a class file has its version there.
    return { kind: 'macho', container: null };
  }
  const text = at(b, 0, '\xef\xbb\xbf') ? 3 : 0;
  if (at(b, text, '#!') && /^#! ?\//.test(b.toString('latin1', text, text + 4))) return { kind: 'script', container: null };
  if (b.length >= LNK_HEADER.length && b.subarray(0, LNK_HEADER.length).equals(LNK_HEADER)) return { kind: 'lnk', container: null };
  if (at(b, 0, 'vhdxfile') || at(b, 0, 'conectix')) return { kind: 'disk-image', container: null };
  for (const off of [0x8001, 0x8801, 0x9001]) {
    for (const id of ['CD001', 'BEA01', 'NSR02', 'NSR03']) if (at(b, off, id)) return { kind: 'disk-image', container: null };
  }
  return { kind: null, container: null };
}

/** A VHD's footer ("conectix" in the last 512 octets) when only the tail is at hand. */
export function sniffTail(tail: Buffer): ContentKind | null {
  return tail.length >= 512 && at(tail, tail.length - 512, 'conectix') ? 'disk-image' : null;
}
