/**
 * `mailwarden auth check|spf` run as the real CLI (bin/mailwarden) on fixture messages and a lab
 * zone file: SPF pass/fail/softfail/temperror (SERVFAIL and TIMEOUT rules), DKIM pass with the
 * keys published in the zone (RSA-2048 split over TXT strings, and Ed25519), DMARC reject and
 * quarantine, a DNS failure on the DMARC record, the --json shape, standard input, and the exit
 * status of each.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateDkimKey, dkimTxtValue, type GeneratedKey } from '../../src/standards/dkim/keys.ts';
import { dkimSign } from '../../src/standards/dkim/sign.ts';
import { splitTxt } from '../../src/dns/publish.ts';

const BIN = new URL('../../bin/mailwarden', import.meta.url).pathname;

let dir: string;
let configFile: string;
let zoneFile: string;
let rsa: GeneratedKey;
let ed: GeneratedKey;

type Run = { code: number; stdout: string; stderr: string };

function cli(args: string[], stdin = ''): Promise<Run> {
  return new Promise((resolve) => {
    const child = execFile(BIN, ['--config', configFile, ...args], { timeout: 30_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
    child.stdin!.end(stdin);
  });
}

const quoted = (text: string) => splitTxt(text).map((c) => `"${c}"`).join(' ');

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'mw-auth-cli-'));
  configFile = join(dir, 'mailwarden.toml');
  writeFileSync(configFile, `hostname = "mx.example.test"\ndata_dir = "${join(dir, 'data')}"\n`);
  [rsa, ed] = await Promise.all([generateDkimKey('rsa-sha256'), generateDkimKey('ed25519-sha256')]);
  zoneFile = join(dir, 'lab.zone');
  writeFileSync(
    zoneFile,
    `$TTL 300
bank.test.                 TXT  "v=spf1 ip4:192.0.2.1 -all"
_dmarc.bank.test.          TXT  "v=DMARC1; p=reject"
soft.test.                 TXT  "v=spf1 ip4:192.0.2.1 ~all"
quarantine.test.           TXT  "v=spf1 -all"
_dmarc.quarantine.test.    TXT  "v=DMARC1; p=quarantine"
signed.test.               TXT  "v=spf1 -all"
_dmarc.signed.test.        TXT  "v=DMARC1; p=reject; adkim=s"
rsa1._domainkey.signed.test. TXT ( ${quoted(dkimTxtValue('rsa-sha256', rsa.publicKey))} )
ed1._domainkey.signed.test.  TXT ${quoted(dkimTxtValue('ed25519-sha256', ed.publicKey))}
legacy.test.               SPF  "v=spf1 +all"
legacy.test.               TXT  "v=spf1 -all"
mx.viaa.test.              A    192.0.2.44
viaa.test.                 TXT  "v=spf1 a:mx.viaa.test mx ptr -all"
viaa.test.                 MX   10 mx6.viaa.test.
mx6.viaa.test.             AAAA 2001:db8::25
45.2.0.192.in-addr.arpa.   PTR  ptrhost.viaa.test.
ptrhost.viaa.test.         A    192.0.2.45
alias.viaa.test.           CNAME viaa.test.
broken.test.               SERVFAIL
slow.test.                 TIMEOUT TXT
dmarcdown.test.            TXT  "v=spf1 -all"
_dmarc.dmarcdown.test.     SERVFAIL
`,
  );
});
after(() => rmSync(dir, { recursive: true, force: true }));

const env = (ip: string, mailFrom: string, helo = 'client.example') => ['--ip', ip, '--helo', helo, '--mail-from', mailFrom, '--zone', zoneFile];

function fixture(name: string, text: string): string {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}

/** A message as a person saves it: LF line ends. */
const plainMessage = (from: string, subject: string) => `From: ${from}\nTo: alice@example.test\nSubject: ${subject}\nDate: Sat, 28 Nov 2026 10:00:00 +0000\nMessage-ID: <${subject.replace(/\W/g, '')}@client.example>\n\nHello.\n`;

test('auth spf: pass 0, fail 2, softfail 4, temperror 3 (SERVFAIL and TIMEOUT), the SPF type ignored; every record type SPF uses', async () => {
  const pass = await cli(['auth', 'spf', ...env('192.0.2.1', 'ceo@bank.test')]);
  assert.equal(pass.code, 0, pass.stderr);
  assert.match(pass.stdout, /^SPF {4}pass {7}mailfrom=ceo@bank\.test ip=192\.0\.2\.1 \(record "v=spf1 ip4:192\.0\.2\.1 -all"/);
  assert.match(pass.stdout, /\nReceived-SPF: pass \(mx\.example\.test: domain of ceo@bank\.test designates 192\.0\.2\.1 as permitted sender\)/);

  const fail = await cli(['auth', 'spf', ...env('203.0.113.9', '<ceo@bank.test>')]);
  assert.equal(fail.code, 2);
  assert.match(fail.stdout, /^SPF {4}fail /);

  const soft = await cli(['auth', 'spf', ...env('203.0.113.9', 'x@soft.test')]);
  assert.equal(soft.code, 4);
  assert.match(soft.stdout, /^SPF {4}softfail /);

  const servfail = await cli(['auth', 'spf', ...env('192.0.2.1', 'x@broken.test')]);
  assert.equal(servfail.code, 3);
  assert.match(servfail.stdout, /^SPF {4}temperror .*ESERVFAIL broken\.test/);
  const timeout = await cli(['auth', 'spf', ...env('192.0.2.1', 'x@slow.test')]);
  assert.equal(timeout.code, 3);
  assert.match(timeout.stdout, /^SPF {4}temperror .*lookup of x@slow\.test: DNS timeout/);
  assert.ok(!timeout.stdout.includes('\r'), 'terminal output has LF line ends');

  // RFC 7208 §3.1: only TXT counts; the type-99 record saying +all is not looked at
  assert.equal((await cli(['auth', 'spf', ...env('203.0.113.9', 'x@legacy.test')])).code, 2);

  // a:, mx (to an AAAA), ptr and a CNAME: each record type check_host() asks for, from the zone file
  const viaA = JSON.parse((await cli(['auth', 'spf', '--json', ...env('192.0.2.44', 'x@viaa.test')])).stdout) as { result: string; lookups: { count: number } };
  assert.equal(viaA.result, 'pass');
  const viaMx = await cli(['auth', 'spf', ...env('2001:db8::25', 'x@alias.viaa.test')]);
  assert.equal(viaMx.code, 0, `CNAME to viaa.test, then mx -> AAAA: ${viaMx.stdout}`);
  const viaPtr = await cli(['auth', 'spf', ...env('192.0.2.45', 'x@viaa.test')]);
  assert.equal(viaPtr.code, 0, `ptr: PTR then a confirming A: ${viaPtr.stdout}`);
  assert.equal((await cli(['auth', 'spf', ...env('192.0.2.46', 'x@viaa.test')])).code, 2, 'no term matches');

  // the null sender: the HELO identity (RFC 7208 §2.4)
  const helo = JSON.parse((await cli(['auth', 'spf', '--json', ...env('192.0.2.1', '<>', 'bank.test')])).stdout) as { result: string; identity: string; sender: string };
  assert.deepEqual([helo.result, helo.identity, helo.sender], ['pass', 'helo', 'postmaster@bank.test']);
});

test('auth check: DKIM pass with both keys from the zone aligns DMARC although SPF fails (exit 0)', async () => {
  const msg = plainMessage('Signer <news@signed.test>', 'signed newsletter').replace(/\n/g, '\r\n');
  const signed = await dkimSign(Buffer.from(msg), [
    { domain: 'signed.test', selector: 'rsa1', algorithm: 'rsa-sha256', privateKey: rsa.privateKey },
    { domain: 'signed.test', selector: 'ed1', algorithm: 'ed25519-sha256', privateKey: ed.privateKey },
  ]);
  assert.ok(signed.ok);
  const file = fixture('signed.eml', signed.headers + msg);
  const r = await cli(['auth', 'check', file, ...env('203.0.113.9', 'bounce@signed.test')]);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /^SPF {4}fail /m);
  assert.match(r.stdout, /^DKIM {3}pass {7}d=signed\.test s=rsa1 a=rsa-sha256$/m);
  assert.match(r.stdout, /^DKIM {3}pass {7}d=signed\.test s=ed1 a=ed25519-sha256$/m);
  assert.match(r.stdout, /^DMARC {2}pass {7}header\.from=signed\.test policy=reject disposition=none/m);
  assert.match(r.stdout, /^MX {5}deliver {4}to INBOX/m);
  assert.match(r.stdout, /^Authentication-Results: mx\.example\.test;\n\tspf=fail smtp\.mailfrom=bounce@signed\.test;\n\tdkim=pass header\.d=signed\.test header\.s=rsa1/m);
  assert.match(r.stdout, /dmarc=pass \(p=REJECT dis=NONE\) header\.from=signed\.test;/);

  // the same file with its body changed: the signatures break, DMARC rejects
  const tampered = fixture('tampered.eml', (signed.headers + msg).replace('Hello.', 'Send money.'));
  const t = await cli(['auth', 'check', tampered, ...env('203.0.113.9', 'bounce@signed.test')]);
  assert.equal(t.code, 2);
  assert.match(t.stdout, /^DKIM {3}fail {7}d=signed\.test s=ed1/m);
});

test('auth check: DMARC reject (exit 2) names the failed checks; quarantine is Junk (exit 4); DNS failure on _dmarc is 451 (exit 3)', async () => {
  const forged = fixture('forged.eml', plainMessage('CEO <ceo@bank.test>', 'wire money now'));
  const r = await cli(['auth', 'check', forged, ...env('203.0.113.9', 'ceo@bank.test')]);
  assert.equal(r.code, 2);
  assert.match(r.stdout, /^DMARC {2}fail {7}header\.from=bank\.test policy=reject disposition=reject/m);
  assert.match(r.stdout, /^MX {5}reject {5}550 5\.7\.1 message refused: DMARC policy of bank\.test is reject and the message failed it \(SPF fail \(bank\.test\), no DKIM signature\)/m);
  assert.match(r.stdout, /\tdmarc=fail \(p=REJECT dis=REJECT\) header\.from=bank\.test;/);

  const q = await cli(['auth', 'check', fixture('q.eml', plainMessage('x@quarantine.test', 'q')), ...env('203.0.113.9', 'x@quarantine.test')]);
  assert.equal(q.code, 4);
  assert.match(q.stdout, /^MX {5}deliver {4}to Junk/m);

  const down = await cli(['auth', 'check', fixture('down.eml', plainMessage('x@dmarcdown.test', 'down')), ...env('203.0.113.9', 'x@dmarcdown.test')]);
  assert.equal(down.code, 3);
  assert.match(down.stdout, /^MX {5}tempfail {3}451 4\.7\.5 temporary error while authenticating the message \(DMARC: DNS error for _dmarc\.dmarcdown\.test/m);
});

test('auth check --json from standard input: the documented shape', async () => {
  const msg = plainMessage('CEO <ceo@bank.test>', 'json please');
  for (const args of [['auth', 'check', '-', '--json'], ['auth', 'check', '--json']]) {
    const r = await cli([...args, ...env('192.0.2.1', 'ceo@bank.test')], msg);
    assert.equal(r.code, 0, r.stderr);
    const j = JSON.parse(r.stdout) as Record<string, unknown> & {
      spf: { result: string; identity: string; domain: string };
      dkim: unknown[];
      arc: { chain: string };
      dmarc: { result: string; fromDomain: string; policy: string; disposition: string };
      decision: { action: string; mailbox?: string };
      headers: string;
    };
    assert.deepEqual(Object.keys(j), ['spf', 'dkim', 'arc', 'dmarc', 'override', 'decision', 'headers', 'exitStatus']);
    assert.deepEqual([j.spf.result, j.spf.identity, j.spf.domain], ['pass', 'mailfrom', 'bank.test']);
    assert.deepEqual(j.dkim, []);
    assert.equal(j.arc.chain, 'none');
    assert.deepEqual([j.dmarc.result, j.dmarc.fromDomain, j.dmarc.policy, j.dmarc.disposition], ['pass', 'bank.test', 'reject', 'none']);
    assert.equal(j.override, null);
    assert.deepEqual(j.decision, { action: 'deliver', mailbox: 'INBOX' });
    assert.match(j.headers, /^Authentication-Results: mx\.example\.test;\r\n\tspf=pass smtp\.mailfrom=ceo@bank\.test;\r\n\tdkim=none;\r\n\tdmarc=pass \(p=REJECT dis=NONE\) header\.from=bank\.test;\r\n\tarc=none smtp\.remote-ip=192\.0\.2\.1\r\nReceived-SPF: pass /);
    assert.equal(j.exitStatus, 0);
  }
  const rej = JSON.parse((await cli(['auth', 'check', '--json', ...env('203.0.113.9', 'ceo@bank.test')], msg)).stdout) as { decision: unknown; exitStatus: number };
  assert.deepEqual(rej.decision, { action: 'reject', reply: '550 5.7.1 message refused: DMARC policy of bank.test is reject and the message failed it (SPF fail (bank.test), no DKIM signature)' });
  assert.equal(rej.exitStatus, 2);
});

test('auth: usage errors are exit 1 with one line', async () => {
  const badIp = await cli(['auth', 'spf', '--ip', 'not-an-ip', '--helo', 'h', '--mail-from', 'a@b.test', '--zone', zoneFile]);
  assert.equal(badIp.code, 1);
  assert.equal(badIp.stderr, 'mailwarden: --ip not-an-ip is not an IP address\n');
  const noZone = await cli(['auth', 'spf', '--ip', '192.0.2.1', '--helo', 'h', '--mail-from', 'a@b.test', '--zone', join(dir, 'missing.zone')]);
  assert.equal(noZone.code, 1);
  assert.match(noZone.stderr, /^mailwarden: --zone .*missing\.zone: ENOENT/);
  const badZone = fixture('bad.zone', '$TTL 60\nx.test. BOGUS 1\n');
  const bz = await cli(['auth', 'spf', '--ip', '192.0.2.1', '--helo', 'h', '--mail-from', 'a@b.test', '--zone', badZone]);
  assert.equal(bz.code, 1);
  assert.match(bz.stderr, /^mailwarden: zone file .*bad\.zone:2: unsupported record type BOGUS/);
  const empty = await cli(['auth', 'check', '--ip', '192.0.2.1', '--helo', 'h', '--mail-from', 'a@b.test', '--zone', zoneFile], '');
  assert.equal(empty.code, 1);
  assert.match(empty.stderr, /standard input is empty/);
  const missing = await cli(['auth', 'check', '--ip', '192.0.2.1', '--helo', 'h']);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /required option '--mail-from <address>' not specified/);
});
