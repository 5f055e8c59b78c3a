// Scanning one attachment (scan.ts): every rule positive and negative, archives nested and
// bounded, zip bombs cheap.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Budget, scanAttachment, type Finding, type ScanOptions } from './scan.ts';
import { DEFAULT_BLOCKED_EXTENSIONS } from './names.ts';
import { wholeSparse } from './zip.ts';
import { elfSample, isoSample, lnkSample, MSI_CLSID, oleSample, ooxmlSample, peSample, scriptSample, zip } from './samples.ts';

const OPTS: ScanOptions = {
  blockedExtensions: new Set(DEFAULT_BLOCKED_EXTENSIONS),
  blockedContent: new Set(['pe', 'elf', 'macho', 'script', 'lnk', 'disk-image', 'msi', 'jar'] as const),
  maxDepth: 3,
  maxEntries: 1000,
  maxScanBytes: 4 * 1024 * 1024,
};
const scan = (name: string | null, data: Buffer | string, opts: Partial<ScanOptions> = {}, budget = new Budget(16 * 1024 * 1024)) =>
  scanAttachment(name, wholeSparse(Buffer.isBuffer(data) ? data : Buffer.from(data)), { ...OPTS, ...opts }, budget);
const brief = (fs: Finding[]) => fs.map((f) => `${f.kind}:${f.path.join('>')}`);

test('names: blocked extension, double extension, bidi; a PDF is fine', async () => {
  assert.deepEqual(await scan('invoice.pdf.exe', 'x'), [{ kind: 'blocked-extension', path: ['invoice.pdf.exe'], ext: 'exe', double: 'pdf.exe' }]);
  assert.deepEqual(brief(await scan('invoice\u202Efdp.scr', 'x')), ['bidi-name:invoice\u202Efdp.scr', 'blocked-extension:invoice\u202Efdp.scr']);
  assert.deepEqual(brief(await scan('photo\u202Egpj.zip', zip([]))), ['bidi-name:photo\u202Egpj.zip'], 'bidi alone is a finding');
  assert.deepEqual(await scan('invoice.pdf', '%PDF-1.7\n'), []);
  assert.deepEqual(await scan('tool.exe', 'x', { blockedExtensions: new Set(['js']) }), [], 'the configured list rules');
});

test('content: every blocked kind under a harmless name; unnamed parts too', async () => {
  const cases: Array<[Buffer, string]> = [[peSample(), 'pe'], [elfSample(), 'elf'], [scriptSample(), 'script'], [lnkSample(), 'lnk'], [isoSample(), 'disk-image'], [oleSample({ clsid: MSI_CLSID }), 'msi']];
  for (const [data, kind] of cases) assert.deepEqual(await scan('notes.txt', data), [{ kind: 'blocked-content', path: ['notes.txt'], content: kind }], kind);
  assert.deepEqual(brief(await scan(null, peSample())), ['blocked-content:(unnamed)']);
  assert.deepEqual(await scan('notes.txt', peSample(), { blockedContent: new Set() }), [], 'configurable');
});

test('archives: blocked names and content inside, nested archives, JAR, local header names', async () => {
  assert.deepEqual(brief(await scan('docs.zip', zip([{ name: 'a.txt', data: 'ok' }, { name: 'run.js', data: 'x' }]))), ['blocked-extension:docs.zip>run.js']);
  assert.deepEqual(brief(await scan('docs.zip', zip([{ name: 'a.txt', data: 'ok' }, { name: 'b.pdf', data: '%PDF' }]))), []);
  assert.deepEqual(brief(await scan('docs.zip', zip([{ name: 'readme.txt', data: elfSample() }]))), ['blocked-content:docs.zip>readme.txt']);
  const nested = zip([{ name: 'level2.zip', data: zip([{ name: 'level3.zip', data: zip([{ name: 'deep.vbs', data: 'x' }]) }]) }]);
  assert.deepEqual(brief(await scan('outer.zip', nested)), ['blocked-extension:outer.zip>level2.zip>level3.zip>deep.vbs']);
  assert.deepEqual(brief(await scan('outer.zip', nested, { maxDepth: 2 })), ['unscannable:outer.zip>level2.zip>level3.zip']);
  // a ZIP disguised by name, and one after a self-extractor stub
  assert.deepEqual(brief(await scan('photo.jpg', zip([{ name: 'x.hta', data: 'x' }]))), ['blocked-extension:photo.jpg>x.hta']);
  assert.deepEqual(brief(await scan('setup.dat', zip([{ name: 'x.bat', data: 'x' }], { prefix: Buffer.from('stub') }))), ['blocked-extension:setup.dat>x.bat']);
  assert.deepEqual(brief(await scan('lib.zip', zip([{ name: 'META-INF/MANIFEST.MF', data: 'Manifest-Version: 1.0\n' }]))), ['blocked-content:lib.zip']);
  const z = zip([{ name: 'a.txt', data: 'x' }]);
  // a central directory that says "a.txt" while the local header says "a.exe"
  const forged = Buffer.from(z);
  forged.write('a.exe', 30, 'latin1');
  assert.deepEqual(brief(await scan('f.zip', forged)), ['blocked-extension:f.zip>a.exe']);
});

test('macros: OOXML vbaProject.bin, macro formats, OLE2 VBA; a plain docx and doc are fine', async () => {
  assert.deepEqual(brief(await scan('q.docx', ooxmlSample(true))), ['macro:q.docx', 'macro:q.docx>word/vbaProject.bin']);
  assert.deepEqual(brief(await scan('q.docm', ooxmlSample(false))), ['macro:q.docm'], 'the format itself says so');
  assert.deepEqual(brief(await scan('q.doc', oleSample({ streams: ['Macros', '_VBA_PROJECT'] }))), ['macro:q.doc']);
  assert.deepEqual(await scan('q.docx', ooxmlSample(false)), []);
  assert.deepEqual(await scan('q.doc', oleSample({ streams: ['WordDocument'] })), []);
  const odf = zip([{ name: 'mimetype', data: 'application/vnd.oasis.opendocument.text', method: 0 }, { name: 'Basic/Standard/Module1.xml', data: '<x/>' }]);
  assert.deepEqual(brief(await scan('a.odt', odf)), ['macro:a.odt']);
});

test('encrypted archives flagged, their names still checked; broken archives unscannable', async () => {
  assert.deepEqual(brief(await scan('s.zip', zip([{ name: 'a.pdf', data: 'x', encrypted: true }]))), ['encrypted:s.zip']);
  assert.deepEqual(brief(await scan('s.zip', zip([{ name: 'a.exe', data: 'x', encrypted: true }]))), ['encrypted:s.zip', 'blocked-extension:s.zip>a.exe']);
  assert.deepEqual(brief(await scan('broken.zip', 'PK\x03\x04 and nothing')), ['unscannable:broken.zip']);
  assert.deepEqual(await scan('x.docx', 'not a zip at all'), [], 'a mislabelled document is not an archive');
});

test('zip bombs: bounded by the budget and the entry limit, and fast', async () => {
  const t = Date.now();
  // a 100 MiB entry inside an archive: too large to open, never inflated
  const big = zip([{ name: 'inner.zip', data: zip([{ name: 'z', data: Buffer.alloc(100 * 1024 * 1024) }]) }]);
  assert.deepEqual(brief(await scan('b.zip', big)), []);
  const declaredBig = zip([{ name: 'inner.zip', data: Buffer.alloc(100 * 1024 * 1024) }]);
  assert.deepEqual(brief(await scan('b.zip', declaredBig)), ['unscannable:b.zip>inner.zip']);
  // many nested archives: the shared budget runs out
  const layer = zip([{ name: 'l.zip', data: zip([{ name: 'z.bin', data: Buffer.alloc(3 * 1024 * 1024) }]) }]);
  const wide = zip(Array.from({ length: 40 }, (_, i) => ({ name: `${i}.zip`, data: layer })));
  const fs = await scan('wide.zip', wide, {}, new Budget(2 * 1024 * 1024));
  assert.ok(fs.some((f) => f.kind === 'unscannable' && /budget/.test(f.why)), JSON.stringify(brief(fs)));
  assert.deepEqual(brief(await scan('many.zip', zip(Array.from({ length: 30 }, (_, i) => ({ name: `${i}`, data: '' }))), { maxEntries: 10 })), ['unscannable:many.zip']);
  assert.ok(Date.now() - t < 5000, `${Date.now() - t} ms`);
});
