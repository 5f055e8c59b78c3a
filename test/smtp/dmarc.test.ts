/**
 * Inbound sender authentication on the MX (stage "authenticate"): SPF, DKIM, DMARC with a lab
 * zone. Forged p=reject senders are refused naming the failed checks, p=quarantine goes to Junk,
 * p=none is delivered and flagged, aligned DKIM passes even when SPF fails, forged
 * Authentication-Results are removed, DNS trouble is 451 (never a pass), trusted forwarders override.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { generateKeyPairSync } from 'node:crypto';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { RawSmtp, message } from '../helpers/smtp-client.ts';
import { dkimSign } from '../../src/standards/dkim/sign.ts';

const { privateKey, publicKey } = generateKeyPairSync('ed25519');
const edPublic = (publicKey.export({ format: 'der', type: 'spki' }) as Buffer).subarray(12).toString('base64');

const ZONE = `
bank.test. IN TXT "v=spf1 ip4:192.0.2.1 -all"
_dmarc.bank.test. IN TXT "v=DMARC1; p=reject"
quarantine.test. IN TXT "v=spf1 -all"
_dmarc.quarantine.test. IN TXT "v=DMARC1; p=quarantine"
none.test. IN TXT "v=spf1 -all"
_dmarc.none.test. IN TXT "v=DMARC1; p=none; rua=mailto:reports@none.test"
legit.test. IN TXT "v=spf1 ip4:127.0.0.1 -all"
_dmarc.legit.test. IN TXT "v=DMARC1; p=reject"
signed.test. IN TXT "v=spf1 -all"
_dmarc.signed.test. IN TXT "v=DMARC1; p=reject"
ed1._domainkey.signed.test. IN TXT "v=DKIM1; k=ed25519; p=${edPublic}"
`;

let srv: TestServer;
before(async () => {
  srv = await startTestServer({ zone: ZONE } as never);
});
after(() => srv.close());

async function send(from: string, headerFrom: string, subject: string, opts: { extra?: string; sign?: boolean; port?: number; local?: string } = {}) {
  const c = await RawSmtp.open(opts.port ?? srv.port('mx'), opts.local ? { localAddress: opts.local } : {});
  await c.cmd('EHLO sender.example');
  await c.cmd(`MAIL FROM:<${from}>`);
  await c.cmd('RCPT TO:<alice@example.test>');
  await c.cmd('DATA');
  let msg = message(headerFrom, 'alice@example.test', subject, 'Hello.\r\n', opts.extra ?? '');
  if (opts.sign) {
    const r = await dkimSign(Buffer.from(msg), [{ domain: 'signed.test', selector: 'ed1', algorithm: 'ed25519-sha256', privateKey: privateKey.export({ format: 'pem', type: 'pkcs8' }) as string }]);
    assert.ok(r.ok);
    msg = r.headers + msg;
  }
  const reply = await c.cmd(`${msg}.`);
  c.close();
  return reply;
}

async function find(subject: string, mailbox = 'INBOX') {
  return (await srv.mailbox('alice@example.test', mailbox)).find((m) => m.includes(`Subject: ${subject}`));
}

test('forged From of a p=reject domain, typed by hand: 550 5.7.1 naming SPF and DKIM results', async () => {
  const r = await send('ceo@bank.test', 'Bank <ceo@bank.test>', 'wire money now');
  assert.match(r.text, /^550 5\.7\.1 message refused: DMARC policy of bank\.test is reject and the message failed it \(SPF fail \(bank\.test\), no DKIM signature\)/);
  assert.equal(await find('wire money now'), undefined);
});

test('header From forged with an innocent envelope: DMARC still fails (SPF passes for the wrong domain)', async () => {
  const r = await send('someone@legit.test', 'ceo@bank.test', 'aligned check');
  assert.match(r.text, /^550 5\.7\.1 .*DMARC policy of bank\.test is reject .*SPF pass \(legit\.test\)/);
});

test('p=quarantine: delivered to Junk, results in Authentication-Results', async () => {
  assert.equal((await send('x@quarantine.test', 'x@quarantine.test', 'quarantined one')).code, 250);
  assert.equal(await find('quarantined one'), undefined, 'not in INBOX');
  const m = await find('quarantined one', 'Junk');
  assert.ok(m);
  assert.match(m, /^Authentication-Results: mx\.example\.test;\r\n\tspf=fail smtp\.mailfrom=x@quarantine\.test;\r\n\tdkim=none;\r\n\tdmarc=fail \(p=QUARANTINE dis=QUARANTINE\) header\.from=quarantine\.test;/);
});

test('p=none: delivered to INBOX and flagged dmarc=fail', async () => {
  assert.equal((await send('x@none.test', 'x@none.test', 'monitor only')).code, 250);
  assert.match((await find('monitor only'))!, /dmarc=fail \(p=NONE dis=NONE\) header\.from=none\.test/);
});

test('aligned SPF pass: delivered with dmarc=pass', async () => {
  assert.equal((await send('news@legit.test', 'news@legit.test', 'legit news')).code, 250);
  const m = (await find('legit news'))!;
  assert.match(m, /spf=pass smtp\.mailfrom=news@legit\.test/);
  assert.match(m, /dmarc=pass \(p=REJECT dis=NONE\) header\.from=legit\.test/);
  assert.match(m, /\r\nReceived-SPF: pass /);
});

test('aligned DKIM (Ed25519) passes DMARC although SPF fails', async () => {
  assert.equal((await send('bounce@elsewhere.test', 'info@signed.test', 'signed mail', { sign: true })).code, 250);
  const m = (await find('signed mail'))!;
  assert.match(m, /dkim=pass header\.d=signed\.test header\.s=ed1 header\.a=ed25519-sha256 header\.b=\S+;/);
  assert.match(m, /dmarc=pass/);
});

test('a tampered DKIM-signed message fails DKIM and is refused by p=reject', async () => {
  const c = await RawSmtp.open(srv.port('mx'));
  await c.cmd('EHLO sender.example');
  await c.cmd('MAIL FROM:<bounce@elsewhere.test>');
  await c.cmd('RCPT TO:<alice@example.test>');
  await c.cmd('DATA');
  const msg = message('info@signed.test', 'alice@example.test', 'original subject');
  const r = await dkimSign(Buffer.from(msg), [{ domain: 'signed.test', selector: 'ed1', algorithm: 'ed25519-sha256', privateKey: privateKey.export({ format: 'pem', type: 'pkcs8' }) as string }]);
  assert.ok(r.ok);
  const reply = await c.cmd(`${r.headers}${msg.replace('Hello.', 'Send the money to account 666.')}.`);
  assert.match(reply.text, /^550 5\.7\.1 .*DKIM fail \(d=signed\.test\)/);
  c.close();
});

test('an Authentication-Results header forged with our authserv-id is removed; others are kept', async () => {
  const extra = 'Authentication-Results: mx.example.test; dmarc=pass header.from=none.test\r\nAuthentication-Results: other.example; spf=pass smtp.mailfrom=x@none.test\r\n';
  assert.equal((await send('x@none.test', 'x@none.test', 'forged results', { extra })).code, 250);
  const m = (await find('forged results'))!;
  assert.equal(m.match(/^Authentication-Results: mx\.example\.test/gm)?.length, 1, 'only ours, once');
  assert.ok(!m.includes('mx.example.test; dmarc=pass'));
  assert.ok(m.includes('Authentication-Results: other.example; spf=pass'));
});

test('no From header: 550 5.7.1 (DMARC needs one author domain)', async () => {
  const c = await RawSmtp.open(srv.port('mx'));
  await c.cmd('EHLO x.test');
  await c.cmd('MAIL FROM:<a@legit.test>');
  await c.cmd('RCPT TO:<alice@example.test>');
  await c.cmd('DATA');
  assert.match((await c.cmd('Subject: no author\r\n\r\nx\r\n.')).text, /^550 5\.7\.1 message refused: DMARC needs exactly one author domain/);
  c.close();
});

test('trusted forwarder: a DMARC failure from that IP is delivered, and the override is noted', async (t) => {
  const fwd = await startTestServer({ zone: ZONE, dmarc: { trusted_forwarders: ['127.0.0.1'] } } as never);
  t.after(() => fwd.close());
  assert.equal((await send('ceo@bank.test', 'ceo@bank.test', 'via forwarder', { port: fwd.port('mx') })).code, 250);
  const m = (await fwd.mailbox('alice@example.test')).find((x) => x.includes('Subject: via forwarder'))!;
  assert.match(m, /dmarc=fail \(p=REJECT dis=NONE\)/);
  assert.match(m, /DMARC failure overridden: trusted forwarder/);
});

test('DNS failure: 451 4.7.x, try later, never a silent pass', async (t) => {
  // a "DNS server" that never answers
  const sock = createSocket('udp4');
  await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()));
  t.after(() => sock.close());
  const dead = await startTestServer({ dns: { zone_file: '', servers: [`127.0.0.1:${sock.address().port}`], timeout: '200ms', tries: 1 } } as never);
  t.after(() => dead.close());
  const r = await send('ceo@bank.test', 'ceo@bank.test', 'dns down', { port: dead.port('mx') });
  assert.match(r.text, /^451 4\.7\.(24|5) temporary /);
  assert.equal((await dead.mailbox('alice@example.test')).length, 0);
});
