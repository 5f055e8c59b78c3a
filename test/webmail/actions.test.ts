/**
 * Webmail actions over real HTTPS: CSRF (missing, wrong, cross-site → 403, nothing changes), and
 * the Spam / Not spam buttons training the filter exactly as IMAP MOVE does — Spam counts the
 * message as spam (a similar message then scores higher), Not spam relabels it as ham (the token
 * counts are those of one ham training, never both) — with IMAP IDLE clients told; delete to
 * Trash then for good; read/unread and flag.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { message } from '../helpers/smtp-client.ts';
import { selected } from '../helpers/imap-client.ts';
import { GLOBAL, userScope, type Counts, type Scope } from '../../src/junk/ports.ts';
import { messageTokens, trainStored } from '../../src/junk/message.ts';
import { parseSpamHeaderField } from '../../src/junk/header.ts';
import { Browser, sendMx, uidOf } from './helpers.ts';

const HOST = 'mx.example.test';

async function stored(srv: TestServer, address: string, mailbox: string, uid: number) {
  const s = srv.app.store;
  const mb = (await s.getMailbox((await s.getUser(address))!.id, mailbox))!;
  return s.getMessage(mb.id, uid);
}

test('CSRF: missing, wrong or cross-site POSTs are refused with 403 and change nothing', async (t) => {
  const srv = await startTestServer();
  t.after(() => srv.close());
  await sendMx(srv, 'alice@example.test', message('P <p@partner.test>', 'alice@example.test', 'csrf target'));
  const uid = await uidOf(srv, 'alice@example.test', 'csrf target');
  const b = new Browser(srv.port('https'));
  assert.equal((await b.login('alice@example.test')).status, 303);
  const url = `/mail/box/INBOX/${uid}/action`;
  const token = await b.csrf(`/mail/box/INBOX/${uid}`);
  const self = `https://127.0.0.1:${srv.port('https')}`;
  const refused: Array<[string, Record<string, string>, Record<string, string>]> = [
    ['no token', { action: 'spam' }, {}],
    ['empty token', { action: 'spam', csrf: '' }, {}],
    ['wrong token', { action: 'spam', csrf: `${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}` }, {}], // one character off
    ['another session\'s token', { action: 'spam', csrf: await (async () => { const o = new Browser(srv.port('https')); await o.login('bob@example.test'); return o.csrf(); })() }, {}],
    ['cross-site Origin', { action: 'spam', csrf: token }, { origin: 'https://evil.test' }],
    ['Origin over plain http', { action: 'spam', csrf: token }, { origin: `http://127.0.0.1:${srv.port('https')}` }],
    ['Sec-Fetch-Site cross-site', { action: 'spam', csrf: token }, { 'sec-fetch-site': 'cross-site' }],
  ];
  for (const [why, form, headers] of refused) {
    const r = await b.post(url, form, headers);
    assert.equal(r.status, 403, why);
  }
  assert.equal((await b.post('/mail/logout', {})).status, 403, 'logout needs the token too');
  assert.equal((await b.get(url)).status, 404, 'no GET route changes anything');
  assert.ok(await stored(srv, 'alice@example.test', 'INBOX', uid), 'still in INBOX');
  assert.equal((await srv.app.store.junk.getTotals(GLOBAL)).spam, 0, 'nothing trained');
  // what a browser sends from our own page passes
  const ok = await b.post(url, { action: 'flag', csrf: token }, { origin: self, 'sec-fetch-site': 'same-origin' });
  assert.equal(ok.status, 303);
  assert.deepEqual((await stored(srv, 'alice@example.test', 'INBOX', uid))!.flags.sort(), ['\\Flagged', '\\Seen']);
});

const HAM = (i: number) => message('Paul <paul@partner.test>', 'bob@example.test', `minutes ${i}`, `Hi Bob, the meeting agenda and quarterly budget review notes ${i}.\r\n`);
const SPAM = (i: number) => message('Offer <offer@promo.test>', 'bob@example.test', `jackpot ${i}`, `Cheap pills casino lottery winner bonus ${i}!\r\n`);
const PROBE = (tag: string) => message('Zed <zed@quokka.test>', 'alice@example.test', `zanzibar marmalade ${tag}`, `Quokka zanzibar marmalade periwinkle tambourine xylophone offer ${tag}.\r\n`);

test('Spam trains spam, Not spam relabels as ham (counted once), as IMAP MOVE; IDLE sees the move', async (t) => {
  const srv = await startTestServer({ spam: { min_trained: 3 } } as never);
  t.after(() => srv.close());
  const s = srv.app.store;
  // background statistics, trained by the same code the server uses for IMAP MOVE
  await sendMx(srv, 'bob@example.test', HAM(1), HAM(2), HAM(3), SPAM(1), SPAM(2), SPAM(3));
  const bob = (await s.getUser('bob@example.test'))!;
  const bobInbox = (await s.getMailbox(bob.id, 'INBOX'))!;
  const blobs = (await s.listMessages(bobInbox.id)).map((m) => m.blobId);
  const deps = { junk: s.junk, readBlob: (id: number) => s.readBlob(id), authservId: HOST, trainGlobal: true };
  await trainStored(deps, bob.id, blobs.slice(0, 3), 'ham');
  await trainStored(deps, bob.id, blobs.slice(3), 'spam');
  assert.deepEqual(await s.junk.getTotals(GLOBAL), { ham: 3, spam: 3 });

  const scoreOf = async (marker: string) => {
    for (const box of ['INBOX', 'Junk']) {
      try {
        const m = (await stored(srv, 'alice@example.test', box, await uidOf(srv, 'alice@example.test', marker, box)))!;
        const field = /^X-Mailwarden-Spam:(.*(?:\r\n[ \t].*)*)/im.exec((await s.readBlob(m.blobId)).toString('utf8'))![1]!;
        const p = parseSpamHeaderField(field);
        assert.ok(p && 'score' in p, field);
        return p.score;
      } catch (e) {
        if (!String(e).includes('no message with')) throw e;
      }
    }
    throw new Error(`no ${marker}`);
  };
  await sendMx(srv, 'alice@example.test', PROBE('first'));
  const before = await scoreOf('marmalade first');
  const uid = await uidOf(srv, 'alice@example.test', 'marmalade first');
  const alice = (await s.getUser('alice@example.test'))!;
  const raw = await s.readBlob((await stored(srv, 'alice@example.test', 'INBOX', uid))!.blobId);
  const tokens = [...new Set(messageTokens(raw, HOST))];
  const scopes: Scope[] = [GLOBAL, userScope(alice.id)];
  const snapshot = async () => Promise.all(scopes.map(async (sc) => ({ totals: await s.junk.getTotals(sc), counts: await s.junk.getCounts(sc, tokens) })));
  const start = await snapshot();
  const shifted = (snap: typeof start, d: Counts) =>
    snap.map((x) => ({
      totals: { ham: x.totals.ham + d.ham, spam: x.totals.spam + d.spam },
      counts: new Map(tokens.map((tk) => [tk, { ham: (x.counts.get(tk)?.ham ?? 0) + d.ham, spam: (x.counts.get(tk)?.spam ?? 0) + d.spam }] as const)),
    }));
  const normal = (snap: typeof start) => snap.map((x) => ({ totals: x.totals, counts: new Map(tokens.map((tk) => [tk, x.counts.get(tk) ?? { ham: 0, spam: 0 }] as const)) }));

  // an IMAP client idling on INBOX
  const imap = await selected(srv, 'alice@example.test');
  t.after(() => imap.socket.destroy());
  imap.write('i1 IDLE\r\n');
  assert.match(await imap.response(), /^\+ /);

  const b = new Browser(srv.port('https'));
  assert.equal((await b.login('alice@example.test')).status, 303);
  const spam = await b.act('INBOX', uid, 'spam');
  assert.equal(spam.status, 303);
  assert.equal(spam.headers.location, '/mail/box/INBOX?done=spam');
  assert.match((await b.get(spam.headers.location!)).body, /Moved to Junk; the spam filter learned it as spam\./);
  // opening the page set \Seen (FETCH), the move expunged it from INBOX
  assert.equal(await imap.response(5000), '* 1 FETCH (UID 1 FLAGS (\\Seen))');
  assert.equal(await imap.response(5000), '* 1 EXPUNGE', 'IDLE client told');
  imap.write('DONE\r\n');
  assert.match((await imap.until('i1', 5000)).tagged, /^i1 OK/);
  const junkUid = await uidOf(srv, 'alice@example.test', 'marmalade first', 'Junk');
  assert.deepEqual(normal(await snapshot()), shifted(start, { ham: 0, spam: 1 }), 'every token +1 spam, in the user\'s scope and the global one');

  // a similar message now scores higher
  await sendMx(srv, 'alice@example.test', PROBE('second'));
  const afterSpam = await scoreOf('marmalade second');
  assert.ok(afterSpam > before, `score moved up: ${before} -> ${afterSpam}`);

  // Not spam: back to INBOX, relabelled — the counts are those of one ham training
  const back = await b.act('Junk', junkUid, 'notspam');
  assert.equal(back.status, 303);
  assert.equal(back.headers.location, '/mail/box/Junk?done=notspam');
  const again = await uidOf(srv, 'alice@example.test', 'marmalade first', 'INBOX');
  assert.deepEqual(normal(await snapshot()), shifted(start, { ham: 1, spam: 0 }), 'spam training undone, counted once as ham');
  // "Not spam" on a message outside Junk and "Spam" on one inside are no-ops: never counted twice
  assert.equal((await b.act('INBOX', again, 'notspam')).status, 303);
  assert.deepEqual(normal(await snapshot()), shifted(start, { ham: 1, spam: 0 }));
  await sendMx(srv, 'alice@example.test', PROBE('third'));
  const afterHam = await scoreOf('marmalade third');
  assert.ok(afterHam < afterSpam, `score moved down again: ${afterSpam} -> ${afterHam}`);
});

test('delete to Trash, then for good; read/unread; flag/unflag; Spam creates a missing Junk with \\Junk', async (t) => {
  const srv = await startTestServer();
  t.after(() => srv.close());
  const s = srv.app.store;
  await sendMx(srv, 'alice@example.test', message('P <p@partner.test>', 'alice@example.test', 'to delete'), message('P <p@partner.test>', 'alice@example.test', 'to junk'));
  const b = new Browser(srv.port('https'));
  assert.equal((await b.login('alice@example.test')).status, 303);
  const uid = await uidOf(srv, 'alice@example.test', 'to delete');
  assert.equal((await b.get(`/mail/box/INBOX/${uid}`)).status, 200);
  assert.ok((await stored(srv, 'alice@example.test', 'INBOX', uid))!.flags.includes('\\Seen'), 'opened: \\Seen');
  const unread = await b.act('INBOX', uid, 'unseen');
  assert.equal(unread.headers.location, '/mail/box/INBOX?done=unread');
  assert.ok(!(await stored(srv, 'alice@example.test', 'INBOX', uid))!.flags.includes('\\Seen'));
  await b.act('INBOX', uid, 'flag');
  assert.ok((await stored(srv, 'alice@example.test', 'INBOX', uid))!.flags.includes('\\Flagged'));
  assert.match((await b.get('/mail/')).body, /title="flagged"/);
  await b.act('INBOX', uid, 'unflag');
  assert.ok(!(await stored(srv, 'alice@example.test', 'INBOX', uid))!.flags.includes('\\Flagged'));

  assert.equal((await b.act('INBOX', uid, 'delete')).headers.location, '/mail/box/INBOX?done=trash');
  const inTrash = await uidOf(srv, 'alice@example.test', 'to delete', 'Trash');
  assert.equal(await stored(srv, 'alice@example.test', 'INBOX', uid), null);
  assert.equal((await b.act('Trash', inTrash, 'delete')).headers.location, '/mail/box/Trash?done=expunged');
  assert.equal(await stored(srv, 'alice@example.test', 'Trash', inTrash), null, 'gone for good');

  const alice = (await s.getUser('alice@example.test'))!;
  await s.deleteMailbox((await s.getMailbox(alice.id, 'Junk'))!.id);
  const j = await uidOf(srv, 'alice@example.test', 'to junk');
  assert.equal((await b.act('INBOX', j, 'spam')).status, 303);
  const junk = await s.getMailbox(alice.id, 'Junk');
  assert.equal(junk?.specialUse, '\\Junk');
  assert.ok(await uidOf(srv, 'alice@example.test', 'to junk', 'Junk'));
});
