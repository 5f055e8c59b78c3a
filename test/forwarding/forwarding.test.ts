/**
 * Forwarding and mailing lists end to end (issue 5, docs/forwarding.md, docs/lists.md).
 *
 *   origin.test (127.0.0.5, SPF -all, DKIM, DMARC p=reject; its MX is a fake server on 127.0.0.6)
 *     -> F: mailwarden for fwd.test on 127.0.0.1 (aliases that forward, lists)
 *     -> D: mailwarden for dest.test on 127.0.0.2 (checks SPF/DKIM/DMARC/ARC; trusts fwd.test's ARC seals)
 *
 * One lab zone; F and D find each other by MX lookup. Mail from origin is DKIM-signed in the test
 * and sent over real SMTP from 127.0.0.5, so SPF/DMARC at F pass as they would on the Internet.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { prepareData, startInstance, startFakeSmtp, waitFor, type FakeSmtp, type Instance } from '../outbound/helpers.ts';
import { RawSmtp } from '../helpers/smtp-client.ts';
import { generateDkimKey, dkimTxtValue } from '../../src/standards/dkim/keys.ts';
import { dkimSign, type SigningKey } from '../../src/standards/dkim/sign.ts';
import { addAlias } from '../../src/directory/accounts.ts';
import { splitTxt } from '../../src/dns/publish.ts';

const run = promisify(execFile);
let F: Instance;
let D: Instance;
let originMx: FakeSmtp;
let originKey: SigningKey;
let n = 0;

before(async () => {
  const k = await generateDkimKey('rsa-sha256');
  originKey = { domain: 'origin.test', selector: 'sel', algorithm: 'rsa-sha256', privateKey: k.privateKey };
  const f = await prepareData(['fwd.test'], ['bob@fwd.test', 'owner@fwd.test']);
  const d = await prepareData(['dest.test'], ['carol@dest.test']);
  originMx = await startFakeSmtp('127.0.0.6', () => '250 2.1.5 ok');
  const zone = [
    '$TTL 300',
    'origin.test. IN MX 10 mx.origin.test.',
    'mx.origin.test. IN A 127.0.0.6',
    'origin.test. IN TXT "v=spf1 ip4:127.0.0.5 -all"',
    '_dmarc.origin.test. IN TXT "v=DMARC1; p=reject"',
    `sel._domainkey.origin.test. IN TXT ${splitTxt(dkimTxtValue('rsa-sha256', k.publicKey)).map((s) => `"${s}"`).join(' ')}`,
    await f.dkimZone('fwd.test', 'mx.fwd.test', '127.0.0.1'),
    await d.dkimZone('dest.test', 'mx.dest.test', '127.0.0.2'),
  ].join('\n');
  const zoneFile = join(f.dir, 'lab.zone');
  writeFileSync(zoneFile, zone);
  D = await startInstance(d.dir, { hostname: 'mx.dest.test', listen: { mx: ['127.0.0.2:0'] }, dns: { zone_file: zoneFile }, arc: { trusted_sealers: ['fwd.test'] }, outbound: { enabled: false }, spam: { enabled: false } });
  F = await startInstance(f.dir, {
    hostname: 'mx.fwd.test',
    listen: { mx: ['127.0.0.1:0'], https: ['127.0.0.1:0'] },
    dns: { zone_file: zoneFile },
    spam: { enabled: false },
    outbound: { port_map: { '127.0.0.2': D.port('mx'), '127.0.0.6': originMx.port }, retry_schedule: ['1s'], poll_interval: '200ms', tls_ca_file: join(d.dir, 'tls', 'selfsigned.crt'), connect_timeout: '5s', command_timeout: '10s' },
  });
  const s = F.app.store;
  await addAlias(s, 'fwd@fwd.test', ['carol@dest.test', 'bob@fwd.test']);
  await addAlias(s, 'gone@fwd.test', ['nobody@dest.test']);
  const team = await s.lists.add({ address: 'team@fwd.test', name: 'team', subjectTag: '[team]', posting: 'members', fromRewrite: 'never', owner: 'owner@fwd.test' });
  for (const m of ['alice@origin.test', 'carol@dest.test', 'bob@fwd.test']) await s.lists.addMember(team.id, m);
  const rw = await s.lists.add({ address: 'rw@fwd.test', name: 'Rewriters', subjectTag: '', posting: 'anyone', fromRewrite: 'dmarc', owner: null });
  await s.lists.addMember(rw.id, 'carol@dest.test');
});

after(async () => {
  await F?.close();
  await D?.close();
  await originMx?.close();
});

/** A message from alice@origin.test, DKIM-signed by origin.test. */
async function signed(to: string, subject: string, extra = '', from = 'Alice Author <alice@origin.test>'): Promise<string> {
  const msg = `From: ${from}\r\nTo: ${to}\r\nSubject: ${subject}\r\nDate: Sat, 28 Nov 2026 12:00:00 +0000\r\nMessage-ID: <m${++n}@origin.test>\r\n${extra}\r\nHello from origin.\r\n`;
  const sig = await dkimSign(Buffer.from(msg), [originKey]);
  assert.ok(sig.ok);
  return sig.headers + msg;
}

/** Sends from origin's address 127.0.0.5 to F's MX; returns the reply to DATA's end (or the first refusal). */
async function sendToF(mailFrom: string, rcpts: string[], msg: string): Promise<{ code: number; text: string }> {
  const c = await RawSmtp.open(F.port('mx'), { localAddress: '127.0.0.5' });
  try {
    await c.cmd('EHLO mx.origin.test');
    assert.equal((await c.cmd(`MAIL FROM:<${mailFrom}>`)).code, 250);
    for (const r of rcpts) {
      const rr = await c.cmd(`RCPT TO:<${r}>`);
      if (rr.code !== 250) return rr;
    }
    assert.equal((await c.cmd('DATA')).code, 354);
    return await c.cmd(`${msg.replace(/^\./gm, '..')}.`, 20000);
  } finally {
    c.write('QUIT\r\n');
    c.close();
  }
}

const header = (msg: string, name: string): string[] => [...msg.matchAll(new RegExp(`^${name}:(.*(?:\\r\\n[ \\t].*)*)`, 'gim'))].map((m) => m[1]!.replace(/\r\n[ \t]+/g, ' ').trim());
const destAr = (msg: string) => header(msg, 'Authentication-Results').find((v) => v.startsWith('mx.dest.test')) ?? '';

test('alias forwarding: local target gets it, the external copy gets SRS + an ARC seal and passes SPF, DKIM, DMARC and ARC at the next hop', async () => {
  const r = await sendToF('alice@origin.test', ['fwd@fwd.test'], await signed('fwd@fwd.test', 'forward me'));
  assert.equal(r.code, 250, r.text);
  const local = await waitFor(async () => (await F.mailbox('bob@fwd.test')).find((m) => m.includes('Subject: forward me')), 10000, 'local copy');
  assert.doesNotMatch(local, /^ARC-Seal:/m, 'the local copy is not sealed');
  const there = await waitFor(async () => (await D.mailbox('carol@dest.test')).find((m) => m.includes('Subject: forward me')), 15000, 'forwarded copy at D');
  const ar = destAr(there);
  assert.match(ar, /spf=pass smtp\.mailfrom=SRS0=[a-z2-7]{8}=[a-z2-7]{2}=origin\.test=alice@fwd\.test/i, `SPF checked our SRS sender: ${ar}`);
  assert.match(ar, /dkim=pass[^;]*header\.d=origin\.test/, 'the unchanged message keeps the author signature');
  assert.match(ar, /dmarc=pass/);
  assert.match(ar, /arc=pass/);
  assert.match(header(there, 'ARC-Seal')[0] ?? '', /i=1; .*d=fwd\.test.*cv=none|i=1;.*cv=none.*d=fwd\.test/s);
  assert.match(header(there, 'ARC-Authentication-Results')[0] ?? '', /^i=1; mx\.fwd\.test; .*spf=pass.*dkim=pass.*dmarc=pass/);
  // the verdicts are stored with the message at D
  const u = await D.app.store.getUser('carol@dest.test');
  const inbox = await D.app.store.getMailbox(u!.id, 'INBOX');
  const rows = await D.app.store.listMessages(inbox!.id);
  const v = await D.app.store.getVerdicts(rows.at(-1)!.blobId);
  assert.equal((v?.auth as { dmarc: { result: string } }).dmarc.result, 'pass');
  assert.equal(v?.mailbox, 'INBOX');
});

test('a bounce of forwarded mail comes back through the SRS address to the original sender; the SRS path relays nothing else', async () => {
  const before = originMx.messages.length;
  assert.equal((await sendToF('alice@origin.test', ['gone@fwd.test'], await signed('gone@fwd.test', 'to a dead end'))).code, 250);
  // D refuses nobody@dest.test; F's queue bounces to the SRS sender, which decodes to alice@origin.test
  const dsn = await waitFor(async () => originMx.messages.slice(before).find((m) => m.includes('nobody@dest.test')), 15000, 'DSN at origin');
  assert.match(dsn, /Content-Type: multipart\/report; report-type=delivery-status/i);
  // an external DSN to an SRS address is relayed back to the original sender
  const srs = /smtp\.mailfrom=(SRS0=[^\s;]+)/i.exec(destAr((await D.mailbox('carol@dest.test')).find((m) => m.includes('Subject: forward me'))!))![1]!;
  const n0 = originMx.messages.length;
  const bounce = `From: MAILER-DAEMON@mx.other.test\r\nTo: <${srs}>\r\nSubject: Undelivered Mail Returned to Sender\r\n\r\nyour mail could not be delivered\r\n`;
  const c = await RawSmtp.open(F.port('mx'), { localAddress: '127.0.0.7' });
  await c.cmd('EHLO mx.other.test');
  assert.equal((await c.cmd('MAIL FROM:<someone@other.test>')).code, 250);
  const notBounce = await c.cmd(`RCPT TO:<${srs}>`);
  assert.equal(notBounce.code, 550, 'only bounces (null sender) may use the SRS path');
  assert.match(notBounce.text, /5\.7\.1/);
  await c.cmd('RSET');
  assert.equal((await c.cmd('MAIL FROM:<>')).code, 250);
  const forged = await c.cmd(`RCPT TO:<${srs.replace(/=alice@/i, '=mallory@')}>`);
  assert.equal(forged.code, 550, 'a forged SRS address is refused');
  assert.match(forged.text, /5\.1\.1 .*SRS hash/);
  assert.equal((await c.cmd(`RCPT TO:<${srs}>`)).code, 250);
  assert.equal((await c.cmd('DATA')).code, 354);
  assert.equal((await c.cmd(`${bounce}.`)).code, 250);
  c.close();
  const relayed = await waitFor(async () => originMx.messages.slice(n0).find((m) => m.includes('your mail could not be delivered')), 15000, 'relayed bounce');
  assert.ok(relayed);
});

test('mailing list: members get a tagged copy with List-* fields, ARC-sealed and DKIM-signed by the list; DMARC fails at D but the trusted ARC seal delivers it, and A-R says why', async () => {
  const r = await sendToF('alice@origin.test', ['team@fwd.test'], await signed('team@fwd.test', 'weekly meeting'));
  assert.equal(r.code, 250, r.text);
  const there = await waitFor(async () => (await D.mailbox('carol@dest.test')).find((m) => m.includes('weekly meeting')), 15000, 'list copy at D');
  assert.match(there, /^Subject: \[team\] weekly meeting\r$/m);
  assert.deepEqual(header(there, 'List-Id'), ['team <team.fwd.test>']);
  assert.deepEqual(header(there, 'List-Post'), ['<mailto:team@fwd.test>']);
  assert.match(header(there, 'List-Unsubscribe')[0] ?? '', /^<https:\/\/mx\.fwd\.test:\d+\/lists\/unsubscribe\?list=team%40fwd\.test&member=carol%40dest\.test&token=[\w-]+>$/);
  assert.deepEqual(header(there, 'List-Unsubscribe-Post'), ['List-Unsubscribe=One-Click']);
  assert.match(header(there, 'From')[0] ?? '', /alice@origin\.test/, 'From kept (from_rewrite = never)');
  const ar = destAr(there);
  assert.match(ar, /dkim=pass[^;]*header\.d=fwd\.test/, `list signature verifies: ${ar}`);
  assert.match(ar, /dkim=fail[^;]*header\.d=origin\.test/, 'the author signature broke (subject tag)');
  assert.match(ar, /spf=pass smtp\.mailfrom=team-bounces@fwd\.test/);
  assert.match(ar, /arc=pass/);
  assert.match(ar, /dmarc=fail/);
  assert.match(ar, /DMARC failure overridden: ARC chain sealed by trusted fwd\.test/);
  assert.ok((await D.mailbox('carol@dest.test', 'Junk')).every((m) => !m.includes('weekly meeting')), 'not in Junk: the trusted seal vouched');
  const dkimD = header(there, 'DKIM-Signature').find((s) => s.includes('d=fwd.test'))!;
  assert.match(dkimD, /h=[^;]*list-unsubscribe:list-unsubscribe-post/i, 'RFC 8058 §4: the one-click fields are signed');
  // the local member gets the same list copy
  const bob = await waitFor(async () => (await F.mailbox('bob@fwd.test')).find((m) => m.includes('weekly meeting')), 10000, 'local member copy');
  assert.match(bob, /^List-Id: team <team\.fwd\.test>\r$/m);
  assert.match(bob, /^ARC-Seal: i=1;/m);
  assert.equal((await F.mailbox('owner@fwd.test')).length, 0, 'the owner is not a member');
});

test('mailing list refusals: non-member, a loop back to the list', async () => {
  const nonMember = await sendToF('mallory@origin.test', ['team@fwd.test'], await signed('team@fwd.test', 'spam the list', '', 'Mallory <mallory@origin.test>'));
  assert.equal(nonMember.code, 550);
  assert.match(nonMember.text, /5\.7\.1 .*only members may post.*mallory@origin\.test/);
  const loop = await sendToF('alice@origin.test', ['team@fwd.test'], await signed('team@fwd.test', 'again', 'List-Id: team <team.fwd.test>\r\n'));
  assert.equal(loop.code, 554);
  assert.match(loop.text, /5\.4\.6 .*loop/);
});

test('From rewriting for an author whose domain publishes p=reject: DMARC passes on the list domain', async () => {
  assert.equal((await sendToF('alice@origin.test', ['rw@fwd.test'], await signed('rw@fwd.test', 'rewritten'))).code, 250);
  const there = await waitFor(async () => (await D.mailbox('carol@dest.test')).find((m) => m.includes('Subject: rewritten')), 15000, 'rewritten copy');
  assert.equal(header(there, 'From').length, 1, 'one From');
  assert.match(header(there, 'From')[0]!, /^Alice Author via Rewriters <rw@fwd\.test>$/);
  assert.deepEqual(header(there, 'Reply-To'), ['Alice Author <alice@origin.test>']);
  assert.match(destAr(there), /dmarc=pass[^;]*header\.from=fwd\.test/);
});

test('RFC 8058 one-click unsubscribe over HTTPS: GET changes nothing, POST unsubscribes, a bad token is refused (curl)', async () => {
  const copy = (await D.mailbox('carol@dest.test')).find((m) => m.includes('weekly meeting'))!;
  const url = new URL(/<(https:[^>]+)>/.exec(header(copy, 'List-Unsubscribe')[0]!)![1]!);
  const local = `https://127.0.0.1:${F.port('https')}${url.pathname}${url.search}`;
  const team = (await F.app.store.lists.get('team@fwd.test'))!;
  const get = await run('curl', ['-sk', '-w', '\n%{http_code}', local], { timeout: 10000 });
  assert.match(get.stdout, /Unsubscribe[\s\S]*200$/);
  assert.ok(await F.app.store.lists.isMember(team.id, 'carol@dest.test'), 'GET did not unsubscribe');
  const bad = await run('curl', ['-sk', '-w', '\n%{http_code}', '-X', 'POST', '-d', 'List-Unsubscribe=One-Click', local.replace(/token=[\w-]+/, 'token=forged')], { timeout: 10000 });
  assert.match(bad.stdout, /403$/);
  const post = await run('curl', ['-sk', '-w', '\n%{http_code}', '-X', 'POST', '-d', 'List-Unsubscribe=One-Click', local], { timeout: 10000 });
  assert.match(post.stdout, /carol@dest\.test is unsubscribed from team@fwd\.test\n\n200$/);
  assert.equal(await F.app.store.lists.isMember(team.id, 'carol@dest.test'), false);
  assert.deepEqual(await F.app.store.lists.members(team.id), ['alice@origin.test', 'bob@fwd.test']);
});
