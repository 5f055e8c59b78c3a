/**
 * `mailwarden spam export` and `spam import` end to end, through the real CLI: statistics trained
 * with `spam train` (globally and for two users) in one data dir are exported, then imported into
 * a second data dir whose users have other ids (and one user missing), and into PostgreSQL
 * ([spam] statistics, a private server from test/helpers/postgres.ts). Counts, totals and records
 * come out identical; a second import changes nothing; a record with the other label is
 * relabelled; records of a user missing on the target are skipped and reported, as are, on
 * export, records of a user id the source store no longer has; a malformed file stops with its
 * line number.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { message } from '../helpers/smtp-client.ts';
import { cli, MAIN } from './helpers.ts';
import { postgresForFile } from '../helpers/postgres.ts';
import { loadConfig } from '../../src/config/load.ts';
import { openStore } from '../../src/app/app.ts';
import { openPostgresJunkStore } from '../../src/store/postgres/junk.ts';
import { GLOBAL, userScope, type JunkStore, type Scope } from '../../src/junk/ports.ts';

const fixture = postgresForFile();

async function ok(config: string, args: string[], stdin?: string) {
  const r = await cli(config, args, {}, stdin);
  assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
  return r;
}

/** A data dir with a config and these users (created in this order: the ids follow it). */
async function node(users: string[], spam = ''): Promise<{ dir: string; config: string }> {
  const dir = fixture.tempDir('mw-transfer-');
  const config = join(dir, 'mailwarden.toml');
  writeFileSync(config, `hostname = "mx.example.test"\ndata_dir = "${dir}"\n${spam}`);
  await ok(config, ['domain', 'add', 'example.test']);
  for (const u of users) await ok(config, ['user', 'add', u]);
  return { dir, config };
}

const HAM_WORDS = ['meeting', 'agenda', 'quarterly', 'report', 'project', 'deadline', 'team', 'review', 'minutes', 'budget', 'schedule', 'colleagues'];
const SPAM_WORDS = ['viagra', 'casino', 'lottery', 'winner', 'prize', 'cheap', 'pills', 'unsubscribe', 'bonus', 'jackpot', 'discount', 'pharmacy'];
const pick = (words: string[], i: number, n: number) => Array.from({ length: n }, (_, k) => words[(i * 7 + k * 5) % words.length]).join(' ');
const hamMsg = (i: number) => message('Paul Colleague <paul@partner.test>', 'alice@example.test', `Re: ${pick(HAM_WORDS, i, 3)}`, `Hi, the ${pick(HAM_WORDS, i, 8)} notes (${i}) are attached. Grüße\r\n`);
const spamMsg = (i: number) => message('Best Offer <offer@promo.test>', 'alice@example.test', `${pick(SPAM_WORDS, i, 3)}!!!`, `Dear friend, ${pick(SPAM_WORDS, i, 8)} click http://promo.test/${i} now!\r\n`);

function corpus(dir: string, name: string, make: (i: number) => string, from: number, n: number): string {
  const d = join(dir, 'corpus', name);
  mkdirSync(d, { recursive: true });
  for (let i = from; i < from + n; i++) writeFileSync(join(d, `${i}.eml`), make(i));
  return d;
}

/** One user's (or the global) statistics as plain values: records (tokens sorted), totals, every record token's counts. */
async function scopeState(junk: JunkStore, scope: Scope) {
  const records: Array<{ key: string; label: string; tokens: string[]; trainedAt: number }> = [];
  for await (const r of junk.records({ pageSize: 7 })) {
    if (JSON.stringify(r.scope) === JSON.stringify(scope)) records.push({ ...r.record, tokens: [...r.record.tokens].sort() });
  }
  const tokens = [...new Set(records.flatMap((r) => r.tokens))].sort();
  const byKey = await Promise.all(records.map(async (r) => (await junk.getRecord(scope, r.key))!));
  assert.deepEqual(byKey.map((r) => ({ ...r, tokens: [...r.tokens].sort() })), records, 'getRecord agrees with records()');
  return { records, totals: await junk.getTotals(scope), counts: Object.fromEntries([...(await junk.getCounts(scope, tokens))].sort(([a], [b]) => (a < b ? -1 : 1))) };
}

/** The global and alice's statistics of a data dir: in its store, or in PostgreSQL when `pgUrl`. */
async function stateOf(config: string, pgUrl?: string) {
  const cfg = loadConfig(config).config;
  const store = openStore(cfg);
  const statistics = pgUrl ? await openPostgresJunkStore({ url: pgUrl, namespace: 'mx.example.test', onIdleError: (e) => assert.fail(e) }) : null;
  try {
    const junk = statistics?.junk ?? store.junk;
    const alice = (await store.getUser('alice@example.test'))!;
    return { global: await scopeState(junk, GLOBAL), alice: await scopeState(junk, userScope(alice.id)), aliceId: alice.id };
  } finally {
    await statistics?.close();
    await store.close();
  }
}

test('spam export, then spam import into another data dir (other user ids, a user missing) and into PostgreSQL: identical statistics, twice changes nothing, relabels, skipped users reported', async () => {
  // The source: alice (id 1) and carol (id 2), trained globally and each on their own.
  const a = await node(['alice@example.test', 'carol@example.test']);
  await ok(a.config, ['spam', 'train', '--mode', 'all', '--ham', corpus(a.dir, 'ham', hamMsg, 0, 8), '--spam', corpus(a.dir, 'spam', spamMsg, 0, 8)]);
  await ok(a.config, ['spam', 'train', '--mode', 'all', '--user', 'alice@example.test', '--spam', corpus(a.dir, 'alice-spam', spamMsg, 20, 3), '--ham', corpus(a.dir, 'alice-ham', hamMsg, 20, 2)]);
  await ok(a.config, ['spam', 'train', '--mode', 'all', '--user', 'carol@example.test', '--ham', corpus(a.dir, 'carol-ham', hamMsg, 30, 2)]);
  // a record left behind by a user id this store no longer has (e.g. deleted while the statistics were elsewhere)
  const db = new DatabaseSync(join(a.dir, 'mailwarden.db'));
  db.prepare('INSERT INTO junk_records (scope, key, label, tokens, trained_at) VALUES (99, ?, ?, ?, 1)').run('orphan', 'spam', '["ghost"]');
  db.close();
  const source = await stateOf(a.config);
  assert.equal(source.aliceId, 1);
  assert.deepEqual([source.global.totals, source.alice.totals], [{ ham: 8, spam: 8 }, { ham: 2, spam: 3 }]);

  // export to a file (mode 0600) and to standard output: the same text
  const file = join(a.dir, 'statistics.jsonl');
  const exported = await ok(a.config, ['spam', 'export', '--output', file]);
  assert.equal(exported.stdout, '');
  assert.match(exported.stderr, /^exported 23 records \(16 global, 7 of 2 users\); skipped 1 record of 1 user id the store no longer has \(99\)\n$/m);
  assert.equal(statSync(file).mode & 0o777, 0o600);
  const text = readFileSync(file, 'utf8');
  assert.equal((await ok(a.config, ['spam', 'export'])).stdout, text);
  const lines = text.trimEnd().split('\n');
  assert.equal(lines[0], '{"format":"mailwarden-spam-statistics","version":1}');
  assert.equal(lines.at(-1), '{"end":true,"records":23}');
  assert.equal(lines.filter((l) => l.includes('"user":"alice@example.test"')).length, 5);
  assert.equal(lines.filter((l) => l.includes('"user":"carol@example.test"')).length, 2);
  assert.ok(!text.includes('ghost') && !text.includes('"user":1') && !/"userId"/.test(text), 'users by address, never by id');

  // the target: bob first, so alice is user 2 here; no carol
  const b = await node(['bob@example.test', 'alice@example.test']);
  const imported = await ok(b.config, ['spam', 'import', file]);
  assert.equal(imported.stdout, '23 records: 21 added, 0 relabelled, 0 unchanged, 2 skipped (1 user not here: carol@example.test)\n');
  assert.match(imported.stderr, /^importing 23\/23 \(100%\)/m);
  const target = await stateOf(b.config);
  assert.equal(target.aliceId, 2);
  assert.deepEqual({ ...target, aliceId: 0 }, { ...source, aliceId: 0 }, 'the same counts, totals and records; alice under her id here');
  const again = await ok(b.config, ['spam', 'import', file]);
  assert.equal(again.stdout, '23 records: 0 added, 0 relabelled, 21 unchanged, 2 skipped (1 user not here: carol@example.test)\n');
  assert.deepEqual(await stateOf(b.config), target, 'importing twice changes nothing');
  const exportedB = (await ok(b.config, ['spam', 'export'])).stdout;
  assert.equal(exportedB, `${lines.filter((l) => !l.includes('carol@')).join('\n').replace('"records":23', '"records":21')}\n`, "the target's export: the source's without carol");

  // into PostgreSQL ([spam] statistics), from standard input
  const c = await node(['bob@example.test', 'alice@example.test'], `[spam]\nstatistics = "${fixture.pg.url}"\n`);
  const toPg = await ok(c.config, ['spam', 'import', '-'], text);
  assert.equal(toPg.stdout, '23 records: 21 added, 0 relabelled, 0 unchanged, 2 skipped (1 user not here: carol@example.test)\n');
  const inPg = await stateOf(c.config, fixture.pg.url);
  assert.deepEqual(inPg, target);
  assert.deepEqual((await fixture.pg.admin('SELECT DISTINCT scope FROM junk_records ORDER BY scope')).rows.map((r) => r.scope), ['global', 'user:mx.example.test:2']);
  assert.equal((await ok(c.config, ['spam', 'import', file])).stdout, '23 records: 0 added, 0 relabelled, 21 unchanged, 2 skipped (1 user not here: carol@example.test)\n');
  assert.deepEqual(await stateOf(c.config, fixture.pg.url), target, 'importing twice changes nothing');
  assert.equal((await ok(c.config, ['spam', 'export'])).stdout, exportedB, 'PostgreSQL exports what SQLite does');
  const sqliteRows = new DatabaseSync(join(c.dir, 'mailwarden.db'), { readOnly: true });
  assert.equal(Number((sqliteRows.prepare('SELECT count(*) AS n FROM junk_records').get() as { n: number }).n), 0, 'nothing went into the store');
  sqliteRows.close();

  // a record with the other label is relabelled: the stored training undone exactly
  const flipped = lines.find((l) => l.includes('"user":"alice@example.test"') && l.includes('"label":"spam"'))!;
  const key = (JSON.parse(flipped) as { key: string }).key;
  const relabel = await ok(c.config, ['spam', 'import', '-'], text.replace(flipped, flipped.replace('"label":"spam"', '"label":"ham"')));
  assert.equal(relabel.stdout, '23 records: 0 added, 1 relabelled, 20 unchanged, 2 skipped (1 user not here: carol@example.test)\n');
  const after = await stateOf(c.config, fixture.pg.url);
  assert.deepEqual(after.alice.totals, { ham: 3, spam: 2 });
  assert.equal(after.alice.records.find((r) => r.key === key)!.label, 'ham');
  assert.deepEqual(after.global, target.global);
});

test('spam import refuses a malformed file with its line number (nothing before it lost); spam export --output to a missing directory fails cleanly', async () => {
  const d = await node(['alice@example.test']);
  const good = '{"scope":"user","user":"alice@example.test","key":"k1","label":"spam","tokens":["cheap"],"trainedAt":5}';
  const bad = `{"format":"mailwarden-spam-statistics","version":1}\n${good}\n{"scope":"global","key":"k2","label":"junk","tokens":[],"trainedAt":1}\n{"end":true,"records":2}\n`;
  const file = join(d.dir, 'bad.jsonl');
  writeFileSync(file, bad);
  const r = await cli(d.config, ['spam', 'import', file]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, new RegExp(`^importing [^\\n]*\\n?mailwarden: ${file.replaceAll('.', '\\.')}: line 3: "label" must be "ham" or "spam"; stopped there, after 1 record: 1 added, 0 relabelled, 0 unchanged, 0 skipped\\n$`));
  const header = await cli(d.config, ['spam', 'import', '-'], {}, '{"format":"mailwarden-spam-statistics","version":2}\n');
  assert.equal(header.code, 1);
  assert.match(header.stderr, /mailwarden: standard input: line 1: format version 2 is newer than the version this mailwarden reads \(1\): upgrade mailwarden; nothing imported\n$/);
  const missing = await cli(d.config, ['spam', 'import', join(d.dir, 'nope.jsonl')]);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /^mailwarden: cannot read .*nope\.jsonl: ENOENT/);
  const out = await cli(d.config, ['spam', 'export', '--output', join(d.dir, 'no', 'such', 'dir.jsonl')]);
  assert.equal(out.code, 1);
  assert.match(out.stderr, /^mailwarden: cannot write .*dir\.jsonl: ENOENT/);
  assert.deepEqual(await stateOf(d.config).then((s) => s.alice.totals), { ham: 0, spam: 1 }, 'the record before the bad line is in');
});

test('spam export into a pipe whose reader stops early ends quietly with status 141 (SIGPIPE), no stack trace', async () => {
  const d = await node([]);
  // 5,000 records (more than a pipe holds), written straight into the store's table: export reads records only.
  const db = new DatabaseSync(join(d.dir, 'mailwarden.db'));
  const ins = db.prepare('INSERT INTO junk_records (scope, key, label, tokens, trained_at) VALUES (0, ?, ?, ?, 1)');
  db.exec('BEGIN');
  for (let i = 0; i < 5000; i++) ins.run(`k${i}`, i % 2 ? 'spam' : 'ham', JSON.stringify([`token${i}`, `other${i}`, 'common']));
  db.exec('COMMIT');
  db.close();
  const child = spawn(process.execPath, [MAIN, '--config', d.config, 'spam', 'export'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
  const first = await once(child.stdout, 'data');
  assert.match(String(first[0]), /^\{"format":"mailwarden-spam-statistics"/);
  child.stdout.destroy();
  const [code] = await once(child, 'exit');
  assert.equal(code, 141, stderr);
  assert.doesNotMatch(stderr, /Error|at /);
});
