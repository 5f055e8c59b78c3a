// Sequence sets: RFC 9051 §9 sequence-set, RFC 5182 "$", RFC 4315 §3 COPYUID ordering.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  clipIntervals, compactNumbers, compactOrdered, countIntervals, formatSequenceSet, intervalsContain, iterateIntervals,
  maxExplicitNumber, parseSequenceSet, resolveSequenceSet, selectSorted, usesStar, type SequenceSet,
} from './sequence.ts';

const good: Array<[string, SequenceSet]> = [
  ['1', { kind: 'set', ranges: [{ from: 1, to: 1 }] }],
  ['*', { kind: 'set', ranges: [{ from: '*', to: '*' }] }],
  ['2:4', { kind: 'set', ranges: [{ from: 2, to: 4 }] }],
  ['4:2', { kind: 'set', ranges: [{ from: 4, to: 2 }] }], // RFC 9051 §9: either order
  ['2,4:7,9,12:*', { kind: 'set', ranges: [{ from: 2, to: 2 }, { from: 4, to: 7 }, { from: 9, to: 9 }, { from: 12, to: '*' }] }], // §9 example
  ['*:4,5:7', { kind: 'set', ranges: [{ from: '*', to: 4 }, { from: 5, to: 7 }] }],
  ['4294967295', { kind: 'set', ranges: [{ from: 4294967295, to: 4294967295 }] }],
  ['$', { kind: 'saved' }], // RFC 5182 §2.1
];
const bad: Array<[string, string]> = [
  ['', 'empty'],
  ['0', 'nz-number'],
  ['01', 'leading zero is not nz-number'],
  ['4294967296', 'beyond 32 bits'],
  ['1:', 'open range'],
  [':1', 'open range'],
  ['1,,2', 'empty element'],
  ['1,', 'trailing comma'],
  ['1:2:3', 'two colons'],
  ['$,1', 'RFC 5182: "$" only alone'],
  ['$:3', '"$" is not a seq-number'],
  ['a', 'not a number'],
];
for (const [text, expected] of good) {
  test(`parse ${text}`, () => {
    assert.deepEqual(parseSequenceSet(text), expected);
    assert.equal(formatSequenceSet(expected), text);
  });
}
for (const [text, why] of bad) test(`reject ${JSON.stringify(text)} — ${why}`, () => assert.equal(parseSequenceSet(text), null));

const resolve = (text: string, star: number) => {
  const s = parseSequenceSet(text);
  assert.ok(s !== null && s.kind === 'set');
  return resolveSequenceSet(s, star);
};

test('resolve: "*" is the largest number, ranges merge and sort', () => {
  assert.deepEqual(resolve('2,4:7,9,12:*', 15), [[2, 2], [4, 7], [9, 9], [12, 15]]);
  assert.deepEqual(resolve('*:4,5:7', 10), [[4, 10]]);
  assert.deepEqual(resolve('3,1,2', 10), [[1, 3]]);
  // RFC 9051 §6.4.9: UID n:* with n beyond the largest UID still matches the largest.
  assert.deepEqual(resolve('100:*', 42), [[42, 100]]);
  assert.deepEqual(resolve('*', 0), []);
});

test('helpers over intervals never materialise ranges', () => {
  const iv = resolve('1:4294967295', 10);
  assert.equal(countIntervals(iv), 4294967295);
  assert.ok(intervalsContain(iv, 4000000000));
  assert.deepEqual(clipIntervals(iv, 1, 10), [[1, 10]]);
  const many = resolve('1:3,10:20,100', 200);
  assert.ok(intervalsContain(many, 15) && !intervalsContain(many, 50) && intervalsContain(many, 100));
  assert.deepEqual([...iterateIntervals(resolve('1:3,7', 9))], [1, 2, 3, 7]);
  assert.deepEqual(selectSorted([3, 5, 8, 13, 21, 34], resolve('4:13,30:*', 1 << 30)), [1, 2, 3, 5]);
  assert.deepEqual(selectSorted([1, 2, 3], resolve('1:4294967295', 3)), [0, 1, 2]);
  assert.equal(maxExplicitNumber(parseSequenceSet('3:*,17')!), 17);
  assert.ok(usesStar(parseSequenceSet('3:*')!) && !usesStar(parseSequenceSet('3:4')!));
});

test('compaction of number lists', () => {
  assert.equal(compactNumbers([1, 2, 3, 5, 9, 8]), '1:3,5,8:9');
  assert.equal(compactNumbers([7, 7, 7]), '7');
  assert.equal(compactNumbers([]), '');
  // COPYUID (RFC 4315 §3) pairs source and destination element by element: keep order.
  assert.equal(compactOrdered([304, 305, 306, 319, 320, 100]), '304:306,319:320,100');
});
