/** `mailwarden list add|show|member add|member del|del` and `alias add` with an external target, through the real CLI. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const MAIN = new URL('../../src/cli/main.ts', import.meta.url).pathname;

function cli(config: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [MAIN, '--config', config, ...args], { timeout: 30000 }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

test('list and forwarding alias commands', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'mailwarden-cli-list-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const config = join(dir, 'mailwarden.toml');
  writeFileSync(config, `hostname = "mx.a.test"\ndata_dir = "${dir}"\n`);
  assert.equal((await cli(config, ['domain', 'add', 'a.test'])).code, 0);
  assert.equal((await cli(config, ['user', 'add', 'boss@a.test'])).code, 0);

  const fwd = await cli(config, ['alias', 'add', 'me@a.test', 'boss@a.test', 'me@elsewhere.test']);
  assert.equal(fwd.code, 0, fwd.stderr);
  const bad = await cli(config, ['alias', 'add', 'x@a.test', 'ghost@a.test']);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /ghost@a\.test is not a local user/);

  const add = await cli(config, ['list', 'add', 'team@a.test', '--name', 'The Team', '--from-rewrite', 'dmarc', '--owner', 'boss@a.test']);
  assert.equal(add.code, 0, add.stderr);
  assert.match(add.stdout, /list team@a\.test added \(List-Id <team\.a\.test>, posting: members, From rewrite: dmarc\)/);
  assert.equal((await cli(config, ['list', 'add', 'team@a.test'])).code, 1, 'exists');
  assert.match((await cli(config, ['list', 'add', 'x@a.test', '--posting', 'everyone'])).stderr, /--posting must be members or anyone/);
  assert.match((await cli(config, ['list', 'add', 'y@a.test', '--subject-tag', '[tëam]'])).stderr, /printable ASCII/);

  const m = await cli(config, ['list', 'member', 'add', 'team@a.test', 'Carol@B.test', 'boss@a.test', 'carol@b.test']);
  assert.equal(m.code, 0, m.stderr);
  assert.equal(m.stdout, 'carol@b.test: added\nboss@a.test: added\ncarol@b.test: already a member\n');
  const show = JSON.parse((await cli(config, ['list', 'show', 'team@a.test', '--json'])).stdout) as Record<string, unknown>;
  assert.deepEqual({ ...show, createdAt: 'x' }, { address: 'team@a.test', listId: 'team.a.test', name: 'The Team', subjectTag: '[The Team]', posting: 'members', fromRewrite: 'dmarc', owner: 'boss@a.test', members: ['carol@b.test', 'boss@a.test'], createdAt: 'x' });
  const del = await cli(config, ['list', 'member', 'del', 'team@a.test', 'carol@b.test', 'nobody@b.test']);
  assert.equal(del.code, 1, 'one was not a member');
  assert.equal(del.stdout, 'carol@b.test: removed\nnobody@b.test: not a member\n');
  const all = await cli(config, ['list', 'show']);
  assert.match(all.stdout, /team@a\.test\s+The Team\s+1\s+members\s+dmarc/);
  assert.equal((await cli(config, ['list', 'del', 'team@a.test'])).code, 0);
  assert.equal((await cli(config, ['list', 'del', 'team@a.test'])).code, 1);
});
