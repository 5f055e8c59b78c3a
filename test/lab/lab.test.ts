/**
 * The lab is the end-to-end test: the real `bin/mailwarden lab --json` starts five mailwarden
 * servers on 127.0.0.x with a DNS server and replays every attack; this fails on any FAIL.
 * Then: the lab reports a defence that is off as FAIL with exit status 1 (--teaching turns off
 * scenario 9's), prints the transcript, and --keep leaves a lab a person can connect to, whose
 * zone is exactly what `mailwarden dns records` prints.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';

const BIN = new URL('../../bin/mailwarden', import.meta.url).pathname;

interface Row {
  id: number;
  name: string;
  status: 'PASS' | 'FAIL' | 'NOT BUILT';
  happened: string[];
  checks: Array<{ ok: boolean; what: string }>;
  missing?: string;
  error?: string;
}
interface Scorecard {
  ok: boolean;
  summary: { pass: number; fail: number; notBuilt: number };
  durationMs: number;
  kept: boolean;
  lab: { dir: string; zoneFile: string; dns: { host: string; port: number }; attacker: { ip: string }; hosts: Array<{ name: string; domain: string; hostname: string; ip: string; dmarc: string; endpoints: Record<string, string> }> };
  scenarios: Row[];
}

function run(args: string[], timeoutMs = 120_000): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(BIN, args, { timeout: timeoutMs, maxBuffer: 32 * 1024 * 1024 }, (err, stdout, stderr) => {
      resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

/** The scenarios built in this issue: each must PASS. */
const MUST_PASS = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14];

test('mailwarden lab --json: every scenario PASSes or is NOT BUILT, in well under a minute', async () => {
  const t0 = Date.now();
  const r = await run(['lab', '--json']);
  const card = JSON.parse(r.stdout) as Scorecard;
  const failed = card.scenarios.filter((s) => s.status === 'FAIL');
  assert.deepEqual(failed.map((s) => ({ id: s.id, error: s.error, notOk: s.checks.filter((c) => !c.ok).map((c) => c.what) })), [], 'no scenario FAILed');
  assert.equal(r.code, 0, r.stderr);
  assert.equal(card.ok, true);
  assert.ok(Date.now() - t0 < 60_000, `the whole lab took ${Date.now() - t0} ms`);

  assert.deepEqual(card.scenarios.map((s) => s.id), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14], 'every scenario of the issue is listed');
  for (const id of MUST_PASS) assert.equal(card.scenarios.find((s) => s.id === id)?.status, 'PASS', `scenario ${id}`);
  for (const s of card.scenarios) {
    if (s.status === 'PASS') {
      assert.ok(s.checks.length > 0 && s.checks.every((c) => c.ok), `${s.name}: a PASS is made of passed checks`);
      assert.ok(s.happened.length > 0, `${s.name}: says what happened`);
    } else {
      assert.equal(s.status, 'NOT BUILT');
      assert.ok(s.missing && s.missing.length > 10, `${s.name}: names what is missing`);
      assert.deepEqual(s.checks, [], `${s.name}: a NOT BUILT scenario is never run`);
    }
  }
  assert.equal(card.summary.fail, 0);
  assert.equal(card.summary.pass + card.summary.notBuilt, 14);

  // what happened, as the scorecard reports it (replies, folders, headers)
  const row = (id: number) => card.scenarios.find((s) => s.id === id)!.happened.join('\n');
  assert.match(row(1), /Authentication-Results: mx\.icloud\.test; spf=pass .*dkim=pass .*dmarc=pass/);
  assert.match(row(1), /TLS verified/);
  assert.match(row(2), /550 5\.7\.1 message refused: DMARC policy of gmail\.test is reject .*SPF fail \(gmail\.test\), no DKIM signature/);
  assert.match(row(3), /-> bob's Junk/);
  assert.match(row(3), /source_ip 127\.0\.0\.9 count 1 disposition none/);
  assert.match(row(4), /550 5\.7\.1 sender address <bob@icloud\.test> is not yours/);
  assert.match(row(8), /454 4\.7\.0/);
  assert.match(row(9), /538 5\.7\.11/);
  assert.match(row(11), /dkim=fail reason="body hash did not verify" header\.d=gmail\.test/);
  assert.match(row(12), /550 5\.6\.11/);
  assert.match(row(5), /X-Mailwarden-Phishing: warn; score=/);
  assert.match(row(10), /dmarc=fail .*arc=pass .*DMARC failure overridden: ARC chain sealed by trusted lists\.test/);
  assert.match(row(10), /postmaster@none\.test: 550 5\.7\.1 message refused: DMARC policy of gmail\.test is reject/);
  assert.match(row(14), /spam: bob's Junk; X-Mailwarden-Spam: spam; score=/);
  assert.match(row(14), /550 5\.7\.1 .*invoice\.pdf\.exe/);
  assert.match(row(13), /icloud\.test's policy: version: STSv1; mode: enforce; mx: mx\.icloud\.test/);
  assert.match(row(13), /gmail\.test delivery log: 4\.7\.10 MTA-STS enforce: STARTTLS not offered by mx\.icloud\.test/);
  assert.match(row(13), /delivered to mx\.icloud\.test, TLS verified/);

  // topology: its own loopback address per host, the lab DNS server, data removed at exit
  assert.deepEqual(card.lab.hosts.map((h) => [h.domain, h.ip, h.dmarc]), [
    ['gmail.test', '127.0.0.2', 'reject'],
    ['icloud.test', '127.0.0.3', 'none'],
    ['lists.test', '127.0.0.4', 'none'],
    ['quarantine.test', '127.0.0.5', 'quarantine'],
    ['none.test', '127.0.0.6', 'none'],
  ]);
  for (const h of card.lab.hosts) for (const ep of Object.values(h.endpoints)) assert.ok(ep.startsWith(`${h.ip}:`), `${h.name} listens on its own address only (${ep})`);
  assert.equal(card.lab.dns.host, '127.0.0.10');
  assert.equal(card.kept, false);
  assert.equal(existsSync(card.lab.dir), false, 'the data directory is removed at exit');
});

test('a defence that is off is a FAIL with exit status 1; --transcript explains every line', async () => {
  // --teaching allows AUTH without TLS from loopback: scenario 9's defence is off on purpose
  const r = await run(['lab', '--teaching', '--scenario', 'plaintext-auth', '--scenario', '2', '--transcript']);
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stdout, /^9 +\| AUTH PLAIN without .*\| FAIL$/m);
  assert.match(r.stdout, /NOT OK: refused with 538 5\.7\.11/);
  assert.match(r.stdout, /^2 +\| Forged From of a .*\| PASS$/m);
  assert.match(r.stdout, /PASS 1 {3}FAIL 1 {3}NOT BUILT 0/);
  // the transcript: the attacker's connection, each line with its explanation
  assert.match(r.stdout, /-- attacker 127\.0\.0\.9 -> mx\.icloud\.test 127\.0\.0\.3:\d+ \(SMTP MX\) --/);
  assert.match(r.stdout, /C: MAIL FROM:<alice@gmail\.test> +# envelope sender: .*SPF/);
  assert.match(r.stdout, /C: From: Alice <alice@gmail\.test> +# header From: .*DMARC/);
  assert.match(r.stdout, /S: 550 5\.7\.1 message refused: DMARC policy of gmail\.test is reject .* +# 550 5\.7\.1: refused by policy/);
  assert.match(r.stdout, /S: 235 2\.7\.0 .* +# 235: logged in/, 'teaching mode: the clear-text AUTH went through');
});

test('unknown scenario names are refused with the list of known ones', async () => {
  const r = await run(['lab', '--scenario', 'nosuch']);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /unknown scenario nosuch; known: legitimate, forged-reject, /);
});

test('--keep: the lab stays up for typing SMTP by hand; its zone is what `dns records` prints; Ctrl-C stops it and keeps the data', async (t) => {
  const child = spawn(BIN, ['lab', '--keep', '--json', '--scenario', 'open-relay'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  t.after(() => child.kill('SIGKILL'));
  const deadline = Date.now() + 60_000;
  while (!stderr.includes('Ctrl-C stops it') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  assert.ok(stderr.includes('Ctrl-C stops it'), `keep instructions printed; stderr: ${stderr.slice(0, 2000)}`);
  const card = JSON.parse(stdout) as Scorecard;
  t.after(() => rmSync(card.lab.dir, { recursive: true, force: true }));
  assert.equal(card.kept, true);
  assert.equal(card.scenarios.find((s) => s.id === 7)?.status, 'PASS');
  const icloud = card.lab.hosts.find((h) => h.name === 'icloud')!;
  const [host, port] = icloud.endpoints.mx!.split(':') as [string, string];
  assert.match(stderr, new RegExp(`openssl s_client -starttls smtp -crlf -quiet -connect ${icloud.endpoints.mx!.replace(/\./g, '\\.')}`));
  assert.match(stderr, /alice@gmail\.test +\S{12,}/, 'the accounts and their passwords');

  // a person types SMTP to the kept MX, from the attacker's address
  const sock = connect({ host, port: Number(port), localAddress: card.lab.attacker.ip });
  let got = '';
  sock.on('data', (d: Buffer) => (got += d.toString()));
  const waitFor = async (re: RegExp) => {
    const end = Date.now() + 5000;
    while (!re.test(got) && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
    assert.match(got, re);
  };
  await waitFor(/^220 mx\.icloud\.test /m);
  sock.write('EHLO attacker.test\r\n');
  await waitFor(/^250 STARTTLS/m);
  sock.write('MAIL FROM:<x@attacker.test>\r\nRCPT TO:<someone@gmail.test>\r\nQUIT\r\n');
  await waitFor(/^550 5\.7\.1 <someone@gmail\.test>: relay denied/m);
  sock.destroy();

  // the zone of the lab is `mailwarden dns records DOMAIN --ip ADDR --dmarc-policy P`, verbatim,
  // run with each lab host's own configuration file (the CLI works on a kept lab)
  const zone = readFileSync(card.lab.zoneFile, 'utf8');
  assert.match(stderr, new RegExp(`--config ${card.lab.dir}/gmail\\.toml queue list`));
  for (const h of card.lab.hosts) {
    const config = join(card.lab.dir, `${h.name}.toml`);
    const r = await run(['--config', config, 'dns', 'records', h.domain, '--ip', h.ip, '--dmarc-policy', h.dmarc]);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(zone.includes(r.stdout), `${h.domain}: the lab zone holds exactly what dns records prints`);
    assert.match(r.stdout, new RegExp(`_dmarc\\.${h.domain.replace('.', '\\.')}\\. 3600 IN TXT "v=DMARC1; p=${h.dmarc};`));
  }

  const users = await run(['--config', join(card.lab.dir, 'icloud.toml'), 'user', 'list', '--json']);
  assert.deepEqual((JSON.parse(users.stdout) as Array<{ address: string }>).map((u) => u.address).sort(), ['bob@icloud.test', 'postmaster@icloud.test']);

  child.kill('SIGINT');
  assert.equal(await exited, 0);
  assert.match(stderr, /mailwarden lab: stopped; the data stays in /);
  assert.ok(existsSync(join(card.lab.dir, 'gmail')), 'the data directory is kept after --keep');
});
