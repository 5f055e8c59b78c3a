// ZIP reading (zip.ts): central directory, names (UTF-8, Info-ZIP Unicode Path), prefixed data,
// encryption flags, head+tail views, and what a hostile or broken archive gets.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { entryData, hasZipEnd, listZip, localHeader, readAt, wholeSparse, type Sparse } from './zip.ts';
import { zip } from './samples.ts';

test('lists entries with names, sizes, methods, encryption; data before the archive shifts offsets', async () => {
  const z = zip([{ name: 'a.txt', data: 'hello hello' }, { name: 'dir/ünï.js', data: 'x', method: 0, encrypted: true }], { prefix: Buffer.from('MZ self-extractor stub'), comment: 'c' });
  const l = listZip(wholeSparse(z), 100);
  assert.ok(l.ok);
  assert.deepEqual(l.entries.map((e) => [e.name, e.method, e.encrypted, e.size]), [['a.txt', 8, false, 11], ['dir/ünï.js', 0, true, 1]]);
  const e = l.entries[0]!;
  const lh = localHeader(wholeSparse(z), e)!;
  assert.equal(lh.name, 'a.txt');
  const d = await entryData(wholeSparse(z), e, lh.dataOffset, { max: 1024, compressedMax: e.compressedSize, whole: true });
  assert.deepEqual(d, { ok: true, data: Buffer.from('hello hello') });
  assert.equal(hasZipEnd(wholeSparse(z)), true);
});

test('reads archives written by Python\'s zipfile (a real producer), ZIP64 included', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mw-zip-'));
  const file = join(dir, 'p.zip');
  execFileSync('/usr/bin/python3', ['-c', `
import zipfile, sys
# Lowered limits make zipfile write what a huge archive has: ZIP64 sizes/offsets in the central
# directory's extra fields, and the ZIP64 end of central directory record and locator.
zipfile.ZIP64_LIMIT = 1
zipfile.ZIP_FILECOUNT_LIMIT = 1
with zipfile.ZipFile(sys.argv[1], 'w', zipfile.ZIP_DEFLATED, allowZip64=True) as z:
    z.writestr('doc/readme.txt', 'hi there')
    z.writestr('big/evil.exe', b'MZ' * 10)
`, file]);
  const l = listZip(wholeSparse(readFileSync(file)), 100);
  assert.ok(l.ok, JSON.stringify(l));
  assert.deepEqual(l.entries.map((e) => [e.name, e.size]), [['doc/readme.txt', 8], ['big/evil.exe', 20]]);
  const raw = readFileSync(file);
  assert.ok(raw.includes(Buffer.from('PK\x06\x06', 'latin1')), 'the archive has a ZIP64 end record');
});

test('head + tail: the central directory from the tail, entry data only where it is at hand', () => {
  const z = zip([{ name: 'first.txt', data: 'a'.repeat(5000), method: 0 }, { name: 'last.js', data: 'x', method: 0 }]);
  const s: Sparse = { head: z.subarray(0, 100), tail: z.subarray(z.length - 200), total: z.length };
  const l = listZip(s, 10);
  assert.ok(l.ok);
  assert.deepEqual(l.entries.map((e) => e.name), ['first.txt', 'last.js']);
  assert.ok(localHeader(s, l.entries[0]!), 'first local header in the head');
  assert.equal(readAt(s, 150, 10), null, 'the gap');
});

test('hostile and broken archives: errors, never throws', async () => {
  const bad: Array<[string, Buffer, RegExp]> = [
    ['no EOCD', Buffer.from('PK\x03\x04 nothing else'), /no end of central directory/],
    ['too many entries', zip(Array.from({ length: 20 }, (_, i) => ({ name: `${i}.txt`, data: '' }))), /more than 10 entries/],
    ['CD out of range', (() => { const z = zip([{ name: 'a', data: 'b' }]); z.writeUInt32LE(0xfffff, z.length - 10); return z; })(), /out of range|not at hand|bad central/],
  ];
  for (const [what, b, re] of bad) {
    const l = listZip(wholeSparse(b), 10);
    assert.ok(!l.ok && re.test(l.error), `${what}: ${JSON.stringify(l)}`);
  }
  // a deflate bomb stops at the output cap
  const bomb = zip([{ name: 'zeros', data: Buffer.alloc(50 * 1024 * 1024) }]);
  const l = listZip(wholeSparse(bomb), 10);
  assert.ok(l.ok);
  const e = l.entries[0]!;
  const r = await entryData(wholeSparse(bomb), e, localHeader(wholeSparse(bomb), e)!.dataOffset, { max: 1024 * 1024, compressedMax: e.compressedSize, whole: true });
  assert.deepEqual(r, { ok: false, error: 'limit' });
  // a prefix of it can be read with a sync flush
  const p = await entryData(wholeSparse(bomb), e, localHeader(wholeSparse(bomb), e)!.dataOffset, { max: 2 * 1024 * 1024, compressedMax: 1000, whole: false });
  assert.ok(p.ok && p.data.length > 0 && p.data.length <= 2 * 1024 * 1024);
});
