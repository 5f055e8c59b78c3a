/**
 * `mailwarden domain del --force` and the users' spam statistics, through the real CLI, with the
 * statistics in the store and in a real PostgreSQL (test/helpers/postgres.ts): a deletion the
 * store refuses (an alias of another domain targets one of the users; users without --force)
 * leaves every statistic in place; the deletion that succeeds drops the deleted users' own
 * statistics (Store.deleteDomain's beforeDelete hook) and nobody else's.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cli, writeCorpus } from '../junk/helpers.ts';
import { loadConfig } from '../../src/config/load.ts';
import { openStore } from '../../src/app/app.ts';
import { openPostgresJunkStore } from '../../src/store/postgres/junk.ts';
import { GLOBAL, userScope, type Counts } from '../../src/junk/ports.ts';
import { postgresForFile } from '../helpers/postgres.ts';

const fixture = postgresForFile();

async function ok(config: string, args: string[]) {
  const r = await cli(config, args);
  assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
  return r;
}

/** Totals of the global scope and of users 1..3 (the ids of alice, bob, carol), read where [spam] statistics says. */
async function totals(config: string, pgUrl: string | null): Promise<Counts[]> {
  const cfg = loadConfig(config).config;
  const store = openStore(cfg);
  const statistics = pgUrl ? await openPostgresJunkStore({ url: pgUrl, namespace: 'mx.example.test', onIdleError: (e) => assert.fail(e) }) : null;
  try {
    const junk = statistics?.junk ?? store.junk;
    return await Promise.all([GLOBAL, userScope(1), userScope(2), userScope(3)].map((s) => junk.getTotals(s)));
  } finally {
    await statistics?.close();
    await store.close();
  }
}

for (const engine of ['store', 'postgresql'] as const) {
  test(`[${engine}] domain del --force: refused, the statistics stay; done, the deleted users' statistics go, nobody else's`, async () => {
    const dir = fixture.tempDir('mw-domain-del-');
    let pgUrl: string | null = null;
    if (engine === 'postgresql') {
      const db = `mw_dd_${Date.now()}`;
      await fixture.pg.admin(`CREATE DATABASE ${db} OWNER ${fixture.pg.role}`, [], 'postgres');
      pgUrl = fixture.pg.url.replace(/\/[^/]+$/, `/${db}`);
    }
    const config = join(dir, 'mailwarden.toml');
    writeFileSync(config, `hostname = "mx.example.test"\ndata_dir = "${dir}"\n${pgUrl ? `[spam]\nstatistics = "${pgUrl}"\n` : ''}`);
    await ok(config, ['domain', 'add', 'example.test']);
    await ok(config, ['domain', 'add', 'other.test']);
    for (const u of ['alice@example.test', 'bob@example.test', 'carol@other.test']) await ok(config, ['user', 'add', u]);
    const corpus = writeCorpus(dir, 3);
    for (const u of ['alice@example.test', 'bob@example.test', 'carol@other.test']) await ok(config, ['spam', 'train', '--mode', 'all', '--user', u, '--ham', corpus.ham, '--spam', corpus.spam]);
    await ok(config, ['spam', 'train', '--mode', 'all', '--ham', corpus.ham, '--spam', corpus.spam]);
    const trained = { ham: 3, spam: 3 };
    const all = [trained, trained, trained, trained];
    assert.deepEqual(await totals(config, pgUrl), all, 'global, alice, bob, carol trained');

    // refused: an alias of other.test targets alice
    await ok(config, ['alias', 'add', 'x@other.test', 'alice@example.test']);
    const refused = await cli(config, ['domain', 'del', '--force', 'example.test']);
    assert.equal(refused.code, 1);
    assert.equal(refused.stderr, 'mailwarden: user(s) of domain example.test are targets of alias(es) of other domains (x@other.test -> alice@example.test); change them first\n');
    assert.deepEqual(await totals(config, pgUrl), all, 'a refused deletion drops no statistics');
    // refused: users, and no --force
    const noForce = await cli(config, ['domain', 'del', 'example.test']);
    assert.equal(noForce.code, 1);
    assert.match(noForce.stderr, /still has 2 user\(s\)/);
    assert.deepEqual(await totals(config, pgUrl), all);
    assert.equal((await ok(config, ['user', 'list', '--json'])).stdout.includes('alice@example.test'), true, 'alice is still there');

    // done: alice's and bob's statistics go; carol's and the global ones stay
    await ok(config, ['alias', 'del', 'x@other.test']);
    assert.equal((await ok(config, ['domain', 'del', '--force', 'example.test'])).stdout, 'domain example.test deleted\n');
    const none = { ham: 0, spam: 0 };
    assert.deepEqual(await totals(config, pgUrl), [trained, none, none, trained]);
    if (pgUrl) {
      const db = pgUrl.split('/').pop()!;
      const scopes = (await fixture.pg.admin('SELECT DISTINCT scope FROM junk_records UNION SELECT DISTINCT scope FROM junk_tokens UNION SELECT scope FROM junk_totals ORDER BY 1', [], db)).rows.map((r) => r.scope);
      assert.deepEqual(scopes, ['global', 'user:mx.example.test:3'], 'nothing of users 1 and 2 left in PostgreSQL');
    }
    const missing = await cli(config, ['domain', 'del', '--force', 'example.test']);
    assert.equal(missing.stderr, 'mailwarden: no such domain example.test\n');
  });
}
