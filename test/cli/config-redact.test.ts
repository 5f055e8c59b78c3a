/**
 * No password of a URL-valued setting is printed: `mailwarden config check` (plain and --json)
 * prints `postgresql://user:***@host/db` for [spam] statistics (and redacts [lists] public_url
 * alike), keeping every other value as loaded; `mailwarden serve` on a real PostgreSQL
 * (test/helpers/postgres.ts) writes the redacted URL, never the password, in its start banner and
 * its pino log lines; the CLI commands that open the statistics (spam, user del, domain del) name
 * an unreachable database redacted too. All through the real CLI, as a child process.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cli, MAIN } from '../junk/helpers.ts';
import { loadConfig } from '../../src/config/load.ts';
import { postgresForFile } from '../helpers/postgres.ts';

const SECRET = 'Tr0ub4dor-s3cret';
const fixture = postgresForFile();

function configFile(body: string): { dir: string; file: string } {
  const dir = fixture.tempDir('mw-redact-');
  const file = join(dir, 'mailwarden.toml');
  writeFileSync(file, `hostname = "mx.example.test"\ndata_dir = "${dir}"\n${body}`);
  return { dir, file };
}

test('config check --json prints the effective configuration with the URL passwords redacted, the rest unchanged; the plain output shows no password either', async () => {
  const statistics = `postgresql://mw:${SECRET}@db.example.org:5432/mailwarden_stats?sslmode=verify-full&sslrootcert=/etc/mw/ca.pem`;
  const { file } = configFile(`[spam]\nstatistics = "${statistics}"\n[lists]\npublic_url = "https://list:${SECRET}@lists.example.org/"\n`);
  const r = await cli(file, ['config', 'check', '--json']);
  assert.equal(r.code, 0, r.stderr);
  assert.ok(!r.stdout.includes(SECRET) && !r.stderr.includes(SECRET), r.stdout);
  const printed = JSON.parse(r.stdout) as { spam: { statistics: string }; lists: { public_url: string } };
  assert.equal(printed.spam.statistics, 'postgresql://mw:***@db.example.org:5432/mailwarden_stats?sslmode=verify-full&sslrootcert=/etc/mw/ca.pem');
  assert.equal(printed.lists.public_url, 'https://list:***@lists.example.org/');
  // everything else is what the loader made of the file
  const loaded = loadConfig(file).config;
  assert.deepEqual(printed, JSON.parse(JSON.stringify({ ...loaded, spam: { ...loaded.spam, statistics: printed.spam.statistics }, lists: { ...loaded.lists, public_url: printed.lists.public_url } })));

  const plain = await cli(file, ['config', 'check']);
  assert.equal(plain.code, 0, plain.stderr);
  assert.equal(plain.stdout, `${file}: OK\n`);

  // a password parameter instead of user-info
  const { file: param } = configFile(`[spam]\nstatistics = "postgresql://db.example.org/stats?user=mw&password=${SECRET}"\n`);
  const p = await cli(param, ['config', 'check', '--json']);
  assert.equal(p.code, 0, p.stderr);
  assert.ok(!p.stdout.includes(SECRET));
  assert.match(p.stdout, /"statistics": "postgresql:\/\/db\.example\.org\/stats\?user=mw&password=\*\*\*"/);
});

test('serve on a real PostgreSQL: the banner and the log lines show the statistics URL redacted, never the password', async () => {
  const url = fixture.pg.url; // postgresql://ROLE:PASSWORD@127.0.0.1:PORT/DB
  assert.ok(url.includes(`:${fixture.pg.password}@`));
  const redacted = url.replace(`:${fixture.pg.password}@`, ':***@');
  const none = 'submission = []\nsubmissions = []\npop3 = []\npop3s = []\nimap = []\nimaps = []\nhttps = []\n';
  const { file } = configFile(`[log]\nlevel = "info"\n[outbound]\nenabled = false\n[listen]\nmx = ["127.0.0.1:0"]\n${none}[spam]\nstatistics = "${url}"\n`);
  const child = spawn(process.execPath, [MAIN, '--config', file, 'serve'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
  child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
  try {
    const deadline = Date.now() + 60_000;
    while (!stderr.includes('mailwarden is running') && child.exitCode === null && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    assert.ok(stderr.includes('mailwarden is running'), `no banner: ${stderr}${stdout}`);
    await new Promise((r) => setTimeout(r, 200)); // the buffered log lines
  } finally {
    child.kill('SIGTERM');
    if (child.exitCode === null) await once(child, 'exit');
  }
  assert.match(stderr, new RegExp(`spam statistics: ${redacted.replace(/[.*?^$()[\]\\/+]/g, '\\$&')} \\(PostgreSQL`));
  const logged = stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as { msg: string; statistics?: string });
  assert.equal(logged.find((l) => l.msg === 'spam filter statistics in PostgreSQL')?.statistics, redacted);
  assert.ok(!stdout.includes(fixture.pg.password) && !stderr.includes(fixture.pg.password), 'the password is nowhere');
});

test('spam, user del and domain del --force name an unreachable statistics database redacted', async () => {
  const down = `postgresql://mw:${SECRET}@127.0.0.1:1/mailwarden_stats`;
  const { file } = configFile(`[spam]\nstatistics = "${down}"\n`);
  assert.equal((await cli(file, ['domain', 'add', 'example.test'])).code, 0);
  assert.equal((await cli(file, ['user', 'add', 'alice@example.test'])).code, 0);
  for (const args of [['spam', 'export'], ['user', 'del', 'alice@example.test'], ['domain', 'del', '--force', 'example.test']]) {
    const r = await cli(file, args);
    assert.equal(r.code, 1, args.join(' '));
    assert.equal(r.stderr, 'mailwarden: cannot open the PostgreSQL statistics database postgresql://mw:***@127.0.0.1:1/mailwarden_stats: connect ECONNREFUSED 127.0.0.1:1\n', args.join(' '));
    assert.ok(!r.stdout.includes(SECRET));
  }
});
