// Training through the port: never counted twice, untraining exact, spam → ham reversal,
// concurrent training counted once, per-user precedence.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chooseScope, groupByScope, scoreTokens } from './filter.ts';
import { MemoryJunkStore } from './memory.ts';
import { GLOBAL, userScope, type JunkStore, type Scope } from './ports.ts';
import { tokenize } from './tokenize.ts';
import { DEFAULT_THICK, legacyMessageKey, messageKey, scopesFor, train, trainScope, trainThick, untrain, untrainScope } from './train.ts';

const A = { key: 'a', tokens: ['cheap', 'pills', 'now', 'now'] };
const B = { key: 'b', tokens: ['meeting', 'now'] };

async function snapshot(store: JunkStore, scope: Scope, tokens: string[]) {
  return { totals: await store.getTotals(scope), counts: [...(await store.getCounts(scope, tokens))].sort() };
}

test('training the same message twice counts it once', async () => {
  const store = new MemoryJunkStore();
  assert.equal(await trainScope(store, GLOBAL, A, 'spam'), 'trained');
  assert.equal(await trainScope(store, GLOBAL, A, 'spam'), 'unchanged');
  assert.deepEqual(await store.getTotals(GLOBAL), { ham: 0, spam: 1 });
  assert.deepEqual(await store.getCounts(GLOBAL, ['now', 'cheap']), new Map([['now', { ham: 0, spam: 1 }], ['cheap', { ham: 0, spam: 1 }]]));
});

test('spam → ham undoes the spam training, then counts ham', async () => {
  const store = new MemoryJunkStore();
  await trainScope(store, GLOBAL, B, 'ham');
  await trainScope(store, GLOBAL, A, 'spam');
  assert.equal(await trainScope(store, GLOBAL, A, 'ham'), 'relabelled');
  assert.deepEqual(await store.getTotals(GLOBAL), { ham: 2, spam: 0 });
  assert.deepEqual(await store.getCounts(GLOBAL, ['now', 'pills']), new Map([['now', { ham: 2, spam: 0 }], ['pills', { ham: 1, spam: 0 }]]));
  assert.equal((await store.getRecord(GLOBAL, 'a'))?.label, 'ham');
});

test('untraining is exact, even if the tokenizer changed since', async () => {
  const store = new MemoryJunkStore();
  await trainScope(store, GLOBAL, B, 'ham');
  const before = await snapshot(store, GLOBAL, ['cheap', 'pills', 'now', 'meeting']);
  await trainScope(store, GLOBAL, A, 'spam');
  assert.equal(await untrainScope(store, GLOBAL, 'a'), 'untrained');
  assert.equal(await untrainScope(store, GLOBAL, 'a'), 'absent');
  assert.deepEqual(await snapshot(store, GLOBAL, ['cheap', 'pills', 'now', 'meeting']), before);
  await untrainScope(store, GLOBAL, 'b');
  assert.equal(store.tokenCount(GLOBAL), 0);
  assert.deepEqual(await store.getTotals(GLOBAL), { ham: 0, spam: 0 });
});

test('concurrent training of one message counts it once', async () => {
  const store = new MemoryJunkStore();
  const outcomes = await Promise.all([trainScope(store, GLOBAL, A, 'spam'), trainScope(store, GLOBAL, A, 'spam'), trainScope(store, GLOBAL, A, 'ham')]);
  const totals = await store.getTotals(GLOBAL);
  assert.equal(totals.ham + totals.spam, 1, JSON.stringify(outcomes));
  assert.equal((await store.getCounts(GLOBAL, ['now'])).get('now')!.ham + (await store.getCounts(GLOBAL, ['now'])).get('now')!.spam, 1);
});

test('a commit that does not match the stored record changes nothing', async () => {
  const store = new MemoryJunkStore();
  await trainScope(store, GLOBAL, A, 'spam');
  const stale = { key: 'a', label: 'ham' as const, tokens: A.tokens, trainedAt: 0 };
  assert.equal(await store.commit(GLOBAL, 'a', { remove: stale, add: null }), false);
  assert.equal(await store.commit(GLOBAL, 'a', { remove: null, add: stale }), false);
  assert.deepEqual(await store.getTotals(GLOBAL), { ham: 0, spam: 1 });
});

test('scopes are separate; a user verdict trains the user and the global scope', async () => {
  const store = new MemoryJunkStore();
  assert.deepEqual(scopesFor(7), [userScope(7), GLOBAL]);
  assert.deepEqual(scopesFor(7, false), [userScope(7)]);
  assert.deepEqual(await train(store, scopesFor(7), A, 'spam'), ['trained', 'trained']);
  assert.deepEqual(await store.getTotals(userScope(8)), { ham: 0, spam: 0 });
  assert.deepEqual(await untrain(store, scopesFor(7), 'a'), ['untrained', 'untrained']);
});

test('training moves scores the right way', async () => {
  const store = new MemoryJunkStore();
  const spam = (i: number) => Buffer.from(`Subject: win cash now ${i}\r\n\r\nclaim your prize money today winner ${i}`);
  const ham = (i: number) => Buffer.from(`Subject: minutes of meeting ${i}\r\n\r\nthe agenda for tomorrow's project review ${i}`);
  const probe = tokenize(Buffer.from('Subject: win a prize\r\n\r\nclaim your money'));
  const s0 = (await scoreTokens(store, null, probe)).score;
  for (let i = 0; i < 5; i++) {
    await trainScope(store, GLOBAL, { key: `s${i}`, tokens: tokenize(spam(i)) }, 'spam');
    await trainScope(store, GLOBAL, { key: `h${i}`, tokens: tokenize(ham(i)) }, 'ham');
  }
  const s1 = await scoreTokens(store, null, probe);
  assert.equal(s0, 0.5);
  assert.ok(s1.score > 0.9 && s1.verdict === 'spam', String(s1.score));
  assert.ok((await scoreTokens(store, null, tokenize(Buffer.from('\r\nagenda for the project review')))).score < 0.1);
});

test('per-user statistics take precedence once they have enough data', async () => {
  const store = new MemoryJunkStore();
  const policy = { minHam: 3, minSpam: 3 };
  // Globally, "newsletter" is spam; this user wants newsletters.
  for (let i = 0; i < 5; i++) {
    await trainScope(store, GLOBAL, { key: `gs${i}`, tokens: ['newsletter', `g${i}`] }, 'spam');
    await trainScope(store, GLOBAL, { key: `gh${i}`, tokens: ['lunch', `g${i}`] }, 'ham');
  }
  const user = 42;
  for (let i = 0; i < 2; i++) await trainScope(store, userScope(user), { key: `uh${i}`, tokens: ['newsletter'] }, 'ham');
  assert.deepEqual(await chooseScope(store, user, policy), GLOBAL); // not enough data yet
  assert.equal((await scoreTokens(store, user, ['newsletter'], { policy })).verdict, 'spam');
  await trainScope(store, userScope(user), { key: 'uh2', tokens: ['newsletter'] }, 'ham');
  for (let i = 0; i < 3; i++) await trainScope(store, userScope(user), { key: `us${i}`, tokens: ['lottery'] }, 'spam');
  const r = await scoreTokens(store, user, ['newsletter'], { policy });
  assert.deepEqual(r.scope, userScope(user));
  assert.equal(r.verdict, 'ham');
  assert.equal((await scoreTokens(store, null, ['newsletter'], { policy })).verdict, 'spam'); // others unaffected
});

test('messageKey ignores the mbox From_ line', () => {
  assert.equal(messageKey(Buffer.from('From a@b  Thu Aug 22 2002\nSubject: x\n\nbody')), messageKey(Buffer.from('Subject: x\n\nbody')));
  assert.match(messageKey(Buffer.from('x')), /^sha256:[0-9a-f]{64}$/);
});

test('recipients grouped by the statistics that score them: trained users alone, the rest global', async () => {
  const store = new MemoryJunkStore();
  const policy = { minHam: 2, minSpam: 2 };
  for (const u of [7, 9]) {
    for (let i = 0; i < 2; i++) {
      await trainScope(store, userScope(u), { key: `h${u}${i}`, tokens: ['x'] }, 'ham');
      await trainScope(store, userScope(u), { key: `s${u}${i}`, tokens: ['y'] }, 'spam');
    }
  }
  await trainScope(store, userScope(3), { key: 'only-ham', tokens: ['x'] }, 'ham'); // not enough
  assert.deepEqual(await groupByScope(store, [9, 3, 7, 5, 3], policy), [
    { scope: GLOBAL, userIds: [3, 5] },
    { scope: userScope(7), userIds: [7] },
    { scope: userScope(9), userIds: [9] },
  ]);
  assert.deepEqual(await groupByScope(store, [9, 7], policy), [{ scope: userScope(7), userIds: [7] }, { scope: userScope(9), userIds: [9] }], 'no global group when nobody needs it');
  assert.deepEqual(await groupByScope(store, [], policy), [{ scope: GLOBAL, userIds: [] }], 'no local user: the global statistics');
  assert.deepEqual(await groupByScope(store, [7, 9], policy, 1), [{ scope: GLOBAL, userIds: [9] }, { scope: userScope(7), userIds: [7] }], 'at most maxPersonal personal scopes');
});

test('memory store: counts handed out are not changed by later training', async () => {
  const store = new MemoryJunkStore();
  await trainScope(store, GLOBAL, A, 'spam');
  const before = await store.getCounts(GLOBAL, ['now']);
  await trainScope(store, GLOBAL, B, 'ham');
  await untrainScope(store, GLOBAL, 'a');
  assert.deepEqual(before.get('now'), { ham: 0, spam: 1 });
  assert.deepEqual((await store.getCounts(GLOBAL, ['now'])).get('now'), { ham: 1, spam: 0 });
});

test('messageKey leaves out our X-Mailwarden-Spam fields: per-recipient copies are one message', () => {
  const body = 'Subject: x\r\n\r\nbody\r\nX-Mailwarden-Spam: in the body stays\r\n';
  const plain = messageKey(Buffer.from(body));
  const copyA = Buffer.from(`X-Mailwarden-Spam: ham; score=0.0100; cutoffs=0.20/0.95;\r\n clues="a"=0.010\r\n${body}`);
  const copyB = Buffer.from(`x-mailwarden-spam : spam; score=0.9900\r\n${body}`);
  assert.equal(messageKey(copyA), plain);
  assert.equal(messageKey(copyB), plain);
  assert.notEqual(messageKey(Buffer.from(body.replace('stays', 'changed'))), plain, 'the body counts');
  assert.equal(legacyMessageKey(Buffer.from(body)), null, 'no field: the key never changed');
  assert.notEqual(legacyMessageKey(copyA), plain);
  // X-Mailwarden-Phishing carries the (per-recipient) Bayes score too
  const copyC = Buffer.from(`X-Mailwarden-Spam: spam; score=0.9900\r\nX-Mailwarden-Phishing: warn; score=0.9950; bayes=0.9900;\r\n phishing=0.5000; first-contact a@b.test\r\n${body}`);
  assert.equal(messageKey(copyC), plain);
});

test('a message trained under its legacy key keeps that record: relabelling stays exact', async () => {
  const store = new MemoryJunkStore();
  const raw = Buffer.from('X-Mailwarden-Spam: unsure; score=0.5000\r\nSubject: x\r\n\r\nbody');
  const legacy = legacyMessageKey(raw)!;
  await trainScope(store, GLOBAL, { key: legacy, tokens: ['cheap'] }, 'spam'); // before the key changed
  const msg = { key: messageKey(raw), tokens: ['cheap'], aliases: [legacy] };
  assert.equal(await trainScope(store, GLOBAL, msg, 'spam'), 'unchanged');
  assert.equal(await trainScope(store, GLOBAL, msg, 'ham'), 'relabelled');
  assert.deepEqual(await store.getTotals(GLOBAL), { ham: 1, spam: 0 });
  assert.equal(await store.getRecord(GLOBAL, messageKey(raw)), null);
  // a message never trained before gets the new key
  assert.equal(await trainScope(store, userScope(1), msg, 'ham'), 'trained');
  assert.equal((await store.getRecord(userScope(1), messageKey(raw)))?.label, 'ham');
});

// Thick-threshold training (trainThick): only what the statistics so far get wrong or nearly wrong.
const bulk = (key: string, label: 'ham' | 'spam', tokens: string[]) => ({ key, label, tokens: () => tokens });
const rawScore = (store: JunkStore) => async (tokens: readonly string[]) => (await scoreTokens(store, null, tokens)).raw;

function synthetic(): ReturnType<typeof bulk>[] {
  const out: ReturnType<typeof bulk>[] = [];
  for (let i = 0; i < 30; i++) {
    out.push(bulk(`h${String(i).padStart(2, '0')}`, 'ham', ['meeting', 'agenda', `project${i % 5}`, 'team']));
    out.push(bulk(`s${String(i).padStart(2, '0')}`, 'spam', ['casino', 'winner', `prize${i % 5}`, 'cheap']));
  }
  // two hard ones: ham that talks like spam, spam that talks like ham
  out.push(bulk('hx', 'ham', ['casino', 'winner', 'meeting', 'agenda', 'minutes']));
  out.push(bulk('sx', 'spam', ['meeting', 'agenda', 'team', 'casino']));
  return out;
}

test('trainThick: after the warm-up only messages scored on the wrong side of the margin are trained; a second run trains nothing', async () => {
  const store = new MemoryJunkStore();
  const msgs = synthetic();
  const r = await trainThick(store, GLOBAL, msgs, { warmup: 3, passes: 4, score: rawScore(store), now: 0 });
  const t = await store.getTotals(GLOBAL);
  assert.ok(t.ham >= 3 && t.spam >= 3, JSON.stringify(t));
  assert.ok(t.ham + t.spam < msgs.length, `easy messages are not trained: ${JSON.stringify(t)}`);
  assert.equal(r.trained, t.ham + t.spam);
  // the hard ones were trained (the statistics so far scored them on the wrong side)
  assert.equal((await store.getRecord(GLOBAL, 'hx'))?.label, 'ham');
  assert.equal((await store.getRecord(GLOBAL, 'sx'))?.label, 'spam');
  // every message untrained now scores on its side of the margins
  for (const m of msgs) {
    if ((await store.getRecord(GLOBAL, m.key)) !== null) continue;
    const s = await rawScore(store)(m.tokens());
    assert.ok(m.label === 'ham' ? s < DEFAULT_THICK.hamMargin : s >= DEFAULT_THICK.spamMargin, `${m.key} ${s}`);
  }
  const again = await trainThick(store, GLOBAL, msgs, { warmup: 3, score: rawScore(store), now: 0 });
  assert.equal(again.trained, 0);
  assert.deepEqual(await store.getTotals(GLOBAL), t, 'never counted twice');
});

test('trainThick: the order is by key, not by the input order; warm-up trains everything while a class is short', async () => {
  const a = new MemoryJunkStore();
  const b = new MemoryJunkStore();
  const msgs = synthetic();
  await trainThick(a, GLOBAL, msgs, { warmup: 3, score: rawScore(a), now: 0 });
  await trainThick(b, GLOBAL, [...msgs].reverse(), { warmup: 3, score: rawScore(b), now: 0 });
  assert.deepEqual(await a.getTotals(GLOBAL), await b.getTotals(GLOBAL));
  const everything = new MemoryJunkStore();
  await trainThick(everything, GLOBAL, msgs, { warmup: 1000, score: rawScore(everything), now: 0 });
  assert.deepEqual(await everything.getTotals(GLOBAL), { ham: 31, spam: 31 }, 'a warm-up larger than the corpus trains all');
});

test('trainThick: a message trained with the other label before is relabelled, exactly', async () => {
  const store = new MemoryJunkStore();
  await trainScope(store, GLOBAL, { key: 'hx', tokens: ['casino', 'winner', 'meeting', 'agenda', 'minutes'] }, 'spam');
  const r = await trainThick(store, GLOBAL, synthetic(), { warmup: 1000, score: rawScore(store), now: 0 });
  assert.equal(r.relabelled, 1);
  assert.equal((await store.getRecord(GLOBAL, 'hx'))?.label, 'ham');
  assert.deepEqual(await store.getTotals(GLOBAL), { ham: 31, spam: 31 });
  assert.deepEqual(await store.getCounts(GLOBAL, ['minutes']), new Map([['minutes', { ham: 1, spam: 0 }]]));
});

test('trainThick: passes stop as soon as one trains nothing; progress is reported per pass', async () => {
  const store = new MemoryJunkStore();
  const passes = new Set<number>();
  await trainThick(store, GLOBAL, synthetic(), { warmup: 3, passes: 10, score: rawScore(store), onProgress: (p) => passes.add(p.pass), now: 0 });
  assert.ok(passes.size >= 2 && passes.size < 10, `passes ${[...passes]}`);
});
