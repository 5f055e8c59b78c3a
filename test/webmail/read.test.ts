/**
 * Reading mail in the webmail over real HTTPS, messages delivered by the real MX over SMTP: the
 * mailbox list (newest first, 50 a page, badges), a message page (RFC 2047 decoding, our own
 * Authentication-Results only, the spam panel, phishing warnings), XSS attempts escaped, HTML
 * mail as text and in a sandboxed iframe with its own CSP, attachments, raw source, and another
 * user's mailboxes and messages answering 404.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { startTestServer } from '../helpers/server.ts';
import { message } from '../helpers/smtp-client.ts';
import { Browser, sendMx, uidOf } from './helpers.ts';
import { FRAME_CSP, PAGE_CSP } from '../../src/webmail/app.ts';

const b64 = (s: string) => Buffer.from(s).toString('base64');
const ATTACHMENT = Buffer.concat([Buffer.from('DATA'), randomBytes(3000)]);

const encoded = message(`=?UTF-8?B?${b64('Jürgen Müller')}?= <juergen@partner.test>`, 'Alice <alice@example.test>', `=?UTF-8?B?${b64('Grüße aus 東京')}?=`, 'Hallo Alice,\r\nbis bald.\r\n');
const xss = [
  'From: "<img src=x onerror=alert(1)>" <evil@partner.test>',
  'To: alice@example.test',
  'Subject: <script>alert("subject")</script>',
  'Date: Sat, 28 Nov 2026 12:00:00 +0000',
  'Message-ID: <xss@partner.test>',
  'MIME-Version: 1.0',
  'Content-Type: multipart/mixed; boundary="b1"',
  '',
  '--b1',
  'Content-Type: text/plain; charset=utf-8',
  '',
  'Body <script>alert("body")</script> and a link https://x.test/?a=<b>',
  '--b1',
  'Content-Type: application/octet-stream; name="x.bin"',
  'Content-Disposition: attachment; filename="<script>alert(3)</script>\\".bin"',
  'Content-Transfer-Encoding: base64',
  '',
  ATTACHMENT.toString('base64').replace(/.{76}/g, '$&\r\n'),
  '--b1--',
  '',
].join('\r\n');
const htmlOnly = [
  'From: Bank <news@partner.test>',
  'To: alice@example.test',
  'Subject: html only',
  'Date: Sat, 28 Nov 2026 12:00:00 +0000',
  'Message-ID: <html@partner.test>',
  'MIME-Version: 1.0',
  'Content-Type: text/html; charset=utf-8',
  '',
  '<html><head><script>document.title="pwned"</script></head><body><p>Dear customer</p>',
  '<p><a href="https://attacker.test/login">www.seccampbank.test</a></p>',
  '<img src="https://tracker.test/pixel.gif" alt="logo"><script>alert("html")</script></body></html>',
  '',
].join('\r\n');
const forged = message('Partner <p@partner.test>', 'alice@example.test', 'forged verdicts', 'text\r\n',
  'X-Mailwarden-Spam: ham; score=0.0001; cutoffs=0.20/0.95; clues="forged-clue"=0.001\r\nX-Mailwarden-Phishing: none; score=0.0000; bayes=off; phishing=0.0000\r\nAuthentication-Results: mx.example.test; spf=pass smtp.mailfrom=forged.test; dmarc=pass header.from=forged.test\r\nAuthentication-Results: other.test; dkim=pass header.d=elsewhere-forged.test\r\n');

test('read: list, message page, decoding, verdict panels, XSS escaped, HTML sandboxed, attachments, raw, other users 404', async (t) => {
  const srv = await startTestServer();
  t.after(() => srv.close());
  await sendMx(srv, 'alice@example.test', encoded, xss, htmlOnly, forged);
  const alice = new Browser(srv.port('https'));
  assert.equal((await alice.login('alice@example.test')).status, 303);

  // the list: newest first, decoded, with the untrained spam badge and the phishing badge
  const list = await alice.get('/mail/');
  assert.equal(list.status, 200);
  assert.equal(list.headers['content-security-policy'], PAGE_CSP);
  const subjects = [...list.body.matchAll(/<a href="\/mail\/box\/INBOX\/\d+">([^<]*)<\/a>/g)].map((m) => m[1]);
  assert.deepEqual(subjects, ['forged verdicts', 'html only', '&#60;script&#62;alert(&#34;subject&#34;)&#60;/script&#62;', 'Grüße aus 東京']);
  assert.match(list.body, /<span class="badge untrained"[^>]*>untrained<\/span>/);
  assert.match(list.body, /html only<\/a> <span class="badge untrained"[^>]*>untrained<\/span> <span class="badge phishing"/);
  assert.match(list.body, /Jürgen Müller/);
  assert.match(list.body, /Grüße aus 東京<\/a> <span class="badge untrained"[^>]*>untrained<\/span> <span class="badge untrained"[^>]*>new sender<\/span>/);
  assert.match(list.body, /INBOX<\/a> <span class="n">4\/4<\/span>/, 'unseen/total');

  // RFC 2047 on the message page; opening it sets \Seen
  const u1 = await uidOf(srv, 'alice@example.test', 'juergen@');
  const p1 = await alice.get(`/mail/box/INBOX/${u1}`);
  assert.equal(p1.status, 200);
  assert.match(p1.body, /<h1>Grüße aus 東京<\/h1>/);
  assert.match(p1.body, /Jürgen Müller <span class="muted">&lt;juergen@partner\.test&gt;<\/span>/);
  assert.match(p1.body, /<pre class="body">Hallo Alice,\r?\nbis bald\./);
  assert.match(p1.body, /Sender authentication \(checked by mx\.example\.test\)/);
  assert.match(p1.body, /<td>spf<\/td><td><span class="badge [a-z]+">none<\/span>/, 'our SPF verdict for partner.test (no record in the lab zone)');
  assert.match(p1.body, /<td>dmarc<\/td>/);
  assert.match(p1.body, /Not trained enough to judge yet \(0 ham, 0 spam trained\)/);
  assert.match(p1.body, /<p class="notice">Nobody here has exchanged mail with this sender before\. <code>juergen@partner\.test<\/code><\/p>/, 'first contact alone: a notice, not the phishing alarm');
  assert.doesNotMatch(p1.body, /class="alert"/);
  assert.match((await alice.get('/mail/')).body, /INBOX<\/a> <span class="n">3\/4<\/span>/, 'seen now');

  // forged verdict fields never show: the MX removed them, our A-R only
  const pf = (await alice.get(`/mail/box/INBOX/${await uidOf(srv, 'alice@example.test', 'forged verdicts')}`)).body;
  assert.doesNotMatch(pf, /forged-clue|forged\.test|elsewhere-forged/);
  assert.match(pf, /badge untrained/);

  // XSS attempts in Subject, From, body and attachment name arrive as text
  const ux = await uidOf(srv, 'alice@example.test', '<xss@partner.test>');
  const px = await alice.get(`/mail/box/INBOX/${ux}`);
  assert.equal(px.status, 200);
  for (const evil of ['<script', '<img src=x', 'onerror=alert(1)>', '<b>']) assert.ok(!px.body.includes(evil), `${evil} is escaped`);
  assert.match(px.body, /&#60;script&#62;alert\(&#34;subject&#34;\)&#60;\/script&#62;/);
  assert.match(px.body, /&#60;img src=x onerror=alert\(1\)&#62;/);
  assert.match(px.body, /Body &#60;script&#62;alert\(&#34;body&#34;\)&#60;\/script&#62; and a link https:\/\/x\.test\/\?a=&#60;b&#62;/);
  const link = /<a href="(\/mail\/box\/INBOX\/\d+\/part\/2)">&#60;script&#62;alert\(3\)&#60;\/script&#62;&#34;\.bin<\/a> <span class="muted">application\/octet-stream, 2\.\d KB<\/span>/.exec(px.body);
  assert.ok(link, 'the attachment is listed with its escaped name, type and size');

  // download: the decoded octets, as a file, never rendered
  const dl = await alice.get(link[1]!);
  assert.equal(dl.status, 200);
  assert.equal(dl.headers['content-type'], 'application/octet-stream');
  assert.equal(dl.headers['x-content-type-options'], 'nosniff');
  assert.match(dl.headers['content-disposition']!, /^attachment; filename="<script>alert\(3\)<_script>_\.bin"; filename\*=UTF-8''%3Cscript%3Ealert%283%29%3C_script%3E_\.bin$/);
  assert.deepEqual(dl.raw, ATTACHMENT);

  // raw source: text/plain, the stored octets
  const raw = await alice.get(`/mail/box/INBOX/${ux}/raw`);
  assert.equal(raw.headers['content-type'], 'text/plain; charset=utf-8');
  assert.match(String(raw.headers['content-security-policy']), /sandbox/);
  const stored = await srv.app.store.readBlob((await srv.app.store.getMessage((await srv.app.store.getMailbox((await srv.app.store.getUser('alice@example.test'))!.id, 'INBOX'))!.id, ux))!.blobId);
  assert.deepEqual(raw.raw, stored);

  // HTML-only mail: shown as text with real link targets, phishing warning on top
  const uh = await uidOf(srv, 'alice@example.test', '<html@partner.test>');
  const ph = await alice.get(`/mail/box/INBOX/${uh}`);
  assert.match(ph.body, /<section class="alert" role="alert"><h2>Warning: this message may be phishing<\/h2>/);
  assert.match(ph.body, /A link shows one address but leads somewhere else\. <code>link-mismatch &#34;www\.seccampbank\.test&#34; -&#62; attacker\.test<\/code>/);
  assert.match(ph.body, /This message is HTML only and is shown as text/);
  assert.match(ph.body, /www\.seccampbank\.test \[-&#62; https:\/\/attacker\.test\/login\]/);
  assert.match(ph.body, /\[image: logo\]/);
  assert.ok(!ph.body.includes('<iframe'), 'no HTML rendering unless asked');
  assert.ok(!ph.body.includes('tracker.test') && !ph.body.includes('pwned') && !ph.body.includes('alert('));
  // "show HTML": an iframe with an empty sandbox (no scripts, no same origin), served with its own CSP
  const shown = await alice.get(`/mail/box/INBOX/${uh}?view=html`);
  const frame = /<iframe class="html" sandbox="" src="([^"]+)"/.exec(shown.body);
  assert.ok(frame, 'sandboxed iframe');
  assert.doesNotMatch(shown.body, /allow-/);
  assert.match(String(shown.headers['content-security-policy']), /frame-src 'self'/);
  const inner = await alice.get(frame[1]!);
  assert.equal(inner.status, 200);
  assert.equal(inner.headers['content-type'], 'text/html; charset=utf-8');
  assert.equal(inner.headers['content-security-policy'], FRAME_CSP);
  assert.match(FRAME_CSP, /^default-src 'none'; style-src 'unsafe-inline'; img-src data:;/, 'no script-src, no remote images');
  assert.doesNotMatch(FRAME_CSP, /script-src|https?:/);
  assert.match(FRAME_CSP, /frame-ancestors 'self'.*; sandbox$/);
  assert.equal(inner.headers['x-frame-options'], 'SAMEORIGIN');
  assert.equal(inner.headers['cache-control'], 'no-store');

  // another user: every mailbox and message of alice is "not found", and nothing changes
  await srv.app.store.createMailbox((await srv.app.store.getUser('alice@example.test'))!.id, 'Private', null);
  const carol = new Browser(srv.port('https'));
  assert.equal((await carol.login('carol@other.test')).status, 303);
  for (const path of [`/mail/box/INBOX/${uh}`, `/mail/box/INBOX/${uh}/raw`, `/mail/box/INBOX/${uh}/html`, `/mail/box/INBOX/${ux}/part/2`, '/mail/box/Private', '/mail/box/Nonexistent']) {
    const r = await carol.get(path);
    assert.equal(r.status, 404, path);
    assert.ok(!r.body.includes('html only') && !r.body.includes('DATA'), path);
  }
  const token = await carol.csrf();
  for (const action of ['delete', 'spam']) assert.equal((await carol.post(`/mail/box/INBOX/${uh}/action`, { csrf: token, action })).status, 404, action);
  assert.ok(await uidOf(srv, 'alice@example.test', '<html@partner.test>'), 'still in alice\'s INBOX');
});

test('paging: 50 a page, newest first, bounded reads', async (t) => {
  const srv = await startTestServer();
  t.after(() => srv.close());
  const subjects = Array.from({ length: 55 }, (_, i) => `bulk ${String(i).padStart(2, '0')}`);
  await sendMx(srv, 'bob@example.test', ...subjects.map((s) => message('P <p@partner.test>', 'bob@example.test', s)));
  const bob = new Browser(srv.port('https'));
  assert.equal((await bob.login('bob@example.test')).status, 303);
  const shown = async (path: string) => [...(await bob.get(path)).body.matchAll(/">(bulk \d\d)<\/a>/g)].map((m) => m[1]);
  const first = await shown('/mail/');
  assert.deepEqual(first, subjects.slice(5).reverse());
  assert.deepEqual(await shown('/mail/box/INBOX?page=1'), subjects.slice(0, 5).reverse());
  assert.deepEqual(await shown('/mail/box/INBOX?page=99'), subjects.slice(0, 5).reverse(), 'past the end: the last page');
  const p0 = (await bob.get('/mail/')).body;
  assert.match(p0, /page 1 of 2 \(55 messages\)/);
  assert.match(p0, /<a href="\/mail\/box\/INBOX\?page=1">Older/);
});
