// File names (names.ts): extensions as the recipient's system sees them, and the tricks.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_BLOCKED_EXTENSIONS, displayName, nameInfo } from './names.ts';

test('extension, double extension, bidi override', () => {
  const cases: Array<[string, string, string, boolean]> = [
    ['invoice.pdf.exe', 'exe', 'pdf', false],
    ['INVOICE.PDF.EXE', 'exe', 'pdf', false],
    ['invoice.pdf          .exe', 'exe', 'pdf', false],
    ['evil.exe.', 'exe', '', false], // Windows strips trailing dots and spaces
    ['evil.exe  ', 'exe', '', false],
    ['C:\\temp\\..\\evil.js', 'js', '', false], // a path: the base name counts
    ['../../x.vbs', 'vbs', '', false],
    ['invoice\u202Efdp.exe', 'exe', '', true], // shows as "invoiceexe.pdf"
    ['photo\u2067gpj.scr', 'scr', '', true],
    ['report．ｅｘｅ', 'exe', '', false], // full width (NFKC)
    ['README', '', '', false],
    ['archive.tar.gz', 'gz', 'tar', false],
  ];
  for (const [name, ext, prev, bidi] of cases) {
    const n = nameInfo(name);
    assert.deepEqual([n.ext, n.previousExt, n.bidi], [ext, prev, bidi], name);
  }
});

test('the default list holds the issue\'s types and no document type', () => {
  for (const e of ['exe', 'scr', 'com', 'pif', 'js', 'jse', 'vbs', 'vbe', 'wsf', 'hta', 'bat', 'cmd', 'ps1', 'jar', 'lnk', 'iso', 'img', 'msi', 'reg', 'dll', 'cpl']) assert.ok(DEFAULT_BLOCKED_EXTENSIONS.includes(e), e);
  for (const e of ['pdf', 'docx', 'xlsx', 'zip', 'txt', 'jpg', 'png', 'csv', 'eml']) assert.ok(!DEFAULT_BLOCKED_EXTENSIONS.includes(e), e);
});

test('displayName: ASCII only, controls and bidi shown, bounded', () => {
  assert.equal(displayName('invoice\u202Efdp.exe'), 'invoice<U+202E>fdp.exe');
  assert.equal(displayName('a"b\r\n.txt'), 'a<U+0022>b<U+000D><U+000A>.txt');
  assert.ok(displayName('x'.repeat(1000)).length <= 80);
});
