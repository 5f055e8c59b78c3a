// htmlToText: HTML mail shown as text, links with their real targets, nothing executable kept.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { htmlToText } from './html-text.ts';

const cases: Array<[string, string, string]> = [
  ['<p>Hello <b>Alice</b></p><p>Bye</p>', 'Hello Alice\n\nBye', 'blocks become line breaks'],
  ['<a href="https://attacker.test/login">www.bank.test</a>', 'www.bank.test [-> https://attacker.test/login]', 'a link shows its real target'],
  ['<a href="https://a.test/">https://a.test/</a>', 'https://a.test/', 'no repetition when text is the target'],
  ['x<script>alert(1)</script><style>p{}</style>y', 'xy', 'script and style content dropped'],
  ['<img src="https://tracker.test/p.gif" alt="logo">', '[image: logo]', 'images as alt text, never fetched'],
  ['&lt;script&gt; &amp; &#112;aypal', '<script> & paypal', 'character references decoded (the caller escapes)'],
  ['<ul><li>one</li><li>two</li></ul>', '* one\n* two', 'lists'],
  ['<head><title>t</title></head><body>b</body>', 'b', 'head dropped'],
];
for (const [input, want, why] of cases) test(`htmlToText: ${why}`, () => assert.equal(htmlToText(input), want));

test('htmlToText is bounded', () => {
  assert.ok(htmlToText('<p>abc</p>'.repeat(100_000), 1000).length <= 1000);
});
