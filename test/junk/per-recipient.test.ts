/**
 * Per-recipient spam verdicts on a live MX: one message for two users whose statistics differ
 * (bob uses the global ones, alice her own once she has trained enough) is scored for each, and
 * each gets their own X-Mailwarden-Spam field and Junk decision; a refusal (reject = true) needs
 * every recipient's statistics to call the message near-certain spam.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { RawSmtp, message } from '../helpers/smtp-client.ts';
import { selected } from '../helpers/imap-client.ts';
import { messageTokens } from '../../src/junk/message.ts';
import { GLOBAL, userScope, type Label, type Scope } from '../../src/junk/ports.ts';
import { messageKey, train } from '../../src/junk/train.ts';

const OFFICE = ['meeting', 'agenda', 'quarterly', 'report', 'project', 'deadline', 'minutes', 'budget'];
const CASINO = ['casino', 'poker', 'tournament', 'chips', 'jackpot', 'roulette', 'blackjack', 'croupier'];
const PHARMA = ['pills', 'pharmacy', 'prescription', 'discount', 'tablets', 'generic', 'refill', 'dosage'];

const words = (list: string[], i: number) => Array.from({ length: 6 }, (_, k) => list[(i * 3 + k * 5) % list.length]).join(' ');
const office = (i: number) => message('Paul <paul@partner.test>', 'alice@example.test', `Re: ${words(OFFICE, i)}`, `Hi, the ${words(OFFICE, i + 1)} notes.\r\n`);
const casino = (i: number, subject = `${words(CASINO, i)} weekly`) => message('Casino Club <news@casino-club.test>', 'alice@example.test', subject, `This week: ${words(CASINO, i + 2)} results.\r\n`);
const pharma = (i: number) => message('Best Meds <offer@meds.test>', 'alice@example.test', `${words(PHARMA, i)} now`, `Cheap ${words(PHARMA, i + 1)} online.\r\n`);

async function trainAll(srv: TestServer, scope: Scope, label: Label, msgs: string[]): Promise<void> {
  for (const m of msgs) {
    const raw = Buffer.from(m);
    await train(srv.app.store.junk, [scope], { key: messageKey(raw), tokens: messageTokens(raw, null) }, label);
  }
}

/** Global statistics: office mail is ham, casino mail spam. Alice's own: casino mail is ham, pharmacy mail spam. */
async function setUp(overrides: Record<string, unknown> = {}): Promise<{ srv: TestServer; alice: number }> {
  const srv = await startTestServer({ spam: { min_trained: 5, user_min_trained: 6, ...overrides } } as never);
  const alice = (await srv.app.store.getUser('alice@example.test'))!.id;
  const n = Array.from({ length: 8 }, (_, i) => i);
  await trainAll(srv, GLOBAL, 'ham', n.map(office));
  await trainAll(srv, GLOBAL, 'spam', n.map((i) => casino(i)));
  await trainAll(srv, userScope(alice), 'ham', n.map((i) => casino(i + 20)));
  await trainAll(srv, userScope(alice), 'spam', n.map(pharma));
  return { srv, alice };
}

async function sendTo(srv: TestServer, msg: string, rcpts: string[]) {
  const c = await RawSmtp.open(srv.port('mx'));
  await c.cmd('EHLO sender.test');
  await c.cmd('MAIL FROM:<news@casino-club.test>');
  for (const r of rcpts) assert.equal((await c.cmd(`RCPT TO:<${r}>`)).code, 250);
  await c.cmd('DATA');
  const reply = await c.cmd(`${msg}.`);
  c.close();
  return reply;
}

/** The blob id of the message with `marker` in a mailbox. */
async function blobOf(srv: TestServer, who: string, box: string, marker: string): Promise<number> {
  const s = srv.app.store;
  const mb = await s.getMailbox((await s.getUser(who))!.id, box);
  for (const m of await s.listMessages(mb!.id)) if ((await s.readBlob(m.blobId)).toString('latin1').includes(marker)) return m.blobId;
  throw new Error(`no ${marker} in ${who} ${box}`);
}

const spamFields = (m: string) => m.match(/^X-Mailwarden-Spam:.*(?:\r\n[ \t].*)*/gim) ?? [];
const find = async (srv: TestServer, who: string, box: string, marker: string) => (await srv.mailbox(who, box)).filter((m) => m.includes(marker));

test('one message, two recipients with different statistics: each gets their own verdict, header and mailbox', async (t) => {
  const { srv } = await setUp();
  t.after(() => srv.close());
  const r = await sendTo(srv, casino(40, 'poker tournament marker-one'), ['alice@example.test', 'bob@example.test']);
  assert.equal(r.code, 250, r.text);

  // bob: global statistics, casino mail is spam -> Junk, header "spam"
  const bobJunk = await find(srv, 'bob@example.test', 'Junk', 'marker-one');
  assert.equal(bobJunk.length, 1, 'bob: one copy, in Junk');
  assert.equal((await find(srv, 'bob@example.test', 'INBOX', 'marker-one')).length, 0);
  assert.deepEqual(spamFields(bobJunk[0]!).length, 1, 'exactly one X-Mailwarden-Spam field');
  assert.match(spamFields(bobJunk[0]!)[0]!, /^X-Mailwarden-Spam: spam; score=/);

  // alice: her own statistics, casino mail is ham -> INBOX, header "ham"
  const aliceInbox = await find(srv, 'alice@example.test', 'INBOX', 'marker-one');
  assert.equal(aliceInbox.length, 1, 'alice: one copy, in INBOX');
  assert.equal((await find(srv, 'alice@example.test', 'Junk', 'marker-one')).length, 0);
  assert.deepEqual(spamFields(aliceInbox[0]!).length, 1, 'exactly one X-Mailwarden-Spam field');
  assert.match(spamFields(aliceInbox[0]!)[0]!, /^X-Mailwarden-Spam: ham; score=/);

  assert.notEqual(await blobOf(srv, 'alice@example.test', 'INBOX', 'marker-one'), await blobOf(srv, 'bob@example.test', 'Junk', 'marker-one'), 'two stored copies');
  // X-Mailwarden-Phishing combines the Bayes score with the phishing signals: each copy shows its own score
  const scoreOf = (m: string, field: string, key: string) => Number(new RegExp(`^${field}:[^]*?\\b${key}=([\\d.]+)`, 'im').exec(m)?.[1]);
  for (const copy of [aliceInbox[0]!, bobJunk[0]!]) {
    assert.equal((copy.match(/^X-Mailwarden-Phishing:/gim) ?? []).length, 1, 'exactly one X-Mailwarden-Phishing field');
    assert.ok(Number.isFinite(scoreOf(copy, 'X-Mailwarden-Spam', 'score')), 'a spam score');
    assert.equal(scoreOf(copy, 'X-Mailwarden-Phishing', 'bayes'), scoreOf(copy, 'X-Mailwarden-Spam', 'score'), 'its bayes= is this copy\'s own spam score');
  }
  assert.notEqual(scoreOf(aliceInbox[0]!, 'X-Mailwarden-Phishing', 'bayes'), scoreOf(bobJunk[0]!, 'X-Mailwarden-Phishing', 'bayes'));
  // Everything else in the two copies is the same message (Authentication-Results, Received, body).
  const strip = (m: string) => m.replace(/^X-Mailwarden-(?:Spam|Phishing):.*(?:\r\n[ \t].*)*\r\n/gim, '');
  assert.equal(strip(aliceInbox[0]!), strip(bobJunk[0]!));
});

test('recipients sharing statistics share one copy; a message both call spam goes to both Junk folders', async (t) => {
  const { srv } = await setUp();
  t.after(() => srv.close());
  // casino mail for two users on the global statistics: one verdict, one copy
  assert.equal((await sendTo(srv, casino(41, 'roulette jackpot marker-two'), ['bob@example.test', 'carol@other.test'])).code, 250);
  const bob = await find(srv, 'bob@example.test', 'Junk', 'marker-two');
  const carol = await find(srv, 'carol@other.test', 'Junk', 'marker-two');
  assert.equal(bob.length, 1);
  assert.equal(carol.length, 1);
  assert.equal(bob[0], carol[0]);
  assert.equal(await blobOf(srv, 'bob@example.test', 'Junk', 'marker-two'), await blobOf(srv, 'carol@other.test', 'Junk', 'marker-two'), 'one stored copy for both (same global verdict)');

  // pharmacy mail: spam for alice (her statistics), never seen by the global ones
  assert.equal((await sendTo(srv, pharma(42).replace('Subject: ', 'Subject: marker-three '), ['alice@example.test', 'bob@example.test'])).code, 250);
  assert.equal((await find(srv, 'alice@example.test', 'Junk', 'marker-three')).length, 1, 'alice: her statistics say spam');
  const bobCopy = await find(srv, 'bob@example.test', 'INBOX', 'marker-three');
  assert.equal(bobCopy.length, 1, 'bob: the global statistics never saw pharmacy mail');
  assert.doesNotMatch(spamFields(bobCopy[0]!)[0]!, /^X-Mailwarden-Spam: spam;/);
});

test('reject = true: refused only when every recipient\'s statistics call it near-certain spam', async (t) => {
  const { srv } = await setUp({ reject: true, reject_threshold: 0.99 });
  t.after(() => srv.close());
  // spam for bob (global), ham for alice (her own): accepted, delivered per recipient
  assert.equal((await sendTo(srv, casino(43, 'blackjack chips marker-four'), ['alice@example.test', 'bob@example.test'])).code, 250);
  assert.equal((await find(srv, 'alice@example.test', 'INBOX', 'marker-four')).length, 1);
  assert.equal((await find(srv, 'bob@example.test', 'Junk', 'marker-four')).length, 1);
  // spam for bob alone: refused
  const r = await sendTo(srv, casino(44, 'croupier poker marker-five'), ['bob@example.test']);
  assert.equal(r.code, 550, r.text);
  assert.match(r.text, /^550 5\.7\.1 /);
});

test('the per-recipient copies are one message for training: moving both into Junk counts it once globally', async (t) => {
  const { srv, alice } = await setUp();
  t.after(() => srv.close());
  assert.equal((await sendTo(srv, casino(45, 'chips roulette marker-six'), ['alice@example.test', 'bob@example.test'])).code, 250);
  const before = await srv.app.store.junk.getTotals(GLOBAL);
  // alice's copy (her verdict: ham, in INBOX) and bob's (spam, in Junk) differ in X-Mailwarden-Spam only
  const move = async (who: string, from: string, to: string) => {
    const c = await selected(srv, who, from);
    t.after(() => c.socket.destroy());
    assert.match((await c.cmd(`UID MOVE 1:* ${to}`)).tagged, / OK /);
    await c.cmd('LOGOUT');
  };
  await move('alice@example.test', 'INBOX', 'Junk'); // she says spam: her scope and the global one
  assert.deepEqual(await srv.app.store.junk.getTotals(GLOBAL), { ham: before.ham, spam: before.spam + 1 });
  assert.deepEqual(await srv.app.store.junk.getTotals(userScope(alice)), { ham: 8, spam: 9 });
  await move('bob@example.test', 'Junk', 'INBOX'); // bob says ham: the same message, relabelled, not added
  assert.deepEqual(await srv.app.store.junk.getTotals(GLOBAL), { ham: before.ham + 1, spam: before.spam });
});
