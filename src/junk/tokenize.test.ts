// Tokenizer tables: headers, RFC 2047 words, QP/base64 (RFC 2045 §6.7/§6.8), HTML, URLs,
// Japanese bigrams, attachments, verdict handling, and caps on hostile input.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeQuotedPrintable, htmlToText } from './decode.ts';
import { tokenize, verdictsFromAuthResults } from './tokenize.ts';

const msg = (...lines: string[]): Buffer => Buffer.from(lines.join('\r\n'));

/** [name, message, tokens that must be present, tokens that must be absent] */
const cases: Array<[string, Buffer, string[], string[]]> = [
  ['subject words, prefixed', msg('Subject: Free money NOW', '', 'hello there'), ['subject:free', 'subject:money', 'subject:now', 'hello', 'there'], ['free']],
  ['all-caps and punctuation in the subject', msg('Subject: ACT NOW!!!', '', 'x'), ['subject:all-caps', 'subject:punct:!!!'], []],
  ['From address, domain and name words', msg('From: "Alice Example" <Alice@Mail.Example.COM>', 'To: bob@b.test, carol@c.test', '', 'x'),
    ['from:addr:alice@mail.example.com', 'from:domain:example.com', 'from:name:alice', 'from:name:example', 'to:count:2'], []],
  ['display name hiding an address', msg('From: "support@bank.example" <x@evil.test>', '', 'x'), ['from:name:has-address', 'from:domain:evil.test'], []],
  ['Reply-To to another domain', msg('From: a@one.test', 'Reply-To: b@two.test', '', 'x'), ['reply-to:domain:two.test', 'reply-to:differs'], []],
  ['RFC 2047 subject, Japanese as bigrams', msg('Subject: =?UTF-8?B?5p2x5Lqs6YO9?=', '', 'x'), ['subject:東京', 'subject:京都'], ['subject:東京都']],
  ['mbox From_ line skipped', msg('From someone@example.test  Thu Aug 22 12:36:23 2002', 'Subject: s', '', 'body'), ['subject:s'.length > 0 ? 'body' : ''], ['thu', 'aug']],
  ['quoted-printable body (RFC 2045 §6.7)', msg('Content-Type: text/plain; charset=utf-8', 'Content-Transfer-Encoding: quoted-printable', '', 'caf=C3=A9 soft=', 'break'),
    ['café', 'softbreak', 'cte:quoted-printable', 'charset:utf-8'], ['caf']],
  ['base64 body (RFC 2045 §6.8)', msg('Content-Type: text/plain', 'Content-Transfer-Encoding: base64', '', Buffer.from('secret offer inside').toString('base64')),
    ['secret', 'offer', 'inside'], []],
  ['latin-1 body by its charset', Buffer.concat([msg('Content-Type: text/plain; charset=iso-8859-1', '', ''), Buffer.from([0x67, 0x61, 0x72, 0xe7, 0x6f, 0x6e])]), ['garçon'], []],
  ['ISO-2022-JP body as bigrams', Buffer.concat([msg('Content-Type: text/plain; charset=ISO-2022-JP', 'Content-Transfer-Encoding: 7bit', '', ''), Buffer.from('\x1b$BF|K\\8l\x1b(B', 'latin1')]),
    ['日本', '本語'], ['日本語']],
  ['HTML: tags and comments removed, links kept, script dropped',
    msg('Content-Type: text/html', '', '<p>V<b>ia</b>gra<!-- x --> <a href="http://www.shop.example.co.uk/buy/now">Click</a></p><script>hiddenword()</script>'),
    ['viagra', 'click', 'html:script', 'html:a', 'url:domain:example.co.uk', 'url:host:www.shop.example.co.uk', 'url:buy', 'part:text/html'], ['hiddenword', 'via', 'gra']],
  ['URL in text: userinfo, port, domain, path pieces', msg('', 'see https://user@bank.example.com:8080/login?x=1 now'),
    ['url:userinfo', 'url:port', 'url:domain:example.com', 'url:login', 'url:scheme:https', 'now'], ['https', 'bank']],
  ['numeric URL host', msg('', 'go http://192.0.2.7/x'), ['url:ip'], []],
  ['address in text becomes its domain', msg('', 'write to sales@deals.example.net'), ['email:example.net'], ['sales@deals.example.net']],
  ['long words become shape tokens', msg('', 'x'.repeat(45)), ['skip:x:40'], []],
  ['attachment name, type and double extension; binary not decoded',
    msg('Content-Type: multipart/mixed; boundary=b', '', '--b', 'Content-Type: text/plain', '', 'see attached', '--b',
      'Content-Type: application/octet-stream', 'Content-Disposition: attachment; filename="Invoice.pdf.exe"', 'Content-Transfer-Encoding: base64', '',
      Buffer.from('payloadword payloadword').toString('base64'), '--b--'),
    ['attachment:ext:exe', 'attachment:ext2:pdf.exe', 'attachment:type:application/octet-stream', 'filename:invoice', 'part:multipart/mixed', 'see', 'attached'], ['payloadword']],
  ['RFC 2231 file name', msg('Content-Type: application/pdf', "Content-Disposition: attachment; filename*=utf-8''r%C3%A9sum%C3%A9.pdf", '', 'x'),
    ['filename:résumé', 'attachment:ext:pdf'], []],
  ['forged verdicts and our own header are ignored',
    msg('Authentication-Results: mx.example; dkim=pass', 'X-Mailwarden-Spam: ham; score=0.0001', 'X-Spam-Status: No', '', 'x'), [], ['auth:dkim:pass', 'ham', 'score']],
];

for (const [name, raw, present, absent] of cases) {
  test(`tokenize: ${name}`, () => {
    const tokens = new Set(tokenize(raw));
    for (const t of present) assert.ok(tokens.has(t), `missing ${t} in ${[...tokens].join(' ')}`);
    for (const t of absent) assert.ok(!tokens.has(t), `unexpected ${t}`);
  });
}

test('tokenize: verdicts come only from the caller', () => {
  const v = verdictsFromAuthResults('mx.example.test; spf=pass smtp.mailfrom=a@b.test; dkim=fail header.d=b.test; dmarc=fail');
  assert.deepEqual(v, [{ method: 'spf', result: 'pass' }, { method: 'dkim', result: 'fail' }, { method: 'dmarc', result: 'fail' }]);
  const tokens = tokenize(msg('Subject: s', '', 'x'), { verdicts: v });
  for (const t of ['auth:spf:pass', 'auth:dkim:fail', 'auth:dmarc:fail']) assert.ok(tokens.includes(t));
});

test('tokenize: headers off leaves only body and structure tokens', () => {
  const tokens = tokenize(msg('Subject: hello', 'From: a@b.test', '', 'body words'), { headers: false });
  assert.ok(tokens.every((t) => !t.startsWith('subject:') && !t.startsWith('from:')));
  assert.ok(tokens.includes('words'));
});

test('tokenize: Received tokens only when asked', () => {
  const raw = msg('Received: from mx.sender.example (mx.sender.example [198.51.100.7]) by us', 'Subject: s', '', 'x');
  assert.ok(!tokenize(raw).some((t) => t.startsWith('received:')));
  const on = tokenize(raw, { received: true });
  for (const t of ['received:domain:sender.example', 'received:ip:198.51.100', 'received:ip:198.51']) assert.ok(on.includes(t), t);
});

test('decode: quoted-printable keeps a lone "=" and caps its output', () => {
  assert.equal(decodeQuotedPrintable(Buffer.from('a=3Db =zz c=\r\nd'), 100).toString(), 'a=b =zz cd');
  assert.equal(decodeQuotedPrintable(Buffer.from('x'.repeat(1000)), 10).length, 10);
});

test('decode: HTML text, entities, links', () => {
  const h = htmlToText('<A HREF=\'http://a.test/\'>caf&eacute; &amp; &#233;&#x41;</a><style>p{}</style>');
  assert.deepEqual(h.links, ['http://a.test/']);
  assert.equal(h.text.trim(), 'caf&eacute; & éA');
  assert.deepEqual(h.tags.sort(), ['a', 'style']);
});

// Hostile input: each must finish quickly with bounded output.
const hostile: Array<[string, Buffer]> = [
  ['5 MB of distinct words', Buffer.from(`Subject: x\r\n\r\n${Array.from({ length: 600_000 }, (_, i) => `w${i}`).join(' ')}`)],
  ['one 2 MB word', Buffer.from(`\r\n${'a'.repeat(2_000_000)}`)],
  ['unclosed tags and scripts', Buffer.from(`Content-Type: text/html\r\n\r\n${'<script <a href="'.repeat(40_000)}`)],
  ['10,000 nested multiparts', Buffer.from(`${'Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n'.repeat(10_000)}x`)],
  ['encoded-word flood in the subject', Buffer.from(`Subject: ${'=?utf-8?q?a?= '.repeat(5000)}\r\n\r\nx`)],
  ['base64 bomb', Buffer.from(`Content-Type: text/plain\r\nContent-Transfer-Encoding: base64\r\n\r\n${'QUFB'.repeat(1_000_000)}`)],
];
for (const [name, raw] of hostile) {
  test(`tokenize: hostile input is bounded (${name})`, () => {
    const t0 = performance.now();
    const tokens = tokenize(raw);
    const ms = performance.now() - t0;
    assert.ok(tokens.length <= 3000, `${tokens.length} tokens`);
    assert.ok(tokens.every((t) => t.length <= 64));
    assert.ok(ms < 3000, `${ms} ms`);
  });
}

test('tokenize: limits are configurable', () => {
  const tokens = tokenize(Buffer.from(`\r\n${Array.from({ length: 100 }, (_, i) => `word${i}`).join(' ')}`), { limits: { maxTokens: 10 } });
  assert.equal(tokens.length, 10);
});
