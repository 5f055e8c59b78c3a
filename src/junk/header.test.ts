// X-Mailwarden-Spam: verdict, score, clues; folding (RFC 5322 §2.2.3) and injection safety.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { quoteToken, spamHeaderField } from './header.ts';

const clue = (token: string, probability: number) => ({ token, probability, ham: 0, spam: 1 });

test('short field on one line', () => {
  assert.equal(
    spamHeaderField({ verdict: 'spam', score: 0.99871, clues: [clue('money', 0.9912)] }),
    'X-Mailwarden-Spam: spam; score=0.9987; cutoffs=0.20/0.95; clues="money"=0.991',
  );
  assert.equal(spamHeaderField({ verdict: 'unsure', score: 0.5, clues: [] }), 'X-Mailwarden-Spam: unsure; score=0.5000; cutoffs=0.20/0.95; clues=none');
});

test('long field folds at spaces, every line at most 78 characters', () => {
  const clues = Array.from({ length: 8 }, (_, i) => clue(`url:domain:some-long-domain-${i}.example`, 0.99 - i / 100));
  const field = spamHeaderField({ verdict: 'spam', score: 1, clues }, { cutoffs: { hamCutoff: 0.1, spamCutoff: 0.9 } });
  const lines = field.split('\r\n');
  assert.ok(lines.length > 1);
  assert.ok(lines.every((l) => l.length <= 78), lines.join('\n'));
  assert.ok(lines.slice(1).every((l) => l.startsWith(' ') && !l.startsWith('  ')));
  assert.ok(lines[0]!.includes('cutoffs=0.10/0.90'));
  assert.equal(lines.join('').replace(/ +/g, ' ').split('"=').length - 1, 8);
  assert.equal(spamHeaderField({ verdict: 'spam', score: 1, clues }, { maxClues: 2 }).split('"=').length - 1, 2);
});

/** [token, quoted form] */
const quoting: Array<[string, string]> = [
  ['plain', '"plain"'],
  ['say "hi"\\', '"say \\"hi\\"\\\\"'],
  ['100%', '"100%25"'],
  ['東京', '"%E6%9D%B1%E4%BA%AC"'],
  ['a\r\nBcc: victim@example.test', '"a%0D%0ABcc: victim@example.test"'], // no header injection
  ['x'.repeat(50), `"${'x'.repeat(40)}..."`],
];
for (const [token, quoted] of quoting) test(`quoteToken ${JSON.stringify(token)}`, () => assert.equal(quoteToken(token), quoted));

test('no control or non-ASCII octet can reach the field', () => {
  const field = spamHeaderField({ verdict: 'spam', score: 1, clues: [clue('\u0000\u007f\r\n\t日本\u2028', 0.99)] });
  assert.match(field.replace(/\r\n /g, ''), /^[\x20-\x7e]+$/);
});
