// Shapes of identifiers and dates (header-tokens.ts): letters, digits and hex runs become classes,
// punctuation stays; no letters pass through (so no name or host does).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dateShape, shape } from './header-tokens.ts';

/** [input, shape] */
const shapes: Array<[string, string]> = [
  ['----=_NextPart_000_004E_01C2580D.1BC61260', '----=_a_9_h_h.h'], // Outlook Express boundary
  ['005101c257df$0343be50$a800a8c0', 'h$h$h'], // Outlook Message-ID left part
  ['1234.5678.JavaMail.root', '9.9.a.a'], // JavaMail
  ['Q68bSM7Ycu6FN28Q', 'x'], // random mixed letters and digits (mutt)
  ['deadbeef', 'a'], // hex letters without a digit are letters
  ['a-9-qqqqqqqqqq-lg#taint', 'a-9-a-a#a'], // the corpus's obfuscation strings do not survive
  ['\u0001\u00e9x', '??a'], // controls and non-ASCII become "?"
  ['', ''],
];
for (const [input, expected] of shapes) test(`shape ${JSON.stringify(input)}`, () => assert.equal(shape(input), expected));

test('shape: capped at 40 characters', () => {
  assert.equal(shape('a.'.repeat(100)).length, 40);
});

/** [Date field value, shape] (RFC 5322 §3.3 date-time, and what bulk mailers write instead) */
const dates: Array<[string, string]> = [
  ['Mon, 9 Sep 2002 14:28:04 +0530', 'a, 9 a 9999 99:99:99 +9999'],
  ['Thu, 22 Aug 2002 12:36:23 -0700 (PDT)', 'a, 99 a 9999 99:99:99 -9999 (a)'],
  ['22 Aug 2002 12:36 GMT', '99 a 9999 99:99 a'], // no weekday, no seconds, a zone name (§4.3 obsolete zone)
  ['Thu,  22  Aug  02  12:36:23', 'a, 99 a 99 99:99:99'], // runs of spaces are one; two-digit year
];
for (const [input, expected] of dates) test(`dateShape ${JSON.stringify(input)}`, () => assert.equal(dateShape(input), expected));
