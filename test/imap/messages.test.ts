/**
 * STORE, COPY, MOVE, EXPUNGE and UID EXPUNGE over raw sockets: RFC 9051 §6.4.3-6.4.9, RFC 6851
 * (MOVE), RFC 4315 (UIDPLUS), RFC 7162 §3.1.3 (UNCHANGEDSINCE); and the ordering rules of RFC 9051
 * §7.5.1 across two sessions: EXPUNGEs go out highest number first, never during FETCH, STORE or
 * SEARCH, and sequence numbers never shift behind the client's back.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { selected, userWith } from '../helpers/imap-client.ts';

let srv: TestServer;
before(async () => {
  srv = await startTestServer();
});
after(() => srv.close());

const M = (s: string) => `Subject: ${s}\r\n\r\n${s}\r\n`;
const five = () => ['1', '2', '3', '4', '5'].map(M);

test('STORE: +FLAGS, -FLAGS, FLAGS, .SILENT, keywords announce new FLAGS, bad flags are BAD', async () => {
  const who = await userWith(srv, five());
  const c = await selected(srv, who);
  assert.deepEqual((await c.cmd('STORE 1:2 +FLAGS (\\Seen \\Flagged)')).untagged, ['* 1 FETCH (FLAGS (\\Seen \\Flagged))', '* 2 FETCH (FLAGS (\\Seen \\Flagged))']);
  assert.deepEqual((await c.cmd('STORE 2 -FLAGS (\\flagged)')).untagged, ['* 2 FETCH (FLAGS (\\Seen))'], 'system flags match case-insensitively');
  assert.deepEqual((await c.cmd('STORE 3 FLAGS (\\Answered)')).untagged, ['* 3 FETCH (FLAGS (\\Answered))']);
  assert.deepEqual((await c.cmd('STORE 3 +FLAGS.SILENT (\\Draft)')).untagged, []);
  assert.deepEqual((await c.cmd('UID STORE 4 +FLAGS $Work')).untagged, [
    '* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft $Work)',
    '* OK [PERMANENTFLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft $Work \\*)] Flags permitted',
    '* 4 FETCH (FLAGS ($Work) UID 4)',
  ]);
  assert.deepEqual((await c.cmd('FETCH 1:4 FLAGS')).untagged, [
    '* 1 FETCH (FLAGS (\\Seen \\Flagged))',
    '* 2 FETCH (FLAGS (\\Seen))',
    '* 3 FETCH (FLAGS (\\Answered \\Draft))',
    '* 4 FETCH (FLAGS ($Work))',
  ]);
  assert.match((await c.cmd('STORE 1 +FLAGS (\\Recent)')).tagged, / BAD \\Recent cannot be set/);
  assert.match((await c.cmd('STORE 1 +FLAGS (\\Bogus)')).tagged, / BAD Unknown system flag \\Bogus$/);
  assert.match((await c.cmd('STORE 9 +FLAGS (\\Seen)')).tagged, / BAD Invalid message sequence number/);
  assert.deepEqual((await c.cmd('UID STORE 9 +FLAGS (\\Seen)')).untagged, [], 'UIDs that do not exist are ignored');
  c.close();
});

test('STORE with CONDSTORE: MODSEQ in the answers, UNCHANGEDSINCE refuses modified messages with [MODIFIED]', async () => {
  const who = await userWith(srv, five());
  const c = await selected(srv, who);
  await c.cmd('ENABLE CONDSTORE');
  const r = await c.cmd('STORE 1 +FLAGS (\\Seen)');
  const m = /^\* 1 FETCH \(FLAGS \(\\Seen\) MODSEQ \((\d+)\)\)$/.exec(r.untagged[0]!);
  assert.ok(m, r.untagged[0]);
  const modseq = Number(m[1]);
  assert.deepEqual((await c.cmd(`FETCH 1:2 (MODSEQ) (CHANGEDSINCE ${modseq - 1})`)).untagged, [`* 1 FETCH (MODSEQ (${modseq}))`]);
  const cond = await c.cmd(`STORE 1:2 (UNCHANGEDSINCE ${modseq - 1}) +FLAGS (\\Flagged)`);
  assert.equal(cond.tagged, 'a6 OK [MODIFIED 1] Conditional STORE failed for some messages');
  assert.deepEqual(cond.untagged, [`* 2 FETCH (FLAGS (\\Flagged) MODSEQ (${modseq + 1}))`]);
  assert.deepEqual((await c.cmd(`UID SEARCH MODSEQ ${modseq + 1}`)).untagged, [`* SEARCH 2 (MODSEQ ${modseq + 1})`]);
  c.close();
});

test('COPY and UID COPY: COPYUID pairs, flags kept, TRYCREATE for a missing mailbox', async () => {
  const who = await userWith(srv, five());
  const c = await selected(srv, who);
  await c.cmd('STORE 2 +FLAGS (\\Flagged)');
  const r = await c.cmd('COPY 2,4:5 Archive');
  assert.match(r.tagged, /^a4 OK \[COPYUID \d+ 2,4:5 1:3\] COPY completed$/);
  assert.match((await c.cmd('UID COPY 1 Archive')).tagged, /\[COPYUID \d+ 1 4\]/);
  assert.equal((await c.cmd('COPY 1 Nowhere')).tagged, 'a6 NO [TRYCREATE] No such mailbox');
  assert.match((await c.cmd('UID COPY 99 Archive')).tagged, /^a7 OK UID COPY completed \(no messages\)$/);
  await c.cmd('SELECT Archive');
  assert.deepEqual((await c.cmd('FETCH 1:* (FLAGS BODY.PEEK[HEADER.FIELDS (SUBJECT)])')).untagged.map((l) => l.replace(/\r\n/g, '|')), [
    '* 1 FETCH (FLAGS (\\Flagged) BODY[HEADER.FIELDS (SUBJECT)] {14}|Subject: 2||)',
    '* 2 FETCH (FLAGS () BODY[HEADER.FIELDS (SUBJECT)] {14}|Subject: 4||)',
    '* 3 FETCH (FLAGS () BODY[HEADER.FIELDS (SUBJECT)] {14}|Subject: 5||)',
    '* 4 FETCH (FLAGS () BODY[HEADER.FIELDS (SUBJECT)] {14}|Subject: 1||)',
  ]);
  assert.equal((await srv.mailbox(who)).length, 5, 'the source is untouched');
  c.close();
});

test('MOVE: untagged OK [COPYUID], then EXPUNGEs highest first, then the tagged OK (RFC 6851 §4.3)', async () => {
  const who = await userWith(srv, five());
  const c = await selected(srv, who);
  const r = await c.cmd('MOVE 2,4 Trash');
  assert.match(r.untagged[0]!, /^\* OK \[COPYUID \d+ 2,4 1:2\] Moved$/);
  assert.deepEqual(r.untagged.slice(1), ['* 4 EXPUNGE', '* 2 EXPUNGE']);
  assert.equal(r.tagged, 'a3 OK MOVE completed');
  assert.deepEqual((await c.cmd('FETCH 1:* UID')).untagged, ['* 1 FETCH (UID 1)', '* 2 FETCH (UID 3)', '* 3 FETCH (UID 5)']);
  const u = await c.cmd('UID MOVE 5 Trash');
  assert.deepEqual(u.untagged.slice(1), ['* 3 EXPUNGE']);
  assert.deepEqual((await srv.mailbox(who, 'Trash')).map((m) => m.split('\r\n')[0]), ['Subject: 2', 'Subject: 4', 'Subject: 5']);
  c.close();
});

test('EXPUNGE reports highest first; UID EXPUNGE only touches its set', async () => {
  const who = await userWith(srv, five());
  const c = await selected(srv, who);
  await c.cmd('STORE 1,2,4,5 +FLAGS.SILENT (\\Deleted)');
  assert.deepEqual((await c.cmd('UID EXPUNGE 4:5')).untagged, ['* 5 EXPUNGE', '* 4 EXPUNGE']);
  assert.deepEqual((await c.cmd('EXPUNGE')).untagged, ['* 2 EXPUNGE', '* 1 EXPUNGE']);
  assert.deepEqual((await c.cmd('FETCH 1:* UID')).untagged, ['* 1 FETCH (UID 3)']);
  assert.deepEqual((await c.cmd('EXPUNGE')).untagged, []);
  c.close();
});

test("two sessions: another session's EXPUNGE is not told during FETCH, STORE or SEARCH, but at NOOP (RFC 9051 §7.5.1)", async () => {
  const who = await userWith(srv, five());
  const a = await selected(srv, who);
  const b = await selected(srv, who);
  await b.cmd('STORE 2,4 +FLAGS.SILENT (\\Deleted)');
  assert.deepEqual((await b.cmd('EXPUNGE')).untagged, ['* 4 EXPUNGE', '* 2 EXPUNGE']);
  // a still numbers 1..5; its FETCH may tell the flag change but no EXPUNGE
  const f = await a.cmd('FETCH 1:5 UID');
  assert.ok(f.untagged.every((l) => !l.includes('EXPUNGE')), f.untagged.join('\n'));
  assert.deepEqual(f.untagged.filter((l) => /^\* \d FETCH \(UID \d\)$/.test(l)), ['* 1 FETCH (UID 1)', '* 3 FETCH (UID 3)', '* 5 FETCH (UID 5)']);
  assert.equal(f.tagged, 'a3 OK [EXPUNGEISSUED] Some messages were expunged by another session and were skipped');
  const s = await a.cmd('SEARCH ALL');
  assert.ok(s.untagged.every((l) => !l.includes('EXPUNGE')));
  assert.deepEqual(s.untagged.filter((l) => l.startsWith('* SEARCH')), ['* SEARCH 1 3 5'], 'still the old numbering');
  const st = await a.cmd('STORE 5 +FLAGS (\\Flagged)');
  assert.deepEqual(st.untagged, ['* 5 FETCH (FLAGS (\\Flagged))']);
  // NOOP: the EXPUNGEs, highest first, each valid when sent
  assert.deepEqual((await a.cmd('NOOP')).untagged, ['* 4 EXPUNGE', '* 2 EXPUNGE']);
  assert.deepEqual((await a.cmd('FETCH 1:* UID')).untagged, ['* 1 FETCH (UID 1)', '* 2 FETCH (UID 3)', '* 3 FETCH (UID 5)']);
  // UID FETCH answers in the current numbering; the EXPUNGE may follow it (it is a UID command)
  await b.cmd('STORE 1 +FLAGS.SILENT (\\Deleted)');
  await b.cmd('EXPUNGE');
  const uf = await a.cmd('UID FETCH 5 UID');
  assert.deepEqual(uf.untagged.filter((l) => !l.includes('FLAGS')), ['* 3 FETCH (UID 5)', '* 1 EXPUNGE']);
  a.close();
  b.close();
});

test('two sessions: new mail and flag changes are told at the next command as EXISTS and FETCH', async () => {
  const who = await userWith(srv, five());
  const a = await selected(srv, who);
  const b = await selected(srv, who);
  await b.cmd('STORE 3 +FLAGS (\\Answered)');
  await b.cmd('APPEND INBOX {15+}\r\nSubject: six\r\n\r\n');
  assert.deepEqual((await a.cmd('NOOP')).untagged, ['* 6 EXISTS', '* 0 RECENT', '* 3 FETCH (UID 3 FLAGS (\\Answered))']);
  assert.deepEqual((await a.cmd('NOOP')).untagged, []);
  a.close();
  b.close();
});
