// RFC 3516 BINARY, streamed (binary.ts): the window and NUL test of measure/cutStream. The
// decoders themselves are tested in mail/mime/transfer-stream.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { cutStream, measure } from './binary.ts';


test('measure and cutStream: size of the decoding, NUL only counted inside the window, exact cuts across chunks', async () => {
  const parts = [Buffer.from('AAAA'), Buffer.from('B\0BB'), Buffer.from('CCCC')];
  assert.deepEqual(await measure(Readable.from(parts)), { size: 12, nul: true });
  assert.deepEqual(await measure(Readable.from(parts), 0, 5), { size: 12, nul: false });
  assert.deepEqual(await measure(Readable.from(parts), 5, 6), { size: 12, nul: true });
  assert.deepEqual(await measure(Readable.from(parts), 6, 100), { size: 12, nul: false });
  assert.equal((await buffer(cutStream(Readable.from(parts), 3, 9))).toString('latin1'), 'AB\0BBC');
  assert.equal((await buffer(cutStream(Readable.from(parts), 0, 12))).length, 12);
  assert.equal((await buffer(cutStream(Readable.from(parts), 12, 20))).length, 0);
});
