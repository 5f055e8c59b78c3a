// parsePhishingField reads back phishing/header.ts's field: good and bad cases, then round trips.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parsePhishingField } from './phishing-field.ts';
import { phishingHeaderField } from '../phishing/header.ts';

const good: Array<[string, Partial<NonNullable<ReturnType<typeof parsePhishingField>>> & { kinds?: string[]; details?: string[] }]> = [
  ['none; score=0.0100; bayes=0.0100; phishing=0.0000', { verdict: 'none', score: 0.01, bayes: '0.0100', phishing: 0, kinds: [] }],
  ['warn; score=0.7450; bayes=untrained; phishing=0.7450;\r\n display-name-brand "Seccamp Bank" from external attacker.test;\r\n first-contact x@attacker.test',
    { verdict: 'warn', score: 0.745, bayes: 'untrained', kinds: ['display-name-brand', 'first-contact'], details: ['"Seccamp Bank" from external attacker.test', 'x@attacker.test'] }],
  ['X-Mailwarden-Phishing: junk; score=0.9900; bayes=off; phishing=0.9900; link-mismatch "a;b \\"c\\" %E6%9D%B1" -> evil.test; more=3',
    { verdict: 'junk', kinds: ['link-mismatch'], details: ['"a;b "c" 東" -> evil.test'], more: 3 }], // ";" inside quotes, escapes, percent-encoding
];
const bad: Array<[string, string]> = [
  ['', 'empty'],
  ['warn; score=0.5', 'too few items'],
  ['maybe; score=0.5; bayes=off; phishing=0.1', 'unknown verdict'],
  ['warn; score=2; bayes=off; phishing=0.1', 'score above 1'],
  ['warn; score=0.5; bayes=<b>; phishing=0.1', 'bayes not a word'],
  ['warn; score=0.5; bayes=off; phishing=0.1; link-mismatch "open', 'unterminated quote'],
  ['warn; score=0.5; bayes=off; phishing=0.1; <script>', 'item is not a signal'],
];
for (const [input, want] of good) {
  test(`parsePhishingField good ${JSON.stringify(input).slice(0, 60)}`, () => {
    const p = parsePhishingField(input);
    assert.ok(p);
    const { kinds, details, ...fields } = want;
    for (const [k, v] of Object.entries(fields)) assert.deepEqual(p[k as keyof typeof p], v, k);
    if (kinds) assert.deepEqual(p.warnings.map((w) => w.kind), kinds);
    if (details) assert.deepEqual(p.warnings.map((w) => w.detail), details);
    assert.ok(p.warnings.every((w) => w.explanation.length > 0));
  });
}
for (const [input, why] of bad) test(`parsePhishingField bad (${why})`, () => assert.equal(parsePhishingField(input), null));

test('round trip of the writer, hostile display names included', () => {
  const field = phishingHeaderField({
    verdict: 'warn', score: 0.8, bayes: 0.25, phishing: 0.7,
    signals: [
      { kind: 'display-name-address', shown: '<script>alert(1)</script>;"', sender: 'attacker.test' },
      { kind: 'lookalike', where: 'from', match: { host: 'gmai1.test', target: 'gmail.test', kind: 'local', how: 'typo', distance: 1, punycode: false } },
    ],
  });
  const p = parsePhishingField(field.trimEnd());
  assert.ok(p);
  assert.equal(p.verdict, 'warn');
  assert.equal(p.bayes, '0.2500');
  assert.deepEqual(p.warnings.map((w) => w.kind).sort(), ['display-name-address', 'lookalike-local']);
  assert.ok(p.warnings.some((w) => w.detail === '"<script>alert(1)</script>;"" != sender attacker.test'));
});
