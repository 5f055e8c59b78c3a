/**
 * Webmail "Forget training" over real HTTPS, messages delivered by the real MX: not offered for a
 * message this user has not trained; after the Spam button, offered, and pressing it puts every
 * count (the message's tokens and the totals, in the user's scope and the global one) back
 * exactly where it was before the Spam button, the message staying where it is; a forged POST
 * (no CSRF token) changes nothing; a global record relabelled by someone else's verdict stays.
 * The same with the statistics in a real PostgreSQL (test/helpers/postgres.ts), which then goes
 * away: the page still opens (no button), Forget training says nothing was forgotten, and works
 * again once the database is back.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { message } from '../helpers/smtp-client.ts';
import { GLOBAL, userScope, type Scope } from '../../src/junk/ports.ts';
import { messageTokens, trainStored } from '../../src/junk/message.ts';
import { messageKey } from '../../src/junk/train.ts';
import { Browser, hidden, sendMx, uidOf } from './helpers.ts';
import { startTestPostgres, type TestPostgres } from '../helpers/postgres.ts';

let pg: TestPostgres;
before(async () => {
  pg = await startTestPostgres();
});
after(async () => {
  await pg?.close();
});

const HOST = 'mx.example.test';
const HAM = (i: number) => message('Paul <paul@partner.test>', 'bob@example.test', `minutes ${i}`, `Hi Bob, the meeting agenda and quarterly budget review notes ${i}.\r\n`);
const SPAM = (i: number) => message('Offer <offer@promo.test>', 'bob@example.test', `jackpot ${i}`, `Cheap pills casino lottery winner bonus offer ${i}!\r\n`);
const PROBE = message('Zed <zed@quokka.test>', 'alice@example.test', 'zanzibar marmalade offer', 'Quokka zanzibar marmalade periwinkle tambourine bonus offer.\r\n');

async function blobOf(srv: TestServer, address: string, mailbox: string, uid: number): Promise<number> {
  const s = srv.app.store;
  const mb = (await s.getMailbox((await s.getUser(address))!.id, mailbox))!;
  return (await s.getMessage(mb.id, uid))!.blobId;
}

test('Forget training: offered only for a message the user trained; undoes the Spam button exactly, in the user\'s and the global statistics; CSRF-protected', async (t) => {
  const srv = await startTestServer({ spam: { min_trained: 3 } } as never);
  t.after(() => srv.close());
  const s = srv.app.store;
  const junk = srv.app.junk;
  // background statistics sharing some of the probe's tokens ("offer", "bonus"), so counts are not all zero
  await sendMx(srv, 'bob@example.test', HAM(1), HAM(2), HAM(3), SPAM(1), SPAM(2), SPAM(3));
  const bob = (await s.getUser('bob@example.test'))!;
  const blobs = (await s.listMessages((await s.getMailbox(bob.id, 'INBOX'))!.id)).map((m) => m.blobId);
  const deps = { junk, readBlob: (id: number) => s.readBlob(id), authservId: HOST, trainGlobal: true };
  await trainStored(deps, bob.id, blobs.slice(0, 3), 'ham');
  await trainStored(deps, bob.id, blobs.slice(3), 'spam');

  await sendMx(srv, 'alice@example.test', PROBE);
  const alice = (await s.getUser('alice@example.test'))!;
  const uid = await uidOf(srv, 'alice@example.test', 'marmalade');
  const raw = await s.readBlob(await blobOf(srv, 'alice@example.test', 'INBOX', uid));
  const tokens = [...new Set(messageTokens(raw, HOST))];
  const scopes: Scope[] = [GLOBAL, userScope(alice.id)];
  const snapshot = () => Promise.all(scopes.map(async (sc) => ({ totals: await junk.getTotals(sc), counts: await junk.getCounts(sc, tokens) })));
  const start = await snapshot();
  assert.ok(start[0]!.counts.size > 0, 'some of the probe\'s tokens are already counted globally');

  const b = new Browser(srv.port('https'));
  assert.equal((await b.login('alice@example.test')).status, 303);
  const untrained = await b.get(`/mail/box/INBOX/${uid}`);
  assert.equal(untrained.status, 200);
  assert.doesNotMatch(untrained.body, /value="forget"|Forget training/, 'no button for a message this user has not trained');

  // Spam: every token +1 spam in both scopes, and the button appears
  assert.equal((await b.act('INBOX', uid, 'spam')).headers.location, '/mail/box/INBOX?done=spam');
  const junkUid = await uidOf(srv, 'alice@example.test', 'marmalade', 'Junk');
  const trained = await snapshot();
  assert.deepEqual(trained.map((x) => x.totals), start.map((x) => ({ ham: x.totals.ham, spam: x.totals.spam + 1 })));
  for (const [i, x] of trained.entries()) for (const tk of tokens) assert.equal(x.counts.get(tk)!.spam, (start[i]!.counts.get(tk)?.spam ?? 0) + 1, tk);
  const page = await b.get(`/mail/box/Junk/${junkUid}`);
  assert.match(page.body, /<button type="submit" name="action" value="forget">Forget training<\/button>/);
  assert.match(page.body, /You trained the filter with this message as <b>spam<\/b>/);

  // a forged POST (no token, or another site) is refused and forgets nothing
  const url = `/mail/box/Junk/${junkUid}/action`;
  assert.equal((await b.post(url, { action: 'forget' })).status, 403);
  assert.equal((await b.post(url, { action: 'forget', csrf: hidden(page.body, 'csrf') }, { origin: 'https://evil.test' })).status, 403);
  assert.deepEqual(await snapshot(), trained);

  // Forget: the counts are exactly what they were before Spam; the message stays in Junk
  const forgot = await b.act('Junk', junkUid, 'forget');
  assert.equal(forgot.status, 303);
  assert.equal(forgot.headers.location, `/mail/box/Junk/${junkUid}?done=forgotten`);
  const after = await b.get(forgot.headers.location!);
  assert.match(after.body, /The spam filter forgot what it learned from this message/);
  assert.doesNotMatch(after.body, /value="forget"/, 'nothing left to forget: no button');
  assert.deepEqual(await snapshot(), start, 'every count and total back where it was');
  for (const sc of scopes) assert.equal(await junk.getRecord(sc, messageKey(raw)), null, 'no training record left');
  assert.ok(await uidOf(srv, 'alice@example.test', 'marmalade', 'Junk'), 'still in Junk');
  // again (an old page): nothing to forget, nothing changes
  assert.equal((await b.act('Junk', junkUid, 'forget')).headers.location, `/mail/box/Junk/${junkUid}?done=untrained`);
  assert.deepEqual(await snapshot(), start);

  // Not spam trains ham; meanwhile bob's verdict on his copy relabels the global record as spam:
  // forgetting alice's training leaves the global record, which is bob's now
  assert.equal((await b.act('Junk', junkUid, 'notspam')).headers.location, '/mail/box/Junk?done=notspam');
  const back = await uidOf(srv, 'alice@example.test', 'marmalade', 'INBOX');
  assert.match((await b.get(`/mail/box/INBOX/${back}`)).body, /as <b>not spam<\/b>/);
  await trainStored(deps, bob.id, [await blobOf(srv, 'alice@example.test', 'INBOX', back)], 'spam');
  const globalBefore = { totals: await junk.getTotals(GLOBAL), counts: await junk.getCounts(GLOBAL, tokens) };
  assert.equal((await b.act('INBOX', back, 'forget')).headers.location, `/mail/box/INBOX/${back}?done=forgotten`);
  assert.deepEqual(await snapshot().then((x) => x[1]), start[1], 'alice\'s own statistics back where they were');
  assert.deepEqual({ totals: await junk.getTotals(GLOBAL), counts: await junk.getCounts(GLOBAL, tokens) }, globalBefore, 'the global record (bob\'s spam verdict) stays');
});

test('Forget training with the statistics in PostgreSQL: exact there too; with the database gone the page opens and nothing is forgotten; back, it works', async (t) => {
  const srv = await startTestServer({ spam: { statistics: pg.url } } as never);
  t.after(() => srv.close());
  const s = srv.app.store;
  const junk = srv.app.junk;
  await sendMx(srv, 'alice@example.test', PROBE);
  const alice = (await s.getUser('alice@example.test'))!;
  const uid = await uidOf(srv, 'alice@example.test', 'marmalade');
  const tokens = [...new Set(messageTokens(await s.readBlob(await blobOf(srv, 'alice@example.test', 'INBOX', uid)), HOST))];
  const snapshot = () => Promise.all([GLOBAL, userScope(alice.id)].map(async (sc) => ({ totals: await junk.getTotals(sc), counts: await junk.getCounts(sc, tokens) })));
  const start = await snapshot();
  const b = new Browser(srv.port('https'));
  assert.equal((await b.login('alice@example.test')).status, 303);
  assert.equal((await b.act('INBOX', uid, 'spam')).status, 303);
  const junkUid = await uidOf(srv, 'alice@example.test', 'marmalade', 'Junk');
  assert.equal((await pg.admin('SELECT count(*)::integer AS n FROM junk_records WHERE scope = $1', [`user:${HOST}:${alice.id}`])).rows[0]!.n, 1, 'trained in PostgreSQL');
  await pg.admin('CHECKPOINT'); // the test server commits asynchronously and stops with -m immediate
  await pg.stop();
  try {
    const page = await b.get(`/mail/box/Junk/${junkUid}`);
    assert.equal(page.status, 200, 'the page opens without the statistics');
    assert.doesNotMatch(page.body, /value="forget"/);
    const failed = await b.post(`/mail/box/Junk/${junkUid}/action`, { csrf: hidden(page.body, 'csrf'), action: 'forget' });
    assert.equal(failed.headers.location, `/mail/box/Junk/${junkUid}?done=unforgotten`);
    assert.match((await b.get(failed.headers.location!)).body, /could not be reached; nothing was forgotten/);
  } finally {
    await pg.start();
  }
  // back: the pool replaces the connections the restart broke (a request may still meet one)
  let shown = false;
  for (let i = 0; i < 20 && !shown; i++) {
    shown = /value="forget"/.test((await b.get(`/mail/box/Junk/${junkUid}`)).body);
    if (!shown) await new Promise((r) => setTimeout(r, 250));
  }
  assert.ok(shown, 'back: the button again');
  assert.equal((await b.act('Junk', junkUid, 'forget')).headers.location, `/mail/box/Junk/${junkUid}?done=forgotten`);
  assert.deepEqual(await snapshot(), start, 'every count and total back where it was, in PostgreSQL');
});
