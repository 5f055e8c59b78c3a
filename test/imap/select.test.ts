/**
 * SELECT, EXAMINE, CLOSE, UNSELECT over raw sockets (RFC 9051 §6.3.2-3, §6.4.1-2), IMAP4rev1 vs
 * IMAP4rev2 untagged data, CONDSTORE's HIGHESTMODSEQ, and UIDVALIDITY/UIDNEXT/UIDs that survive a
 * restart (RFC 9051 §2.3.1.1).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { startTestServer, PASSWORD, type TestServer } from '../helpers/server.ts';
import { appendCommand, imapLogin, selected, userWith } from '../helpers/imap-client.ts';
import { startApp } from '../../src/app/app.ts';
import { silentLogger } from '../../src/lib/logger.ts';

let srv: TestServer;
before(async () => {
  srv = await startTestServer();
});
after(() => srv.close());

const M = (s: string) => `Subject: ${s}\r\n\r\n${s}\r\n`;

test('SELECT (IMAP4rev1): FLAGS, PERMANENTFLAGS, EXISTS, RECENT, UNSEEN, UIDVALIDITY, UIDNEXT, READ-WRITE', async () => {
  const who = await userWith(srv, [M('a'), M('b'), M('c')]);
  const c = await imapLogin(srv.port('imaps'), who, PASSWORD);
  await c.cmd('SELECT INBOX');
  await c.cmd('STORE 1 +FLAGS (\\Seen)');
  await c.cmd('CLOSE');
  const r = await c.cmd('SELECT INBOX');
  assert.equal(r.tagged, 'a5 OK [READ-WRITE] SELECT completed');
  const [flags, perm, exists, recent, unseen, uidv, uidnext, ...rest] = r.untagged;
  assert.equal(flags, '* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)');
  assert.equal(perm, '* OK [PERMANENTFLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft \\*)] Flags permitted');
  assert.equal(exists, '* 3 EXISTS');
  assert.match(recent!, /^\* \d RECENT$/);
  assert.equal(unseen, '* OK [UNSEEN 2] Message 2 is first unseen');
  assert.match(uidv!, /^\* OK \[UIDVALIDITY \d+\] UIDs valid$/);
  assert.equal(uidnext, '* OK [UIDNEXT 4] Predicted next UID');
  assert.deepEqual(rest, []);
  c.close();
});

test('SELECT (IMAP4rev2 + CONDSTORE): no RECENT/UNSEEN, HIGHESTMODSEQ, the LIST line; re-SELECT says [CLOSED]', async () => {
  const who = await userWith(srv, [M('a')]);
  const c = await imapLogin(srv.port('imaps'), who, PASSWORD);
  await c.cmd('ENABLE IMAP4rev2');
  const r = await c.cmd('SELECT INBOX (CONDSTORE)');
  assert.deepEqual(r.untagged.map((l) => l.replace(/\d{6,}/g, 'N')), [
    '* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)',
    '* OK [PERMANENTFLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft \\*)] Flags permitted',
    '* 1 EXISTS',
    '* OK [UIDVALIDITY N] UIDs valid',
    '* OK [UIDNEXT 2] Predicted next UID',
    '* OK [HIGHESTMODSEQ 2] Highest',
    '* LIST () "/" INBOX',
  ]);
  const again = await c.cmd('EXAMINE Sent');
  assert.equal(again.untagged[0], '* OK [CLOSED] Previous mailbox closed');
  assert.equal(again.tagged, 'a4 OK [READ-ONLY] EXAMINE completed');
  assert.equal((await c.cmd('SELECT Nope')).tagged, 'a5 NO [NONEXISTENT] No such mailbox');
  assert.equal((await c.cmd('FETCH 1 FLAGS')).tagged, 'a6 BAD No mailbox selected (SELECT or EXAMINE first)', 'a failed SELECT leaves the selected state');
  c.close();
});

test('EXAMINE is read-only: STORE, EXPUNGE and MOVE are refused; CLOSE expunges nothing', async () => {
  const who = await userWith(srv, [M('a')]);
  const w = await selected(srv, who);
  await w.cmd('STORE 1 +FLAGS (\\Deleted)');
  const c = await imapLogin(srv.port('imaps'), who, PASSWORD);
  const r = await c.cmd('EXAMINE INBOX');
  assert.equal(r.untagged[1], '* OK [PERMANENTFLAGS ()] No permanent flags permitted');
  assert.match((await c.cmd('STORE 1 +FLAGS (\\Seen)')).tagged, / NO \[READ-ONLY\]/);
  assert.match((await c.cmd('EXPUNGE')).tagged, / NO \[READ-ONLY\]/);
  assert.match((await c.cmd('MOVE 1 Trash')).tagged, / NO \[READ-ONLY\]/);
  assert.match((await c.cmd('COPY 1 Trash')).tagged, / OK \[COPYUID /, 'COPY out of a read-only mailbox is fine');
  assert.match((await c.cmd('CHECK')).tagged, / OK CHECK completed$/, 'IMAP4rev1 CHECK: every change is already durable');
  assert.match((await c.cmd('CLOSE')).tagged, / OK CLOSE completed/);
  assert.equal((await srv.mailbox(who)).length, 1);
  c.close();
  w.close();
});

test('CLOSE expunges \\Deleted silently; UNSELECT leaves them', async () => {
  const who = await userWith(srv, [M('a'), M('b'), M('c')]);
  const c = await selected(srv, who);
  await c.cmd('STORE 1,3 +FLAGS.SILENT (\\Deleted)');
  assert.deepEqual(await c.cmd('UNSELECT'), { tagged: 'a4 OK UNSELECT completed', untagged: [] });
  assert.equal((await srv.mailbox(who)).length, 3);
  await c.cmd('SELECT INBOX');
  assert.deepEqual(await c.cmd('CLOSE'), { tagged: 'a6 OK CLOSE completed', untagged: [] });
  assert.deepEqual((await srv.mailbox(who)).map((m) => m.split('\r\n')[0]), ['Subject: b']);
  assert.equal((await c.cmd('CLOSE')).tagged, 'a7 BAD No mailbox selected (SELECT or EXAMINE first)');
  c.close();
});

test('UIDVALIDITY, UIDNEXT and UIDs are the same after a restart; UIDs are never reused', async () => {
  const lab = await startTestServer();
  const who = await userWith(lab, [M('a'), M('b')]);
  const c = await selected(lab, who);
  await c.cmd('STORE 2 +FLAGS (\\Deleted)');
  await c.cmd('EXPUNGE');
  const before = (await c.cmd('STATUS INBOX (UIDVALIDITY UIDNEXT MESSAGES)')).untagged[0];
  c.close();
  await lab.app.close();
  const app = await startApp(lab.app.config, silentLogger());
  try {
    const port = app.endpoints.find((e) => e.name === 'imaps')!.address.port;
    const d = await imapLogin(port, who, PASSWORD);
    assert.equal((await d.cmd('STATUS INBOX (UIDVALIDITY UIDNEXT MESSAGES)')).untagged[0], before);
    await d.cmd('SELECT INBOX');
    await d.cmd(appendCommand('INBOX', M('c')));
    assert.deepEqual((await d.cmd('UID FETCH 1:* UID')).untagged, ['* 1 FETCH (UID 1)', '* 2 FETCH (UID 3)'], 'UID 2 is gone for good');
    d.close();
  } finally {
    await app.close();
    rmSync(lab.dir, { recursive: true, force: true });
  }
});
