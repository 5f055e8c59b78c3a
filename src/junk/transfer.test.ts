// spam import in batches (transfer.ts, JunkStore.commitBatch): whatever the batch size, the
// statistics and the summary are those of training the records one by one (trainScope): scope
// changes, a key repeated in the file, records already there (same label, other label), another
// writer changing a record between the batch being gathered and committed, a bad line after
// several batches.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryJunkStore } from './memory.ts';
import { GLOBAL, userScope, type JunkStore, type RecordChange, type Scope } from './ports.ts';
import { headerLine, readExport, recordLine, trailerLine, type PortableRecord } from './export.ts';
import { importStatistics, type ImportSummary, type UserDirectory } from './transfer.ts';
import { trainScope } from './train.ts';

const users: UserDirectory = {
  addressOf: async (id) => ({ 1: 'alice@example.org', 2: 'bob@example.org' })[id] ?? null,
  idOf: async (a) => ({ 'alice@example.org': 1, 'bob@example.org': 2 })[a] ?? null,
};
const scopes: Scope[] = [GLOBAL, userScope(1), userScope(2)];
const vocabulary = Array.from({ length: 30 }, (_, i) => `t${i}`);

function rec(owner: 'global' | string, key: string, label: 'ham' | 'spam', i: number): PortableRecord {
  return { owner: owner === 'global' ? { kind: 'global' } : { kind: 'user', address: owner }, record: { key, label, tokens: vocabulary.filter((_, t) => (t * 7 + i * 3) % 5 < 2), trainedAt: 1000 + i } };
}

/** 40 records: global, alice, global again, a missing user, bob; g3 twice in a row and again later with the other label. */
function file(): PortableRecord[] {
  const out: PortableRecord[] = [];
  for (let i = 0; i < 12; i++) out.push(rec('global', `g${i}`, i % 3 ? 'spam' : 'ham', i));
  out.push(rec('global', 'g3', 'spam', 50), rec('global', 'g3', 'ham', 51));
  for (let i = 0; i < 8; i++) out.push(rec('alice@example.org', `a${i}`, i % 2 ? 'spam' : 'ham', 100 + i));
  for (let i = 12; i < 18; i++) out.push(rec('global', `g${i}`, 'spam', i));
  out.push(rec('carol@example.org', 'c0', 'ham', 200), rec('carol@example.org', 'c1', 'ham', 201));
  for (let i = 0; i < 9; i++) out.push(rec('bob@example.org', `b${i}`, 'ham', 300 + i));
  out.push(rec('global', 'g3', 'spam', 52));
  return out;
}

/** The old way, record by record through trainScope: the reference. */
async function oneByOne(junk: JunkStore, records: PortableRecord[]): Promise<ImportSummary> {
  const sum: ImportSummary = { records: 0, added: 0, relabelled: 0, unchanged: 0, skipped: { records: 0, users: [] } };
  for (const { owner, record } of records) {
    sum.records++;
    const id = owner.kind === 'user' ? await users.idOf(owner.address) : 0;
    if (id === null) {
      sum.skipped.records++;
      if (owner.kind === 'user' && !sum.skipped.users.includes(owner.address)) sum.skipped.users.push(owner.address);
      continue;
    }
    const o = await trainScope(junk, id === 0 ? GLOBAL : userScope(id), { key: record.key, tokens: record.tokens }, record.label, { now: record.trainedAt });
    if (o === 'trained') sum.added++;
    else if (o === 'relabelled') sum.relabelled++;
    else sum.unchanged++;
  }
  return sum;
}

async function state(junk: JunkStore) {
  const records: string[] = [];
  for await (const { scope, record } of junk.records()) records.push(JSON.stringify([scope, record.key, record.label, [...record.tokens].sort(), record.trainedAt]));
  return { records, per: await Promise.all(scopes.map(async (s) => ({ totals: await junk.getTotals(s), counts: Object.fromEntries(await junk.getCounts(s, vocabulary)) }))) };
}

const text = (records: PortableRecord[]) => `${headerLine()}${records.map(recordLine).join('')}${trailerLine(records.length)}`;

/** A store with some of the file's records already there: g1 with its label, g2 and a1 with the other. */
async function prefilled(): Promise<MemoryJunkStore> {
  const j = new MemoryJunkStore();
  const f = file();
  await trainScope(j, GLOBAL, { key: 'g1', tokens: f[1]!.record.tokens }, f[1]!.record.label, { now: 1 });
  await trainScope(j, GLOBAL, { key: 'g2', tokens: ['t0', 't1'] }, f[2]!.record.label === 'ham' ? 'spam' : 'ham', { now: 2 });
  await trainScope(j, userScope(1), { key: 'a1', tokens: ['t5'] }, 'ham', { now: 3 });
  return j;
}

test('import in batches of any size = one by one: same statistics, same summary', async () => {
  const reference = await prefilled();
  const want = await oneByOne(reference, file());
  assert.deepEqual(want, { records: 40, added: 32, relabelled: 5, unchanged: 1, skipped: { records: 2, users: ['carol@example.org'] } });
  for (const batchSize of [1, 2, 3, 7, 200]) {
    const junk = await prefilled();
    const batches: number[] = [];
    const counting = Object.assign(Object.create(junk) as JunkStore, { commitBatch: (s: Scope, c: readonly RecordChange[]) => (batches.push(c.length), junk.commitBatch(s, c)) });
    const got = await importStatistics(counting, users, readExport([text(file())]), undefined, { batchSize });
    assert.deepEqual(got, want, `batches of ${batchSize}`);
    assert.deepEqual(await state(junk), await state(reference), `batches of ${batchSize}`);
    assert.ok(batches.every((n) => n <= batchSize));
    if (batchSize === 200) assert.deepEqual(batches, [12, 1, 1, 8, 6, 9, 1], 'one per run of a scope; a key already in the batch starts a new one (g3, twice)');
    assert.deepEqual(await importStatistics(junk, users, readExport([text(file())]), undefined, { batchSize }), { ...want, added: 0, relabelled: 4, unchanged: 34 }, 'again: only g3 flips, at each of its four lines');
  }
});

test('a record another writer trains between the reading and the commit is trained once, through trainScope', async () => {
  const junk = new MemoryJunkStore();
  // another node trains g5 (as ham) and g6 (as spam) just before the first batch commits; the file
  // says spam for g5 and ham for g6: both relabelled, each counted once
  let raced = false;
  const racing = Object.assign(Object.create(junk) as JunkStore, {
    commitBatch: async (s: Scope, c: readonly RecordChange[]) => {
      if (!raced) {
        raced = true;
        await trainScope(junk, GLOBAL, { key: 'g5', tokens: ['t1'] }, 'ham');
        await trainScope(junk, GLOBAL, { key: 'g6', tokens: ['t2'] }, 'spam');
      }
      return junk.commitBatch(s, c);
    },
  });
  const records = file().slice(0, 12);
  const sum = await importStatistics(racing, users, readExport([text(records)]));
  assert.deepEqual(sum, { records: 12, added: 10, relabelled: 2, unchanged: 0, skipped: { records: 0, users: [] } });
  const reference = new MemoryJunkStore();
  await oneByOne(reference, records);
  assert.deepEqual(await state(junk), await state(reference), 'each record counted once, as the file says');
});

test('a bad line after several batches: every record before it is in, and the summary says so', async () => {
  const junk = new MemoryJunkStore();
  const records = file().slice(0, 10);
  const good = text(records).split('\n');
  good.splice(9, 0, '{"scope":"global","key":"bad","label":"junk","tokens":[],"trainedAt":1}'); // line 10: after 8 records
  const seen: ImportSummary[] = [];
  await assert.rejects(importStatistics(junk, users, readExport([good.join('\n')]), (s) => seen.push(structuredClone(s)), { batchSize: 3 }), /^ExportFormatError: line 10: "label" must be "ham" or "spam"$/);
  assert.deepEqual(seen.at(-1), { records: 8, added: 8, relabelled: 0, unchanged: 0, skipped: { records: 0, users: [] } });
  const reference = new MemoryJunkStore();
  await oneByOne(reference, records.slice(0, 8));
  assert.deepEqual(await state(junk), await state(reference));
  await assert.rejects(importStatistics(junk, users, readExport([text(records)]), undefined, { batchSize: 0 }), /bad batch size/);
});
