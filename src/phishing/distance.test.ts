// Damerau-Levenshtein (optimal string alignment), distance.ts: the four edits, and the bounds.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { damerauLevenshtein } from './distance.ts';

test('edits: substitution, insertion, deletion, transposition', () => {
  const cases: Array<[string, string, number]> = [
    ['gmail', 'gmail', 0],
    ['gmail', 'gmai1', 1], // substitution
    ['gmail', 'gmaill', 1], // insertion
    ['gmail', 'gmil', 1], // deletion
    ['gmail', 'gmial', 1], // transposition (Damerau)
    ['gmail', 'gamil', 1],
    ['paypal', 'paypa1l', 1],
    ['paypal', 'pyapla', 2],
    ['abc', '', 3],
    ['', 'abc', 3],
    ['ca', 'abc', 3], // OSA: no substring edited twice
    ['café', 'cafe', 1], // code points, not UTF-16 units
    ['😀a', 'a😀', 1],
  ];
  for (const [a, b, d] of cases) assert.equal(damerauLevenshtein(a, b), d, `${a} / ${b}`);
});

test('limit stops early and reports limit + 1', () => {
  assert.equal(damerauLevenshtein('gmail', 'yahoo', 1), 2);
  assert.equal(damerauLevenshtein('a', 'abcdef', 2), 3);
  assert.equal(damerauLevenshtein('gmail', 'gmial', 1), 1);
  // long inputs are cut (domain labels are <= 63 octets)
  assert.equal(damerauLevenshtein('a'.repeat(10_000), 'a'.repeat(10_000)), 0);
});
