/**
 * The Bayesian filter's statistics on a real PostgreSQL (test/helpers/postgres.ts starts a private
 * server): the JunkStore contract every engine passes (src/store/contract/junk.ts), the schema
 * opened by several nodes at once and by a role without CREATE, concurrent training (one message
 * trained N times at once counts once; overlapping commits neither deadlock nor lose a count),
 * namespaced user scopes (two nodes, the same user id, no mixing; global shared; records() lists
 * a node's own users only), and tokens
 * PostgreSQL text cannot hold.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { junkContract } from '../../src/store/contract/junk.ts';
import { openPostgresJunkStore, storedToken, type PostgresJunkStatistics } from '../../src/store/postgres/junk.ts';
import { JUNK_MIGRATIONS } from '../../src/store/postgres/junk-schema.ts';
import { MemoryJunkStore } from '../../src/junk/memory.ts';
import { trainScope, untrainScope } from '../../src/junk/train.ts';
import { GLOBAL, userScope, type JunkStore, type Scope, type TrainingRecord } from '../../src/junk/ports.ts';
import { startTestPostgres, type TestPostgres } from '../helpers/postgres.ts';

let pg: TestPostgres;
before(async () => {
  pg = await startTestPostgres();
});
after(async () => {
  await pg?.close();
});

/**
 * The database of `url` recorded no deadlock (none was retried away). Backends report their
 * deadlocks to the statistics when they exit: call it once the pools are closed.
 */
async function assertNoDeadlocks(url: string): Promise<void> {
  const db = url.split('/').pop()!;
  await new Promise((res) => setTimeout(res, 300));
  assert.deepEqual((await pg.admin('SELECT deadlocks::integer AS n FROM pg_stat_database WHERE datname = $1', [db], 'postgres')).rows, [{ n: 0 }], 'no deadlock happened (none was retried away)');
}

let databases = 0;
/** A fresh database owned by the test role; its URL. */
async function freshDatabase(): Promise<string> {
  const name = `mw_t${++databases}`;
  await pg.admin(`CREATE DATABASE ${name} OWNER ${pg.role}`, [], 'postgres');
  return pg.url.replace(/\/[^/]+$/, `/${name}`);
}

const failOnIdleError = (err: Error) => {
  throw err;
};
const open = (url: string, namespace = 'node-a') => openPostgresJunkStore({ url, namespace, onIdleError: failOnIdleError });

junkContract('postgresql', {
  async create() {
    const url = await freshDatabase();
    const first = await open(url);
    return { junk: first.junk, close: first.close, reopen: async () => open(url) };
  },
});

test('[postgresql] schema: four nodes opening a new database at once all succeed, once; a role with only DML rights can use it; a newer schema is refused', async () => {
  const url = await freshDatabase();
  const nodes = await Promise.all(['a', 'b', 'c', 'd'].map((n) => open(url, `node-${n}`)));
  try {
    assert.deepEqual((await pg.admin('SELECT version FROM junk_schema', [], url.split('/').pop())).rows, [{ version: JUNK_MIGRATIONS.length }]);
    // what docs/spam.md tells operators who create the tables with another role
    const db = url.split('/').pop()!;
    await pg.admin(`CREATE ROLE mw_dml LOGIN PASSWORD 'dml secret'`, [], 'postgres');
    await pg.admin(`GRANT CONNECT ON DATABASE ${db} TO mw_dml`, [], 'postgres');
    await pg.admin('GRANT USAGE ON SCHEMA public TO mw_dml; GRANT SELECT, INSERT, UPDATE, DELETE ON junk_schema, junk_tokens, junk_totals, junk_records TO mw_dml', [], db);
    const dml = await open(url.replace(/\/\/[^@]+@/, '//mw_dml:dml%20secret@'));
    try {
      assert.equal(await dml.junk.commit(GLOBAL, 'k', { remove: null, add: { key: 'k', label: 'spam', tokens: ['x'], trainedAt: 1 } }), true);
      assert.deepEqual(await nodes[0]!.junk.getTotals(GLOBAL), { ham: 0, spam: 1 });
    } finally {
      await dml.close();
    }
    await pg.admin('UPDATE junk_schema SET version = 99', [], db);
    const err = await open(url).then(() => null, (e: Error) => e);
    assert.match(String(err?.message), /^cannot open the PostgreSQL statistics database postgresql:\/\/mailwarden:\*\*\*@127\.0\.0\.1:\d+\/mw_t\d+: the statistics database is at schema version 99, newer than this mailwarden's 1: upgrade mailwarden$/);
    assert.ok(!err!.message.includes(pg.password), 'no password in the error');
  } finally {
    for (const n of nodes) await n.close();
  }
});

test('[postgresql] opening fails with one line and no password: wrong password, nothing listening', async () => {
  const wrong = await open(pg.url.replace(`:${pg.password}@`, ':not-the-password@')).then(() => null, (e: Error) => e);
  assert.match(String(wrong?.message), /^cannot open the PostgreSQL statistics database postgresql:\/\/mailwarden:\*\*\*@.*: password authentication failed for user "mailwarden"/);
  const closed = await open(pg.url.replace(`:${pg.port}/`, ':1/')).then(() => null, (e: Error) => e);
  assert.match(String(closed?.message), /^cannot open the PostgreSQL statistics database postgresql:\/\/mailwarden:\*\*\*@127\.0\.0\.1:1\/mailwarden_stats: connect ECONNREFUSED 127\.0\.0\.1:1/);
  for (const e of [wrong, closed]) assert.ok(!e!.message.includes(pg.password));
});

/** Deterministic pseudo-random numbers (a test must not depend on the run). */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

function message(r: () => number, vocabulary: string[], n: number): string[] {
  const out = new Set<string>();
  while (out.size < n) out.add(vocabulary[Math.floor(r() * vocabulary.length)]!);
  // shuffled on purpose: the store must sort, not the caller
  return [...out].sort(() => r() - 0.5);
}

async function snapshot(j: JunkStore, scope: Scope, vocabulary: string[]) {
  return { totals: await j.getTotals(scope), counts: Object.fromEntries([...(await j.getCounts(scope, vocabulary))].sort(([a], [b]) => (a < b ? -1 : 1))) };
}

test('[postgresql] concurrency: one message trained 12 times at once (two nodes) counts once; relabelled 12 times at once, once', async () => {
  const url = await freshDatabase();
  const a = await open(url);
  const b = await open(url);
  try {
    const msg = { key: 'same', tokens: ['cheap', 'pills', 'now', 'click'] };
    const outcomes = await Promise.all(Array.from({ length: 12 }, (_, i) => trainScope(i % 2 ? a.junk : b.junk, GLOBAL, msg, 'spam')));
    assert.deepEqual(outcomes.filter((o) => o === 'trained').length, 1, outcomes.join());
    assert.ok(outcomes.every((o) => o === 'trained' || o === 'unchanged'));
    assert.deepEqual(await a.junk.getTotals(GLOBAL), { ham: 0, spam: 1 });
    assert.deepEqual(Object.values(Object.fromEntries(await a.junk.getCounts(GLOBAL, msg.tokens))), msg.tokens.map(() => ({ ham: 0, spam: 1 })));
    const relabels = await Promise.all(Array.from({ length: 12 }, (_, i) => trainScope(i % 2 ? a.junk : b.junk, GLOBAL, msg, 'ham')));
    assert.equal(relabels.filter((o) => o === 'relabelled').length, 1, relabels.join());
    assert.deepEqual(await b.junk.getTotals(GLOBAL), { ham: 1, spam: 0 });
    assert.deepEqual(Object.values(Object.fromEntries(await b.junk.getCounts(GLOBAL, msg.tokens))), msg.tokens.map(() => ({ ham: 1, spam: 0 })));
    const untrained = await Promise.all(Array.from({ length: 6 }, (_, i) => untrainScope(i % 2 ? a.junk : b.junk, GLOBAL, 'same')));
    assert.equal(untrained.filter((o) => o === 'untrained').length, 1, untrained.join());
    assert.deepEqual(await a.junk.getTotals(GLOBAL), { ham: 0, spam: 0 });
    assert.equal((await a.junk.getCounts(GLOBAL, msg.tokens)).size, 0);
  } finally {
    await a.close();
    await b.close();
  }
});

test('[postgresql] concurrency: 120 commits with overlapping tokens from two nodes at once, then relabels and undos at once: no deadlock, exact counts', async () => {
  const url = await freshDatabase();
  const nodes: PostgresJunkStatistics[] = [await open(url), await open(url)];
  const reference = new MemoryJunkStore();
  const r = rng(6);
  const vocabulary = Array.from({ length: 400 }, (_, i) => `w${i}`);
  const records: TrainingRecord[] = Array.from({ length: 120 }, (_, i) => ({ key: `m${i}`, label: i % 3 ? 'spam' : 'ham', tokens: message(r, vocabulary, 150), trainedAt: i }));
  try {
    const added = await Promise.all(records.map((rec, i) => nodes[i % 2]!.junk.commit(GLOBAL, rec.key, { remove: null, add: rec })));
    assert.ok(added.every(Boolean));
    for (const rec of records) await reference.commit(GLOBAL, rec.key, { remove: null, add: rec });
    assert.deepEqual(await snapshot(nodes[0]!.junk, GLOBAL, vocabulary), await snapshot(reference, GLOBAL, vocabulary));
    // every third relabelled, every third undone, the rest retrained with other tokens (same label)
    const change = (rec: TrainingRecord, i: number) => ({
      remove: rec,
      add: i % 3 === 0 ? { ...rec, label: rec.label === 'ham' ? ('spam' as const) : ('ham' as const) } : i % 3 === 1 ? null : { ...rec, tokens: message(rng(i), vocabulary, 120) },
    });
    const changes = records.map(change);
    const done = await Promise.all(records.map((rec, i) => nodes[(i + 1) % 2]!.junk.commit(GLOBAL, rec.key, changes[i]!)));
    assert.ok(done.every(Boolean));
    for (const [i, rec] of records.entries()) await reference.commit(GLOBAL, rec.key, changes[i]!);
    assert.deepEqual(await snapshot(nodes[1]!.junk, GLOBAL, vocabulary), await snapshot(reference, GLOBAL, vocabulary));
  } finally {
    for (const n of nodes) await n.close();
  }
  await assertNoDeadlocks(url);
});

test('[postgresql] concurrency: overlapping batches (commitBatch, as `spam import` on two nodes at once) and single commits of the same messages: each message counted once, no deadlock', async () => {
  const url = await freshDatabase();
  const nodes: PostgresJunkStatistics[] = [await open(url), await open(url)];
  const reference = new MemoryJunkStore();
  const r = rng(9);
  const vocabulary = Array.from({ length: 300 }, (_, i) => `w${i}`);
  const records: TrainingRecord[] = Array.from({ length: 200 }, (_, i) => ({ key: `m${String(i).padStart(3, '0')}`, label: i % 3 ? 'spam' : 'ham', tokens: message(r, vocabulary, 120), trainedAt: i }));
  // four batches of 100 over the same 200 records, in other orders, plus 40 single commits among them
  const slice = (from: number, reverse: boolean) => {
    const part = records.slice(from, from + 100);
    return (reverse ? part.reverse() : part).map((rec) => ({ key: rec.key, remove: null, add: rec }));
  };
  try {
    const results = await Promise.all([
      nodes[0]!.junk.commitBatch(GLOBAL, slice(0, false)),
      nodes[1]!.junk.commitBatch(GLOBAL, slice(50, true)),
      nodes[0]!.junk.commitBatch(GLOBAL, slice(100, true)),
      nodes[1]!.junk.commitBatch(GLOBAL, slice(0, true)),
      ...records.filter((_, i) => i % 5 === 0).map((rec, i) => nodes[i % 2]!.junk.commit(GLOBAL, rec.key, { remove: null, add: rec }).then((ok) => [ok])),
    ]);
    const wins = new Map<string, number>();
    const keysOf = [slice(0, false), slice(50, true), slice(100, true), slice(0, true)].map((b) => b.map((c) => c.key)).concat(records.filter((_, i) => i % 5 === 0).map((rec) => [rec.key]));
    results.forEach((res, b) => res.forEach((ok, i) => ok && wins.set(keysOf[b]![i]!, (wins.get(keysOf[b]![i]!) ?? 0) + 1)));
    assert.equal(wins.size, 200, 'every message trained');
    assert.ok([...wins.values()].every((n) => n === 1), 'by exactly one of the writers');
    for (const rec of records) await reference.commit(GLOBAL, rec.key, { remove: null, add: rec });
    assert.deepEqual(await snapshot(nodes[1]!.junk, GLOBAL, vocabulary), await snapshot(reference, GLOBAL, vocabulary));
    // then relabel half and undo the other half in two overlapping batches at once: a change the
    // other batch made first fails its compare-and-swap, so each is made once
    const current = await Promise.all(records.map((rec) => nodes[0]!.junk.getRecord(GLOBAL, rec.key)));
    const changes = current.map((cur, i) => ({ key: cur!.key, remove: cur, add: i % 2 ? null : { ...cur!, label: cur!.label === 'ham' ? ('spam' as const) : ('ham' as const) } }));
    const [first, second] = [changes.slice(0, 120), changes.slice(80).reverse()];
    const done = await Promise.all([nodes[0]!.junk.commitBatch(GLOBAL, first), nodes[1]!.junk.commitBatch(GLOBAL, second)]);
    const made = new Map<string, number>();
    [first, second].forEach((b, n) => b.forEach((c, i) => done[n]![i] && made.set(c.key, (made.get(c.key) ?? 0) + 1)));
    assert.equal(made.size, 200);
    assert.ok([...made.values()].every((n) => n === 1));
    for (const c of changes) await reference.commit(GLOBAL, c.key, c);
    assert.deepEqual(await snapshot(nodes[0]!.junk, GLOBAL, vocabulary), await snapshot(reference, GLOBAL, vocabulary));
  } finally {
    for (const n of nodes) await n.close();
  }
  await assertNoDeadlocks(url);
});

test('[postgresql] namespaced user scopes: two nodes, the same user id, separate statistics; the global scope is shared; dropScope forgets one node\'s user only', async () => {
  const url = await freshDatabase();
  const a = await open(url, 'mx1.example.org');
  const b = await open(url, 'mx2.example.org');
  try {
    const alice = userScope(1); // user 1 of node a's store
    const bob = userScope(1); // user 1 of node b's store: another person
    assert.equal(await a.junk.commit(alice, 'k', { remove: null, add: { key: 'k', label: 'spam', tokens: ['prize'], trainedAt: 1 } }), true);
    assert.deepEqual(await a.junk.getTotals(alice), { ham: 0, spam: 1 });
    assert.deepEqual(await b.junk.getTotals(bob), { ham: 0, spam: 0 }, 'no mixing across nodes');
    assert.equal((await b.junk.getCounts(bob, ['prize'])).size, 0);
    assert.equal(await b.junk.getRecord(bob, 'k'), null);
    assert.equal(await b.junk.commit(bob, 'k', { remove: null, add: { key: 'k', label: 'ham', tokens: ['prize'], trainedAt: 2 } }), true, 'its own record');
    assert.equal(await a.junk.commit(GLOBAL, 'g', { remove: null, add: { key: 'g', label: 'spam', tokens: ['prize'], trainedAt: 3 } }), true);
    assert.deepEqual(Object.fromEntries(await b.junk.getCounts(GLOBAL, ['prize'])), { prize: { ham: 0, spam: 1 } }, 'global is shared');
    assert.equal(await b.junk.commit(GLOBAL, 'g', { remove: null, add: { key: 'g', label: 'spam', tokens: ['prize'], trainedAt: 4 } }), false, 'and so are its records');
    const db = url.split('/').pop()!;
    assert.deepEqual((await pg.admin('SELECT scope, ham, spam FROM junk_totals ORDER BY scope', [], db)).rows, [
      { scope: 'global', ham: 0, spam: 1 },
      { scope: 'user:mx1.example.org:1', ham: 0, spam: 1 },
      { scope: 'user:mx2.example.org:1', ham: 1, spam: 0 },
    ]);
    // records() names this node's users only (another node's user 1 is not this store's user 1)
    const listed = async (j: JunkStore) => {
      const out: string[] = [];
      for await (const { scope, record } of j.records({ pageSize: 1 })) out.push(`${scope.kind === 'global' ? 'global' : scope.userId}/${record.key}/${record.label}`);
      return out;
    };
    assert.deepEqual(await listed(a.junk), ['global/g/spam', '1/k/spam']);
    assert.deepEqual(await listed(b.junk), ['global/g/spam', '1/k/ham']);
    await a.junk.dropScope(alice);
    assert.deepEqual((await pg.admin('SELECT DISTINCT scope FROM junk_tokens ORDER BY scope', [], db)).rows.map((x) => x.scope), ['global', 'user:mx2.example.org:1']);
    assert.deepEqual(await b.junk.getTotals(bob), { ham: 1, spam: 0 });
    // a third node sharing a's user directory (same namespace) sees a's users
    const a2 = await open(url, 'mx1.example.org');
    try {
      assert.equal(await a.junk.commit(alice, 'k2', { remove: null, add: { key: 'k2', label: 'ham', tokens: ['lunch'], trainedAt: 5 } }), true);
      assert.deepEqual(await a2.junk.getTotals(alice), { ham: 1, spam: 0 });
    } finally {
      await a2.close();
    }
  } finally {
    await a.close();
    await b.close();
  }
});

test('[postgresql] tokens PostgreSQL text cannot hold (NUL, a lone surrogate) are stored normalized and still count, relabel and undo exactly', async () => {
  const url = await freshDatabase();
  const s = await open(url);
  try {
    const odd = ['nul\u0000byte', 'cut\ud83d', 'cut\ude00', 'plain'];
    assert.equal(storedToken('cut\ud83d'), 'cut\ufffd');
    assert.equal(storedToken(storedToken('nul\u0000byte')), storedToken('nul\u0000byte'), 'idempotent');
    assert.equal(await s.junk.commit(GLOBAL, 'k', { remove: null, add: { key: 'k', label: 'spam', tokens: odd, trainedAt: 1 } }), true);
    assert.deepEqual(Object.fromEntries(await s.junk.getCounts(GLOBAL, odd)), {
      'nul\u0000byte': { ham: 0, spam: 1 },
      'cut\ud83d': { ham: 0, spam: 1 }, // both cut tokens are "cut\ufffd": counted once for the message
      'cut\ude00': { ham: 0, spam: 1 },
      plain: { ham: 0, spam: 1 },
    });
    const rec = (await s.junk.getRecord(GLOBAL, 'k'))!;
    assert.deepEqual([...rec.tokens].sort(), ['cut\ufffd', 'nul\ufffdbyte', 'plain']);
    assert.equal(await s.junk.commit(GLOBAL, 'k', { remove: rec, add: { ...rec, label: 'ham' } }), true);
    assert.equal(await s.junk.commit(GLOBAL, 'k', { remove: { ...rec, label: 'ham' }, add: null }), true);
    assert.equal((await s.junk.getCounts(GLOBAL, odd)).size, 0);
    assert.deepEqual(await s.junk.getTotals(GLOBAL), { ham: 0, spam: 0 });
    // the same through commitBatch (token lists travel as JSON there), a key with a lone surrogate too
    const keys = ['k1', 'k\ud800'];
    assert.deepEqual(await s.junk.commitBatch(GLOBAL, keys.map((key) => ({ key, remove: null, add: { key, label: 'spam', tokens: odd, trainedAt: 2 } }))), [true, true]);
    assert.deepEqual(Object.values(Object.fromEntries(await s.junk.getCounts(GLOBAL, odd))), odd.map(() => ({ ham: 0, spam: 2 })));
    const stored = await Promise.all(keys.map(async (key) => (await s.junk.getRecord(GLOBAL, key))!));
    assert.deepEqual(stored.map((r) => [...r.tokens].sort()), keys.map(() => ['cut\ufffd', 'nul\ufffdbyte', 'plain']));
    assert.deepEqual(await s.junk.commitBatch(GLOBAL, stored.map((r, i) => ({ key: keys[i]!, remove: r, add: i ? null : { ...r, label: 'ham' } }))), [true, true]);
    assert.deepEqual(await s.junk.getTotals(GLOBAL), { ham: 1, spam: 0 });
    assert.deepEqual(await s.junk.commitBatch(GLOBAL, [{ key: 'k1', remove: { ...stored[0]!, label: 'ham' }, add: null }]), [true]);
    assert.equal((await s.junk.getCounts(GLOBAL, odd)).size, 0);
    // two keys that are one in PostgreSQL: the first takes part, the second is false (counted once)
    assert.deepEqual(await s.junk.commitBatch(GLOBAL, ['x\ud800', 'x\udfff'].map((key) => ({ key, remove: null, add: { key, label: 'ham', tokens: ['plain'], trainedAt: 3 } }))), [true, false]);
    assert.deepEqual(await s.junk.getTotals(GLOBAL), { ham: 1, spam: 0 });
  } finally {
    await s.close();
  }
});
