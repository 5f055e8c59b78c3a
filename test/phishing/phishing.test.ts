/**
 * Phishing signals on a live MX (raw SMTP typed line by line, as an attacker would): the
 * X-Mailwarden-Phishing header with each signal and the raised score, Junk for a look-alike of a
 * local domain, forged fields stripped, first contact learnt from submission (nodemailer) and
 * from delivered mail; and the negatives (the brand from its own domain, a known correspondent).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import nodemailer from 'nodemailer';
import { startTestServer, PASSWORD, type TestServer } from '../helpers/server.ts';
import { RawSmtp, message } from '../helpers/smtp-client.ts';
import { addDomain } from '../../src/directory/accounts.ts';

let srv: TestServer;
before(async () => {
  srv = await startTestServer({ phishing: { protected_brands: ['Seccamp Bank'], protected_domains: ['seccampbank.test'] } });
  await addDomain(srv.app.store, 'gmail.test');
});
after(() => srv.close());

async function send(from: string, raw: string, to = 'alice@example.test') {
  const c = await RawSmtp.open(srv.port('mx'));
  await c.cmd('EHLO attacker.test');
  assert.equal((await c.cmd(`MAIL FROM:<${from}>`)).code, 250);
  assert.equal((await c.cmd(`RCPT TO:<${to}>`)).code, 250);
  assert.equal((await c.cmd('DATA')).code, 354);
  const reply = await c.cmd(`${raw}.`);
  await c.cmd('QUIT');
  c.close();
  return reply;
}

const field = (m: string, name: string) => new RegExp(`^${name}:.*(?:\\r\\n[ \\t].*)*`, 'im').exec(m)?.[0].replace(/\r\n[ \t]/g, ' ') ?? null;
const score = (f: string) => Number(/score=([0-9.]+)/.exec(f)![1]);

async function delivered(marker: string, mailbox = 'INBOX', to = 'alice@example.test') {
  const m = (await srv.mailbox(to, mailbox)).find((x) => x.includes(marker));
  assert.ok(m, `"${marker}" in ${mailbox}`);
  return m;
}

test('display-name brand trick: delivered to INBOX with the warning and a higher score than a plain message', async () => {
  assert.equal((await send('paul@partner.test', message('Paul <paul@partner.test>', 'alice@example.test', 'baseline one', 'Hello Alice.\r\n'))).code, 250);
  const base = field(await delivered('baseline one'), 'X-Mailwarden-Phishing')!;
  assert.match(base, /^X-Mailwarden-Phishing: warn; score=0\.1500; bayes=untrained; phishing=0\.1500; first-contact paul@partner\.test$/);
  const r = await send('x@attacker.test', message('"Seccamp Bank Official" <x@attacker.test>', 'alice@example.test', 'brand trick', 'Please log in.\r\n'));
  assert.equal(r.code, 250, 'phishing signals never refuse');
  const f = field(await delivered('brand trick'), 'X-Mailwarden-Phishing')!;
  assert.match(f, /display-name-brand "Seccamp Bank" from external attacker\.test/);
  assert.ok(score(f) > score(base), `${f} vs ${base}`);
  assert.equal((await srv.mailbox('alice@example.test', 'Junk')).filter((m) => m.includes('brand trick')).length, 0);
});

test('display name holding another address or domain; a local user\'s name from outside', async () => {
  await send('x@attacker.test', message('"service@paypal.com" <x@attacker.test>', 'alice@example.test', 'address in name'));
  assert.match(field(await delivered('address in name'), 'X-Mailwarden-Phishing')!, /display-name-address "service@paypal\.com" != sender attacker\.test/);
  await send('x@attacker.test', message('"paypal.com" <x@attacker.test>', 'alice@example.test', 'domain in name'));
  assert.match(field(await delivered('domain in name'), 'X-Mailwarden-Phishing')!, /display-name-address "paypal\.com" != sender attacker\.test/);
  await send('ceo@attacker.test', message('Alice <ceo@attacker.test>', 'bob@example.test', 'ceo fraud'), 'bob@example.test');
  assert.match(field(await delivered('ceo fraud', 'INBOX', 'bob@example.test'), 'X-Mailwarden-Phishing')!, /display-name-user "Alice" from external attacker\.test/);
  // negative: the brand from its own domain, and an honest display name
  await send('news@seccampbank.test', message('"Seccamp Bank" <news@seccampbank.test>', 'alice@example.test', 'real bank'));
  const real = field(await delivered('real bank'), 'X-Mailwarden-Phishing')!;
  assert.doesNotMatch(real, /display-name|lookalike/);
});

test('look-alike of a local domain (gmai1.test, Punycode homoglyph) is flagged and goes to Junk', async () => {
  await send('security@gmai1.test', message('Gmail Security <security@gmai1.test>', 'alice@example.test', 'digit one lookalike'));
  const m = await delivered('digit one lookalike', 'Junk');
  const f = field(m, 'X-Mailwarden-Phishing')!;
  assert.match(f, /^X-Mailwarden-Phishing: junk; /);
  assert.match(f, /lookalike-local from gmai1\.test ~ gmail\.test \(confusable\)/);
  // "exаmple.test" with a Cyrillic а, as an A-label
  await send('it@xn--exmple-4nf.test', message('IT <it@xn--exmple-4nf.test>', 'alice@example.test', 'punycode lookalike'));
  assert.match(field(await delivered('punycode lookalike', 'Junk'), 'X-Mailwarden-Phishing')!, /lookalike-local from xn--exmple-4nf\.test ~ example\.test \(confusable, punycode\)/);
  // a typo of a protected brand domain: flagged, not strong enough alone for Junk
  await send('x@seccampbanc.test', message('Support <x@seccampbanc.test>', 'alice@example.test', 'brand typo'));
  assert.match(field(await delivered('brand typo'), 'X-Mailwarden-Phishing')!, /lookalike-brand from seccampbanc\.test ~ seccampbank\.test \(typo, distance=1\)/);
});

test('HTML link whose text shows one domain and whose href goes to another', async () => {
  const html = [
    'MIME-Version: 1.0',
    'Content-Type: multipart/alternative; boundary="b1"',
    '',
    '--b1',
    'Content-Type: text/plain; charset=utf-8',
    '',
    'Log in at www.seccampbank.test',
    '--b1',
    'Content-Type: text/html; charset=utf-8',
    'Content-Transfer-Encoding: quoted-printable',
    '',
    '<p>Log in: <a href=3D"http://attacker.test/login"><b>www.seccampbank.test</b></a></p>',
    '<p>Honest: <a href=3D"https://www.partner.test/x">partner.test</a> and <a href=3D"http://attacker.test/">click here</a></p>',
    '--b1--',
    '',
  ].join('\r\n');
  await send('x@partner.test', message('Partner <x@partner.test>', 'alice@example.test', 'link mismatch', html.slice(html.indexOf('\r\n\r\n') + 4), `${html.slice(0, html.indexOf('\r\n\r\n'))}\r\n`));
  const f = field(await delivered('link mismatch'), 'X-Mailwarden-Phishing')!;
  assert.match(f, /link-mismatch "www\.seccampbank\.test" -> attacker\.test/);
  assert.equal(f.match(/link-mismatch/g)?.length, 1, 'only the lying link');
});

test('first contact: learnt from submission and from delivered mail; a forged header is stripped', async () => {
  await send('newbie@stranger.test', message('Newbie <newbie@stranger.test>', 'alice@example.test', 'first contact one', 'hi\r\n', 'X-Mailwarden-Phishing: none; score=0.0000\r\n'));
  const m1 = await delivered('first contact one');
  assert.equal(m1.match(/^X-Mailwarden-Phishing:/gim)?.length, 1, 'the forged field is gone');
  assert.match(field(m1, 'X-Mailwarden-Phishing')!, /first-contact newbie@stranger\.test/);
  // delivered to the INBOX without another signal: the sender is now known
  await send('newbie@stranger.test', message('Newbie <newbie@stranger.test>', 'alice@example.test', 'first contact two'));
  assert.match(field(await delivered('first contact two'), 'X-Mailwarden-Phishing')!, /^X-Mailwarden-Phishing: none; /);
  // someone alice writes to is known before they ever write
  const t = nodemailer.createTransport({ host: '127.0.0.1', port: srv.port('submission'), secure: false, requireTLS: true, auth: { user: 'alice@example.test', pass: PASSWORD }, tls: { rejectUnauthorized: false } });
  await t.sendMail({ from: 'alice@example.test', to: 'friend@remote.test', subject: 'hello friend', text: 'hi' });
  t.close();
  await send('friend@remote.test', message('Friend <friend@remote.test>', 'alice@example.test', 'friend replies'));
  assert.doesNotMatch(field(await delivered('friend replies'), 'X-Mailwarden-Phishing')!, /first-contact/);
  // ...but only for alice: bob has never exchanged mail with friend@remote.test
  await send('friend@remote.test', message('Friend <friend@remote.test>', 'bob@example.test', 'friend to bob'), 'bob@example.test');
  assert.match(field(await delivered('friend to bob', 'INBOX', 'bob@example.test'), 'X-Mailwarden-Phishing')!, /first-contact friend@remote\.test/);
  // a sender whose message carried a warning does not become known
  await send('x@attacker.test', message('"Seccamp Bank" <x@attacker.test>', 'bob@example.test', 'warned once'), 'bob@example.test');
  await send('x@attacker.test', message('X <x@attacker.test>', 'bob@example.test', 'warned twice'), 'bob@example.test');
  assert.match(field(await delivered('warned twice', 'INBOX', 'bob@example.test'), 'X-Mailwarden-Phishing')!, /first-contact x@attacker\.test/);
});
