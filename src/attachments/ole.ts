/**
 * OLE2 compound files ([MS-CFB], "Compound File Binary File Format"): legacy Office documents
 * (.doc, .xls, .ppt) and Windows Installer packages (.msi).
 *
 *   - MSI: the root storage's CLSID is the Windows Installer one ({000C1084-0000-0000-C000-
 *     000000000046}; patches {000C1086-...}, transforms {000C1082-...}). The root entry is the
 *     first entry of the first directory sector ([MS-CFB] §2.2 header "first directory sector
 *     location" at 0x30, sector size 2^(uint16 at 0x1E); §2.6.1 directory entry, CLSID at 0x50).
 *   - Macros: a document with a VBA project has a storage or stream named "_VBA_PROJECT" (Word,
 *     PowerPoint: "_VBA_PROJECT" stream; Excel: "_VBA_PROJECT_CUR" storage; [MS-OVBA] §2.2.1,
 *     §2.3.4.1). Directory entry names are UTF-16LE; we look for that name in the directory
 *     sectors we have (a bounded search of the octets at hand, not a full FAT walk: directory
 *     chains may be scattered, so the whole available content is searched).
 *
 * Pure; works on the part of the file at hand (head, and tail when the file was too large to
 * keep whole).
 */

const MSI_CLSIDS = ['000C1084', '000C1086', '000C1082'].map((d) =>
  Buffer.concat([Buffer.from(d, 'hex').reverse(), Buffer.from('00000000c000000000000046', 'hex')]),
);
const VBA_NAME = Buffer.from('_VBA_PROJECT', 'utf16le');

/** True when the root storage carries a Windows Installer CLSID. */
export function isMsi(b: Buffer): boolean {
  if (b.length < 0x200) return false;
  const shift = b.readUInt16LE(0x1e);
  if (shift !== 9 && shift !== 12) return false; // [MS-CFB] §2.2: 512- or 4096-octet sectors
  const sector = 1 << shift;
  const first = b.readUInt32LE(0x30);
  const root = (first + 1) * sector; // sector n starts after the header sector
  if (first >= 0xfffffffa || root + 0x60 > b.length) return false;
  const clsid = b.subarray(root + 0x50, root + 0x60);
  return MSI_CLSIDS.some((c) => c.equals(clsid));
}

/** True when a VBA project's directory entry name is found in the content at hand. */
export function hasVbaProject(...chunks: Buffer[]): boolean {
  return chunks.some((c) => c.indexOf(VBA_NAME) >= 0);
}
