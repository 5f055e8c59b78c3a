// APPEND: RFC 9051 §6.3.12, RFC 3516 §4.4 (literal8), RFC 6855 §4 (UTF8), RFC 7888 (LITERAL+).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertMatch, events, parseBad, parseOk, streamedOctets } from './fixtures.ts';

// RFC 9051 §6.3.12 example message (CRLF lines, 310 octets in the RFC's text; ours counted).
const MSG = [
  'Date: Mon, 7 Feb 1994 21:52:25 -0800 (PST)',
  'From: Fred Foobar <foobar@Blurdybloop.example>',
  'Subject: afternoon meeting',
  'To: mooch@owatagu.siam.edu.example',
  'Message-Id: <B27397-0100000@Blurdybloop.example>',
  'MIME-Version: 1.0',
  'Content-Type: TEXT/PLAIN; CHARSET=US-ASCII',
  '',
  'Hello Joe, do you think we can meet at 3:30 tomorrow?',
  '',
].join('\r\n');
const N = Buffer.byteLength(MSG);

test('RFC 9051 §6.3.12 example: flags and literal; the message octets are streamed, not in the command', () => {
  const input = `A003 APPEND saved-messages (\\Seen) {${N}}\r\n${MSG}\r\n`;
  const c = parseOk(input);
  assertMatch(c, { name: 'APPEND', mailbox: 'saved-messages', flags: ['\\Seen'], date: null, size: N, binary: false, utf8: false }, 'append');
  assert.equal(streamedOctets(events(input)).toString(), MSG);
});

const good: Array<[string, Record<string, unknown>]> = [
  [`a APPEND INBOX {5}\r\nhello`, { flags: [], date: null, size: 5 }],
  [`a APPEND INBOX {5+}\r\nhello`, { size: 5 }], // RFC 7888 non-synchronizing
  [`a APPEND INBOX () {5}\r\nhello`, { flags: [] }],
  [`a APPEND INBOX (\\seen \\DRAFT $Forwarded) {5}\r\nhello`, { flags: ['\\Seen', '\\Draft', '$Forwarded'] }],
  [`a APPEND INBOX "17-Jul-1996 02:44:25 -0700" {5}\r\nhello`, { date: { date: new Date('1996-07-17T09:44:25Z'), offsetMinutes: -420 } }],
  [`a APPEND INBOX (\\Seen) " 7-Feb-1994 21:52:25 -0800" {5}\r\nhello`, { date: { date: new Date('1994-02-08T05:52:25Z'), offsetMinutes: -480 } }],
  [`a APPEND {5}\r\nINBOX {5}\r\nhello`, { mailbox: 'INBOX', size: 5 }], // mailbox as a literal
  [`a APPEND INBOX ~{5}\r\nhe\0lo`, { binary: true, size: 5 }], // RFC 3516 §4.4 literal8
  [`a APPEND INBOX UTF8 (~{5}\r\nhello)`, { utf8: true, binary: true }], // RFC 6855 §4
  [`a APPEND INBOX {0}\r\n\r\n`, { size: 0 }],
];

const bad: Array<[string, string]> = [
  ['a APPEND INBOX', 'message missing'],
  ['a APPEND INBOX hello', 'message must be a literal'],
  ['a APPEND INBOX "hello"', 'message must be a literal, not quoted'],
  ['a APPEND INBOX (\\Recent) {1}\r\nx', '\\Recent cannot be set'],
  ['a APPEND INBOX "32-Jul-1996 02:44:25 -0700" {1}\r\nx', 'invalid day'],
  ['a APPEND INBOX "17-Jul-1996 02:44:25" {1}\r\nx', 'zone missing'],
  ['a APPEND INBOX {3}\r\na\0b', 'RFC 9051 §4.3: NUL needs literal8'],
  ['a APPEND INBOX {1}\r\nx {1}\r\ny', 'MULTIAPPEND not supported'],
  ['a APPEND INBOX UTF8 ({1}\r\nx)', 'RFC 6855: UTF8 needs literal8'],
  ['a APPEND INBOX UTF8 (~{1}\r\nx', 'UTF8 parenthesis not closed'],
];

for (const [input, expected] of good) test(`good: ${JSON.stringify(input)}`, () => assertMatch(parseOk(input), expected, input));
for (const [input, why] of bad) test(`bad: ${JSON.stringify(input)} — ${why}`, () => void parseBad(input));
