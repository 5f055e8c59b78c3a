// Content sniffing (sniff.ts, ole.ts): each kind recognised, and look-alike prefixes that are not.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sniff, sniffTail } from './sniff.ts';
import { hasVbaProject, isMsi } from './ole.ts';
import { elfSample, isoSample, lnkSample, machoSample, MSI_CLSID, oleSample, peSample, scriptSample, zip } from './samples.ts';

test('each blocked kind by its magic', () => {
  const good: Array<[string, Buffer, string | null, string | null]> = [
    ['pe', peSample(), 'pe', null],
    ['elf', elfSample(), 'elf', null],
    ['macho', machoSample(), 'macho', null],
    ['java class', Buffer.from('cafebabe00000034', 'hex'), 'macho', null],
    ['shebang', scriptSample(), 'script', null],
    ['shebang after BOM', Buffer.from('\ufeff#! /usr/bin/env python\n'), 'script', null],
    ['lnk', lnkSample(), 'lnk', null],
    ['iso', isoSample(), 'disk-image', null],
    ['vhdx', Buffer.from('vhdxfile' + '\0'.repeat(56)), 'disk-image', null],
    ['msi', oleSample({ clsid: MSI_CLSID }), 'msi', 'ole2'],
    ['ole2 doc', oleSample(), null, 'ole2'],
    ['zip', zip([{ name: 'a', data: 'b' }]), null, 'zip'],
  ];
  for (const [what, b, kind, container] of good) assert.deepEqual(sniff(b), { kind, container }, what);
});

test('near misses are not programs', () => {
  const bad: Array<[string, Buffer]> = [
    ['text starting MZ', Buffer.from('MZ is a nice abbreviation, and this line is long enough for a header: ' + 'x'.repeat(100))],
    ['MZ without PE', Buffer.concat([Buffer.from('MZ'), Buffer.alloc(200)])],
    ['a hash bang in prose', Buffer.from('#!important: read this\n')],
    ['PDF', Buffer.from('%PDF-1.7\n')],
    ['short', Buffer.from('M')],
    ['empty', Buffer.alloc(0)],
    ['CD001 at the wrong place', Buffer.concat([Buffer.from('CD001'), Buffer.alloc(0x9000)])],
  ];
  for (const [what, b] of bad) assert.deepEqual(sniff(b), { kind: null, container: null }, what);
  const vhd = Buffer.alloc(4096);
  vhd.write('conectix', 4096 - 512, 'latin1');
  assert.equal(sniffTail(vhd), 'disk-image');
  assert.equal(sniffTail(Buffer.alloc(4096)), null);
});

test('OLE2: MSI by root CLSID, VBA project by its stream name', () => {
  assert.equal(isMsi(oleSample({ clsid: MSI_CLSID })), true);
  assert.equal(isMsi(oleSample()), false);
  assert.equal(isMsi(oleSample().subarray(0, 300)), false, 'truncated');
  assert.equal(hasVbaProject(oleSample({ streams: ['Macros', '_VBA_PROJECT'] })), true);
  assert.equal(hasVbaProject(oleSample({ streams: ['WordDocument'] })), false);
  assert.equal(hasVbaProject(Buffer.alloc(10), Buffer.from('_VBA_PROJECT_CUR', 'utf16le')), true, 'found in the tail');
});
