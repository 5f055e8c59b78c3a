// LIST / LSUB: RFC 9051 §6.3.9, RFC 5258 §3/§5, RFC 5819 §2, RFC 6154 §5.3, RFC 3501 §6.3.9.
import { test } from 'node:test';
import { assertMatch, parseBad, parseOk } from './fixtures.ts';

const noSel = { subscribed: false, remote: false, recursiveMatch: false, specialUse: false };
const noRet = { subscribed: false, children: false, specialUse: false, status: null };

const good: Array<[string, Record<string, unknown>]> = [
  ['A101 LIST "" ""', { name: 'LIST', reference: '', patterns: [''], selection: noSel, returns: noRet, extended: false }], // §6.3.9
  ['A102 LIST #news.comp.mail.misc ""', { reference: '#news.comp.mail.misc', patterns: [''] }],
  ['A103 LIST /usr/staff/jones ""', { reference: '/usr/staff/jones' }],
  ['A202 LIST ~/Mail/ %', { reference: '~/Mail/', patterns: ['%'] }],
  ['a LIST "" *', { patterns: ['*'] }],
  ['a LIST "" INBOX.]*%', { patterns: ['INBOX.]*%'] }], // list-char includes "]" and wildcards
  ['A02 LIST (SUBSCRIBED) "" "*"', { selection: { ...noSel, subscribed: true }, extended: true }], // RFC 5258 §5 ex.3
  ['A03 LIST () "" "%" RETURN (CHILDREN)', { selection: noSel, returns: { ...noRet, children: true }, extended: true }], // ex.4
  ['A04 LIST (REMOTE) "" "%" RETURN (CHILDREN)', { selection: { ...noSel, remote: true } }], // ex.5
  ['A05 LIST (REMOTE SUBSCRIBED) "/" "*"', { reference: '/', selection: { ...noSel, remote: true, subscribed: true } }], // ex.6
  ['A06 LIST (SUBSCRIBED RECURSIVEMATCH) "" "%" RETURN (CHILDREN)', { selection: { ...noSel, subscribed: true, recursiveMatch: true } }], // ex.8
  ['C04 LIST () "" ("INBOX" "Drafts" "Sent/%")', { patterns: ['INBOX', 'Drafts', 'Sent/%'], extended: true }], // RFC 5258 ex.11 style
  ['A01 LIST "" % RETURN (STATUS (MESSAGES UNSEEN))', { returns: { ...noRet, status: ['MESSAGES', 'UNSEEN'] } }], // RFC 5819 §2
  ['t1 LIST (SPECIAL-USE) "" "*"', { selection: { ...noSel, specialUse: true } }], // RFC 6154 §5.3
  ['t2 LIST "" "%" RETURN (SPECIAL-USE STATUS (MESSAGES))', { returns: { ...noRet, specialUse: true, status: ['MESSAGES'] } }],
  ['a LIST "" % RETURN ()', { returns: noRet, extended: true }],
  ['a LIST "" % return (subscribed)', { returns: { ...noRet, subscribed: true } }],
  ['A002 LSUB "#news." "comp.mail.*"', { name: 'LSUB', reference: '#news.', pattern: 'comp.mail.*' }], // RFC 3501 §6.3.9
];

const bad: Array<[string, string]> = [
  ['a LIST ""', 'pattern missing'],
  ['a LIST (FOO) "" *', 'RFC 5258 §3: unknown selection option is BAD'],
  ['a LIST (RECURSIVEMATCH) "" *', 'RFC 5258 §3: RECURSIVEMATCH alone'],
  ['a LIST (REMOTE RECURSIVEMATCH) "" *', 'RFC 5258 §3: RECURSIVEMATCH with only REMOTE'],
  ['a LIST "" % RETURN (FOO)', 'unknown return option'],
  ['a LIST "" % RETURN CHILDREN', 'return options need parentheses'],
  ['a LIST "" % (CHILDREN)', 'RETURN keyword missing'],
  ['a LIST "" () ', 'empty pattern list'],
  ['a LIST "" % RETURN (STATUS ())', 'STATUS needs items'],
  ['a LIST "" % RETURN (STATUS (MESSAGES) STATUS (UNSEEN))', 'STATUS twice'],
  ['a LSUB ""', 'LSUB pattern missing'],
];

for (const [input, expected] of good) test(`good: ${JSON.stringify(input)}`, () => assertMatch(parseOk(input), expected, input));
for (const [input, why] of bad) test(`bad: ${JSON.stringify(input)} — ${why}`, () => void parseBad(input));
