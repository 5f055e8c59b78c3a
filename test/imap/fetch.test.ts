/**
 * FETCH over raw sockets: RFC 9051 §6.4.5 / §7.5.2 (ENVELOPE, BODY, BODYSTRUCTURE, BODY[section]
 * <partial>, HEADER.FIELDS[.NOT], MIME, TEXT, numbered parts, implicit \Seen), RFC 3501 RFC822.*,
 * RFC 3516 BINARY / BINARY.SIZE, UID FETCH; the structure stored at delivery and computed lazily
 * for older rows.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { selected, userWith, appendCommand } from '../helpers/imap-client.ts';
import { alternative, crlf, mixedWithAttachment, rfcExample, sectionExample } from '../../src/mail/mime/samples.ts';

let srv: TestServer;
before(async () => {
  srv = await startTestServer();
});
after(() => srv.close());

test('RFC 9051 §7.5.2 example: FLAGS INTERNALDATE RFC822.SIZE ENVELOPE BODY, as printed in the RFC', async () => {
  const who = await userWith(srv, [rfcExample()]);
  const c = await selected(srv, who);
  const r = await c.cmd('FETCH 1 (FLAGS RFC822.SIZE ENVELOPE BODY)');
  assert.deepEqual(r.untagged, [
    '* 1 FETCH (FLAGS () RFC822.SIZE 4286 ENVELOPE ("Wed, 17 Jul 1996 02:23:25 -0700 (PDT)" "IMAP4rev2 WG mtg summary and minutes" (("Terry Gray" NIL "gray" "cac.washington.edu")) (("Terry Gray" NIL "gray" "cac.washington.edu")) (("Terry Gray" NIL "gray" "cac.washington.edu")) ((NIL NIL "imap" "cac.washington.edu")) ((NIL NIL "minutes" "CNRI.Reston.VA.US")("John Klensin" NIL "KLENSIN" "MIT.EDU")) NIL NIL "<B27397-0100000@cac.washington.edu>") BODY ("TEXT" "PLAIN" ("CHARSET" "US-ASCII") NIL NIL "7BIT" 3028 92))',
  ]);
  assert.match(r.tagged, /^a\d+ OK FETCH completed$/);
  assert.match((await c.cmd('FETCH 1 INTERNALDATE')).untagged[0]!, /^\* 1 FETCH \(INTERNALDATE "\d\d-[A-Z][a-z]{2}-\d{4} \d\d:\d\d:\d\d \+0000"\)$/);
  assert.match((await c.cmd('FETCH 1 ALL')).untagged[0]!, /^\* 1 FETCH \(FLAGS \(\) INTERNALDATE ".*" RFC822.SIZE 4286 ENVELOPE \(.*\)\)$/);
  c.close();
});

test('BODY[section]: numbered parts, HEADER, TEXT, MIME, nested message parts (RFC 9051 §6.4.5 example layout)', async () => {
  const who = await userWith(srv, [sectionExample]);
  const c = await selected(srv, who);
  const body = async (section: string) => {
    const r = await c.cmd(`FETCH 1 BODY.PEEK[${section}]`);
    assert.match(r.tagged, / OK /, section);
    const m = /^\* 1 FETCH \(BODY\[[^\]]*\] (?:\{\d+\}\r\n)?([\s\S]*)\)$/.exec(r.untagged[0]!);
    return m![1]!;
  };
  assert.equal(await body('1'), 'part1');
  assert.equal(await body('2'), 'part2');
  assert.equal(await body('3.HEADER'), 'Subject: three\r\nContent-Type: MULTIPART/MIXED; boundary=b\r\n\r\n');
  assert.equal(await body('3.1'), 'part3.1');
  assert.equal(await body('3.2'), 'part3.2');
  assert.equal(await body('4.1'), 'part4.1');
  assert.equal(await body('4.2.HEADER.FIELDS (SUBJECT)'), 'Subject: four-two\r\n\r\n');
  assert.equal(await body('4.2.1'), 'part4.2.1');
  assert.equal(await body('4.2.2.1'), 'part4.2.2.1');
  assert.equal(await body('4.2.2.2'), 'part4.2.2.2');
  assert.equal(await body('4.2.2.2.MIME'), 'Content-Type: TEXT/RICHTEXT\r\n\r\n');
  assert.equal(await body('HEADER'), 'Subject: top\r\nContent-Type: MULTIPART/MIXED; boundary=a\r\n\r\n');
  assert.equal(await body('HEADER.FIELDS.NOT (CONTENT-TYPE)'), 'Subject: top\r\n\r\n');
  assert.ok((await body('TEXT')).startsWith('--a\r\nContent-Type: TEXT/PLAIN'));
  assert.equal(await body('9'), 'NIL', 'a part that does not exist is NIL');
  assert.equal(await body('1.2.3'), 'NIL');
  c.close();
});

test('partial fetches: <origin.octets>, an origin past the end gives "", the response names only the origin', async () => {
  const raw = 'Subject: partial\r\n\r\n0123456789abcdefghij\r\n';
  const who = await userWith(srv, [raw]);
  const c = await selected(srv, who);
  assert.deepEqual((await c.cmd('FETCH 1 BODY.PEEK[]<0.9>')).untagged, ['* 1 FETCH (BODY[]<0> {9}\r\nSubject: )']);
  assert.deepEqual((await c.cmd('FETCH 1 BODY.PEEK[TEXT]<10.5>')).untagged, ['* 1 FETCH (BODY[TEXT]<10> {5}\r\nabcde)']);
  assert.deepEqual((await c.cmd('FETCH 1 BODY.PEEK[TEXT]<20.100>')).untagged, ['* 1 FETCH (BODY[TEXT]<20> {2}\r\n\r\n)']);
  assert.deepEqual((await c.cmd('FETCH 1 BODY.PEEK[]<5000.10>')).untagged, ['* 1 FETCH (BODY[]<5000> {0}\r\n)']);
  assert.deepEqual((await c.cmd('FETCH 1 BODY.PEEK[HEADER.FIELDS (SUBJECT)]<2.5>')).untagged, ['* 1 FETCH (BODY[HEADER.FIELDS (SUBJECT)]<2> {5}\r\nbject)']);
  c.close();
});

test('implicit \\Seen: BODY[] and RFC822 set it (FLAGS returned), BODY.PEEK and RFC822.HEADER do not, EXAMINE never does', async () => {
  const who = await userWith(srv, ['Subject: a\r\n\r\nA\r\n', 'Subject: b\r\n\r\nB\r\n', 'Subject: c\r\n\r\nC\r\n']);
  const e = await selected(srv, who, 'INBOX');
  await e.cmd('EXAMINE INBOX');
  assert.deepEqual((await e.cmd('FETCH 1 BODY[TEXT]')).untagged, ['* 1 FETCH (BODY[TEXT] {3}\r\nA\r\n)']);
  e.close();
  const c = await selected(srv, who);
  assert.deepEqual((await c.cmd('FETCH 1 (BODY.PEEK[TEXT] RFC822.HEADER)')).untagged, ['* 1 FETCH (BODY[TEXT] {3}\r\nA\r\n RFC822.HEADER {14}\r\nSubject: a\r\n\r\n)']);
  assert.deepEqual((await c.cmd('FETCH 1 FLAGS')).untagged, ['* 1 FETCH (FLAGS ())']);
  assert.deepEqual((await c.cmd('FETCH 1 BODY[TEXT]')).untagged, ['* 1 FETCH (BODY[TEXT] {3}\r\nA\r\n FLAGS (\\Seen))']);
  assert.deepEqual((await c.cmd('FETCH 2 (FLAGS RFC822.TEXT)')).untagged, ['* 2 FETCH (FLAGS (\\Seen) RFC822.TEXT {3}\r\nB\r\n)']);
  assert.deepEqual((await c.cmd('FETCH 3 RFC822')).untagged, ['* 3 FETCH (RFC822 {17}\r\nSubject: c\r\n\r\nC\r\n FLAGS (\\Seen))']);
  assert.deepEqual((await c.cmd('FETCH 1 BODY[TEXT]')).untagged, ['* 1 FETCH (BODY[TEXT] {3}\r\nA\r\n)'], 'already seen: no FLAGS added');
  c.close();
});

test('BODYSTRUCTURE of multiparts (extension data), BODY (without)', async () => {
  const who = await userWith(srv, [alternative, mixedWithAttachment]);
  const c = await selected(srv, who);
  const r = await c.cmd('FETCH 1:2 (BODYSTRUCTURE BODY)');
  assert.deepEqual(r.untagged, [
    '* 1 FETCH (BODYSTRUCTURE (("text" "plain" ("charset" "utf-8") NIL NIL "quoted-printable" 14 0 NIL NIL NIL NIL)("text" "html" ("charset" "utf-8") NIL NIL "7bit" 28 0 NIL NIL NIL NIL) "alternative" ("boundary" "=_alt") NIL NIL NIL) BODY (("text" "plain" ("charset" "utf-8") NIL NIL "quoted-printable" 14 0)("text" "html" ("charset" "utf-8") NIL NIL "7bit" 28 0) "alternative"))',
    '* 2 FETCH (BODYSTRUCTURE (("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 15 1 NIL NIL NIL NIL)("application" "pdf" ("name" "report.pdf") NIL NIL "base64" 12 NIL ("attachment" ("filename" "report.pdf")) NIL NIL) "mixed" ("boundary" "XYZ") NIL NIL NIL) BODY (("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 15 1)("application" "pdf" ("name" "report.pdf") NIL NIL "base64" 12) "mixed"))',
  ]);
  c.close();
});

test('BINARY[part] decodes base64 and quoted-printable; BINARY.SIZE; NUL content as literal8; unknown CTE is NO [UNKNOWN-CTE]', async () => {
  const nul = crlf('Content-Type: application/octet-stream', 'Content-Transfer-Encoding: base64', '', Buffer.from([1, 0, 2]).toString('base64'), '');
  const odd = crlf('Content-Type: text/plain', 'Content-Transfer-Encoding: x-uuencode', '', 'begin 644 x', '');
  const who = await userWith(srv, [alternative, mixedWithAttachment, nul, odd]);
  const c = await selected(srv, who);
  assert.deepEqual((await c.cmd('FETCH 1 (BINARY.PEEK[1] BINARY.SIZE[1])')).untagged, ['* 1 FETCH (BINARY[1] {14}\r\nLunch at noon? BINARY.SIZE[1] 14)']);
  assert.deepEqual((await c.cmd('FETCH 2 (BINARY.SIZE[2] BINARY.PEEK[2]<1.3>)')).untagged, ['* 2 FETCH (BINARY.SIZE[2] 9 BINARY[2]<1> {3}\r\nPDF)']);
  assert.deepEqual((await c.cmd('FETCH 3 BINARY.PEEK[1]')).untagged, ['* 3 FETCH (BINARY[1] ~{3}\r\n\u0001\u0000\u0002)']);
  assert.equal((await c.cmd('FETCH 4 BINARY.PEEK[1]')).tagged, 'a6 NO [UNKNOWN-CTE] A body part has an unknown Content-Transfer-Encoding');
  assert.deepEqual((await c.cmd('FETCH 2 BINARY.SIZE[1]')).untagged, ['* 2 FETCH (BINARY.SIZE[1] 15)']);
  c.close();
});

test('UID FETCH returns UID first; sequence numbers past EXISTS are BAD; UIDs that do not exist are skipped', async () => {
  const who = await userWith(srv, ['Subject: 1\r\n\r\n1\r\n', 'Subject: 2\r\n\r\n2\r\n', 'Subject: 3\r\n\r\n3\r\n']);
  const c = await selected(srv, who);
  assert.deepEqual((await c.cmd('UID FETCH 2:* FLAGS')).untagged, ['* 2 FETCH (UID 2 FLAGS ())', '* 3 FETCH (UID 3 FLAGS ())']);
  assert.deepEqual((await c.cmd('UID FETCH 7:9 FLAGS')).untagged, []);
  assert.deepEqual((await c.cmd('UID FETCH 9:* UID')).untagged, ['* 3 FETCH (UID 3)'], 'RFC 9051 §6.4.9: n:* always includes the last UID');
  assert.match((await c.cmd('FETCH 4 FLAGS')).tagged, /^a\d+ BAD Invalid message sequence number: the mailbox has 3 messages$/);
  assert.deepEqual((await c.cmd('FETCH 2:* UID')).untagged, ['* 2 FETCH (UID 2)', '* 3 FETCH (UID 3)']);
  assert.deepEqual((await c.cmd('FETCH 3,1 UID')).untagged, ['* 1 FETCH (UID 1)', '* 3 FETCH (UID 3)']);
  assert.match((await c.cmd('FETCH 1 (FLAGS BOGUS)')).tagged, /^a\d+ BAD /);
  assert.match((await c.cmd('FETCH 1 BODY[0]')).tagged, /^a\d+ BAD /);
  c.close();
});

test('the structure is stored at delivery and at APPEND; a row without one is computed once and saved', async () => {
  const who = await userWith(srv, [alternative]);
  const store = srv.app.store;
  const u = (await store.getUser(who))!;
  const inbox = (await store.getMailbox(u.id, 'INBOX'))!;
  const [row] = await store.listMessages(inbox.id);
  const stored = await store.getStructure(row!.blobId);
  assert.ok(stored, 'computed in the ingest worker');
  assert.equal(JSON.parse(stored).envelope.subject, 'Lunch?');
  const c = await selected(srv, who);
  await c.cmd(appendCommand('INBOX', 'Subject: appended\r\n\r\nx\r\n'));
  const [, appended] = await store.listMessages(inbox.id);
  assert.equal(JSON.parse((await store.getStructure(appended!.blobId))!).envelope.subject, 'appended');
  // An older shape (or a row from before the structure column) is recomputed on first use.
  await store.setStructure(row!.blobId, JSON.stringify({ version: 0 }));
  // SEARCH SUBJECT answers a message whose derived fields are outdated from its structure too.
  assert.match((await c.cmd('UID SEARCH SUBJECT LUNCH')).untagged[0]!, /^\* (SEARCH 1|ESEARCH .*ALL 1)$/);
  assert.deepEqual((await c.cmd('UID SEARCH SUBJECT nomatch')).untagged.filter((l) => / 1$/.test(l)), []);
  assert.match((await c.cmd('FETCH 1 ENVELOPE')).untagged[0]!, /^\* 1 FETCH \(ENVELOPE \("Mon, 1 Jan 2024 12:00:00 \+0000" "Lunch\?" /);
  assert.equal(JSON.parse((await store.getStructure(row!.blobId))!).version, 1, 'saved again');
  c.close();
});
