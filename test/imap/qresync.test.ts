/**
 * QRESYNC over raw sockets (RFC 7162 §3.2): ENABLE QRESYNC (implies CONDSTORE), SELECT/EXAMINE
 * (QRESYNC (uidvalidity modseq [known-uids])) with VANISHED (EARLIER) and the changed flags,
 * VANISHED instead of EXPUNGE once enabled (other sessions, EXPUNGE, MOVE, IDLE; never during
 * FETCH), UID FETCH ... (CHANGEDSINCE n VANISHED), and the BAD answers when QRESYNC is not enabled.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, PASSWORD, type TestServer } from '../helpers/server.ts';
import { imapLogin, selected, userWith, type RawImap } from '../helpers/imap-client.ts';
import { deliver } from '../helpers/pop3-client.ts';

let srv: TestServer;
before(async () => {
  srv = await startTestServer();
});
after(() => srv.close());

const M = (s: string) => `Subject: ${s}\r\n\r\n${s}\r\n`;
const TEN = Array.from({ length: 10 }, (_, i) => M(`m${i + 1}`));

/** UIDVALIDITY and HIGHESTMODSEQ from a SELECT's untagged data. */
function state(untagged: readonly string[]): { uidValidity: number; modseq: number } {
  const uv = untagged.map((l) => /\[UIDVALIDITY (\d+)\]/.exec(l)?.[1]).find(Boolean);
  const hm = untagged.map((l) => /\[HIGHESTMODSEQ (\d+)\]/.exec(l)?.[1]).find(Boolean);
  assert.ok(uv && hm, `UIDVALIDITY and HIGHESTMODSEQ in ${JSON.stringify(untagged)}`);
  return { uidValidity: Number(uv), modseq: Number(hm) };
}

async function qresyncClient(who: string): Promise<RawImap> {
  const c = await imapLogin(srv.port('imaps'), who, PASSWORD);
  assert.deepEqual((await c.cmd('ENABLE QRESYNC')).untagged, ['* ENABLED QRESYNC']);
  return c;
}

/** The untagged lines after the standard SELECT data: what QRESYNC added. */
const resyncLines = (untagged: readonly string[]) => untagged.filter((l) => /^\* (VANISHED|\d+ FETCH)/.test(l));

test('CAPABILITY has QRESYNC; ENABLE QRESYNC implies CONDSTORE; without ENABLE the QRESYNC forms are BAD', async () => {
  const who = await userWith(srv, [M('a')]);
  const c = await imapLogin(srv.port('imaps'), who, PASSWORD);
  assert.match((await c.cmd('CAPABILITY')).untagged[0]!, / CONDSTORE QRESYNC /);
  assert.equal((await c.cmd('SELECT INBOX (QRESYNC (1 1))')).tagged, 'a3 BAD The QRESYNC parameter needs ENABLE QRESYNC first');
  await c.cmd('SELECT INBOX');
  assert.equal((await c.cmd('UID FETCH 1:* FLAGS (CHANGEDSINCE 1 VANISHED)')).tagged, 'a5 BAD VANISHED needs ENABLE QRESYNC first');
  // enabled while a mailbox is selected: ENABLED, then that mailbox's HIGHESTMODSEQ (RFC 7162 §3.1)
  assert.deepEqual((await c.cmd('ENABLE QRESYNC CONDSTORE')).untagged, ['* ENABLED QRESYNC CONDSTORE', '* OK [HIGHESTMODSEQ 2] Highest']);
  assert.deepEqual((await c.cmd('ENABLE QRESYNC')).untagged, ['* ENABLED'], 'nothing new to enable');
  const r = await c.cmd('SELECT INBOX');
  assert.ok(r.untagged.includes('* OK [HIGHESTMODSEQ 2] Highest'), 'CONDSTORE is on');
  assert.match((await c.cmd('UID FETCH 1:* (FLAGS) (CHANGEDSINCE 1 VANISHED)')).tagged, / OK UID FETCH completed$/);
  c.close();
});

test('SELECT (QRESYNC ...): VANISHED (EARLIER) for every kind of expunge since the modseq, FETCH for changed flags and new mail', async () => {
  const who = await userWith(srv, TEN);
  const a = await qresyncClient(who);
  const before = state((await a.cmd('SELECT INBOX')).untagged);
  await a.cmd('LOGOUT');

  // Changes while the client is away: a flag, an EXPUNGE, a MOVE, a POP3-style delete, new mail.
  const b = await selected(srv, who);
  await b.cmd('STORE 3 +FLAGS (\\Flagged)');
  await b.cmd('STORE 5:6 +FLAGS (\\Deleted)');
  await b.cmd('EXPUNGE');
  await b.cmd('UID MOVE 8 Archive');
  b.close();
  const u = (await srv.app.store.getUser(who))!;
  const inbox = (await srv.app.store.getMailbox(u.id, 'INBOX'))!;
  assert.equal(await srv.app.store.expunge(inbox.id, [9]), 1);
  await deliver(srv, who, M('m11'));

  const c = await qresyncClient(who);
  const r = await c.cmd(`SELECT INBOX (QRESYNC (${before.uidValidity} ${before.modseq}))`);
  assert.match(r.tagged, / OK \[READ-WRITE\]/);
  const after = state(r.untagged);
  assert.ok(after.modseq > before.modseq);
  const lines = resyncLines(r.untagged);
  assert.equal(lines[0], '* VANISHED (EARLIER) 5:6,8:9', 'VANISHED (EARLIER) first');
  assert.equal(lines.length, 3);
  assert.match(lines[1]!, /^\* 3 FETCH \(UID 3 FLAGS \(\\Flagged\) MODSEQ \(\d+\)\)$/);
  assert.match(lines[2]!, /^\* 7 FETCH \(UID 11 FLAGS \(\\Recent\) MODSEQ \(\d+\)\)$/, 'new mail is changed since the modseq too');
  assert.ok(r.untagged.includes('* 7 EXISTS'));

  // known-uids limit both the VANISHED and the FETCH responses (RFC 7162 §3.2.5.2)
  const k = await c.cmd(`EXAMINE INBOX (QRESYNC (${before.uidValidity} ${before.modseq} 1:5))`);
  assert.deepEqual(resyncLines(k.untagged).map((l) => l.replace(/MODSEQ \(\d+\)/, 'MODSEQ (n)')), ['* VANISHED (EARLIER) 5', '* 3 FETCH (UID 3 FLAGS (\\Flagged) MODSEQ (n))']);
  // up to date: nothing; another UIDVALIDITY: nothing (the client must resynchronise from scratch)
  assert.deepEqual(resyncLines((await c.cmd(`EXAMINE INBOX (QRESYNC (${after.uidValidity} ${after.modseq}))`)).untagged), []);
  assert.deepEqual(resyncLines((await c.cmd(`EXAMINE INBOX (QRESYNC (${after.uidValidity + 1} 1))`)).untagged), []);
  // a modseq between the changes: only the later ones
  const mid = await c.cmd(`EXAMINE INBOX (QRESYNC (${before.uidValidity} ${after.modseq - 2}))`);
  assert.deepEqual(resyncLines(mid.untagged).map((l) => l.replace(/MODSEQ \(\d+\)/, 'MODSEQ (n)')), ['* VANISHED (EARLIER) 9', '* 7 FETCH (UID 11 FLAGS () MODSEQ (n))']);
  c.close();
});

test('once enabled, expunges are VANISHED: another session, own EXPUNGE, MOVE, IDLE; none while FETCH is answered', async () => {
  const who = await userWith(srv, TEN);
  const q = await qresyncClient(who);
  await q.cmd('SELECT INBOX');
  const other = await selected(srv, who);

  await other.cmd('STORE 2,4 +FLAGS (\\Deleted)');
  await other.cmd('EXPUNGE');
  const during = await q.cmd('FETCH 1 (UID)');
  assert.ok(!during.untagged.some((l) => /VANISHED|EXPUNGE/.test(l)), 'RFC 9051 §7.5.1: not during FETCH');
  const noop = await q.cmd('NOOP');
  assert.deepEqual(noop.untagged.filter((l) => /VANISHED|EXPUNGE/.test(l)), ['* VANISHED 2,4']);

  await q.cmd('STORE 1:3 +FLAGS.SILENT (\\Deleted)'); // UIDs 1, 3, 5
  const own = await q.cmd('EXPUNGE');
  assert.deepEqual(own.untagged, ['* VANISHED 1,3,5']);
  const mv = await q.cmd('MOVE 1 Trash'); // UID 6
  assert.match(mv.untagged[0]!, /^\* OK \[COPYUID \d+ 6 1\] Moved$/);
  assert.equal(mv.untagged[1], '* VANISHED 6');
  assert.deepEqual((await q.cmd('UID SEARCH ALL')).untagged, ['* SEARCH 7 8 9 10']);

  q.write('a9 IDLE\r\n');
  assert.equal(await q.response(), '+ idling');
  const told = [...(await other.cmd('UID STORE 9 +FLAGS (\\Deleted)')).untagged, ...(await other.cmd('UID EXPUNGE 9')).untagged];
  const idled: string[] = [];
  while (!idled.some((l) => l.startsWith('* VANISHED'))) idled.push(await q.response());
  assert.deepEqual(idled.filter((l) => /VANISHED|EXPUNGE/.test(l)), ['* VANISHED 9'], 'told at once during IDLE');
  q.write('DONE\r\n');
  assert.match((await q.until('a9')).tagged, /^a9 OK/);
  // the other session, without QRESYNC, is told with EXPUNGE
  assert.ok(told.some((l) => /^\* \d+ EXPUNGE$/.test(l)) && !told.some((l) => l.includes('VANISHED')), JSON.stringify(told));
  q.close();
  other.close();
});

test('UID FETCH ... (CHANGEDSINCE n VANISHED): VANISHED (EARLIER) before the FETCH responses, limited to the set, "*" reaching expunged UIDs', async () => {
  const who = await userWith(srv, TEN);
  const q = await qresyncClient(who);
  const s0 = state((await q.cmd('SELECT INBOX')).untagged);
  const other = await selected(srv, who);
  await other.cmd('UID STORE 2,10 +FLAGS (\\Deleted)');
  await other.cmd('UID EXPUNGE 2,10');
  await other.cmd('UID STORE 4 +FLAGS (\\Answered)');
  other.close();
  // A fresh selection: UID 10 is gone, so the view's highest UID is 9; "*" still reaches 10.
  await q.cmd('SELECT INBOX');
  const r = await q.cmd(`UID FETCH 1:* (FLAGS) (CHANGEDSINCE ${s0.modseq} VANISHED)`);
  assert.equal(r.untagged[0], '* VANISHED (EARLIER) 2,10');
  assert.deepEqual(r.untagged.slice(1).map((l) => l.replace(/MODSEQ \(\d+\)/, 'MODSEQ (n)')), ['* 3 FETCH (UID 4 FLAGS (\\Answered) MODSEQ (n))']);
  assert.match(r.tagged, /OK UID FETCH completed/);
  const part = await q.cmd(`UID FETCH 3:9 (FLAGS) (CHANGEDSINCE ${s0.modseq} VANISHED)`);
  assert.ok(!part.untagged.some((l) => l.startsWith('* VANISHED')), 'no UID of 3:9 vanished');
  const none = await q.cmd(`UID FETCH 1:* (FLAGS) (CHANGEDSINCE ${state((await q.cmd('EXAMINE INBOX')).untagged).modseq} VANISHED)`);
  assert.deepEqual(none.untagged, []);
  q.close();
});
