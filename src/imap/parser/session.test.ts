// Session commands: RFC 9051 §6.1, §6.2, §6.3.1, §6.3.10, §6.3.13; RFC 2971 ID; RFC 4959 SASL-IR.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertMatch, parseBad, parseOk } from './fixtures.ts';

const good: Array<[string, Record<string, unknown>]> = [
  ['a441 CAPABILITY', { tag: 'a441', name: 'CAPABILITY' }], // RFC 9051 §6.1.1 example
  ['a002 NOOP', { tag: 'a002', name: 'NOOP' }], // §6.1.2
  ['A023 LOGOUT', { tag: 'A023', name: 'LOGOUT' }], // §6.1.3
  ['a001 starttls', { tag: 'a001', name: 'STARTTLS' }], // §6.2.1, command names are case-insensitive
  ['A002 NAMESPACE', { name: 'NAMESPACE' }], // §6.3.10
  ['a002 IDLE', { name: 'IDLE' }], // §6.3.13
  ['FXXZ CHECK', { name: 'CHECK' }], // RFC 3501 §6.4.1
  ['A341 CLOSE', { name: 'CLOSE' }], // §6.4.1
  ['A342 UNSELECT', { name: 'UNSELECT' }], // §6.4.2
  ['A202 EXPUNGE', { name: 'EXPUNGE' }], // §6.4.3
  ['tag]x NOOP', { tag: 'tag]x' }], // tag = 1*<ASTRING-CHAR except "+">, "]" allowed
  // §6.2.2 AUTHENTICATE, RFC 4959 §3 initial response
  ['A001 AUTHENTICATE GSSAPI', { mechanism: 'GSSAPI', initialResponse: null }],
  ['a AUTHENTICATE plain AHVzZXIAcGFzcw==', { mechanism: 'PLAIN', initialResponse: 'AHVzZXIAcGFzcw==' }],
  ['a AUTHENTICATE PLAIN =', { mechanism: 'PLAIN', initialResponse: '' }], // RFC 4959 §7 empty
  ['a AUTHENTICATE SCRAM-SHA-256', { mechanism: 'SCRAM-SHA-256' }],
  // §6.2.3 LOGIN
  ['a001 LOGIN SMITH SESAME', { name: 'LOGIN', username: 'SMITH', password: 'SESAME' }],
  ['a LOGIN "fred foo" "pass\\"word\\\\"', { username: 'fred foo', password: 'pass"word\\' }],
  ['a LOGIN {4}\r\nfred {6}\r\nsecret', { username: 'fred', password: 'secret' }],
  ['a LOGIN {4+}\r\nfred {6+}\r\nsecret', { username: 'fred', password: 'secret' }], // RFC 7888 LITERAL+
  ['a LOGIN "jürgen" "pässword"', { username: 'jürgen', password: 'pässword' }], // RFC 9051 utf8 quoted
  ['a LOGIN user pa]ss', { password: 'pa]ss' }], // ASTRING-CHAR includes "]"
  // RFC 2971 §3.1 ID
  ['a023 ID ("name" "sodr" "version" "19.34" "vendor" "Pink Floyd Music Limited")', {
    params: [['name', 'sodr'], ['version', '19.34'], ['vendor', 'Pink Floyd Music Limited']],
  }],
  ['a ID NIL', { params: null }],
  ['a ID ()', { params: [] }],
  ['a ID ("os" NIL)', { params: [['os', null]] }],
  // RFC 5161 §3.1 / RFC 9051 §6.3.1 ENABLE
  ['t2 ENABLE CONDSTORE X-GOOD-IDEA', { capabilities: ['CONDSTORE', 'X-GOOD-IDEA'] }],
  ['t ENABLE utf8=accept', { capabilities: ['UTF8=ACCEPT'] }],
];

const bad: Array<[string, string]> = [
  ['', 'empty line: no tag'],
  ['a001', 'no command'],
  ['a+1 NOOP', '"+" is not allowed in a tag'],
  ['a(1 NOOP', '"(" is not allowed in a tag'],
  ['a001 FOOBAR', 'unknown command'],
  ['a001  NOOP', 'two spaces'],
  ['a001 NOOP extra', 'NOOP takes no arguments'],
  ['a001 CAPABILITY ', 'trailing space'],
  ['a AUTHENTICATE', 'mechanism missing'],
  ['a AUTHENTICATE PLAIN !!!', 'initial response not base64'],
  ['a AUTHENTICATE PLAIN abc', 'base64 length not a multiple of 4'],
  ['a LOGIN fred', 'password missing'],
  ['a LOGIN fred pass extra', 'too many arguments'],
  ['a LOGIN "fred pass', 'unterminated quoted string'],
  ['a LOGIN "fr\\ed" x', 'only \\" and \\\\ may be escaped (RFC 9051 §9 QUOTED-CHAR)'],
  ['a LOGIN fred (pass)', '"(" cannot start an astring'],
  ['a LOGIN {3}\r\nf\0d x', 'NUL in a plain literal'],
  ['a ID', 'ID needs a list or NIL'],
  ['a ID ("name")', 'field without value'],
  ['a ID ("012345678901234567890123456789x" "v")', 'RFC 2971 §3.3: field longer than 30 octets'],
  ['a ENABLE', 'ENABLE needs at least one capability'],
  ['a ENABLE (CONDSTORE)', 'capabilities are atoms'],
];

for (const [input, expected] of good) test(`good: ${JSON.stringify(input)}`, () => assertMatch(parseOk(input), expected, input));
for (const [input, why] of bad) test(`bad: ${JSON.stringify(input)} — ${why}`, () => void parseBad(input));

test('bad command keeps its tag; untagged when no tag could be read', () => {
  assert.equal(parseBad('a001 FOOBAR').tag, 'a001');
  assert.equal(parseBad('a001 FOOBAR').reason, 'Unknown command FOOBAR');
  assert.equal(parseBad('(bad').tag, undefined);
});

test('RFC 2971: more than 30 ID pairs is refused', () => {
  const pairs = Array.from({ length: 31 }, (_, i) => `"f${i}" "v"`).join(' ');
  parseBad(`a ID (${pairs})`);
});
