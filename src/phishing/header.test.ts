// The X-Mailwarden-Phishing field (header.ts): readable items, folding, no injection.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeSignal, phishingHeaderField, quoted } from './header.ts';

test('each signal in its readable form', () => {
  const cases: Array<[Parameters<typeof describeSignal>[0], string]> = [
    [{ kind: 'display-name-address', shown: 'paypal.com', sender: 'attacker.test' }, 'display-name-address "paypal.com" != sender attacker.test'],
    [{ kind: 'display-name-brand', brand: 'Seccamp Bank', sender: 'attacker.test' }, 'display-name-brand "Seccamp Bank" from external attacker.test'],
    [{ kind: 'display-name-user', name: 'Alice', sender: 'attacker.test' }, 'display-name-user "Alice" from external attacker.test'],
    [{ kind: 'lookalike', where: 'from', match: { host: 'gmаil.test', target: 'gmail.test', kind: 'local', how: 'confusable', punycode: true } }, 'lookalike-local from xn--gmil-63d.test ~ gmail.test (confusable, punycode)'],
    [{ kind: 'lookalike', where: 'link', match: { host: 'paypa1.co', target: 'paypal.com', kind: 'brand', how: 'typo', distance: 1, punycode: false } }, 'lookalike-brand link paypa1.co ~ paypal.com (typo, distance=1)'],
    [{ kind: 'link-mismatch', shown: 'www.bank.test', href: 'attacker.test' }, 'link-mismatch "www.bank.test" -> attacker.test'],
    [{ kind: 'first-contact', sender: 'x@attacker.test' }, 'first-contact x@attacker.test'],
    [{ kind: 'first-contact', sender: 'a;b"c@x.test' }, 'first-contact "a;b\\"c@x.test"'],
  ];
  for (const [s, want] of cases) assert.equal(describeSignal(s), want);
});

test('field: verdict, scores, strongest signal first, folded at 78, CRLF-terminated', () => {
  const f = phishingHeaderField({
    verdict: 'warn', score: 0.745, bayes: 'untrained', phishing: 0.745,
    signals: [{ kind: 'first-contact', sender: 'x@attacker.test' }, { kind: 'display-name-brand', brand: 'Seccamp Bank', sender: 'attacker.test' }],
  });
  assert.equal(f, 'X-Mailwarden-Phishing: warn; score=0.7450; bayes=untrained; phishing=0.7450;\r\n display-name-brand "Seccamp Bank" from external attacker.test;\r\n first-contact x@attacker.test\r\n');
  assert.equal(phishingHeaderField({ verdict: 'none', score: 0.01, bayes: 0.01, phishing: 0, signals: [] }), 'X-Mailwarden-Phishing: none; score=0.0100; bayes=0.0100; phishing=0.0000\r\n');
});

test('hostile text cannot inject a field or non-ASCII', () => {
  assert.equal(quoted('a"b\\c%\r\nX-Evil: 1 é'), '"a\\"b\\\\c%25%0D%0AX-Evil: 1 %C3%A9"');
  assert.ok(quoted('x'.repeat(500)).length < 80);
  const f = phishingHeaderField({ verdict: 'warn', score: 1, bayes: 'off', phishing: 1, signals: Array.from({ length: 30 }, () => ({ kind: 'display-name-address' as const, shown: 'a\r\nb.test', sender: 'x.test' })) });
  assert.doesNotMatch(f.slice(0, -2), /\r\n(?![ ])/);
  assert.match(f, /more=20\r\n$/);
  assert.ok(f.split('\r\n').every((l) => /^[\x20-\x7e]*$/.test(l)));
});
