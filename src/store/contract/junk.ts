/**
 * The JunkStore contract (src/junk/ports.ts): ONE suite that every implementation of the Bayesian
 * filter's statistics passes — the memory reference, SQLite through the whole Store
 * (contract.ts), PostgreSQL on a bare pool (test/store/postgres-junk.test.ts). Each caller runs
 * `junkContract(name, factory)`.
 *
 * Checked: counts are per scope and never mix; commit is a compare-and-swap on the record of its
 * key (a second training of one message changes nothing); relabelling and untraining undo exactly
 * what was added; an undo that would take a count below zero throws and changes nothing; tokens
 * whose counts are both zero are gone; commitBatch is commit's compare-and-swap for many keys in
 * one transaction (undos checked against the state before it, all or nothing, the same result as
 * the commits one by one); dropScope forgets one scope only; everything survives
 * reopening; records() streams every record once, global first and each scope's together, across
 * pages of any size, and replaying what it yields rebuilds the counts and totals exactly.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { JunkStore, Scope, ScopedRecord, TrainingRecord } from '../../junk/ports.ts';
import { MemoryJunkStore } from '../../junk/memory.ts';

export interface OpenJunkStore {
  junk: JunkStore;
  close(): Promise<void>;
}

export interface JunkStoreFactory {
  /** A fresh, empty statistics store; `reopen` opens the same data again (after `close`). */
  create(): Promise<OpenJunkStore & { reopen(): Promise<OpenJunkStore> }>;
}

const G: Scope = { kind: 'global' };
const U: Scope = { kind: 'user', userId: 7 };
const V: Scope = { kind: 'user', userId: 8 };

const rec = (key: string, label: 'ham' | 'spam', tokens: string[], trainedAt = 1): TrainingRecord => ({ key, label, tokens, trainedAt });
const sorted = (r: TrainingRecord | null) => r && { ...r, tokens: [...r.tokens].sort() };
const counts = async (j: JunkStore, s: Scope, tokens: string[]) => Object.fromEntries(await j.getCounts(s, tokens));
const scopeName = (s: Scope) => (s.kind === 'global' ? 'global' : `user ${s.userId}`);

/** Everything records() yields, as comparable plain values (tokens sorted: engines keep their own order). */
async function listRecords(j: JunkStore, pageSize?: number): Promise<Array<[string, TrainingRecord]>> {
  const out: Array<[string, TrainingRecord]> = [];
  for await (const { scope, record } of j.records(pageSize === undefined ? undefined : { pageSize })) out.push([scopeName(scope), sorted(record)!]);
  return out;
}

export function junkContract(engine: string, factory: JunkStoreFactory): void {
  test(`[${engine}] junk: counts and totals per scope, compare-and-swap commit, exact undo`, async () => {
    const { junk: j, reopen, close } = await factory.create();
    const spam = rec('k1', 'spam', ['free', 'money', 'free'], 1000);
    assert.equal(await j.commit(G, 'k1', { remove: null, add: spam }), true);
    assert.equal(await j.commit(G, 'k1', { remove: null, add: spam }), false, 'a record exists: nothing changes');
    assert.equal(await j.commit(G, 'k2', { remove: null, add: rec('k2', 'ham', ['meeting', 'money'], 2000) }), true);
    assert.deepEqual(await j.getTotals(G), { ham: 1, spam: 1 });
    assert.deepEqual(await j.getTotals(U), { ham: 0, spam: 0 }, 'scopes never mix');
    assert.deepEqual(await counts(j, G, ['free', 'money', 'meeting', 'never', 'free']), { free: { ham: 0, spam: 1 }, money: { ham: 1, spam: 1 }, meeting: { ham: 1, spam: 0 } });
    assert.equal((await j.getCounts(U, ['free'])).size, 0);
    assert.equal((await j.getCounts(G, [])).size, 0);
    const r1 = await j.getRecord(G, 'k1');
    assert.deepEqual(sorted(r1), { key: 'k1', label: 'spam', tokens: ['free', 'money'], trainedAt: 1000 }, 'each token counted once');
    assert.equal(await j.getRecord(G, 'nope'), null);
    assert.equal(await j.getRecord(U, 'k1'), null);
    // relabel k1: only when the stored record has the expected label
    assert.equal(await j.commit(G, 'k1', { remove: { ...spam, label: 'ham' }, add: null }), false, 'label mismatch: nothing changes');
    assert.equal(await j.commit(G, 'nope', { remove: rec('nope', 'spam', ['free']), add: null }), false, 'no record: nothing changes');
    assert.equal(await j.commit(G, 'k1', { remove: r1, add: { ...r1!, label: 'ham' } }), true);
    assert.deepEqual(await j.getTotals(G), { ham: 2, spam: 0 });
    assert.deepEqual(await counts(j, G, ['free', 'money']), { free: { ham: 1, spam: 0 }, money: { ham: 2, spam: 0 } });
    assert.equal((await j.getRecord(G, 'k1'))?.label, 'ham');
    // a failing undo (a count would go below zero) changes nothing
    await assert.rejects(j.commit(G, 'k2', { remove: rec('k2', 'ham', ['meeting', 'ghost']), add: null }));
    await assert.rejects(j.commit(G, 'k2', { remove: rec('k2', 'ham', ['meeting', 'ghost']), add: rec('k2', 'spam', ['meeting', 'x']) }), 'relabelling does not hide a missing count');
    assert.deepEqual(await j.getTotals(G), { ham: 2, spam: 0 });
    assert.equal((await j.getRecord(G, 'k2'))?.label, 'ham');
    assert.deepEqual(await counts(j, G, ['meeting', 'ghost', 'x']), { meeting: { ham: 1, spam: 0 } });
    // re-training with the same label and other tokens: a shared token must still have one to undo
    await assert.rejects(j.commit(G, 'k2', { remove: rec('k2', 'ham', ['meeting', 'ghost']), add: rec('k2', 'ham', ['ghost']) }));
    assert.deepEqual(await counts(j, G, ['meeting', 'ghost']), { meeting: { ham: 1, spam: 0 } });
    assert.equal(await j.commit(G, 'k2', { remove: rec('k2', 'ham', ['meeting', 'money']), add: rec('k2', 'ham', ['money', 'agenda'], 3000) }), true);
    assert.deepEqual(await counts(j, G, ['meeting', 'money', 'agenda']), { money: { ham: 2, spam: 0 }, agenda: { ham: 1, spam: 0 } });
    assert.deepEqual(await j.getTotals(G), { ham: 2, spam: 0 });
    assert.deepEqual(sorted(await j.getRecord(G, 'k2')), { key: 'k2', label: 'ham', tokens: ['agenda', 'money'], trainedAt: 3000 });
    // undo everything: tokens with both counts zero are gone
    assert.equal(await j.commit(G, 'k2', { remove: (await j.getRecord(G, 'k2'))!, add: null }), true);
    assert.equal(await j.commit(G, 'k1', { remove: (await j.getRecord(G, 'k1'))!, add: null }), true);
    assert.deepEqual(await j.getTotals(G), { ham: 0, spam: 0 });
    assert.equal((await j.getCounts(G, ['free', 'money', 'meeting', 'agenda'])).size, 0);
    assert.equal(await j.getRecord(G, 'k1'), null);
    // an empty change is a compare-and-swap on "no record" alone
    assert.equal(await j.commit(G, 'k1', { remove: null, add: null }), true);
    // persistence
    assert.equal(await j.commit(U, 'k3', { remove: null, add: rec('k3', 'spam', ['win', 'Grüße', '東京', '🎉'], 3) }), true);
    assert.equal(await j.commit(G, 'k3', { remove: null, add: rec('k3', 'spam', ['win'], 3) }), true);
    assert.equal(await j.commit(G, 'k3', { remove: null, add: null }), false);
    await close();
    const { junk: again, close: closeAgain } = await reopen();
    try {
      assert.deepEqual(await again.getTotals(U), { ham: 0, spam: 1 });
      assert.deepEqual(await counts(again, U, ['Grüße', '東京', '🎉', 'win']), { Grüße: { ham: 0, spam: 1 }, 東京: { ham: 0, spam: 1 }, '🎉': { ham: 0, spam: 1 }, win: { ham: 0, spam: 1 } });
      assert.deepEqual(sorted(await again.getRecord(U, 'k3')), sorted(rec('k3', 'spam', ['win', 'Grüße', '東京', '🎉'], 3)));
      assert.deepEqual(await again.getTotals(G), { ham: 0, spam: 1 });
    } finally {
      await closeAgain();
    }
  });

  test(`[${engine}] junk: commitBatch is commit's compare-and-swap for many keys in one transaction; undos checked on the state before it; all or nothing`, async () => {
    const { junk: j, close } = await factory.create();
    assert.deepEqual(await j.commitBatch(G, []), [], 'an empty batch');
    assert.deepEqual(await j.getTotals(G), { ham: 0, spam: 0 });
    assert.deepEqual(await j.commitBatch(G, [
      { key: 'k1', remove: null, add: rec('k1', 'spam', ['free', 'money', 'free'], 10) },
      { key: 'k2', remove: null, add: rec('k2', 'ham', ['meeting', 'money'], 20) },
    ]), [true, true]);
    assert.deepEqual(await j.getTotals(G), { ham: 1, spam: 1 });
    assert.deepEqual(await counts(j, G, ['free', 'money', 'meeting']), { free: { ham: 0, spam: 1 }, money: { ham: 1, spam: 1 }, meeting: { ham: 1, spam: 0 } });
    assert.deepEqual(sorted(await j.getRecord(G, 'k1')), rec('k1', 'spam', ['free', 'money'], 10), 'each token counted once');
    assert.deepEqual(await j.getTotals(U), { ham: 0, spam: 0 }, 'scopes never mix');
    // mixed: a record already there, a relabel, a missing record, a new one: the failed ones change nothing
    const k2 = (await j.getRecord(G, 'k2'))!;
    assert.deepEqual(await j.commitBatch(G, [
      { key: 'k1', remove: null, add: rec('k1', 'ham', ['free']) },
      { key: 'k2', remove: k2, add: { ...k2, label: 'spam', trainedAt: 21 } },
      { key: 'nope', remove: rec('nope', 'ham', ['meeting']), add: null },
      { key: 'k3', remove: null, add: rec('k3', 'ham', ['lunch', 'meeting'], 30) },
      { key: 'k4', remove: rec('k4', 'spam', []), add: rec('k4', 'ham', ['x']) },
    ]), [false, true, false, true, false]);
    assert.deepEqual(await j.getTotals(G), { ham: 1, spam: 2 });
    assert.deepEqual(await counts(j, G, ['free', 'money', 'meeting', 'lunch', 'x']), { free: { ham: 0, spam: 1 }, money: { ham: 0, spam: 2 }, meeting: { ham: 1, spam: 1 }, lunch: { ham: 1, spam: 0 } });
    assert.equal((await j.getRecord(G, 'k1'))?.label, 'spam');
    assert.equal(await j.getRecord(G, 'nope'), null);
    const snapshot = async () => ({ totals: await j.getTotals(G), counts: await counts(j, G, ['free', 'money', 'meeting', 'lunch', 'ghost', 'z']), records: await listRecords(j) });
    const before = await snapshot();
    // a repeated key is refused before anything changes
    await assert.rejects(j.commitBatch(G, [{ key: 'k5', remove: null, add: rec('k5', 'ham', ['z']) }, { key: 'k5', remove: null, add: rec('k5', 'spam', ['z']) }]), /twice in one batch/);
    // an undo with no count to take rolls the whole batch back (the new record k5 too)
    await assert.rejects(j.commitBatch(G, [
      { key: 'k5', remove: null, add: rec('k5', 'ham', ['z']) },
      { key: 'k3', remove: rec('k3', 'ham', ['lunch', 'ghost']), add: null },
    ]));
    // the undos are checked against the counts before the batch: "z" has no ham count to take
    // there, though k5, earlier in the batch, would add one
    await assert.rejects(j.commitBatch(G, [
      { key: 'k5', remove: null, add: rec('k5', 'ham', ['z']) },
      { key: 'k3', remove: rec('k3', 'ham', ['lunch', 'z']), add: null },
    ]));
    // two undos of one token need two counts: "free" has one spam count (k1's), k2 claims it too
    await assert.rejects(j.commitBatch(G, [
      { key: 'k1', remove: rec('k1', 'spam', ['free']), add: null },
      { key: 'k2', remove: rec('k2', 'spam', ['free', 'money']), add: rec('k2', 'ham', ['money']) },
    ]));
    assert.deepEqual(await snapshot(), before, 'failed batches changed nothing');
    // undo everything in one batch: every token gone
    const all = await listRecords(j);
    assert.deepEqual(await j.commitBatch(G, all.map(([, r]) => ({ key: r.key, remove: r, add: null }))), all.map(() => true));
    assert.deepEqual(await j.getTotals(G), { ham: 0, spam: 0 });
    assert.equal((await j.getCounts(G, ['free', 'money', 'meeting', 'lunch'])).size, 0);

    // many changes at once come out as the same changes committed one by one
    const reference = new MemoryJunkStore();
    const vocabulary = Array.from({ length: 40 }, (_, i) => `w${i}`).concat(['Grüße', '東京']);
    const batch = (round: number) => Array.from({ length: 60 }, (_, i) => rec(`m${i % 45}`, (i * 7 + round) % 3 === 0 ? 'ham' : 'spam', vocabulary.filter((_, t) => (t * 13 + i * 5 + round) % 9 < 3), 100 + i));
    for (const round of [0, 1]) {
      const wanted = new Map(batch(round).map((r) => [r.key, r])); // distinct keys: the last word per key
      const changes = await Promise.all([...wanted.values()].map(async (r) => {
        const current = await j.getRecord(U, r.key);
        return { key: r.key, remove: current, add: r };
      }));
      assert.deepEqual(await j.commitBatch(U, changes), changes.map(() => true), `round ${round}: every compare-and-swap holds`);
      for (const c of changes) assert.equal(await reference.commit(U, c.key, { remove: await reference.getRecord(U, c.key), add: c.add }), true);
    }
    assert.deepEqual(await j.getTotals(U), await reference.getTotals(U));
    assert.deepEqual(await counts(j, U, vocabulary), await counts(reference, U, vocabulary));
    assert.deepEqual(await listRecords(j).then((l) => l.filter(([s]) => s === 'user 7')), await listRecords(reference));
    await close();
  });

  test(`[${engine}] junk: dropScope forgets one scope (counts, totals, records) and nothing else`, async () => {
    const { junk: j, close } = await factory.create();
    for (const s of [G, U, V]) {
      assert.equal(await j.commit(s, 'a', { remove: null, add: rec('a', 'spam', ['cheap', 'pills']) }), true);
      assert.equal(await j.commit(s, 'b', { remove: null, add: rec('b', 'ham', ['lunch', 'cheap']) }), true);
    }
    await j.dropScope(U);
    assert.deepEqual(await j.getTotals(U), { ham: 0, spam: 0 });
    assert.equal((await j.getCounts(U, ['cheap', 'pills', 'lunch'])).size, 0);
    assert.equal(await j.getRecord(U, 'a'), null);
    for (const s of [G, V]) {
      assert.deepEqual(await j.getTotals(s), { ham: 1, spam: 1 });
      assert.deepEqual(await counts(j, s, ['cheap', 'pills', 'lunch']), { cheap: { ham: 1, spam: 1 }, pills: { ham: 0, spam: 1 }, lunch: { ham: 1, spam: 0 } });
    }
    await j.dropScope(U); // nothing left: still fine
    assert.equal(await j.commit(U, 'a', { remove: null, add: rec('a', 'ham', ['fresh']) }), true, 'the scope starts again empty');
    assert.deepEqual(await j.getTotals(U), { ham: 1, spam: 0 });
    await close();
  });

  test(`[${engine}] junk: records() streams every record once, global first and scope by scope, page after page; replaying them rebuilds the counts exactly`, async () => {
    const { junk: j, close } = await factory.create();
    assert.deepEqual(await listRecords(j, 2), [], 'an empty store yields nothing');
    // 9 records over three scopes (pages of 2 end mid-scope and at scope ends), one relabelled, one undone
    const put = async (s: Scope, r: TrainingRecord) => assert.equal(await j.commit(s, r.key, { remove: null, add: r }), true);
    await put(V, rec('v1', 'ham', ['lunch', 'friday'], 11));
    await put(G, rec('g3', 'spam', ['cheap', 'pills', 'now'], 3));
    await put(G, rec('g1', 'ham', ['meeting', 'agenda'], 1));
    await put(U, rec('u2', 'spam', ['prize', 'Grüße', '東京'], 22));
    await put(G, rec('g2', 'ham', ['agenda', 'minutes'], 2));
    await put(U, rec('u1', 'ham', ['meeting', 'lunch'], 21));
    await put(G, rec('g4', 'spam', ['cheap', 'casino'], 4));
    await put(U, rec('u3', 'spam', ['casino'], 23));
    await put(G, rec('gone', 'spam', ['ghost'], 5));
    assert.equal(await j.commit(G, 'g2', { remove: (await j.getRecord(G, 'g2'))!, add: rec('g2', 'spam', ['agenda', 'minutes'], 6) }), true);
    assert.equal(await j.commit(G, 'gone', { remove: (await j.getRecord(G, 'gone'))!, add: null }), true);
    const expected: Array<[string, TrainingRecord]> = [
      ['global', rec('g1', 'ham', ['agenda', 'meeting'], 1)],
      ['global', rec('g2', 'spam', ['agenda', 'minutes'], 6)],
      ['global', rec('g3', 'spam', ['cheap', 'now', 'pills'], 3)],
      ['global', rec('g4', 'spam', ['casino', 'cheap'], 4)],
      ['user 7', rec('u1', 'ham', ['lunch', 'meeting'], 21)],
      ['user 7', rec('u2', 'spam', ['Grüße', 'prize', '東京'], 22)],
      ['user 7', rec('u3', 'spam', ['casino'], 23)],
      ['user 8', rec('v1', 'ham', ['friday', 'lunch'], 11)],
    ];
    for (const pageSize of [1, 2, 3, 4, 8, 9, undefined]) assert.deepEqual(await listRecords(j, pageSize), expected, `pages of ${pageSize ?? 'default'}`);
    await assert.rejects(listRecords(j, 0), /page size/);

    // a record changed behind the cursor is not yielded again
    const seen: string[] = [];
    for await (const { scope, record } of j.records({ pageSize: 2 })) {
      seen.push(`${scopeName(scope)}/${record.key}`);
      if (seen.length === 3) assert.equal(await j.commit(G, 'g1', { remove: (await j.getRecord(G, 'g1'))!, add: rec('g1', 'spam', ['agenda', 'meeting'], 7) }), true);
    }
    assert.deepEqual(seen, expected.map(([s, r]) => `${s}/${r.key}`));

    // replaying every record into an empty store rebuilds the counts and totals
    const copy = new MemoryJunkStore();
    for await (const { scope, record } of j.records({ pageSize: 3 })) assert.equal(await copy.commit(scope, record.key, { remove: null, add: record }), true);
    const vocabulary = ['agenda', 'meeting', 'minutes', 'cheap', 'pills', 'now', 'casino', 'ghost', 'lunch', 'friday', 'prize', 'Grüße', '東京'];
    for (const s of [G, U, V]) {
      assert.deepEqual(await copy.getTotals(s), await j.getTotals(s), scopeName(s));
      assert.deepEqual(await counts(copy, s, vocabulary), await counts(j, s, vocabulary), scopeName(s));
    }
    assert.deepEqual(await copy.getTotals(G), { ham: 0, spam: 4 });

    await j.dropScope(U);
    assert.deepEqual((await listRecords(j, 2)).map(([s, r]) => `${s}/${r.key}`), ['global/g1', 'global/g2', 'global/g3', 'global/g4', 'user 8/v1']);
    await close();
  });
}
