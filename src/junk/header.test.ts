// X-Mailwarden-Spam: verdict, score, clues; folding (RFC 5322 §2.2.3) and injection safety.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseSpamHeaderField, quoteToken, spamHeaderField } from './header.ts';

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

// parseSpamHeaderField: the webmail's spam panel reads back what spamHeaderField wrote.

const good: Array<[string, ReturnType<typeof parseSpamHeaderField>]> = [
  ['spam; score=0.9987; cutoffs=0.20/0.95; clues="money"=0.991', { verdict: 'spam', score: 0.9987, cutoffs: { ham: 0.2, spam: 0.95 }, clues: [{ token: 'money', probability: 0.991 }] }],
  ['unsure; score=0.5000; cutoffs=0.20/0.95; clues=none', { verdict: 'unsure', score: 0.5, cutoffs: { ham: 0.2, spam: 0.95 }, clues: [] }],
  ['X-Mailwarden-Spam: ham; score=0.0100; clues="a b"=0.010', { verdict: 'ham', score: 0.01, cutoffs: null, clues: [{ token: 'a b', probability: 0.01 }] }], // name left on, no cutoffs
  ['spam; score=1.0000; cutoffs=0.20/0.95;\r\n clues="say \\"hi\\"\\\\"=0.990\r\n "%E6%9D%B1%E4%BA%AC"=0.980 "100%25"=0.970', { verdict: 'spam', score: 1, cutoffs: { ham: 0.2, spam: 0.95 }, clues: [{ token: 'say "hi"\\', probability: 0.99 }, { token: '東京', probability: 0.98 }, { token: '100%', probability: 0.97 }] }], // folded
  ['untrained; trained=3/17', { verdict: 'untrained', trained: { ham: 3, spam: 17 } }],
  ['untrained', { verdict: 'untrained', trained: null }],
  ['error', { verdict: 'error' }],
];
const bad: Array<[string, string]> = [
  ['', 'empty'],
  ['spam', 'no score'],
  ['maybe; score=0.5; clues=none', 'unknown verdict'],
  ['spam; score=1.5; clues=none', 'score above 1'],
  ['spam; score=0.9; clues="unterminated=0.9', 'unterminated token'],
  ['spam; score=0.9; clues="a"=7', 'probability above 1'],
  ['spam; score=0.9; clues="a"=0.9 junk', 'trailing garbage'],
  ['ham; score=0.1; clues=none; injected=1', 'extra item'],
];
for (const [input, expected] of good) test(`parseSpamHeaderField good ${JSON.stringify(input)}`, () => assert.deepEqual(parseSpamHeaderField(input), expected));
for (const [input, why] of bad) test(`parseSpamHeaderField bad (${why})`, () => assert.equal(parseSpamHeaderField(input), null));

test('parseSpamHeaderField reads back whatever spamHeaderField writes, hostile tokens included', () => {
  const tokens = ['subject:free', 'url:domain:example.com', 'a\r\nBcc: x', '"quoted"\\', '日本語', '%41', '<script>'];
  const field = spamHeaderField({ verdict: 'spam', score: 0.97654, clues: tokens.map((t, i) => clue(t, 0.99 - i / 100)) }, { maxClues: 10 });
  const parsed = parseSpamHeaderField(field);
  assert.ok(parsed && parsed.verdict === 'spam');
  assert.equal(parsed.score, 0.9765);
  assert.deepEqual(parsed.clues.map((c) => c.token), tokens);
  assert.deepEqual(parsed.clues.map((c) => c.probability), tokens.map((_, i) => Number((0.99 - i / 100).toFixed(3))));
});
