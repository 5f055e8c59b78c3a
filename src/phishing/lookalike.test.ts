// Look-alike domains (lookalike.ts): each way of imitating a local or a brand domain, and the
// names that must not match.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lookalike, maxEdits, prepareTargets } from './lookalike.ts';

const T = prepareTargets([
  { domain: 'gmail.test', kind: 'local' },
  { domain: 'example.test', kind: 'local' },
  { domain: 'ab.test', kind: 'local' },
  { domain: 'seccampbank.test', kind: 'brand' },
  { domain: 'paypal.com', kind: 'brand' },
]);

test('look-alikes: confusable, Punycode, typo, subdomain, contains, same name (brands)', () => {
  const good: Array<[string, string, string, string]> = [
    ['gmai1.test', 'gmail.test', 'local', 'confusable'],
    ['grnail.test', 'gmail.test', 'local', 'confusable'],
    ['xn--gmil-63d.test', 'gmail.test', 'local', 'confusable'], // gmаil, Cyrillic а
    ['gmial.test', 'gmail.test', 'local', 'typo'],
    ['gmaill.test', 'gmail.test', 'local', 'typo'],
    ['examp1e.test', 'example.test', 'local', 'confusable'],
    ['gmail.test.attacker.test', 'gmail.test', 'local', 'subdomain'],
    ['gmail-security.test', 'gmail.test', 'local', 'contains'],
    ['login.gmail.attacker.test', 'gmail.test', 'local', 'contains'],
    ['seccampbanc.test', 'seccampbank.test', 'brand', 'typo'],
    ['paypa1.co', 'paypal.com', 'brand', 'confusable'], // any suffix for brands
    ['paypal.net', 'paypal.com', 'brand', 'same-name'],
    ['secure-paypal.com', 'paypal.com', 'brand', 'contains'],
  ];
  for (const [name, target, kind, how] of good) {
    const m = lookalike(name, T);
    assert.ok(m, name);
    assert.deepEqual([m.target, m.kind, m.how], [target, kind, how], name);
  }
  assert.equal(lookalike('xn--gmil-63d.test', T)!.punycode, true);
  assert.equal(lookalike('gmial.test', T)!.distance, 1);
});

test('not look-alikes: ours, theirs, unrelated, short labels, other suffixes for local domains', () => {
  const bad = [
    'gmail.test', 'mx.gmail.test', // ours
    'seccampbank.test', 'www.paypal.com', // the brand's own
    'attacker.test', 'icloud.test', 'gmx.test', // unrelated
    'ac.test', 'ab.example', // labels under 4 characters: only an exact skeleton counts
    'example.org', 'gmail.example', // a local domain under another suffix: the organisation's own
    '192.0.2.1', '',
  ];
  for (const name of bad) assert.equal(lookalike(name, T), null, name);
  assert.deepEqual([maxEdits(3), maxEdits(4), maxEdits(8), maxEdits(9)], [0, 1, 1, 2]);
});
