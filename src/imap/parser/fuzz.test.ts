// Property test for the command grammar (RFC 9051 §9): mutated commands never throw and never
// hit an internal error (code SERVERBUG); every BAD keeps the tag when the tag survived.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { events } from './fixtures.ts';

const CORPUS = [
  'A654 FETCH 2:4 (FLAGS BODY.PEEK[1.2.HEADER.FIELDS (DATE FROM)]<0.100> BINARY[1] MODSEQ) (CHANGEDSINCE 5)',
  'A282 UID SEARCH RETURN (MIN COUNT SAVE) CHARSET UTF-8 OR (FLAGGED SINCE 1-Feb-1994) NOT FROM "Smith" MODSEQ "/flags/\\\\draft" all 5 UID 1:*',
  'd105 UID STORE 7,5,9 (UNCHANGEDSINCE 320162338) +FLAGS.SILENT (\\Deleted $Junk)',
  'A02 SELECT INBOX (QRESYNC (67890007 90060115194045000 1:29997 (5000,7500 15000,22500)))',
  'A05 LIST (REMOTE SUBSCRIBED) "/" ("*" %) RETURN (CHILDREN SPECIAL-USE STATUS (MESSAGES UNSEEN))',
  'a APPEND INBOX (\\Seen) "17-Jul-1996 02:44:25 -0700" {5}\r\nhello',
  'a023 ID ("name" "sodr" "version" NIL)',
  't3 CREATE MySpecial (USE (\\Drafts \\Sent))',
  'a AUTHENTICATE PLAIN AHVzZXIAcGFzcw==',
  'a LOGIN {4+}\r\nfred "pa\\"ss"',
  'a UID MOVE 42:69 "Sent Items"',
  'A042 STATUS blurdybloop (UIDNEXT MESSAGES HIGHESTMODSEQ)',
];
const ALPHABET = ' ()[]<>{}~+*%$"\\:,.-0123456789ABCXYZabc\r\0\u00e9';

test('mutated commands never cause internal errors', () => {
  let seed = 4242;
  const rand = (n: number) => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) % n;
  let bads = 0;
  for (let round = 0; round < 3000; round++) {
    let s = CORPUS[rand(CORPUS.length)]!;
    for (let m = rand(4) + 1; m > 0; m--) {
      const at = rand(s.length + 1);
      const op = rand(3);
      const ch = ALPHABET[rand(ALPHABET.length)]!;
      if (op === 0) s = s.slice(0, at) + s.slice(at + 1);
      else if (op === 1) s = s.slice(0, at) + ch + s.slice(at);
      else s = s.slice(0, at) + ch + s.slice(at + 1);
    }
    const evs = events(s, { limits: { maxLiteralSize: 1000 } });
    for (const ev of evs) {
      if (ev.kind !== 'bad') continue;
      bads++;
      assert.notEqual(ev.error.code, 'SERVERBUG', `internal error for ${JSON.stringify(s)}: ${ev.error.reason}`);
      if (s.startsWith('A654 FETCH ') || s.startsWith('a AUTHENTICATE ')) assert.ok(ev.error.tag !== undefined, s);
    }
  }
  assert.ok(bads > 1000, 'mutations mostly produce BAD');
});
