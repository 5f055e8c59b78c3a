// Mailbox commands: RFC 9051 §6.3.2-§6.3.8, §6.3.11; RFC 7162 §3.1.8/§3.2.5; RFC 6154 §3.
import { test } from 'node:test';
import { assertMatch, parseBad, parseOk } from './fixtures.ts';

const set = (...ranges: Array<[number | '*', number | '*']>) => ({ kind: 'set', ranges: ranges.map(([from, to]) => ({ from, to })) });

const good: Array<[string, Record<string, unknown>]> = [
  ['A142 SELECT INBOX', { name: 'SELECT', mailbox: 'INBOX', condstore: false, qresync: null }], // §6.3.2
  ['A142 SELECT inbox', { mailbox: 'INBOX' }], // §5.1: INBOX is case-insensitive
  ['A142 SELECT "InBox"', { mailbox: 'INBOX' }],
  ['A142 SELECT INBOX/Sub', { mailbox: 'INBOX/Sub' }],
  ['A932 EXAMINE blurdybloop', { name: 'EXAMINE', mailbox: 'blurdybloop' }], // §6.3.3
  ['a SELECT "~peter/mail/&U,BTFw-/&ZeVnLIqe-"', { mailbox: '~peter/mail/&U,BTFw-/&ZeVnLIqe-' }], // RFC 3501 §5.1.3 (raw)
  ['a SELECT "日本語"', { mailbox: '日本語' }], // RFC 6855 UTF8=ACCEPT quoted
  ['a SELECT {4}\r\nfo o', { mailbox: 'fo o' }],
  ['a SELECT INBOX (CONDSTORE)', { condstore: true }], // RFC 7162 §3.1.8
  // RFC 7162 §3.2.5.2 example
  ['A02 SELECT INBOX (QRESYNC (67890007 20050715194045000 41,43:211,214:541))', {
    qresync: { uidValidity: 67890007, modseq: 20050715194045000n, knownUids: set([41, 41], [43, 211], [214, 541]), seqMatch: null },
  }],
  ['B04 SELECT INBOX (QRESYNC (67890007 90060115194045000 1:29997 (5000,7500,9000,9990:9999 15000,22500,27000,29970,29973,29976,29979,29982,29985,29988,29991,29994,29997)))', {
    qresync: {
      uidValidity: 67890007,
      modseq: 90060115194045000n,
      knownUids: set([1, 29997]),
      seqMatch: {
        seqs: set([5000, 5000], [7500, 7500], [9000, 9000], [9990, 9999]),
        uids: set(...[15000, 22500, 27000, 29970, 29973, 29976, 29979, 29982, 29985, 29988, 29991, 29994, 29997].map((n) => [n, n] as [number, number])),
      },
    },
  }],
  ['a SELECT INBOX (QRESYNC (1 2))', { qresync: { uidValidity: 1, modseq: 2n, knownUids: null, seqMatch: null } }],
  ['a SELECT INBOX (QRESYNC (1 2 (1:3 10:12)))', { qresync: { uidValidity: 1, modseq: 2n, knownUids: null, seqMatch: { seqs: set([1, 3]), uids: set([10, 12]) } } }],
  ['a EXAMINE INBOX (CONDSTORE QRESYNC (1 2))', { condstore: true }],
  ['A003 CREATE owatagusiam/', { name: 'CREATE', mailbox: 'owatagusiam/', specialUse: [] }], // §6.3.4
  ['t3 CREATE MySpecial (USE (\\Drafts \\Sent))', { specialUse: ['\\Drafts', '\\Sent'] }], // RFC 6154 §5.2
  ['t3 CREATE x (USE (\\junk))', { specialUse: ['\\Junk'] }],
  ['A682 DELETE blurdybloop', { name: 'DELETE', mailbox: 'blurdybloop' }], // §6.3.5
  ['A682 RENAME blurdybloop sarasoop', { name: 'RENAME', from: 'blurdybloop', to: 'sarasoop' }], // §6.3.6
  ['Z432 RENAME INBOX old-mail', { from: 'INBOX', to: 'old-mail' }],
  ['A002 SUBSCRIBE #news.comp.mail.mime', { name: 'SUBSCRIBE', mailbox: '#news.comp.mail.mime' }], // §6.3.7
  ['A002 UNSUBSCRIBE #news.comp.mail.mime', { name: 'UNSUBSCRIBE' }], // §6.3.8
  ['A042 STATUS blurdybloop (UIDNEXT MESSAGES)', { name: 'STATUS', mailbox: 'blurdybloop', items: ['UIDNEXT', 'MESSAGES'] }], // §6.3.11
  ['a STATUS INBOX (messages unseen deleted size uidvalidity recent highestmodseq appendlimit mailboxid)', {
    items: ['MESSAGES', 'UNSEEN', 'DELETED', 'SIZE', 'UIDVALIDITY', 'RECENT', 'HIGHESTMODSEQ', 'APPENDLIMIT', 'MAILBOXID'],
  }],
];

const bad: Array<[string, string]> = [
  ['a SELECT', 'mailbox missing'],
  ['a SELECT INBOX extra', 'trailing argument is not a parameter list'],
  ['a SELECT INBOX ()', 'empty parameter list (select-params needs one)'],
  ['a SELECT INBOX (FOO)', 'unknown select parameter'],
  ['a SELECT INBOX (CONDSTORE CONDSTORE)', 'repeated parameter'],
  ['a SELECT INBOX (QRESYNC (0 2))', 'uidvalidity is nz-number'],
  ['a SELECT INBOX (QRESYNC (1))', 'mod-sequence missing'],
  ['a SELECT INBOX (QRESYNC (1 2 $))', '"$" is not a known-uids set'],
  ['a SELECT INBOX (QRESYNC (1 2 1:5 ))', 'trailing space inside QRESYNC'],
  ['a SELECT foo%', '"%" is not an ASTRING-CHAR'],
  ['a SELECT fo*o', '"*" is not an ASTRING-CHAR'],
  ['a CREATE x (USE (Drafts))', 'use-attr needs a backslash'],
  ['a CREATE x (FOO (\\Drafts))', 'unknown create parameter'],
  ['a RENAME onlyone', 'second mailbox missing'],
  ['a STATUS INBOX', 'status items missing'],
  ['a STATUS INBOX ()', 'status items list must not be empty'],
  ['a STATUS INBOX (MESSAGES BOGUS)', 'unknown status item'],
  ['a STATUS INBOX MESSAGES', 'status items must be parenthesised'],
];

for (const [input, expected] of good) test(`good: ${JSON.stringify(input)}`, () => assertMatch(parseOk(input), expected, input));
for (const [input, why] of bad) test(`bad: ${JSON.stringify(input)} — ${why}`, () => void parseBad(input));
