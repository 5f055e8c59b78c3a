// SEARCH: RFC 9051 §6.4.4, RFC 3501 §6.4.4, RFC 4731 §3.1, RFC 5182, RFC 7162 §3.1.5, RFC 5032.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertMatch, parseBad, parseOk } from './fixtures.ts';
import type { SearchKey } from './types.ts';

const set = (...ranges: Array<[number | '*', number | '*']>) => ({ kind: 'set', ranges: ranges.map(([from, to]) => ({ from, to })) });
const flagged: SearchKey = { type: 'flag', flag: '\\Flagged', set: true };
const since1994: SearchKey = { type: 'date', field: 'internal', op: 'since', date: { year: 1994, month: 2, day: 1 } };
const notSmith: SearchKey = { type: 'not', key: { type: 'header', field: 'From', value: 'Smith' } };

const good: Array<[string, Record<string, unknown>]> = [
  // RFC 9051 §6.4.4 examples
  ['A282 SEARCH RETURN (MIN COUNT) FLAGGED SINCE 1-Feb-1994 NOT FROM "Smith"', {
    name: 'SEARCH', uid: false, charset: null, returns: ['MIN', 'COUNT'], criteria: { type: 'and', keys: [flagged, since1994, notSmith] },
  }],
  ['A283 SEARCH RETURN () FLAGGED SINCE 1-Feb-1994 NOT FROM "Smith"', { returns: [] }],
  ['A284 SEARCH TEXT "string not in mailbox"', { returns: null, criteria: { type: 'text', value: 'string not in mailbox' } }],
  ['A285 SEARCH CHARSET UTF-8 TEXT {12}\r\nОтпуск', { charset: 'UTF-8', criteria: { type: 'text', value: 'Отпуск' } }],
  ['A286 SEARCH CHARSET US-ASCII TEXT "abc"', { charset: 'US-ASCII' }],
  ['A282 SEARCH FLAGGED SINCE 1-Feb-1994 NOT FROM "Smith"', { criteria: { type: 'and', keys: [flagged, since1994, notSmith] } }], // RFC 3501
  // every key
  ['a SEARCH ALL', { criteria: { type: 'all' } }],
  ['a SEARCH answered deleted draft seen', { criteria: { type: 'and', keys: ['\\Answered', '\\Deleted', '\\Draft', '\\Seen'].map((flag) => ({ type: 'flag', flag, set: true })) } }],
  ['a SEARCH UNANSWERED UNDELETED UNDRAFT UNFLAGGED UNSEEN', { criteria: { type: 'and', keys: ['\\Answered', '\\Deleted', '\\Draft', '\\Flagged', '\\Seen'].map((flag) => ({ type: 'flag', flag, set: false })) } }],
  ['a SEARCH KEYWORD $Forwarded UNKEYWORD Junk', { criteria: { type: 'and', keys: [{ type: 'flag', flag: '$Forwarded', set: true }, { type: 'flag', flag: 'Junk', set: false }] } }],
  ['a SEARCH NEW OLD RECENT', { criteria: { type: 'and', keys: [{ type: 'new' }, { type: 'old' }, { type: 'recent' }] } }],
  ['a SEARCH TO x CC y BCC z SUBJECT "hello world"', { criteria: { type: 'and', keys: [['To', 'x'], ['Cc', 'y'], ['Bcc', 'z'], ['Subject', 'hello world']].map(([field, value]) => ({ type: 'header', field, value })) } }],
  ['a SEARCH HEADER X-Spam-Flag YES', { criteria: { type: 'header', field: 'X-Spam-Flag', value: 'YES' } }],
  ['a SEARCH HEADER "Message-ID" ""', { criteria: { type: 'header', field: 'Message-ID', value: '' } }],
  ['a SEARCH BODY hello', { criteria: { type: 'body', value: 'hello' } }],
  ['a SEARCH BEFORE "1-Feb-1994"', { criteria: { type: 'date', field: 'internal', op: 'before', date: { year: 1994, month: 2, day: 1 } } }],
  ['a SEARCH ON 29-feb-2024', { criteria: { type: 'date', field: 'internal', op: 'on', date: { year: 2024, month: 2, day: 29 } } }],
  ['a SEARCH SENTBEFORE 01-Jan-2000 SENTON 2-Jan-2000 SENTSINCE 3-Jan-2000', { criteria: { type: 'and', keys: [
    { type: 'date', field: 'sent', op: 'before', date: { year: 2000, month: 1, day: 1 } },
    { type: 'date', field: 'sent', op: 'on', date: { year: 2000, month: 1, day: 2 } },
    { type: 'date', field: 'sent', op: 'since', date: { year: 2000, month: 1, day: 3 } },
  ] } }],
  ['a SEARCH LARGER 1000 SMALLER 5000000000', { criteria: { type: 'and', keys: [{ type: 'size', op: 'larger', size: 1000 }, { type: 'size', op: 'smaller', size: 5000000000 }] } }], // number64 in rev2
  ['a SEARCH UID 1:5,7', { criteria: { type: 'uid', set: set([1, 5], [7, 7]) } }],
  ['a SEARCH 1:* 2', { criteria: { type: 'and', keys: [{ type: 'seq', set: set([1, '*']) }, { type: 'seq', set: set([2, 2]) }] } }],
  ['a SEARCH $', { criteria: { type: 'seq', set: { kind: 'saved' } } }], // RFC 5182 §2.1
  ['a UID SEARCH UID $', { uid: true, criteria: { type: 'uid', set: { kind: 'saved' } } }],
  ['A301 SEARCH OR SEEN (FLAGGED DELETED)', { criteria: { type: 'or', left: { type: 'flag', flag: '\\Seen', set: true }, right: { type: 'and', keys: [flagged, { type: 'flag', flag: '\\Deleted', set: true }] } } }],
  ['a SEARCH NOT NOT SEEN', { criteria: { type: 'not', key: { type: 'not', key: { type: 'flag', flag: '\\Seen', set: true } } } }],
  ['a SEARCH ((SEEN))', { criteria: { type: 'flag', flag: '\\Seen', set: true } }],
  ['A282 SEARCH RETURN (SAVE) FLAGGED', { returns: ['SAVE'] }], // RFC 5182 §2.4
  ['a SEARCH RETURN (MIN MAX COUNT ALL SAVE) ALL', { returns: ['MIN', 'MAX', 'COUNT', 'ALL', 'SAVE'] }],
  ['a SEARCH MODSEQ 620162338', { criteria: { type: 'modseq', modseq: 620162338n, entry: null } }], // RFC 7162 §3.1.5
  ['a SEARCH MODSEQ "/flags/\\\\draft" all 620162338', { criteria: { type: 'modseq', modseq: 620162338n, entry: { flag: '\\draft', kind: 'all' } } }],
  ['t SEARCH OR NOT MODSEQ 720162338 LARGER 50000', { criteria: { type: 'or', left: { type: 'not', key: { type: 'modseq', modseq: 720162338n, entry: null } }, right: { type: 'size', op: 'larger', size: 50000 } } }],
  ['a SEARCH YOUNGER 3600 OLDER 60', { criteria: { type: 'and', keys: [{ type: 'age', op: 'younger', seconds: 3600 }, { type: 'age', op: 'older', seconds: 60 }] } }], // RFC 5032
  ['a UID SEARCH RETURN (COUNT) CHARSET UTF-8 SUBJECT {4+}\r\nt\u00e9t', { uid: true, returns: ['COUNT'], charset: 'UTF-8', criteria: { type: 'header', field: 'Subject', value: 'tét' } }],
];

const bad: Array<[string, string]> = [
  ['a SEARCH', 'no search key'],
  ['a SEARCH FOO', 'unknown key'],
  ['a SEARCH FROM', 'FROM needs a string'],
  ['a SEARCH SINCE 31-Feb-2024', 'no such date'],
  ['a SEARCH SINCE 1-Foo-2024', 'bad month'],
  ['a SEARCH SINCE 1994-02-01', 'ISO dates are not IMAP dates'],
  ['a SEARCH OR SEEN', 'OR needs two keys'],
  ['a SEARCH NOT', 'NOT needs a key'],
  ['a SEARCH (SEEN', 'unclosed parenthesis'],
  ['a SEARCH ()', 'empty group'],
  ['a SEARCH LARGER x', 'LARGER needs a number'],
  ['a SEARCH UID', 'UID needs a set'],
  ['a SEARCH 0', 'sequence numbers are non-zero'],
  ['a SEARCH 1,$', 'RFC 5182: "$" only on its own'],
  ['a SEARCH RETURN (FOO) ALL', 'RFC 4731: unknown return option'],
  ['a SEARCH RETURN ALL', 'RETURN needs a list'],
  ['a SEARCH CHARSET UTF-8', 'CHARSET without keys'],
  ['a SEARCH KEYWORD \\Seen', 'KEYWORD takes a keyword, not a system flag'],
  ['a SEARCH MODSEQ "/foo/x" all 5', 'entry name must be /flags/...'],
  ['a SEARCH MODSEQ "/flags/x" any 5', 'entry type must be priv/shared/all'],
  ['a SEARCH ALL  SEEN', 'double space'],
  ['a UID EXPUNGE', 'UID EXPUNGE needs a set'],
  ['a UID NOOP', 'NOOP cannot follow UID'],
];

for (const [input, expected] of good) test(`good: ${JSON.stringify(input)}`, () => assertMatch(parseOk(input), expected, input));
for (const [input, why] of bad) test(`bad: ${JSON.stringify(input)} — ${why}`, () => void parseBad(input));

test('nesting is bounded (no stack exhaustion)', () => {
  assert.match(parseBad(`a SEARCH ${'NOT '.repeat(500)}SEEN`).reason, /nested too deeply/);
  assert.match(parseBad(`a SEARCH ${'('.repeat(500)}SEEN${')'.repeat(500)}`).reason, /nested too deeply/);
  parseOk(`a SEARCH ${'NOT '.repeat(50)}SEEN`);
});
