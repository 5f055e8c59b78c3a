/**
 * `[spam] statistics = "postgresql://..."` end to end, on a private PostgreSQL
 * (test/helpers/postgres.ts): `mailwarden spam train` (password from statistics_password_file)
 * fills the PostgreSQL statistics, the MX scores from them (spam to Junk), IMAP MOVE trains the
 * user's namespaced scope there, and the SQLite junk tables stay empty; `user del` forgets the
 * user's statistics. PostgreSQL going away while the server runs never loses mail (delivered with
 * "X-Mailwarden-Spam: error"); unreachable at start, the server and the CLI stop with one line
 * and no password.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { cli, find, hamMsg, send, spamField, spamMsg, writeCorpus } from './helpers.ts';
import { selected } from '../helpers/imap-client.ts';
import { startTestPostgres, type TestPostgres } from '../helpers/postgres.ts';
import { GLOBAL, userScope } from '../../src/junk/ports.ts';
import { messageKey, train } from '../../src/junk/train.ts';
import { messageTokens } from '../../src/junk/message.ts';
import { validateConfig } from '../../src/config/load.ts';
import { startApp } from '../../src/app/app.ts';
import { StatisticsError } from '../../src/app/statistics.ts';
import { silentLogger } from '../../src/lib/logger.ts';

let pg: TestPostgres;
before(async () => {
  pg = await startTestPostgres();
});
after(async () => {
  await pg?.close();
});

const pgTotals = async (scope: string) => (await pg.admin('SELECT ham, spam FROM junk_totals WHERE scope = $1', [scope])).rows[0] ?? null;

/** Rows in the main store's (SQLite) junk tables. */
function sqliteJunkRows(srv: TestServer): number {
  const db = new DatabaseSync(join(srv.dir, 'mailwarden.db'), { readOnly: true });
  try {
    return ['junk_tokens', 'junk_totals', 'junk_records'].reduce((n, t) => n + Number((db.prepare(`SELECT count(*) AS n FROM ${t}`).get() as { n: number }).n), 0);
  } finally {
    db.close();
  }
}

test('statistics in PostgreSQL: CLI training, MX scoring, IMAP MOVE training of a namespaced user scope, user del; the SQLite junk tables stay empty', async (t) => {
  const srv = await startTestServer({ spam: { statistics: pg.url } } as never);
  t.after(() => srv.close());
  await pg.admin('TRUNCATE junk_tokens, junk_totals, junk_records'); // (the schema is there: the server made it)
  // The CLI's config: the URL without its password, which comes from a file.
  const { ham, spam } = writeCorpus(srv.dir, 25);
  writeFileSync(join(srv.dir, 'pg.pw'), `${pg.password}\n`, { mode: 0o600 });
  const bare = pg.url.replace(`:${pg.password}@`, '@');
  const config = join(srv.dir, 'mailwarden.toml');
  writeFileSync(config, `hostname = "mx.example.test"\ndata_dir = "${srv.dir}"\n[spam]\nstatistics = "${bare}"\nstatistics_password_file = "pg.pw"\n`);

  const tr = await cli(config, ['spam', 'train', '--mode', 'all', '--ham', ham, '--spam', spam]);
  assert.equal(tr.code, 0, tr.stderr);
  assert.match(tr.stdout, /50 messages: 50 trained, 0 relabelled, 0 already trained\n[\s\S]*global statistics: 25 ham, 25 spam/);
  assert.deepEqual(await pgTotals('global'), { ham: 25, spam: 25 });
  assert.deepEqual(await srv.app.junk.getTotals(GLOBAL), { ham: 25, spam: 25 }, 'the server reads the same database');
  // PGPASSWORD works too (no password in the URL, no file)
  writeFileSync(join(srv.dir, 'probe.eml'), spamMsg(99));
  const envConfig = join(srv.dir, 'env.toml');
  writeFileSync(envConfig, `hostname = "mx.example.test"\ndata_dir = "${srv.dir}"\n[spam]\nstatistics = "${bare}"\n`);
  const cl = await cli(envConfig, ['spam', 'classify', join(srv.dir, 'probe.eml')], { PGPASSWORD: pg.password });
  assert.equal(cl.code, 0, cl.stderr);
  assert.match(cl.stdout, /^score: (0\.9\d+|1\.0000)\nverdict: spam\nscope: global \(25 ham, 25 spam trained\)/);

  // the MX scores with the PostgreSQL statistics
  assert.equal((await send(srv, hamMsg(40).replace('Subject: ', 'Subject: hammy '))).code, 250);
  assert.equal((await send(srv, spamMsg(40).replace('Subject: ', 'Subject: spammy '))).code, 250);
  assert.match(spamField((await find(srv, 'Subject: hammy', 'INBOX'))!)!, /^X-Mailwarden-Spam: ham; score=0\.\d{4};/);
  assert.match(spamField((await find(srv, 'Subject: spammy', 'Junk'))!)!, /^X-Mailwarden-Spam: spam; score=(0\.9[5-9]\d\d|1\.0000);/);

  // IMAP MOVE into Junk trains alice's scope, namespaced by the hostname, and the global one
  const alice = (await srv.app.store.getUser('alice@example.test'))!;
  const c = await selected(srv, 'alice@example.test');
  t.after(() => c.socket.destroy());
  const search = await c.cmd('UID SEARCH SUBJECT hammy');
  const uid = search.untagged.find((l) => l.startsWith('* SEARCH'))!.split(' ')[2];
  assert.match((await c.cmd(`UID MOVE ${uid} Junk`)).tagged, / OK /);
  await c.cmd('LOGOUT');
  assert.deepEqual(await pgTotals(`user:mx.example.test:${alice.id}`), { ham: 0, spam: 1 });
  assert.deepEqual(await pgTotals('global'), { ham: 25, spam: 26 });
  assert.equal(sqliteJunkRows(srv), 0, 'nothing in the SQLite junk tables');

  // user del forgets the user's statistics; refused (an alias targets bob), it forgets nothing
  const carol = (await srv.app.store.getUser('carol@other.test'))!;
  const bob = (await srv.app.store.getUser('bob@example.test'))!;
  for (const u of [carol, bob]) await train(srv.app.junk, [userScope(u.id)], { key: 'k', tokens: ['x'] }, 'spam');
  const refused = await cli(config, ['user', 'del', 'bob@example.test']);
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /^mailwarden: bob@example\.test is a target of alias\(es\) sales@example\.test; change them first\n$/);
  assert.deepEqual(await pgTotals(`user:mx.example.test:${bob.id}`), { ham: 0, spam: 1 });
  const del = await cli(config, ['user', 'del', 'carol@other.test']);
  assert.equal(del.code, 0, del.stderr);
  assert.equal(await pgTotals(`user:mx.example.test:${carol.id}`), null);
  assert.equal((await pg.admin('SELECT count(*)::integer AS n FROM junk_tokens WHERE scope = $1', [`user:mx.example.test:${carol.id}`])).rows[0]!.n, 0);
  assert.deepEqual(await pgTotals('global'), { ham: 25, spam: 26 }, 'the global statistics stay');
});

test('PostgreSQL goes away while the server runs: mail is still delivered, marked "error"; once it is back, mail is scored again', async (t) => {
  const srv = await startTestServer({ spam: { statistics: pg.url } } as never);
  t.after(() => srv.close());
  await pg.admin('TRUNCATE junk_tokens, junk_totals, junk_records');
  for (let i = 0; i < 25; i++) {
    for (const [raw, label] of [[hamMsg(i), 'ham'], [spamMsg(i), 'spam']] as const) {
      const b = Buffer.from(raw);
      await train(srv.app.junk, [GLOBAL], { key: messageKey(b), tokens: messageTokens(b, 'mx.example.test') }, label);
    }
  }
  await pg.stop();
  try {
    const r = await send(srv, spamMsg(50).replace('Subject: ', 'Subject: outage '));
    assert.equal(r.code, 250, 'accepted: never lose mail to a statistics failure');
    const m = await find(srv, 'Subject: outage', 'INBOX');
    assert.ok(m, 'delivered to INBOX');
    assert.equal(spamField(m), 'X-Mailwarden-Spam: error');
  } finally {
    await pg.start();
  }
  assert.equal((await send(srv, spamMsg(51).replace('Subject: ', 'Subject: after '))).code, 250);
  assert.match(spamField((await find(srv, 'Subject: after', 'Junk'))!)!, /^X-Mailwarden-Spam: spam;/);
  assert.equal(sqliteJunkRows(srv), 0);
});

test('PostgreSQL unreachable at start: startApp fails with one line and no password; the CLI (spam, serve) exits 1 with it, no stack trace', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'mw-pgdown-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const down = pg.url.replace(`:${pg.port}/`, ':1/');
  const config = validateConfig({ hostname: 'mx.example.test', data_dir: dir, log: { level: 'silent' }, listen: { mx: ['127.0.0.1:0'], submission: [], submissions: [], pop3: [], pop3s: [], imap: [], imaps: [], https: [] }, outbound: { enabled: false }, spam: { statistics: down } }, 'test', dir, {});
  const err = await startApp(config, silentLogger()).then(() => null, (e: unknown) => e);
  assert.ok(err instanceof StatisticsError, String(err));
  assert.match(err.message, /^cannot open the PostgreSQL statistics database postgresql:\/\/mailwarden:\*\*\*@127\.0\.0\.1:1\/mailwarden_stats: connect ECONNREFUSED 127\.0\.0\.1:1$/);
  assert.ok(!err.message.includes(pg.password));

  const file = join(dir, 'mailwarden.toml');
  writeFileSync(file, `hostname = "mx.example.test"\ndata_dir = "${dir}"\n[log]\nlevel = "silent"\n[listen]\nmx = ["127.0.0.1:0"]\nsubmission = []\nsubmissions = []\npop3 = []\npop3s = []\nimap = []\nimaps = []\nhttps = []\n[spam]\nstatistics = "${down}"\n`);
  writeFileSync(join(dir, 'probe.eml'), spamMsg(1));
  for (const args of [['spam', 'classify', join(dir, 'probe.eml')], ['serve']]) {
    const r = await cli(file, args);
    assert.equal(r.code, 1, `${args[0]}: ${r.stderr}`);
    assert.match(r.stderr, /^mailwarden: cannot open the PostgreSQL statistics database postgresql:\/\/mailwarden:\*\*\*@127\.0\.0\.1:1\/mailwarden_stats: connect ECONNREFUSED 127\.0\.0\.1:1\n$/, args[0]);
    assert.ok(!r.stderr.includes(pg.password) && !r.stdout.includes(pg.password));
  }
});
