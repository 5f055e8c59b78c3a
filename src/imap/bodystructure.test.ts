// ENVELOPE / BODY / BODYSTRUCTURE wire forms: RFC 9051 §7.5.2 and §9. Expected strings are
// derived by hand from the grammar; their conventions (lines = LF octets in the body, the CRLF
// before a boundary belonging to the boundary, defaults in lower case) were cross-checked
// against Dovecot 2.3.19's `doveadm fetch imap.bodystructure` on the same octets.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseMessageStructure } from '../mail/mime/walker.ts';
import { renderBodyStructure, renderEnvelope } from './bodystructure.ts';
import { alternative, crlf, forwarded, headerOnly, mixedWithAttachment, noHeaders, rfcExample } from '../mail/mime/samples.ts';

const bs = (msg: Buffer) => renderBodyStructure(parseMessageStructure(msg).body, { extended: true });
const body = (msg: Buffer) => renderBodyStructure(parseMessageStructure(msg).body, { extended: false });
const env = (msg: Buffer) => renderEnvelope(parseMessageStructure(msg).envelope);

test('RFC 9051 §7.5.2 FETCH example: ENVELOPE, BODY and RFC822.SIZE', () => {
  const msg = rfcExample();
  const st = parseMessageStructure(msg);
  assert.equal(st.size, 4286);
  assert.equal(
    renderEnvelope(st.envelope),
    '("Wed, 17 Jul 1996 02:23:25 -0700 (PDT)" "IMAP4rev2 WG mtg summary and minutes" ' +
      '(("Terry Gray" NIL "gray" "cac.washington.edu")) (("Terry Gray" NIL "gray" "cac.washington.edu")) ' +
      '(("Terry Gray" NIL "gray" "cac.washington.edu")) ((NIL NIL "imap" "cac.washington.edu")) ' +
      '((NIL NIL "minutes" "CNRI.Reston.VA.US")("John Klensin" NIL "KLENSIN" "MIT.EDU")) NIL NIL ' +
      '"<B27397-0100000@cac.washington.edu>")',
  );
  assert.equal(body(msg), '("TEXT" "PLAIN" ("CHARSET" "US-ASCII") NIL NIL "7BIT" 3028 92)');
  assert.equal(bs(msg), '("TEXT" "PLAIN" ("CHARSET" "US-ASCII") NIL NIL "7BIT" 3028 92 NIL NIL NIL NIL)');
});

test('multipart/alternative', () => {
  // "Lunch at noon?" is 14 octets with no LF of its own (its CRLF belongs to the boundary).
  const plain = '("text" "plain" ("charset" "utf-8") NIL NIL "quoted-printable" 14 0';
  const html = '("text" "html" ("charset" "utf-8") NIL NIL "7bit" 28 0';
  assert.equal(bs(alternative), `(${plain} NIL NIL NIL NIL)${html} NIL NIL NIL NIL) "alternative" ("boundary" "=_alt") NIL NIL NIL)`);
  assert.equal(body(alternative), `(${plain})${html}) "alternative")`);
  assert.equal(
    env(alternative),
    '("Mon, 1 Jan 2024 12:00:00 +0000" "Lunch?" (("Alice" NIL "alice" "example.org")) (("Alice" NIL "alice" "example.org")) ' +
      '(("Alice" NIL "alice" "example.org")) ((NIL NIL "bob" "example.com")) NIL NIL NIL "<alt-1@example.org>")',
  );
});

test('multipart/mixed with an attachment; an empty group in Cc', () => {
  assert.equal(
    bs(mixedWithAttachment),
    '(("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 15 1 NIL NIL NIL NIL)' +
      '("application" "pdf" ("name" "report.pdf") NIL NIL "base64" 12 NIL ("attachment" ("filename" "report.pdf")) NIL NIL)' +
      ' "mixed" ("boundary" "XYZ") NIL NIL NIL)',
  );
  assert.equal(
    body(mixedWithAttachment),
    '(("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 15 1)("application" "pdf" ("name" "report.pdf") NIL NIL "base64" 12) "mixed")',
  );
  assert.equal(
    env(mixedWithAttachment),
    '("Tue, 2 Jan 2024 09:30:00 +0100" "Report" (("Carol C." NIL "carol" "example.net")) (("Carol C." NIL "carol" "example.net")) ' +
      '(("Carol C." NIL "carol" "example.net")) (("Dave" NIL "dave" "example.com")) ' +
      '((NIL NIL "undisclosed-recipients" NIL)(NIL NIL NIL NIL)) NIL NIL "<mixed-1@example.net>")',
  );
});

test('nested message/rfc822 with its own envelope, body and line count', () => {
  // Part 2 body: inner header 127 octets + inner body 99 octets = 226; 13 LFs. Dovecot says 228/14:
  // it counts the CRLF after "--inner--" into the part, but RFC 2046 §5.1.1 gives that CRLF to the
  // outer delimiter (delimiter = CRLF dash-boundary), and BODY[2] must hold exactly `size` octets.
  const grace = '(("Grace" NIL "grace" "example.com"))';
  const innerEnv = `(NIL "Hello" ${grace} ${grace} ${grace} ((NIL NIL "eve" "example.org")) NIL NIL NIL NIL)`;
  const innerBs =
    '(("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 3 0 NIL NIL NIL NIL)("text" "html" ("charset" "us-ascii") NIL NIL "7bit" 10 0 NIL NIL NIL NIL)' +
    ' "alternative" ("boundary" "inner") NIL NIL NIL)';
  assert.equal(
    bs(forwarded),
    '(("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 24 0 NIL NIL NIL NIL)' +
      `("message" "rfc822" NIL NIL NIL "7bit" 226 ${innerEnv} ${innerBs} 13 NIL NIL NIL NIL) "mixed" ("boundary" "outer") NIL NIL NIL)`,
  );
  // BODY: no extension data at any depth.
  assert.equal(
    body(forwarded),
    '(("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 24 0)' +
      `("message" "rfc822" NIL NIL NIL "7bit" 226 ${innerEnv} (("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 3 0)` +
      '("text" "html" ("charset" "us-ascii") NIL NIL "7bit" 10 0) "alternative") 13) "mixed")',
  );
});

test('missing headers: NIL envelope fields, text/plain us-ascii defaults (RFC 2045 §5.2)', () => {
  assert.equal(env(noHeaders), '(NIL NIL NIL NIL NIL NIL NIL NIL NIL NIL)');
  assert.equal(bs(noHeaders), '("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 13 1 NIL NIL NIL NIL)');
  // No blank line: all header, empty body. Sender and Reply-To default to From (RFC 9051 §7.5.2).
  assert.equal(env(headerOnly), '(NIL "only headers" ((NIL NIL "a" "b.c")) ((NIL NIL "a" "b.c")) ((NIL NIL "a" "b.c")) NIL NIL NIL NIL NIL)');
  assert.equal(bs(headerOnly), '("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 0 0 NIL NIL NIL NIL)');
});

// Golden cases: octets in, Dovecot 2.3.19's BODYSTRUCTURE out (outer parentheses added).
const dovecot: Array<[string, Buffer, string]> = [
  ['multipart/digest parts default to message/rfc822 (RFC 2046 §5.1.5)',
    crlf('Content-Type: multipart/digest; boundary=b', '', '--b', '', 'Subject: d1', '', 'x', '--b', 'Content-Type: text/plain', '', 'y', '--b--', ''),
    '(("message" "rfc822" NIL NIL NIL "7bit" 16 (NIL "d1" NIL NIL NIL NIL NIL NIL NIL NIL) ("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 1 0 NIL NIL NIL NIL) 2 NIL NIL NIL NIL)("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 1 0 NIL NIL NIL NIL) "digest" ("boundary" "b") NIL NIL NIL)'],
  ['multipart without boundary gets one empty text/plain part',
    crlf('Content-Type: multipart/mixed', '', 'hello', ''),
    '(("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 0 0 NIL NIL NIL NIL) "mixed" NIL NIL NIL NIL)'],
  ['boundary never found',
    crlf('Content-Type: multipart/mixed; boundary=zz', '', 'hello', 'world', ''),
    '(("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 0 0 NIL NIL NIL NIL) "mixed" ("boundary" "zz") NIL NIL NIL)'],
  ['part sizes and LF counts around boundaries; preamble and epilogue ignored',
    crlf('Content-Type: multipart/mixed; boundary="b"', '', 'pre', '--b', '', 'a', 'b', '--b', 'Content-Type: text/plain', '', 'c', 'd', '', '--b', '', '--b', '', 'x', '--b--', 'epi', ''),
    '(("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 4 1 NIL NIL NIL NIL)("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 6 2 NIL NIL NIL NIL)("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 0 0 NIL NIL NIL NIL)("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 1 0 NIL NIL NIL NIL) "mixed" ("boundary" "b") NIL NIL NIL)'],
  ['an outer boundary closes an unfinished inner multipart',
    crlf('Content-Type: multipart/mixed; boundary=o', '', '--o', 'Content-Type: multipart/mixed; boundary=i', '', '--i', '', 'in1', '--o', '', 'out2', '--o--', ''),
    '((("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 3 0 NIL NIL NIL NIL) "mixed" ("boundary" "i") NIL NIL NIL)("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 4 0 NIL NIL NIL NIL) "mixed" ("boundary" "o") NIL NIL NIL)'],
  ['a boundary that prefixes another (innermost checked first)',
    crlf('Content-Type: multipart/mixed; boundary=abc', '', '--abc', 'Content-Type: multipart/mixed; boundary=abcdef', '', '--abcdef', '', 'inner', '--abc', '', 'second', '--abc--', ''),
    '((("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 5 0 NIL NIL NIL NIL) "mixed" ("boundary" "abcdef") NIL NIL NIL)("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 6 0 NIL NIL NIL NIL) "mixed" ("boundary" "abc") NIL NIL NIL)'],
  ['a part header cut short by a boundary',
    crlf('Content-Type: multipart/mixed; boundary=b', '', '--b', 'Content-Type: text/plain', '--b', '', 'z', '--b--', ''),
    '(("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 0 0 NIL NIL NIL NIL)("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 1 0 NIL NIL NIL NIL) "mixed" ("boundary" "b") NIL NIL NIL)'],
  ['top-level message/rfc822 holding a multipart',
    crlf('Content-Type: message/rfc822', '', 'From: x@y.z', 'Content-Type: multipart/alternative; boundary=q', '', '--q', '', 'A', '--q--', ''),
    '("message" "rfc822" NIL NIL NIL "7bit" 81 (NIL NIL ((NIL NIL "x" "y.z")) ((NIL NIL "x" "y.z")) ((NIL NIL "x" "y.z")) NIL NIL NIL NIL NIL) (("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 1 0 NIL NIL NIL NIL) "alternative" ("boundary" "q") NIL NIL NIL) 7 NIL NIL NIL NIL)'],
  ['message/rfc822 sent base64 (invalid) is still walked as a message',
    crlf('Content-Type: message/rfc822', 'Content-Transfer-Encoding: base64', '', 'U3ViamVjdDogeA0KDQp5DQo=', ''),
    '("message" "rfc822" NIL NIL NIL "base64" 26 (NIL NIL NIL NIL NIL NIL NIL NIL NIL NIL) ("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 0 0 NIL NIL NIL NIL) 1 NIL NIL NIL NIL)'],
  ['extension data: MD5, disposition, languages, location; RFC 2231 continuations joined',
    crlf('Content-Type: text/plain; format=flowed; CHARSET="UTF-8"; name*0="long"; name*1="name.txt"', 'Content-Disposition: attachment; filename="a b.txt"; size=5',
      'Content-Language: en, de', 'Content-Location: http://x.test/a', 'Content-MD5: Q2hlY2sgSW50ZWdyaXR5IQ==', 'Content-ID: <id1@x>', 'Content-Description: A "desc"',
      'Content-Transfer-Encoding: Quoted-Printable', '', 'hi', ''),
    '("text" "plain" ("format" "flowed" "CHARSET" "UTF-8" "name" "longname.txt") "<id1@x>" "A \\"desc\\"" "Quoted-Printable" 4 1 "Q2hlY2sgSW50ZWdyaXR5IQ==" ("attachment" ("filename" "a b.txt" "size" "5")) ("en" "de") "http://x.test/a")'],
  ['extended RFC 2231 value: name*0*, name*1* ... become name* (still encoded)',
    crlf("Content-Type: application/x-stuff; title*0*=us-ascii'en'This%20is%20even%20more%20; title*1*=%2A%2A%2Afun%2A%2A%2A%20; title*2=\"isn't it!\"", '', 'x', ''),
    '("application" "x-stuff" ("title*" "us-ascii\'en\'This%20is%20even%20more%20%2A%2A%2Afun%2A%2A%2A%20isn\'t it!") NIL NIL "7bit" 3 NIL NIL NIL NIL)'],
  ['case kept as written; comments dropped; charset added last to text/*',
    crlf('Content-Type: TEXT/HTML (c); format=x; Charset=(c2)ISO-8859-1', '', 'x', ''),
    '("TEXT" "HTML" ("format" "x" "Charset" "ISO-8859-1") NIL NIL "7bit" 3 1 NIL NIL NIL NIL)'],
  ['multipart extension data',
    crlf('Content-Type: multipart/mixed; boundary=b; foo=bar', 'Content-Disposition: inline', 'Content-Language: fr', '', '--b', '', 'x', '--b--', ''),
    '(("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 1 0 NIL NIL NIL NIL) "mixed" ("boundary" "b" "foo" "bar") ("inline" NIL) ("fr") NIL)'],
  ['non-text leaves have no lines and no default parameters',
    crlf('Content-Type: message/delivery-status', '', 'Reporting-MTA: dns; x', ''),
    '("message" "delivery-status" NIL NIL NIL "7bit" 23 NIL NIL NIL NIL)'],
];
for (const [name, msg, expected] of dovecot) test(`as Dovecot: ${name}`, () => assert.equal(bs(msg), expected));

// Where we differ from Dovecot on purpose.
test('deliberate differences from Dovecot', () => {
  // RFC 2045 §5.2: an invalid Content-Type means text/plain; charset=us-ascii (Dovecot: "foo" "").
  assert.equal(bs(crlf('Content-Type: foo', '', 'hi', '')), '("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 4 1 NIL NIL NIL NIL)');
  // RFC 2046 §5.1.1: "--bx" is not the boundary "b" (Dovecot matches prefixes).
  assert.equal(
    bs(crlf('Content-Type: multipart/mixed; boundary=b', '', '--b  ', '', 'x', '--bx', '--b--  ', '')),
    '(("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 7 1 NIL NIL NIL NIL) "mixed" ("boundary" "b") NIL NIL NIL)',
  );
  // RFC 9051 §9 media-message includes "GLOBAL" (RFC 6532): encapsulated like rfc822.
  assert.match(bs(crlf('Content-Type: message/global', '', 'Subject: g', '', 'x', '')), /^\("message" "global" NIL NIL NIL "7bit" 17 \(NIL "g" /);
  // Sizes are raw octets: LF-only messages are not counted as CRLF (store CRLF-normalised mail).
  assert.equal(bs(Buffer.from('Subject: lf\n\nline1\nline2\n')), '("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 12 2 NIL NIL NIL NIL)');
});

test('8-bit header values go out as literals unless the client accepts UTF-8 (RFC 6855)', () => {
  const msg = Buffer.from('Subject: caf\xc3\xa9\r\n\r\nx\r\n', 'latin1');
  const st = parseMessageStructure(msg);
  assert.equal(renderEnvelope(st.envelope), '(NIL {5}\r\ncafé NIL NIL NIL NIL NIL NIL NIL NIL)');
  assert.equal(renderEnvelope(st.envelope, { utf8: true }), '(NIL "café" NIL NIL NIL NIL NIL NIL NIL NIL)');
});

test('encoded-words stay raw in ENVELOPE (RFC 9051 §7.5.2)', () => {
  const st = parseMessageStructure(crlf('From: =?utf-8?q?J=C3=BCrgen?= <j@x.de>', 'Subject: =?utf-8?b?w6k=?=', '', 'x', ''));
  assert.equal(st.envelope.subject, '=?utf-8?b?w6k=?=');
  assert.equal(renderEnvelope(st.envelope), '(NIL "=?utf-8?b?w6k=?=" (("=?utf-8?q?J=C3=BCrgen?=" NIL "j" "x.de")) (("=?utf-8?q?J=C3=BCrgen?=" NIL "j" "x.de")) (("=?utf-8?q?J=C3=BCrgen?=" NIL "j" "x.de")) NIL NIL NIL NIL NIL)');
});
