/**
 * Mailbox commands over raw sockets: RFC 9051 §6.3.4-6.3.11 (CREATE, DELETE, RENAME, SUBSCRIBE,
 * UNSUBSCRIBE, LIST, STATUS), RFC 3501 LSUB, RFC 5258 LIST-EXTENDED, RFC 5819 LIST-STATUS,
 * RFC 6154 SPECIAL-USE, modified UTF-7 names (RFC 3501 §5.1.3) and UTF8=ACCEPT (RFC 6855).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, PASSWORD, type TestServer } from '../helpers/server.ts';
import { appendCommand, imapLogin, selected, userWith } from '../helpers/imap-client.ts';

let srv: TestServer;
before(async () => {
  srv = await startTestServer();
});
after(() => srv.close());

const M = (s: string) => `Subject: ${s}\r\n\r\nbody ${s}\r\n`;

test('LIST: the default special-use set, "" "" for the delimiter, % and * patterns, reference', async () => {
  const who = await userWith(srv);
  const c = await imapLogin(srv.port('imaps'), who, PASSWORD);
  assert.deepEqual((await c.cmd('LIST "" "*"')).untagged, [
    '* LIST (\\HasNoChildren) "/" INBOX',
    '* LIST (\\HasNoChildren \\Archive) "/" Archive',
    '* LIST (\\HasNoChildren \\Drafts) "/" Drafts',
    '* LIST (\\HasNoChildren \\Junk) "/" Junk',
    '* LIST (\\HasNoChildren \\Sent) "/" Sent',
    '* LIST (\\HasNoChildren \\Trash) "/" Trash',
  ]);
  assert.deepEqual((await c.cmd('LIST "" ""')).untagged, ['* LIST (\\Noselect) "/" ""']);
  assert.equal((await c.cmd('CREATE Projects/2024/Q1')).tagged, 'a4 OK CREATE completed');
  assert.deepEqual((await c.cmd('LIST "" "Projects/%"')).untagged, ['* LIST (\\HasChildren) "/" Projects/2024']);
  assert.deepEqual((await c.cmd('LIST "Projects/" "*"')).untagged, ['* LIST (\\HasChildren) "/" Projects/2024', '* LIST (\\HasNoChildren) "/" Projects/2024/Q1']);
  assert.deepEqual((await c.cmd('LIST "" "%"')).untagged.map((l) => l.split(' ').pop()), ['INBOX', 'Archive', 'Drafts', 'Junk', 'Projects', 'Sent', 'Trash']);
  assert.deepEqual((await c.cmd('LIST "" "inbox"')).untagged, ['* LIST (\\HasNoChildren) "/" INBOX'], 'INBOX matches in any case');
  assert.deepEqual((await c.cmd('LIST "" "Nothing*"')).untagged, []);
  c.close();
});

test('LIST-EXTENDED: (SPECIAL-USE) selection, RETURN (SUBSCRIBED CHILDREN STATUS), (SUBSCRIBED RECURSIVEMATCH)', async () => {
  const who = await userWith(srv, [M('a'), M('b')]);
  const c = await imapLogin(srv.port('imaps'), who, PASSWORD);
  assert.deepEqual((await c.cmd('LIST (SPECIAL-USE) "" "*"')).untagged.map((l) => l.split(' ').pop()), ['Archive', 'Drafts', 'Junk', 'Sent', 'Trash']);
  assert.deepEqual((await c.cmd('LIST "" "INBOX" RETURN (SUBSCRIBED STATUS (MESSAGES UNSEEN UIDNEXT SIZE))')).untagged, [
    '* LIST (\\HasNoChildren \\Subscribed) "/" INBOX',
    `* STATUS INBOX (MESSAGES 2 UNSEEN 2 UIDNEXT 3 SIZE ${2 * M('a').length})`,
  ]);
  await c.cmd('CREATE Lists/Fun');
  await c.cmd('UNSUBSCRIBE Lists');
  assert.deepEqual((await c.cmd('LIST (SUBSCRIBED RECURSIVEMATCH) "" "Lists"')).untagged, ['* LIST (\\HasChildren) "/" Lists ("CHILDINFO" ("SUBSCRIBED"))']);
  assert.deepEqual((await c.cmd('LIST (SUBSCRIBED) "" "Lists*"')).untagged, ['* LIST (\\HasNoChildren \\Subscribed) "/" Lists/Fun']);
  assert.match((await c.cmd('LIST (BOGUS) "" "*"')).tagged, /^a\d+ BAD Unknown LIST selection option BOGUS$/);
  c.close();
});

test('CREATE: superiors created too, ALREADYEXISTS, invalid names, USE (\\Sent), INBOX; DELETE: HASCHILDREN, INBOX, NONEXISTENT', async () => {
  const who = await userWith(srv);
  const c = await imapLogin(srv.port('imaps'), who, PASSWORD);
  assert.match((await c.cmd('CREATE a/b/c')).tagged, / OK CREATE completed$/);
  assert.match((await c.cmd('CREATE a/b')).tagged, / NO \[ALREADYEXISTS\] Mailbox already exists$/);
  assert.match((await c.cmd('CREATE INBOX')).tagged, / NO \[ALREADYEXISTS\] INBOX always exists$/);
  assert.match((await c.cmd('CREATE "x//y"')).tagged, / NO \[CANNOT\] The mailbox name has an empty level/);
  assert.match((await c.cmd('CREATE "/lead"')).tagged, / NO \[CANNOT\]/);
  assert.match((await c.cmd('CREATE "a*b"')).tagged, / NO \[CANNOT\] The mailbox name contains a wildcard/);
  assert.match((await c.cmd('CREATE Trailing/')).tagged, / OK /, 'RFC 9051 §6.3.4: a trailing delimiter only says a hierarchy is intended');
  assert.match((await c.cmd('CREATE "Sent Items" (USE (\\Sent))')).tagged, / OK /);
  assert.deepEqual((await c.cmd('LIST "" "Sent Items"')).untagged, ['* LIST (\\HasNoChildren \\Sent) "/" "Sent Items"']);
  assert.match((await c.cmd('CREATE Everything (USE (\\All))')).tagged, / BAD \[USEATTR\]/);
  assert.match((await c.cmd('DELETE a')).tagged, / NO \[HASCHILDREN\]/);
  assert.match((await c.cmd('DELETE a/b/c')).tagged, / OK DELETE completed$/);
  assert.match((await c.cmd('DELETE a/b')).tagged, / OK /);
  assert.match((await c.cmd('DELETE inbox')).tagged, / NO \[CANNOT\] INBOX cannot be deleted$/);
  assert.match((await c.cmd('DELETE nope')).tagged, / NO \[NONEXISTENT\] No such mailbox$/);
  assert.deepEqual((await c.cmd('LIST "" "a*"')).untagged, ['* LIST (\\HasNoChildren) "/" a']);
  c.close();
});

test('DELETE of a mailbox another session has selected: that session sees every message expunged', async () => {
  const who = await userWith(srv);
  const c = await imapLogin(srv.port('imaps'), who, PASSWORD);
  await c.cmd('CREATE Doomed');
  await c.cmd(appendCommand('Doomed', M('x')));
  await c.cmd(appendCommand('Doomed', M('y')));
  const d = await selected(srv, who, 'Doomed');
  assert.match((await c.cmd('DELETE Doomed')).tagged, / OK /);
  assert.deepEqual((await d.cmd('NOOP')).untagged, ['* 2 EXPUNGE', '* 1 EXPUNGE']);
  assert.match((await d.cmd('FETCH 1:* FLAGS')).tagged, / BAD Invalid message sequence number|OK/);
  c.close();
  d.close();
});

test('RENAME: inferiors follow, superiors appear, ALREADYEXISTS, NONEXISTENT, messages and UIDVALIDITY kept', async () => {
  const who = await userWith(srv);
  const c = await imapLogin(srv.port('imaps'), who, PASSWORD);
  await c.cmd('CREATE Old/Child');
  await c.cmd(appendCommand('Old', M('x')));
  const before = (await c.cmd('STATUS Old (UIDVALIDITY MESSAGES)')).untagged[0]!.replace('Old', 'X');
  assert.match((await c.cmd('RENAME Old New/Place')).tagged, / OK RENAME completed$/);
  assert.deepEqual((await c.cmd('LIST "" "New*"')).untagged, [
    '* LIST (\\HasChildren) "/" New',
    '* LIST (\\HasChildren) "/" New/Place',
    '* LIST (\\HasNoChildren) "/" New/Place/Child',
  ]);
  assert.equal((await c.cmd('STATUS New/Place (UIDVALIDITY MESSAGES)')).untagged[0]!.replace('New/Place', 'X'), before);
  assert.deepEqual((await c.cmd('LIST "" "Old*"')).untagged, []);
  assert.match((await c.cmd('RENAME New/Place Archive')).tagged, / NO \[ALREADYEXISTS\]/);
  assert.match((await c.cmd('RENAME Ghost Other')).tagged, / NO \[NONEXISTENT\]/);
  assert.match((await c.cmd('RENAME New New/Inside')).tagged, / NO \[CANNOT\] A mailbox cannot be moved inside itself$/);
  c.close();
});

test('RENAME INBOX moves its messages to the new mailbox and leaves INBOX empty (RFC 9051 §6.3.6)', async () => {
  const who = await userWith(srv, [M('one'), M('two')]);
  const c = await imapLogin(srv.port('imaps'), who, PASSWORD);
  assert.match((await c.cmd('RENAME INBOX "Old Inbox"')).tagged, / OK /);
  assert.deepEqual((await c.cmd('STATUS INBOX (MESSAGES)')).untagged, ['* STATUS INBOX (MESSAGES 0)']);
  assert.deepEqual((await c.cmd('STATUS "Old Inbox" (MESSAGES UIDNEXT)')).untagged, ['* STATUS "Old Inbox" (MESSAGES 2 UIDNEXT 3)']);
  c.close();
});

test('SUBSCRIBE/UNSUBSCRIBE and LSUB', async () => {
  const who = await userWith(srv);
  const c = await imapLogin(srv.port('imaps'), who, PASSWORD);
  await c.cmd('CREATE Feeds/News');
  assert.match((await c.cmd('UNSUBSCRIBE Junk')).tagged, / OK UNSUBSCRIBE completed$/);
  assert.match((await c.cmd('UNSUBSCRIBE Feeds')).tagged, / OK /);
  assert.deepEqual((await c.cmd('LSUB "" "*"')).untagged.map((l) => l.split(' ').pop()), ['INBOX', 'Archive', 'Drafts', 'Feeds/News', 'Sent', 'Trash']);
  assert.deepEqual((await c.cmd('LSUB "" "Feeds%"')).untagged, ['* LSUB (\\Noselect) "/" Feeds']);
  assert.match((await c.cmd('SUBSCRIBE Junk')).tagged, / OK SUBSCRIBE completed$/);
  assert.match((await c.cmd('SUBSCRIBE Nope')).tagged, / NO \[NONEXISTENT\]/);
  assert.deepEqual((await c.cmd('LIST "" "Junk" RETURN (SUBSCRIBED)')).untagged, ['* LIST (\\HasNoChildren \\Junk \\Subscribed) "/" Junk']);
  c.close();
});

test('STATUS: every item, NONEXISTENT, unknown item BAD', async () => {
  const who = await userWith(srv, [M('one'), M('two'), M('three')]);
  const c = await selected(srv, who);
  await c.cmd('STORE 1 +FLAGS (\\Seen \\Deleted)');
  const r = await c.cmd('STATUS INBOX (MESSAGES UIDNEXT UIDVALIDITY UNSEEN DELETED SIZE HIGHESTMODSEQ APPENDLIMIT RECENT)');
  assert.match(r.untagged[0]!, /^\* STATUS INBOX \(MESSAGES 3 UIDNEXT 4 UIDVALIDITY \d+ UNSEEN 2 DELETED 1 SIZE \d+ HIGHESTMODSEQ \d+ APPENDLIMIT 26214400 RECENT \d+\)$/);
  assert.match((await c.cmd('STATUS Nope (MESSAGES)')).tagged, / NO \[NONEXISTENT\] No such mailbox$/);
  assert.match((await c.cmd('STATUS INBOX (BOGUS)')).tagged, / BAD Unknown status item BOGUS$/);
  c.close();
});

test('mailbox names: modified UTF-7 for IMAP4rev1 clients, UTF-8 after ENABLE UTF8=ACCEPT; bad mUTF-7 is BAD', async () => {
  const who = await userWith(srv);
  const c = await imapLogin(srv.port('imaps'), who, PASSWORD);
  assert.match((await c.cmd('CREATE "Entw&APw-rfe"')).tagged, / OK /);
  assert.match((await c.cmd('CREATE "Tom & Jerry"')).tagged, / BAD Invalid mailbox name: not valid modified UTF-7/);
  assert.match((await c.cmd('CREATE "Tom &- Jerry"')).tagged, / OK /);
  assert.deepEqual((await c.cmd('LIST "" "Entw*"')).untagged, ['* LIST (\\HasNoChildren) "/" Entw&APw-rfe']);
  const d = await imapLogin(srv.port('imaps'), who, PASSWORD);
  await d.cmd('ENABLE UTF8=ACCEPT');
  assert.deepEqual((await d.cmd('LIST "" "Entw*"')).untagged, ['* LIST (\\HasNoChildren) "/" "Entwürfe"']);
  assert.deepEqual((await d.cmd('LIST "" "Tom*"')).untagged, ['* LIST (\\HasNoChildren) "/" "Tom & Jerry"']);
  assert.match((await d.cmd('CREATE "日本語"')).tagged, / OK /);
  assert.deepEqual((await c.cmd('LIST "" "&ZeVnLIqe-"')).untagged, ['* LIST (\\HasNoChildren) "/" &ZeVnLIqe-']);
  c.close();
  d.close();
});

test("another user's mailboxes are unreachable: names only ever resolve within the logged-in user", async () => {
  const alice = await userWith(srv, [M('private to alice')]);
  const bob = await userWith(srv);
  const a = await imapLogin(srv.port('imaps'), alice, PASSWORD);
  await a.cmd('CREATE Secret');
  const b = await imapLogin(srv.port('imaps'), bob, PASSWORD);
  assert.deepEqual((await b.cmd('LIST "" "*"')).untagged.map((l) => l.split(' ').pop()), ['INBOX', 'Archive', 'Drafts', 'Junk', 'Sent', 'Trash']);
  for (const cmd of ['SELECT Secret', `SELECT "${alice}/INBOX"`, 'STATUS Secret (MESSAGES)', 'DELETE Secret', 'RENAME Secret Mine', 'APPEND Secret {1+}\r\nx']) {
    assert.match((await b.cmd(cmd)).tagged, / NO \[(NONEXISTENT|TRYCREATE)\]/, cmd);
  }
  assert.deepEqual((await b.cmd('STATUS INBOX (MESSAGES)')).untagged, ['* STATUS INBOX (MESSAGES 0)']);
  await b.cmd('SELECT INBOX');
  assert.match((await b.cmd('COPY 1 Secret')).tagged, / BAD Invalid message sequence number/);
  assert.deepEqual((await a.cmd('STATUS Secret (MESSAGES)')).untagged, ['* STATUS Secret (MESSAGES 0)']);
  a.close();
  b.close();
});
