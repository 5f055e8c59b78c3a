// UTS #39 skeletons (confusables.ts): what must share a skeleton, and what must not.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { skeleton, skeletons, hasNonAscii } from './confusables.ts';

test('confusable pairs share a skeleton', () => {
  const same: Array<[string, string, string]> = [
    ['gmai1', 'gmail', 'digit one for l (confusables.txt 0031 -> 006C)'],
    ['gmаil', 'gmail', 'Cyrillic а U+0430'],
    ['grnail', 'gmail', '"rn" for "m"'],
    ['ｇｍａｉｌ', 'gmail', 'full width (NFKC)'],
    ['GMAIL', 'gmail', 'case'],
    ['g00gle', 'google', 'zeros for o'],
    ['раураl', 'paypal', 'Cyrillic р, а, у'],
    ['Seccamp Bаnk', 'seccamp bank', 'mixed script name'],
  ];
  for (const [a, b, why] of same) assert.equal(skeleton(a), skeleton(b), why);
});

test('different names keep different skeletons', () => {
  const differ: Array<[string, string]> = [
    ['gmail', 'gmx'],
    ['paypal', 'paypai'],
    ['example', 'exampel'], // a transposition is the edit distance's business, not a confusable
    ['Seccamp Bank', 'SECCAMP BAHK'], // Cyrillic capital Н looks like H, not N
  ];
  for (const [a, b] of differ) assert.notEqual(skeleton(a), skeleton(b), `${a} / ${b}`);
});

test('skeletons: capitals have confusables of their own (Cyrillic capitals read as Latin ones)', () => {
  const latin = skeletons('Seccamp Bank');
  const cyrillic = skeletons('\u0405\u0415\u0421\u0421\u0410\u041c\u0420 \u0412\u0410N\u041a'); // ЅЕССАМР ВАNК
  assert.ok(cyrillic.some((k) => latin.includes(k)), `${cyrillic} / ${latin}`);
  assert.ok(!skeletons('Other Bank').some((k) => latin.includes(k)));
});

test('bounded input, non-ASCII detection', () => {
  assert.ok(skeleton('a'.repeat(100_000)).length <= 512);
  assert.equal(hasNonAscii('gmail.test'), false);
  assert.equal(hasNonAscii('gmаil.test'), true);
});
