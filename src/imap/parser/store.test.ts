// STORE, COPY, MOVE, UID EXPUNGE: RFC 9051 §6.4.6-§6.4.9, RFC 7162 §3.1.3, RFC 6851, RFC 4315 §2.1.
import { test } from 'node:test';
import { assertMatch, parseBad, parseOk } from './fixtures.ts';

const set = (...ranges: Array<[number | '*', number | '*']>) => ({ kind: 'set', ranges: ranges.map(([from, to]) => ({ from, to })) });

const good: Array<[string, Record<string, unknown>]> = [
  ['A003 STORE 2:4 +FLAGS (\\Deleted)', { name: 'STORE', uid: false, set: set([2, 4]), action: 'add', silent: false, flags: ['\\Deleted'], unchangedSince: null }], // §6.4.6
  ['a STORE 1 -FLAGS.SILENT (\\Seen $Junk)', { action: 'remove', silent: true, flags: ['\\Seen', '$Junk'] }],
  ['a STORE 1 FLAGS ()', { action: 'replace', flags: [] }],
  ['a STORE 1 flags \\seen \\flagged', { flags: ['\\Seen', '\\Flagged'] }], // flag *(SP flag) without parentheses
  ['a STORE 1 +FLAGS \\Answered', { flags: ['\\Answered'] }],
  ['d105 STORE 7,5,9 (UNCHANGEDSINCE 320162338) +FLAGS.SILENT (\\Deleted)', { set: set([7, 7], [5, 5], [9, 9]), unchangedSince: 320162338n, silent: true }], // RFC 7162 §3.1.3
  ['a UID STORE 100:* +FLAGS (foo)', { uid: true, set: set([100, '*']) }],
  ['a STORE $ +FLAGS (\\Seen)', { set: { kind: 'saved' } }],
  ['A003 COPY 2:4 MEETING', { name: 'COPY', uid: false, set: set([2, 4]), mailbox: 'MEETING' }], // §6.4.7
  ['a UID COPY 1:* "Sent Items"', { uid: true, mailbox: 'Sent Items' }],
  ['a MOVE 1 inbox', { name: 'MOVE', mailbox: 'INBOX' }], // §6.4.8
  ['a UID MOVE 42:69 foo', { name: 'MOVE', uid: true, set: set([42, 69]) }], // RFC 6851 §4.3
  ['A003 UID EXPUNGE 3000:3002', { name: 'UID EXPUNGE', set: set([3000, 3002]) }], // RFC 4315 §2.1
];

const bad: Array<[string, string]> = [
  ['a STORE 1 FLAGS', 'flags missing'],
  ['a STORE 1 +FLAGS (\\Recent)', '\\Recent cannot be stored'],
  ['a STORE 1 *FLAGS (\\Seen)', 'bad action prefix'],
  ['a STORE 1 +FLAGS.LOUD (\\Seen)', 'unknown suffix'],
  ['a STORE 1 (UNCHANGEDSINCE) +FLAGS (x)', 'UNCHANGEDSINCE needs a value'],
  ['a STORE 1 (FOO 1) +FLAGS (x)', 'unknown store modifier'],
  ['a STORE 1 +FLAGS (\\Seen', 'unclosed flag list'],
  ['a STORE 1 +FLAGS ((\\Seen))', 'nested flag list'],
  ['a COPY 1', 'mailbox missing'],
  ['a COPY INBOX 1', 'set first'],
  ['a MOVE 1 a b', 'one mailbox'],
  ['a EXPUNGE 1:2', 'plain EXPUNGE takes no set'],
  ['a UID EXPUNGE 1:2 3', 'one set only'],
];

for (const [input, expected] of good) test(`good: ${JSON.stringify(input)}`, () => assertMatch(parseOk(input), expected, input));
for (const [input, why] of bad) test(`bad: ${JSON.stringify(input)} — ${why}`, () => void parseBad(input));
