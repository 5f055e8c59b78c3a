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
  ['blank padding in the Subject', msg('Subject: Your order      #A83F2', '', 'x'), ['subject:spaced'], []],
  // RFC 5322 §2.2.3/§3.2.2: a folded Subject's continuation indent is one space, not padding.
  ['a folded Subject is not padded', msg('Subject: Think before you leap, man flies powered parachute into', '    water', '', 'x'), ['subject:into', 'subject:water'], ['subject:spaced']],
  ['a Subject folded with a tab is not padded', msg('Subject: =?UTF-8?Q?caf=C3=A9?= au lait and', '\t\tcroissant offer', '', 'x'), ['subject:café', 'subject:croissant'], ['subject:spaced']],
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
  ['HTML: tags and comments removed, links kept, script dropped; only signal tags are tokens',
    msg('Content-Type: text/html', '', '<p>V<b>ia</b>gra<!-- x --> <a href="http://www.shop.example.co.uk/buy/now">Click</a></p><script>hiddenword()</script>'),
    ['viagra', 'click', 'html:script', 'html:only', 'url:domain:example.co.uk', 'url:host:www.shop.example.co.uk', 'url:buy', 'part:text/html'], ['hiddenword', 'via', 'gra', 'html:a', 'html:p']],
  ['HTML: declarations and processing instructions are not text',
    msg('Content-Type: text/html', '', '<!DOCTYPE HTML PUBLIC "-//W3C//DTD HTML 4.0 Transitional//EN"><?xml version="1.0"?><html><body>visible</body></html>'),
    ['visible'], ['doctype', 'w3c', 'transitional', 'dtd', 'public', 'xml', 'version']],
  ['HTML with a plain-text alternative: not "html:only"',
    msg('Content-Type: multipart/alternative; boundary=b', '', '--b', 'Content-Type: text/plain', '', 'plain words', '--b', 'Content-Type: text/html', '', '<p>html <img src="http://img.example/x.gif"> words</p>', '--b--'),
    ['plain', 'html', 'html:img', 'part:multipart/alternative', 'url:domain:img.example'], ['html:only']],
  ['MIME parameters, boundary shape and disposition',
    msg('Content-Type: multipart/mixed; boundary="----=_NextPart_000_004E_01C2580D.1BC61260"', '', '------=_NextPart_000_004E_01C2580D.1BC61260',
      'Content-Type: text/plain; charset=us-ascii; format=flowed', 'Content-Disposition: inline', '', 'x', '------=_NextPart_000_004E_01C2580D.1BC61260--'),
    ['mime:boundary:----=_a_9_h_h.h', 'mime:param:format=flowed', 'mime:disposition:inline', 'charset:us-ascii'], ['mime:param:charset=us-ascii', 'mime:param:boundary']],
  ['Message-ID shape; its domain is the From domain',
    msg('From: a@mail.example.com', 'Message-ID: <005101c257df$0343be50$a800a8c0@host.example.com>', '', 'x'),
    ['message-id:shape:h$h$h', 'message-id:host:from-domain'], []],
  ['Message-ID from another domain, a single label, an address literal, or without "@"',
    msg('From: a@example.com', 'Message-ID: <1234.5678.JavaMail.root@other.example>', '', 'x'), ['message-id:shape:9.9.a.a', 'message-id:host:other'], ['message-id:host:from-domain']],
  ['Message-ID on a bare host name', msg('Message-ID: <abc@localhost>', '', 'x'), ['message-id:shape:a', 'message-id:host:nodot'], []],
  ['Message-ID on an address literal', msg('Message-ID: <x1@[192.0.2.1]>', '', 'x'), ['message-id:shape:x', 'message-id:host:ip'], []],
  ['Message-ID without "@"', msg('Message-ID: <nothing-here>', '', 'x'), ['message-id:invalid'], []],
  ['Date shape (RFC 5322 §3.3), values left out', msg('Date: Mon, 9 Sep 2002 14:28:04 +0530', '', 'x'), ['date:shape:a, 9 a 9999 99:99:99 +9999'], ['date:none', 'mon', 'sep']],
  ['missing Date and Message-ID', msg('Subject: s', '', 'x'), ['date:none', 'message-id:none'], []],
  ['words: one pass over ASCII and other scripts',
    msg('Content-Type: text/plain; charset=utf-8', '', "HELLO 'quoted' end. café–naïve Привет мир abc東京 hello😀world"),
    ['hello', 'quoted', 'end', 'café', 'naïve', 'привет', 'мир', 'abc', '東京', 'world'], ["'quoted'", 'end.', 'café–naïve', 'abc東京', 'HELLO']],
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

test('tokenize: thread and list fields only when asked', () => {
  const raw = msg('In-Reply-To: <a@b>', 'References: <a@b>', 'List-Id: <list.example>', 'Precedence: bulk', 'X-Priority: 3 (Normal)', '', 'x');
  assert.ok(!tokenize(raw).some((t) => t.startsWith('header:') || t.startsWith('precedence:')));
  const on = tokenize(raw, { features: { threadHeaders: true } });
  for (const t of ['header:in-reply-to', 'header:references', 'header:list-id', 'precedence:bulk', 'x-priority:3']) assert.ok(on.includes(t), t);
});

test('tokenize: the token families switch off one by one', () => {
  const raw = msg('Message-ID: <1.2@x.example>', 'Date: Mon, 9 Sep 2002 14:28:04 +0530', 'Content-Type: multipart/mixed; boundary=b', '', '--b',
    'Content-Type: text/html; format=flowed', '', '<font>w</font><img src="http://i.example/">', '--b--');
  const all = tokenize(raw);
  const off = tokenize(raw, { features: { mimeParams: false, messageIdShape: false, dateShape: false, htmlTags: 'none' } });
  for (const prefix of ['mime:', 'message-id:shape:', 'date:shape:', 'html:']) {
    assert.ok(all.some((t) => t.startsWith(prefix)), prefix);
    assert.ok(!off.some((t) => t.startsWith(prefix)), prefix);
  }
  assert.ok(tokenize(raw, { features: { htmlTags: 'all' } }).includes('html:font'));
  assert.ok(!all.includes('html:font'), 'the HTML skeleton is not a token by default');
});

test('tokenize: word pairs only when asked, bounded per message', () => {
  const raw = msg('', 'click here to unsubscribe from this list');
  const plain = tokenize(raw);
  assert.ok(!plain.some((t) => t.includes(' ')));
  const pairs = tokenize(raw, { features: { bigrams: true } });
  // short words ("to") are not words, so pairs span them
  for (const t of ['click here', 'here unsubscribe', 'unsubscribe from', 'from this', 'this list', 'click', 'list']) assert.ok(pairs.includes(t), t);
  const capped = tokenize(raw, { features: { bigrams: true }, limits: { maxBigrams: 2 } });
  assert.deepEqual(capped.filter((t) => t.includes(' ')), ['click here', 'here unsubscribe']);
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
