// Leaves and their decoded content (leaves.ts): RFC 2231/2047 file names, streaming base64 and QP
// decoding across any chunking, head + tail bounds.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseMessageStructure } from './walker.ts';
import { decodeRfc2231, isWhole, leafText, listLeaves, readLeaves, type LeafContent } from './leaves.ts';

const msg = (parts: string[]) => Buffer.from(['Content-Type: multipart/mixed; boundary="B"', '', ...parts.flatMap((p) => ['--B', p]), '--B--', ''].join('\r\n'));
const b64 = (b: Buffer) => b.toString('base64').replace(/.{1,76}/g, '$&\r\n').trimEnd();

async function* chunked(b: Buffer, size: number) {
  for (let i = 0; i < b.length; i += size) yield b.subarray(i, i + size);
}

async function read(m: Buffer, size: number, limits = { headBytes: 1 << 20, tailBytes: 0 }): Promise<LeafContent[]> {
  const out: LeafContent[] = [];
  await readLeaves(chunked(m, size), listLeaves(parseMessageStructure(m)), () => limits, (c) => {
    out.push(c);
  });
  return out;
}

test('file names: RFC 2231 extended and continued, RFC 2047 in quotes, Content-Type name', () => {
  const m = msg([
    'Content-Type: application/octet-stream\r\nContent-Disposition: attachment; filename*0*=utf-8\'\'invoice%E2%80%AE; filename*1*=fdp.exe\r\n\r\nx',
    'Content-Type: application/octet-stream; name="=?UTF-8?B?w6lsw6g=?=.exe"\r\n\r\ny',
    'Content-Type: text/plain\r\nContent-Disposition: inline\r\n\r\nz',
  ]);
  const leaves = listLeaves(parseMessageStructure(m));
  assert.deepEqual(leaves.map((l) => [l.path, l.contentType, l.filename, l.disposition]), [
    ['1', 'application/octet-stream', 'invoice\u202Efdp.exe', 'attachment'],
    ['2', 'application/octet-stream', 'élè.exe', null],
    ['3', 'text/plain', null, 'inline'],
  ]);
  assert.equal(decodeRfc2231("iso-8859-1'en'%E9t%E9.txt"), 'été.txt');
  assert.equal(decodeRfc2231('no-quote'), 'no-quote');
});

test('decoded content is the same for every chunking (base64, quoted-printable, 8bit, nested message)', async () => {
  const bin = Buffer.from(Array.from({ length: 3000 }, (_, i) => (i * 7) % 256));
  const m = msg([
    `Content-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\n${b64(bin)}`,
    'Content-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n<a href=3D"x">caf=C3=A9</a>=\r\n tail',
    'Content-Type: message/rfc822\r\n\r\nSubject: inner\r\nContent-Type: application/zip; name=a.zip\r\n\r\nPK',
  ]);
  for (const size of [1, 3, 7, 64, 100_000]) {
    const got = await read(m, size);
    assert.equal(got.length, 3, `chunk ${size}`);
    assert.deepEqual(got[0]!.head, bin, `base64, chunk ${size}`);
    assert.equal(leafText(got[1]!), '<a href="x">café</a> tail', `qp, chunk ${size}`);
    assert.deepEqual([got[2]!.leaf.path, got[2]!.leaf.filename, got[2]!.head.toString()], ['3', 'a.zip', 'PK']);
  }
});

test('head + tail bounds: the start and the end of a large part, nothing in between', async () => {
  const big = Buffer.concat([Buffer.from('HEAD'), Buffer.alloc(100_000, 0x2e), Buffer.from('TAIL')]);
  const m = msg([`Content-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\n${b64(big)}`]);
  const [c] = await read(m, 4096, { headBytes: 10, tailBytes: 6 });
  assert.equal(c!.head.toString(), 'HEAD......');
  assert.equal(c!.tail.toString(), '..TAIL');
  assert.equal(c!.total, big.length);
  assert.equal(isWhole(c!), false);
  const selected: string[] = [];
  await readLeaves(chunked(m, 100), listLeaves(parseMessageStructure(m)), (l) => (selected.push(l.path), null), () => assert.fail('nothing selected'));
  assert.deepEqual(selected, ['1']);
});

test('a quoted-printable line longer than what is held decodes as in one piece (no "=XX" split at the cut)', async () => {
  const line = 'abc=3D'.repeat(25_000); // 150000 octets, no line break
  const m = msg([`Content-Type: text/plain\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n${line}`]);
  for (const size of [4096, 65_537]) {
    const [c] = await read(m, size);
    assert.equal(c!.head.toString('latin1'), 'abc='.repeat(25_000), `chunk ${size}`);
  }
});
