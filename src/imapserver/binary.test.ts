// RFC 3516 BINARY, streamed (binary.ts): the chunked decoders give exactly what decodeTransfer
// (mail/mime/decode.ts, RFC 2045 §6.7/§6.8) gives for the whole part, whatever the chunk
// boundaries; the window and NUL test of measure/cutStream.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeTransfer } from '../mail/mime/decode.ts';
import { Base64Decoder, QuotedPrintableDecoder, cutStream, decodeStream, measure, transferDecoder, type ChunkDecoder } from './binary.ts';

let seed = 4242;
const rand = (n: number) => {
  seed = (seed * 1103515245 + 12345) & 0x7fffffff;
  return seed % n;
};

/** Random input from an alphabet that hits every rule: "=XX", soft breaks, blanks before breaks, bare CR/LF. */
function junk(alphabet: string, len: number): Buffer {
  const a = Buffer.from(alphabet, 'latin1');
  const out = Buffer.alloc(len);
  for (let i = 0; i < len; i++) out[i] = a[rand(a.length)]!;
  return out;
}

/** `input` through `decoder` in random pieces. */
function chunked(input: Buffer, decoder: ChunkDecoder): Buffer {
  const out: Buffer[] = [];
  for (let i = 0; i < input.length; ) {
    const n = 1 + rand(Math.min(40, input.length - i));
    out.push(decoder.push(input.subarray(i, i + n)));
    i += n;
  }
  out.push(decoder.end());
  return Buffer.concat(out);
}

async function* from(chunks: readonly Buffer[]): AsyncGenerator<Buffer> {
  yield* chunks;
}

async function collect(src: AsyncIterable<Buffer>): Promise<Buffer> {
  const out: Buffer[] = [];
  for await (const c of src) out.push(c);
  return Buffer.concat(out);
}

test('base64: chunked decoding equals whole decoding (line breaks, junk, "=" padding anywhere, short tails)', () => {
  for (let round = 0; round < 400; round++) {
    const input = junk('QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo0123+/=\r\n \t*', rand(300));
    assert.deepEqual(chunked(input, new Base64Decoder()), decodeTransfer(input, 'base64'), `round ${round}: ${input.toString('latin1')}`);
  }
  const bytes = Buffer.from(Array.from({ length: 5000 }, (_, i) => (i * 7) & 0xff));
  const wrapped = Buffer.from(bytes.toString('base64').replace(/.{76}/g, '$&\r\n'));
  assert.deepEqual(chunked(wrapped, new Base64Decoder()), bytes);
});

/** Random quoted-printable-ish text from tokens: encoded blanks, soft breaks, bare CR and LF, blanks before breaks. */
function qpJunk(len: number): Buffer {
  const tokens = ['a', 'b', 'c', '=20', '=09', '=3D', '=', '=4', '=G', ' ', '\t', '\r\n', '\n', '\r', '=\r\n', '= \r\n', '\u00e9', 'x'];
  let out = '';
  while (out.length < len) out += tokens[rand(tokens.length)];
  return Buffer.from(out, 'latin1');
}

test('quoted-printable: chunked decoding equals whole decoding, also for lines longer than what is held', () => {
  for (let round = 0; round < 1500; round++) {
    const input = round % 3 ? qpJunk(rand(400)) : junk('ab=3D=0A=\r\n \t=4=G\r\n\n\r\u00e9', rand(400));
    const maxHold = round % 2 ? 64 * 1024 : 1 + rand(4); // tiny holds force cuts inside lines
    assert.deepEqual(chunked(input, new QuotedPrintableDecoder(maxHold)), decodeTransfer(input, 'quoted-printable'), `round ${round}: ${JSON.stringify(input.toString('latin1'))}`);
  }
  const text = 'Caf=C3=A9 cr=C3=A8me br=C3=BBl=C3=A9e, trailing blanks   \r\nsoft=\r\nbreak\r\n';
  assert.equal(chunked(Buffer.from(text), new QuotedPrintableDecoder(4)).toString(), 'Café crème brûlée, trailing blanks\r\nsoftbreak\r\n');
});

test('a long quoted-printable line is not held whole: output comes before the line ends', () => {
  const d = new QuotedPrintableDecoder(1024);
  let out = 0;
  for (let i = 0; i < 100; i++) out += d.push(Buffer.from('abcdefghij'.repeat(100))).length;
  assert.ok(out >= 100 * 1000 - 1024, `decoded ${out} octets of a 100000-octet line without its end`);
});

test('transferDecoder: identity for 7bit/8bit/binary/none, null for an unknown encoding', () => {
  for (const e of ['7bit', ' 8BIT ', 'binary', '']) assert.deepEqual(transferDecoder(e)!.push(Buffer.from('a\0b')), Buffer.from('a\0b'));
  assert.equal(transferDecoder('x-uuencode'), null);
});

test('measure and cutStream: size of the decoding, NUL only counted inside the window, exact cuts across chunks', async () => {
  const parts = [Buffer.from('AAAA'), Buffer.from('B\0BB'), Buffer.from('CCCC')];
  assert.deepEqual(await measure(from(parts)), { size: 12, nul: true });
  assert.deepEqual(await measure(from(parts), 0, 5), { size: 12, nul: false });
  assert.deepEqual(await measure(from(parts), 5, 6), { size: 12, nul: true });
  assert.deepEqual(await measure(from(parts), 6, 100), { size: 12, nul: false });
  assert.equal((await collect(cutStream(from(parts), 3, 9))).toString('latin1'), 'AB\0BBC');
  assert.equal((await collect(cutStream(from(parts), 0, 12))).length, 12);
  assert.equal((await collect(cutStream(from(parts), 12, 20))).length, 0);
  const base64 = Buffer.from(Buffer.from('hello world').toString('base64'));
  assert.equal((await collect(decodeStream(from([base64.subarray(0, 5), base64.subarray(5)]), new Base64Decoder()))).toString(), 'hello world');
});
