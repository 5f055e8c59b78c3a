// Streaming transfer decoding (transfer-stream.ts): the chunked decoders give exactly what
// decodeTransfer (decode.ts, RFC 2045 §6.7/§6.8) gives for the whole part, whatever the chunk
// boundaries; the factory's choice per encoding; the async-generator conveniences.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { randomBytes } from 'node:crypto';
import { decodeQuotedPrintable, decodeTransfer } from './decode.ts';
import { Base64Decoder, QuotedPrintableDecoder, decodeStream, decodeTransferStream, knownTransferEncoding, transferDecoder, type ChunkDecoder } from './transfer-stream.ts';

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

/** `b` as a stream of `size`-octet chunks. */
async function* pieces(b: Buffer, size: number): AsyncGenerator<Buffer> {
  for (let i = 0; i < b.length; i += size) yield b.subarray(i, i + size);
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

test('transferDecoder: identity for 7bit/8bit/binary/none and for an unknown encoding, which knownTransferEncoding rejects', () => {
  for (const e of ['7bit', ' 8BIT ', 'binary', '', 'x-uuencode']) assert.deepEqual(transferDecoder(e).push(Buffer.from('a\0b')), Buffer.from('a\0b'), e);
  for (const e of ['7bit', ' 8BIT ', 'binary', '', 'Base64', ' quoted-printable ']) assert.equal(knownTransferEncoding(e), true, e);
  assert.equal(knownTransferEncoding('x-uuencode'), false);
  assert.ok(transferDecoder(' BASE64 ') instanceof Base64Decoder);
  assert.ok(transferDecoder('Quoted-Printable') instanceof QuotedPrintableDecoder);
});

test('decodeStream: a decoder over an async source, across chunk boundaries', async () => {
  const base64 = Buffer.from(Buffer.from('hello world').toString('base64'));
  assert.equal((await buffer(decodeStream(Readable.from([base64.subarray(0, 5), base64.subarray(5)]), new Base64Decoder()))).toString(), 'hello world');
});

// decodeTransferStream (webmail attachment downloads): same octets as decoding in one piece,
// whatever the chunk boundaries.

test('decodeTransferStream: base64 across every chunk size', async () => {
  const data = randomBytes(3001);
  const encoded = Buffer.from(data.toString('base64').replace(/.{76}/g, '$&\r\n'));
  for (const size of [1, 3, 4, 5, 77, 78, 1000, 100_000]) assert.deepEqual(await buffer(decodeTransferStream(pieces(encoded, size), 'base64')), data, `chunks of ${size}`);
});

test('decodeTransferStream: quoted-printable across every chunk size, soft breaks and escapes split anywhere', async () => {
  const encoded = Buffer.from('caf=C3=A9 =3D ok=\r\nsame line\r\nnext line=20\r\n'.repeat(50));
  const want = decodeQuotedPrintable(encoded);
  for (const size of [1, 2, 3, 7, 64, 100_000]) assert.deepEqual(await buffer(decodeTransferStream(pieces(encoded, size), 'Quoted-Printable')), want, `chunks of ${size}`);
});

test('decodeTransferStream: 7bit and unknown encodings pass through', async () => {
  const b = Buffer.from('plain text\r\n');
  assert.deepEqual(await buffer(decodeTransferStream(pieces(b, 3), '7bit')), b);
  assert.deepEqual(await buffer(decodeTransferStream(pieces(b, 3), 'x-uuencode')), b);
});
