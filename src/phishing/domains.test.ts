// Domain parts (Public Suffix List via tldts, Punycode decoding) and names found in free text.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { domainParts, findNames, normalizeDomain, registrableDomain } from './domains.ts';

test('domainParts: registrable domain, label, suffix, subdomain, Punycode', () => {
  assert.deepEqual(domainParts('MX.Gmail.Test.'), { host: 'mx.gmail.test', registrable: 'gmail.test', label: 'gmail', suffix: 'test', sub: 'mx', punycode: false });
  assert.deepEqual(domainParts('a.b.example.co.uk'), { host: 'a.b.example.co.uk', registrable: 'example.co.uk', label: 'example', suffix: 'co.uk', sub: 'a.b', punycode: false });
  const p = domainParts('xn--exmple-4nf.test')!;
  assert.equal(p.host, 'exаmple.test');
  assert.equal(p.punycode, true);
  assert.equal(domainParts('192.0.2.1'), null);
  assert.equal(domainParts('test'), null, 'a bare suffix');
  assert.equal(domainParts(''), null);
  assert.equal(normalizeDomain('[192.0.2.1]'), '');
  assert.equal(registrableDomain('www.seccampbank.test'), 'seccampbank.test');
});

test('findNames: addresses and domains in display names and link texts', () => {
  const good: Array<[string, Array<[string, string, string]>]> = [
    ['paypal.com Support', [['domain', 'paypal.com', 'paypal.com']]],
    ['service@paypal.com', [['address', 'service@paypal.com', 'paypal.com']]],
    ['Alice (alice@gmail.test)', [['address', 'alice@gmail.test', 'gmail.test']]],
    ['https://www.Bank.test/login', [['domain', 'www.Bank.test', 'www.bank.test']]],
    ['ｐａｙｐａｌ．ｃｏｍ', [['domain', 'paypal.com', 'paypal.com']]], // NFKC
  ];
  for (const [text, want] of good) assert.deepEqual(findNames(text).map((f) => [f.kind, f.text, f.domain]), want, text);
  const none = ['Mr.Smith', 'v1.2 release', 'Seccamp Bank', 'foo@bar', 'click here', 'e.g. this'];
  for (const text of none) assert.deepEqual(findNames(text), [], `${text}: not a known suffix`);
});

test('findNames is bounded', () => {
  const many = Array.from({ length: 100 }, (_, i) => `d${i}.test`).join(' ');
  assert.ok(findNames(many).length <= 16);
  const t = Date.now();
  findNames(`${'a.'.repeat(50_000)}x`);
  findNames('a'.repeat(100_000) + '@' + 'b.'.repeat(1000));
  assert.ok(Date.now() - t < 1000, 'no catastrophic backtracking');
});
