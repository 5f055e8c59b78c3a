// Transfer-encoding, charset and encoded-word decoding (RFC 2045 §6.7-6.8, RFC 2047), as tables.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeBase64, decodeCharset, decodeHeaderValue, decodeQuotedPrintable, decodeTransfer } from './decode.ts';

const qp = (s: string) => decodeQuotedPrintable(Buffer.from(s, 'latin1')).toString('latin1');

test('quoted-printable (RFC 2045 §6.7)', () => {
  const good: Array<[string, string]> = [
    ['plain text', 'plain text'],
    ['caf=C3=A9', 'caf\xc3\xa9'], // "=XX" is one octet, either case
    ['a=3db', 'a=b'],
    ['soft=\r\nbreak', 'softbreak'], // rule 5: "=" CRLF is a soft line break
    ['soft=  \r\nbreak', 'softbreak'], // blanks after "=" before the break
    ['lf only=\nbreak', 'lf onlybreak'],
    ['trailing   \r\nnext', 'trailing\r\nnext'], // rule 3: trailing blanks dropped
    ['bad =ZZ kept', 'bad =ZZ kept'], // note 4: a malformed "=" stays as it is
    ['ends with =', 'ends with '],
  ];
  for (const [input, out] of good) assert.equal(qp(input), out, input);
});

test('base64 ignores line breaks and junk; transfer encodings by name; unknown is null', () => {
  assert.equal(decodeBase64(Buffer.from('SGVs\r\nbG8=\r\n')).toString(), 'Hello');
  assert.equal(decodeTransfer(Buffer.from('SGk='), 'BASE64')!.toString(), 'Hi');
  assert.equal(decodeTransfer(Buffer.from('a=3Db'), ' Quoted-Printable ')!.toString(), 'a=b');
  assert.equal(decodeTransfer(Buffer.from('raw'), '8bit')!.toString(), 'raw');
  assert.equal(decodeTransfer(Buffer.from('raw'), 'x-uuencode'), null, 'RFC 3516: UNKNOWN-CTE');
});

test('charsets via TextDecoder; unknown charsets fall back to UTF-8', () => {
  assert.equal(decodeCharset(Buffer.from([0x47, 0x72, 0xfc, 0xdf, 0x65]), 'ISO-8859-1'), 'Grüße');
  assert.equal(decodeCharset(Buffer.from('Grüße'), 'utf-8'), 'Grüße');
  assert.equal(decodeCharset(Buffer.from('plain'), 'x-no-such-charset'), 'plain');
  assert.equal(decodeCharset(Buffer.from('plain'), null), 'plain');
});

test('encoded-words (RFC 2047): B and Q, charsets, blanks between adjacent words dropped', () => {
  const good: Array<[string, string]> = [
    ['no words here', 'no words here'],
    ['=?UTF-8?B?SsO8cmdlbg==?= <j@x>', 'Jürgen <j@x>'],
    ['=?ISO-8859-1?Q?Gr=FC=DFe?= aus Berlin', 'Grüße aus Berlin'],
    ['=?utf-8?q?a_b?=', 'a b'], // §4.2: "_" is a space in Q
    ['=?UTF-8?Q?one?= =?UTF-8?Q?two?=', 'onetwo'], // §6.2: whitespace between encoded-words is ignored
    ['=?UTF-8*en?Q?lang?=', 'lang'], // RFC 2231 §5 language suffix
    ['=?broken', '=?broken'],
  ];
  for (const [input, out] of good) assert.equal(decodeHeaderValue(input), out, input);
});
