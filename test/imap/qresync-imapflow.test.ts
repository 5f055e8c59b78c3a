/**
 * QRESYNC (RFC 7162 §3.2) with a real client library: imapflow with `qresync: true` enables it,
 * receives expunges as VANISHED (its 'expunge' events carry UIDs), reopens the mailbox with its
 * cached UIDVALIDITY and HIGHESTMODSEQ and is told what vanished (VANISHED (EARLIER)) and which
 * flags changed, and fetches with changedSince, which imapflow sends with VANISHED.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { ImapFlow, type MailboxOpenOptions } from 'imapflow';
import { startTestServer, PASSWORD, type TestServer } from '../helpers/server.ts';
import { selected, userWith } from '../helpers/imap-client.ts';

let srv: TestServer;
before(async () => {
  srv = await startTestServer();
});
after(() => srv.close());

const M = (s: string) => `Subject: ${s}\r\n\r\n${s}\r\n`;

function client(user: string): ImapFlow {
  return new ImapFlow({ host: '127.0.0.1', port: srv.port('imaps'), secure: true, tls: { rejectUnauthorized: false }, auth: { user, pass: PASSWORD }, logger: false, qresync: true });
}

interface Expunged {
  uid?: number;
  seq?: number;
  vanished: boolean;
  earlier?: boolean;
}

test('imapflow (qresync: true): VANISHED while selected, then a quick resync by UIDVALIDITY and HIGHESTMODSEQ', async () => {
  const who = await userWith(srv, [M('one'), M('two'), M('three'), M('four'), M('five')]);
  const first = client(who);
  await first.connect();
  assert.ok(first.enabled.has('QRESYNC'), 'imapflow enabled QRESYNC');
  const opened = await first.mailboxOpen('INBOX');
  const cache = { uidValidity: opened.uidValidity, modseq: opened.highestModseq! };
  assert.equal(typeof cache.modseq, 'bigint');
  const live: Expunged[] = [];
  first.on('expunge', (e: Expunged) => live.push(e));

  const other = await selected(srv, who);
  await other.cmd('UID STORE 2 +FLAGS (\\Deleted)');
  await other.cmd('UID EXPUNGE 2');
  await first.noop();
  assert.deepEqual(live, [{ path: 'INBOX', uid: 2, vanished: true, earlier: false }], 'told by UID, with VANISHED');
  await first.logout();

  // While the client is away: another expunge and a flag change.
  await other.cmd('UID STORE 4 +FLAGS (\\Deleted)');
  await other.cmd('UID EXPUNGE 4');
  await other.cmd('UID STORE 3 +FLAGS (\\Flagged)');
  other.close();

  const again = client(who);
  const vanished: Expunged[] = [];
  const flags: Array<{ uid?: number; flags: Set<string> }> = [];
  again.on('expunge', (e: Expunged) => vanished.push(e));
  again.on('flags', (f: { uid?: number; flags: Set<string> }) => flags.push(f));
  await again.connect();
  // imapflow's select takes the cached state (lib/commands/select.js); its typings do not list it.
  const resync = { changedSince: cache.modseq, uidValidity: cache.uidValidity } as MailboxOpenOptions;
  const reopened = await again.mailboxOpen('INBOX', resync);
  assert.equal(reopened.exists, 3);
  assert.ok(reopened.highestModseq! > cache.modseq);
  assert.deepEqual(vanished.map((e) => [e.uid, e.vanished, e.earlier]), [[2, true, true], [4, true, true]], 'VANISHED (EARLIER) for both expunges since the cached modseq');
  assert.deepEqual(flags.map((f) => [f.uid, [...f.flags]]), [[3, ['\\Flagged']]], 'the changed flags, by UID');

  vanished.length = 0;
  const changed: Array<[number, string[]]> = [];
  for await (const m of again.fetch('1:*', { flags: true }, { uid: true, changedSince: cache.modseq })) changed.push([m.uid, [...m.flags!]]);
  assert.deepEqual(changed, [[3, ['\\Flagged']]]);
  assert.deepEqual(vanished.map((e) => [e.uid, e.earlier]), [[2, true], [4, true]], 'UID FETCH (CHANGEDSINCE n VANISHED)');
  await again.logout();
});
