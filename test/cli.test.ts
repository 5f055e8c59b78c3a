/**
 * The CLI against a running server: account changes take effect without a restart, --json output,
 * readable errors with exit status 1.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startTestServer } from './helpers/server.ts';
import { RawSmtp, plain, message } from './helpers/smtp-client.ts';

const pexec = promisify(execFile);
const MAIN = new URL('../src/cli/main.ts', import.meta.url).pathname;

function cli(config: string, args: string[], stdin?: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(process.execPath, [MAIN, '--config', config, ...args], { timeout: 20000 }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
    child.stdin!.end(stdin ?? '');
  });
}

test('CLI: domains, users, aliases; a running server sees the changes at once', async (t) => {
  const srv = await startTestServer();
  t.after(() => srv.close());
  const config = join(srv.dir, 'mailwarden.toml');
  writeFileSync(config, `data_dir = "${srv.dir}"\n`);

  assert.equal((await cli(config, ['domain', 'add', 'New.Example'])).code, 0);
  const domains = JSON.parse((await cli(config, ['domain', 'list', '--json'])).stdout) as Array<{ name: string }>;
  assert.deepEqual(domains.map((d) => d.name), ['example.test', 'new.example', 'other.test']);

  const added = await cli(config, ['user', 'add', 'dave@new.example', '--password-stdin', '--name', 'Dave'], 'dave secret pass\n');
  assert.equal(added.code, 0, added.stderr);
  const users = JSON.parse((await cli(config, ['user', 'list', '--domain', 'new.example', '--json'])).stdout) as Array<{ address: string; displayName: string; createdAt: string }>;
  assert.deepEqual(users.map(({ address, displayName }) => ({ address, displayName })), [{ address: 'dave@new.example', displayName: 'Dave' }]);
  assert.match(users[0]!.createdAt, /^\d{4}-\d\d-\d\dT/);

  // the running server accepts mail for the new user and lets them log in, no restart
  const mx = await RawSmtp.open(srv.port('mx'));
  await mx.cmd('EHLO x.test');
  await mx.cmd('MAIL FROM:<a@x.test>');
  assert.equal((await mx.cmd('RCPT TO:<dave@new.example>')).code, 250);
  await mx.cmd('DATA');
  assert.equal((await mx.cmd(`${message('a@x.test', 'dave@new.example', 'welcome dave')}.`)).code, 250);
  const sub = await RawSmtp.open(srv.port('submissions'), { tls: true });
  await sub.cmd('EHLO x.test');
  assert.equal((await sub.cmd(`AUTH PLAIN ${plain('dave@new.example', 'dave secret pass')}`)).code, 235);
  sub.close();

  // a generated password is printed once
  const gen = await cli(config, ['user', 'add', 'erin@new.example']);
  assert.match(gen.stdout, /password: [A-Za-z0-9]{20}\n/);

  assert.equal((await cli(config, ['alias', 'add', 'team@new.example', 'dave@new.example', 'erin@new.example'])).code, 0);
  const aliases = JSON.parse((await cli(config, ['alias', 'list', '--json'])).stdout) as Array<{ source: string; targets: string[] }>;
  assert.deepEqual(aliases.find((a) => a.source === 'team@new.example')?.targets, ['dave@new.example', 'erin@new.example']);
  await mx.cmd('MAIL FROM:<a@x.test>');
  assert.equal((await mx.cmd('RCPT TO:<team@new.example>')).code, 250);
  assert.match((await mx.cmd('RCPT TO:<random@new.example>')).text, /^550 5\.1\.1/, 'no catch-all unless asked for');
  await mx.cmd('RSET');
  assert.equal((await cli(config, ['alias', 'add', '@new.example', 'dave@new.example'])).code, 0);
  await mx.cmd('MAIL FROM:<a@x.test>');
  assert.equal((await mx.cmd('RCPT TO:<random@new.example>')).code, 250, 'explicit catch-all');
  await mx.cmd('RSET');

  // password change and deletion take effect at once
  assert.equal((await cli(config, ['user', 'passwd', 'erin@new.example', '--password-stdin'], 'erin new password\n')).code, 0);
  assert.equal((await cli(config, ['alias', 'del', 'team@new.example'])).code, 0);
  assert.equal((await cli(config, ['alias', 'del', '@new.example'])).code, 0);
  assert.equal((await cli(config, ['user', 'del', 'dave@new.example'])).code, 0);
  await mx.cmd('MAIL FROM:<a@x.test>');
  assert.match((await mx.cmd('RCPT TO:<dave@new.example>')).text, /^550 5\.1\.1/);
  mx.close();
});

test('CLI: errors are one readable line and exit status 1', async (t) => {
  const srv = await startTestServer();
  t.after(() => srv.close());
  const config = join(srv.dir, 'mailwarden.toml');
  writeFileSync(config, `data_dir = "${srv.dir}"\n`);
  const cases: Array<[string[], RegExp, string?]> = [
    [['domain', 'add', 'example.test'], /domain example\.test already exists/],
    [['domain', 'add', 'not a domain'], /is not a valid domain name/],
    [['user', 'add', 'x@unknown.test', '--password-stdin'], /unknown\.test is not a local domain/, 'a long password\n'],
    [['user', 'add', 'y@example.test', '--password-stdin'], /at least 8 characters/, 'short\n'],
    [['alias', 'add', 'z@example.test', 'ghost@example.test'], /alias target ghost@example\.test is not a local user/],
    [['domain', 'del', 'example.test'], /still has 2 user\(s\), 1 alias\(es\) and 0 list\(s\)/],
    [['user', 'del', 'nobody@example.test'], /no such user/],
  ];
  for (const [args, expected, stdin] of cases) {
    const r = await cli(config, args, stdin);
    assert.equal(r.code, 1, args.join(' '));
    assert.match(r.stderr, expected);
    assert.equal(r.stderr.trim().split('\n').length, 1, 'one line, no stack trace');
  }
  const bad = join(srv.dir, 'bad.toml');
  writeFileSync(bad, '[limits]\nmax_recipients = "lots"\n');
  const r = await cli(bad, ['config', 'check']);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /limits\.max_recipients: .*expected number/);
  const help = await pexec(process.execPath, [MAIN, '--help']);
  for (const c of ['serve', 'domain', 'user', 'alias', 'config']) assert.match(help.stdout, new RegExp(`\\n  ${c} `));
});
