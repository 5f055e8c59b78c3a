/**
 * SEARCH and UID SEARCH over raw sockets: RFC 9051 §6.4.4 keys (flags, headers with RFC 2047
 * decoding, BODY/TEXT on decoded text, dates, sizes, UID and sequence sets, NOT/OR/AND),
 * CHARSET, RFC 4731 ESEARCH (and always ESEARCH under IMAP4rev2), RFC 5182 SAVE and "$".
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { selected, userWith } from '../helpers/imap-client.ts';
import { alternative, mixedWithAttachment } from '../../src/mail/mime/samples.ts';

let srv: TestServer;
let who: string;
before(async () => {
  srv = await startTestServer();
  who = await userWith(srv, [
    'From: Alice <alice@example.org>\r\nTo: bob@example.com\r\nSubject: Quarterly report\r\nDate: Mon, 1 Jan 2024 10:00:00 +0000\r\n\r\nNumbers inside.\r\n',
    'From: =?UTF-8?B?SsO8cmdlbg==?= <jurgen@example.de>\r\nTo: bob@example.com\r\nSubject: =?ISO-8859-1?Q?Gr=FC=DFe?= aus Berlin\r\nDate: Fri, 15 Mar 2024 08:00:00 +0100\r\n\r\nHallo!\r\n',
    alternative,
    mixedWithAttachment,
    `Subject: big\r\nX-Tag: needle-in-header\r\n\r\n${'filler line\r\n'.repeat(400)}`,
  ]);
});
after(() => srv.close());

async function search(q: string): Promise<string> {
  const c = await selected(srv, who);
  try {
    const r = await c.cmd(q);
    assert.match(r.tagged, / OK /, `${q}: ${r.tagged}`);
    return r.untagged.filter((l) => l.startsWith('* SEARCH') || l.startsWith('* ESEARCH')).join('\n');
  } finally {
    c.close();
  }
}

test('header keys: FROM/TO/SUBJECT/HEADER match decoded, case-insensitive substrings; HEADER name "" matches presence', async () => {
  assert.equal(await search('SEARCH FROM alice'), '* SEARCH 1 3');
  assert.equal(await search('SEARCH SUBJECT "quarterly REPORT"'), '* SEARCH 1');
  assert.equal(await search('SEARCH CHARSET UTF-8 SUBJECT {7+}\r\nGrüße'), '* SEARCH 2');
  assert.equal(await search('SEARCH FROM "jürgen"'), '* SEARCH 2');
  assert.equal(await search('SEARCH TO bob@example.com'), '* SEARCH 1 2 3');
  assert.equal(await search('SEARCH HEADER X-Tag needle'), '* SEARCH 5');
  assert.equal(await search('SEARCH HEADER Message-ID ""'), '* SEARCH 3 4');
  assert.equal(await search('SEARCH CC undisclosed'), '* SEARCH 4');
});

test('BODY and TEXT search decoded content (quoted-printable, base64); TEXT includes the header', async () => {
  assert.equal(await search('SEARCH BODY "lunch at noon"'), '* SEARCH 3');
  assert.equal(await search('SEARCH BODY numbers'), '* SEARCH 1');
  assert.equal(await search('SEARCH BODY "report.pdf"'), '* SEARCH', 'attachments (non-text parts) are not body text');
  assert.equal(await search('SEARCH TEXT needle-in-header'), '* SEARCH 5');
  assert.equal(await search('SEARCH BODY needle-in-header'), '* SEARCH');
  assert.equal(await search('SEARCH TEXT hallo'), '* SEARCH 2');
});

test('flags, sizes, dates, sets, NOT/OR/AND', async () => {
  const c = await selected(srv, who);
  await c.cmd('STORE 2,4 +FLAGS (\\Seen)');
  await c.cmd('STORE 4 +FLAGS (\\Flagged $Work)');
  const q = async (s: string) => (await c.cmd(s)).untagged.find((l) => l.startsWith('* SEARCH'));
  assert.equal(await q('SEARCH SEEN'), '* SEARCH 2 4');
  assert.equal(await q('SEARCH UNSEEN'), '* SEARCH 1 3 5');
  assert.equal(await q('SEARCH FLAGGED KEYWORD $Work'), '* SEARCH 4');
  assert.equal(await q('SEARCH UNKEYWORD $Work SEEN'), '* SEARCH 2');
  assert.equal(await q('SEARCH LARGER 2000'), '* SEARCH 5');
  assert.equal(await q('SEARCH SMALLER 200'), '* SEARCH 1 2');
  assert.equal(await q('SEARCH SENTSINCE 1-Mar-2024'), '* SEARCH 2');
  assert.equal(await q('SEARCH SENTBEFORE 2-Jan-2024 SENTON 1-Jan-2024'), '* SEARCH 1 3');
  assert.equal(await q('SEARCH SINCE 1-Jan-2000'), '* SEARCH 1 2 3 4 5', 'internal dates are today');
  assert.equal(await q('SEARCH BEFORE 1-Jan-2000'), '* SEARCH');
  assert.equal(await q('SEARCH 2:3'), '* SEARCH 2 3');
  assert.equal(await q('SEARCH UID 4:*'), '* SEARCH 4 5');
  assert.equal(await q('SEARCH NOT 1:3'), '* SEARCH 4 5');
  assert.equal(await q('SEARCH OR SEEN SUBJECT big'), '* SEARCH 2 4 5');
  assert.equal(await q('SEARCH (OR FLAGGED ANSWERED) UNDELETED'), '* SEARCH 4');
  assert.equal(await q('UID SEARCH SEEN'), '* SEARCH 2 4');
  assert.equal(await q('SEARCH ALL'), '* SEARCH 1 2 3 4 5');
  assert.match((await c.cmd('SEARCH CHARSET KOI8-R TEXT x')).tagged, / NO \[BADCHARSET \(UTF-8 US-ASCII\)\] Charset KOI8-R is not supported$/);
  assert.match((await c.cmd('SEARCH BOGUS')).tagged, / BAD /);
  c.close();
});

test('ESEARCH: RETURN (MIN MAX COUNT ALL), RETURN () = ALL, IMAP4rev2 always ESEARCH; SAVE and "$"', async () => {
  const c = await selected(srv, who);
  const q = async (s: string) => (await c.cmd(s)).untagged.filter((l) => l.startsWith('* ESEARCH') || l.startsWith('* SEARCH'));
  assert.deepEqual(await q('SEARCH RETURN (MIN MAX COUNT) FROM alice'), ['* ESEARCH (TAG "a3") MIN 1 MAX 3 COUNT 2']);
  assert.deepEqual(await q('UID SEARCH RETURN () 1:3'), ['* ESEARCH (TAG "a4") UID ALL 1:3']);
  assert.deepEqual(await q('SEARCH RETURN (COUNT) SUBJECT nothing-like-this'), ['* ESEARCH (TAG "a5") COUNT 0']);
  assert.deepEqual(await q('SEARCH RETURN (SAVE) FROM alice'), [], 'SAVE alone answers nothing');
  assert.deepEqual(await q('FETCH $ UID'), []);
  assert.deepEqual((await c.cmd('FETCH $ (UID)')).untagged, ['* 1 FETCH (UID 1)', '* 3 FETCH (UID 3)']);
  assert.deepEqual(await q('SEARCH $ SUBJECT lunch'), ['* SEARCH 3']);
  assert.deepEqual(await q('UID SEARCH RETURN (SAVE MIN) ALL'), ['* ESEARCH (TAG "a10") UID MIN 1']);
  assert.deepEqual((await c.cmd('UID FETCH $ UID')).untagged, ['* 1 FETCH (UID 1)'], 'with MIN only the minimum is saved (RFC 5182 §2.4)');
  await c.cmd('ENABLE IMAP4rev2');
  assert.deepEqual(await q('SEARCH FROM alice'), ['* ESEARCH (TAG "a13") ALL 1,3']);
  c.close();
});
