// POP3 multi-line encoding (RFC 1939 §3): byte-stuffing, CRLF, the terminator, and TOP (§7).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MessageEncoder, encodeLines } from './encoder.ts';

/** Encodes `input` pushed in pieces of `step` bytes (to test every split point). */
function encode(input: string, step: number, bodyLines?: number): string {
  const enc = new MessageEncoder({ bodyLines });
  const src = Buffer.from(input, 'latin1');
  const out: Buffer[] = [];
  for (let i = 0; i < src.length && !enc.done; i += step) out.push(enc.push(src.subarray(i, i + step)));
  out.push(enc.end());
  return Buffer.concat(out).toString('latin1');
}

const MSG = 'Subject: dots\r\nX: y\r\n\r\n.leading dot\r\nline 2\r\n..two dots\r\n.\r\nlast\r\n';

const retr: Array<[string, string, string]> = [
  // [why, input, expected on the wire]
  ['a body line starting with "." is stuffed, as is a lone "."', MSG, 'Subject: dots\r\nX: y\r\n\r\n..leading dot\r\nline 2\r\n...two dots\r\n..\r\nlast\r\n.\r\n'],
  ['no final line break: one is added before the terminator', 'A: b\r\n\r\nno newline', 'A: b\r\n\r\nno newline\r\n.\r\n'],
  ['bare LF becomes CRLF', 'A: b\n\nbody\n.dot\n', 'A: b\r\n\r\nbody\r\n..dot\r\n.\r\n'],
  ['a bare CR inside a line is data', 'A: b\r\n\r\nx\ry\r\n', 'A: b\r\n\r\nx\ry\r\n.\r\n'],
  ['a trailing CR ends the last line', 'A: b\r\n\r\nend\r', 'A: b\r\n\r\nend\r\n.\r\n'],
  ['an empty message is just the terminator', '', '.\r\n'],
];

test('RETR encoding at every chunk split', () => {
  for (const [why, input, expected] of retr) {
    for (const step of [1, 2, 3, 7, 1000]) assert.equal(encode(input, step), expected, `${why} (chunks of ${step})`);
  }
});

const top: Array<[string, string, number, string]> = [
  ['TOP 0: header and the blank line', MSG, 0, 'Subject: dots\r\nX: y\r\n\r\n.\r\n'],
  ['TOP 1: one body line, stuffed', MSG, 1, 'Subject: dots\r\nX: y\r\n\r\n..leading dot\r\n.\r\n'],
  ['TOP 4 counts the lone "." line', MSG, 4, 'Subject: dots\r\nX: y\r\n\r\n..leading dot\r\nline 2\r\n...two dots\r\n..\r\n.\r\n'],
  ['TOP beyond the end: the whole message', MSG, 100, `${MSG.replace(/\r\n\./g, '\r\n..')}.\r\n`],
  ['a message without a body: the whole header', 'A: b\r\nC: d\r\n', 0, 'A: b\r\nC: d\r\n.\r\n'],
  ['folded header lines stay in the header', 'A: b\r\n c\r\n\r\nbody\r\n', 0, 'A: b\r\n c\r\n\r\n.\r\n'],
];

test('TOP encoding at every chunk split, and the encoder says when it is done', () => {
  for (const [why, input, n, expected] of top) {
    for (const step of [1, 2, 5, 1000]) assert.equal(encode(input, step, n), expected, `${why} (chunks of ${step})`);
  }
  const enc = new MessageEncoder({ bodyLines: 0 });
  enc.push(Buffer.from('A: b\r\n\r\nbody'));
  assert.equal(enc.done, true, 'TOP 0 needs nothing after the blank line');
  assert.equal(enc.push(Buffer.from('more\r\n')).length, 0);
});

test('encodeLines: listings end with ".", lines starting with "." are stuffed', () => {
  assert.equal(encodeLines(['1 120', '2 200']), '1 120\r\n2 200\r\n.\r\n');
  assert.equal(encodeLines([]), '.\r\n');
  assert.equal(encodeLines(['.x']), '..x\r\n.\r\n');
});
