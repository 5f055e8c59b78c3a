// FETCH: RFC 9051 §6.4.5, RFC 3501 §6.4.5, RFC 3516 §4.3, RFC 7162 §3.1.4 / §3.2.6.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertMatch, parseBad, parseOk } from './fixtures.ts';
import { fetchResponseName } from '../encoder.ts';

const set = (...ranges: Array<[number | '*', number | '*']>) => ({ kind: 'set', ranges: ranges.map(([from, to]) => ({ from, to })) });
const body = (part: number[], text: string | null = null, fields: string[] = [], peek = false, partial: { start: number; length: number } | null = null) => ({
  name: 'BODY[]', peek, section: { part, text, fields }, partial,
});

const good: Array<[string, Record<string, unknown>]> = [
  ['A654 FETCH 2:4 (FLAGS BODY[HEADER.FIELDS (DATE FROM)])', { // RFC 9051 §6.4.5 example
    name: 'FETCH', uid: false, set: set([2, 4]), macro: null, changedSince: null, vanished: false,
    items: [{ name: 'FLAGS' }, body([], 'HEADER.FIELDS', ['DATE', 'FROM'])],
  }],
  ['a FETCH 1 ALL', { macro: 'ALL', items: ['FLAGS', 'INTERNALDATE', 'RFC822.SIZE', 'ENVELOPE'].map((name) => ({ name })) }],
  ['a FETCH 1 fast', { macro: 'FAST', items: ['FLAGS', 'INTERNALDATE', 'RFC822.SIZE'].map((name) => ({ name })) }],
  ['a FETCH 1 FULL', { macro: 'FULL', items: ['FLAGS', 'INTERNALDATE', 'RFC822.SIZE', 'ENVELOPE', 'BODY'].map((name) => ({ name })) }],
  ['a FETCH 1:* (UID RFC822.SIZE INTERNALDATE ENVELOPE BODYSTRUCTURE BODY MODSEQ)', {
    set: set([1, '*']), items: ['UID', 'RFC822.SIZE', 'INTERNALDATE', 'ENVELOPE', 'BODYSTRUCTURE', 'BODY', 'MODSEQ'].map((name) => ({ name })),
  }],
  ['a FETCH 1 (RFC822 RFC822.HEADER RFC822.TEXT)', { items: [{ name: 'RFC822' }, { name: 'RFC822.HEADER' }, { name: 'RFC822.TEXT' }] }], // RFC 3501
  ['a FETCH 1 rfc822.size', { items: [{ name: 'RFC822.SIZE' }] }],
  ['a FETCH 1 BODY[]', { items: [body([])] }],
  ['a FETCH 1 BODY.PEEK[]<0.2048>', { items: [body([], null, [], true, { start: 0, length: 2048 })] }],
  ['a FETCH 1 (BODY[HEADER] BODY[TEXT] BODY[1] BODY[1.2.3])', { items: [body([], 'HEADER'), body([], 'TEXT'), body([1]), body([1, 2, 3])] }],
  ['a FETCH 1 (BODY[1.MIME] BODY[2.HEADER] BODY[3.1.TEXT] BODY[4.HEADER.FIELDS.NOT (Received "X-Spam")])', {
    items: [body([1], 'MIME'), body([2], 'HEADER'), body([3, 1], 'TEXT'), body([4], 'HEADER.FIELDS.NOT', ['RECEIVED', 'X-SPAM'])],
  }],
  ['a FETCH 1 body.peek[header.fields (subject)]', { items: [body([], 'HEADER.FIELDS', ['SUBJECT'], true)] }],
  ['t4 FETCH 3 (BINARY.SIZE[1])', { items: [{ name: 'BINARY.SIZE', part: [1] }] }], // RFC 3516 §4.3
  ['a FETCH 3 (BINARY[1.2] BINARY.PEEK[1]<100.200> BINARY[])', {
    items: [{ name: 'BINARY[]', peek: false, part: [1, 2], partial: null }, { name: 'BINARY[]', peek: true, part: [1], partial: { start: 100, length: 200 } }, { name: 'BINARY[]', peek: false, part: [], partial: null }],
  }],
  ['A999 UID FETCH 4827313:4828442 FLAGS', { uid: true, set: set([4827313, 4828442]), items: [{ name: 'FLAGS' }] }], // §6.4.9
  ['s100 UID FETCH 1:* (FLAGS) (CHANGEDSINCE 12345)', { uid: true, changedSince: 12345n, vanished: false }], // RFC 7162 §3.1.4.1
  ['s100 UID FETCH 300:500 (FLAGS) (CHANGEDSINCE 12345 VANISHED)', { changedSince: 12345n, vanished: true }], // RFC 7162 §3.2.6
  ['a FETCH 1 FLAGS (CHANGEDSINCE 1)', { changedSince: 1n }],
  ['A283 FETCH $ (UID INTERNALDATE FLAGS RFC822.HEADER)', { set: { kind: 'saved' } }], // RFC 5182 §2.4
  ['a FETCH 4:2,*,7:* (UID)', { set: set([4, 2], ['*', '*'], [7, '*']) }],
];

const bad: Array<[string, string]> = [
  ['a FETCH', 'set missing'],
  ['a FETCH 1', 'attributes missing'],
  ['a FETCH 1 ()', 'empty attribute list'],
  ['a FETCH 1 (ALL)', 'macros cannot be inside a list'],
  ['a FETCH 1 FOO', 'unknown attribute'],
  ['a FETCH 0 FLAGS', 'sequence numbers are non-zero'],
  ['a FETCH 1: FLAGS', 'incomplete range'],
  ['a FETCH 1 BODY[', 'unterminated section'],
  ['a FETCH 1 BODY[MIME]', 'MIME needs a part number'],
  ['a FETCH 1 BODY[0]', 'part numbers are non-zero'],
  ['a FETCH 1 BODY[1.]', 'dot without section text'],
  ['a FETCH 1 BODY[HEADER.FIELDS]', 'header list missing'],
  ['a FETCH 1 BODY[HEADER.FIELDS ()]', 'empty header list'],
  ['a FETCH 1 BODY[FOO]', 'unknown section text'],
  ['a FETCH 1 BODY[]<0>', 'partial needs a length'],
  ['a FETCH 1 BODY[]<0.0>', 'partial length is nz-number'],
  ['a FETCH 1 FLAGS[]', 'FLAGS takes no section'],
  ['a FETCH 1 BINARY[1.TEXT]', 'section-binary is numbers only'],
  ['a FETCH 1 BINARY.SIZE[1]<0.1>', 'BINARY.SIZE takes no partial'],
  ['a FETCH 1 FLAGS (VANISHED)', 'RFC 7162 §3.2.6: VANISHED needs UID FETCH'],
  ['a UID FETCH 1 FLAGS (VANISHED)', 'RFC 7162 §3.2.6: VANISHED needs CHANGEDSINCE'],
  ['a FETCH 1 FLAGS (CHANGEDSINCE)', 'CHANGEDSINCE needs a value'],
  ['a FETCH 1 FLAGS (CHANGEDSINCE 1 CHANGEDSINCE 2)', 'repeated modifier'],
  ['a FETCH 1 FLAGS (FOO)', 'unknown modifier'],
  ['a FETCH 1 FLAGS extra', 'trailing garbage'],
];

for (const [input, expected] of good) test(`good: ${JSON.stringify(input)}`, () => assertMatch(parseOk(input), expected, input));
for (const [input, why] of bad) test(`bad: ${JSON.stringify(input)} — ${why}`, () => void parseBad(input));

test('response names echo the section without PEEK and only the partial origin (RFC 9051 §7.5.2)', () => {
  const c = parseOk('a FETCH 1 (BODY.PEEK[1.2.HEADER.FIELDS (FROM TO)]<10.20> BINARY.PEEK[3]<0.5> BINARY.SIZE[2] BODY[] RFC822.HEADER)');
  assert.ok(c.name === 'FETCH');
  assert.deepEqual(c.items.map(fetchResponseName), ['BODY[1.2.HEADER.FIELDS (FROM TO)]<10>', 'BINARY[3]<0>', 'BINARY.SIZE[2]', 'BODY[]', 'RFC822.HEADER']);
});
