// HTML links (links.ts): anchors with their visible text, and link-mismatch.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { extractLinks, httpHost, linkSignals, MAX_LINKS } from './links.ts';

test('extractLinks: text with nested tags, entities decoded, unclosed anchors, no href', () => {
  const html = '<p><A HREF="http://attacker.test/x"><b>www.bank</b>.test</A> <a name=x>anchor</a> <a href=\'https://a.test\'>&#112;aypal.com<a href="http://b.test">next';
  assert.deepEqual(extractLinks(html), [
    { href: 'http://attacker.test/x', text: 'www.bank.test' },
    { href: 'https://a.test', text: 'paypal.com' },
    { href: 'http://b.test', text: 'next' },
  ]);
});

test('link-mismatch: shown domain differs from the href\'s registrable domain', () => {
  const sig = (text: string, href: string) => linkSignals([{ text, href }]);
  assert.deepEqual(sig('www.seccampbank.test', 'http://attacker.test/login'), [{ kind: 'link-mismatch', shown: 'www.seccampbank.test', href: 'attacker.test' }]);
  assert.deepEqual(sig('https://bank.test/login', 'http://192.0.2.7/login'), [{ kind: 'link-mismatch', shown: 'bank.test', href: '192.0.2.7' }]);
  assert.deepEqual(sig('support@bank.test', 'https://evil.test/'), [{ kind: 'link-mismatch', shown: 'support@bank.test', href: 'evil.test' }]);
  // negatives: same registrable domain, no domain shown, not http(s), the same pair twice
  assert.deepEqual(sig('bank.test', 'https://www.bank.test/a'), []);
  assert.deepEqual(sig('click here', 'http://attacker.test/'), []);
  assert.deepEqual(sig('bank.test', 'mailto:x@evil.test'), []);
  assert.equal(linkSignals([{ text: 'a.test', href: 'http://b.test/1' }, { text: 'a.test', href: 'http://b.test/2' }]).length, 1);
});

test('httpHost and bounds', () => {
  assert.equal(httpHost('HTTPS://WWW.Example.TEST:8443/x'), 'www.example.test');
  assert.equal(httpHost('javascript:alert(1)'), null);
  assert.equal(httpHost('not a url'), null);
  const many = '<a href="http://x.test">y.test</a>'.repeat(MAX_LINKS * 3);
  assert.equal(extractLinks(many).length, MAX_LINKS);
  const t = Date.now();
  extractLinks(`<a href="${'x'.repeat(1_000_000)}">${'<b>'.repeat(100_000)}`);
  assert.ok(Date.now() - t < 2000);
});
