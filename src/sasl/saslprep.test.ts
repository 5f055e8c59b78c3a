import { test } from 'node:test';
import assert from 'node:assert/strict';
import { saslprep } from './saslprep.ts';

// RFC 4013 §3 examples, plus a few table checks.
const cases: Array<[name: string, input: string, output: string | null]> = [
  ['RFC 4013 §3 #1: SOFT HYPHEN mapped to nothing', 'I\u00ADX', 'IX'],
  ['RFC 4013 §3 #2: no transformation', 'user', 'user'],
  ['RFC 4013 §3 #3: case preserved', 'USER', 'USER'],
  ['RFC 4013 §3 #4: output is NFKC', '\u00AA', 'a'],
  ['RFC 4013 §3 #5: output is NFKC', '\u2168', 'IX'],
  ['RFC 4013 §3 #6: prohibited character', '\u0007', null],
  ['RFC 4013 §3 #7: bidi check', '\u0627\u0031', null],
  ['non-ASCII space mapped to SPACE', 'a\u00A0b\u3000c', 'a b c'],
  ['zero-width joiner mapped to nothing', 'a\u200Db', 'ab'],
  ['plain ASCII password with symbols', 'p@ss w0rd!~', 'p@ss w0rd!~'],
  ['empty string', '', ''],
  ['DEL is prohibited', 'a\u007Fb', null],
  ['C1 control is prohibited', 'a\u0085b', null],
  ['private use is prohibited', 'a\uE000b', null],
  ['non-character is prohibited', 'a\uFFFEb', null],
  ['lone surrogate is prohibited', 'a\uD800b', null],
  ['tagging character is prohibited', 'a\u{E0041}b', null],
  ['LRM is prohibited', 'a\u200Eb', null],
  ['all right-to-left is fine', '\u05D0\u05D1', '\u05D0\u05D1'],
  ['RTL with digits inside is fine', '\u0627\u0031\u0628', '\u0627\u0031\u0628'],
  ['RTL mixed with Latin is refused', '\u05D0a\u05D1', null],
  ['composed form produced', 'e\u0301', '\u00E9'],
];

for (const [name, input, output] of cases) {
  test(`saslprep: ${name}`, () => {
    assert.equal(saslprep(input), output);
  });
}
