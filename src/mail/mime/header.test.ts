// Header fields and MIME parameters: RFC 5322 §2.2.3 (unfolding), RFC 2045 §5.1, RFC 2183,
// RFC 2231 §3 (continuations), RFC 3282; BODY[HEADER.FIELDS] filtering (RFC 9051 §6.4.5).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { filterHeaderFields, firstField, parseContentType, parseDisposition, parseHeaderBlock, parseLanguage, stripComments } from './header.ts';

test('RFC 5322 §2.2.3: unfolding removes the CRLF only; first field wins', () => {
  const fields = parseHeaderBlock(Buffer.from('Subject: a\r\n  folded\r\n\tline\r\nX-A: 1\r\nx-a: 2\r\nbogus line\r\nFrom : sp@x\r\n\r\nbody: no\r\n'));
  assert.equal(firstField(fields, 'subject'), 'a  folded\tline');
  assert.equal(firstField(fields, 'X-A'), '1');
  assert.equal(firstField(fields, 'from'), 'sp@x');
  assert.equal(firstField(fields, 'body'), null); // after the blank line
  assert.deepEqual(parseHeaderBlock(Buffer.from('Empty:\r\n')), [{ name: 'Empty', value: '' }]);
  assert.deepEqual(parseHeaderBlock(Buffer.from('A: 1\nB: 2\n')), [{ name: 'A', value: '1' }, { name: 'B', value: '2' }]);
  // foldAsSpace: a continuation line's indentation is one space (RFC 5322 §3.2.2).
  assert.deepEqual(parseHeaderBlock(Buffer.from('Subject: a\r\n    folded\r\n\t\tline\r\n'), { foldAsSpace: true }), [{ name: 'Subject', value: 'a folded line' }]);
  assert.deepEqual(parseHeaderBlock(Buffer.from('Subject: a\r\n    folded\r\n')), [{ name: 'Subject', value: 'a    folded' }]);
});

test('RFC 2045 §5.1 Content-Type', () => {
  const good: Array<[string, ReturnType<typeof parseContentType>]> = [
    ['text/plain', { type: 'text', subtype: 'plain', params: [] }],
    ['TEXT/PLAIN; CHARSET=US-ASCII', { type: 'TEXT', subtype: 'PLAIN', params: [['CHARSET', 'US-ASCII']] }],
    ['multipart/mixed; boundary="simple boundary"', { type: 'multipart', subtype: 'mixed', params: [['boundary', 'simple boundary']] }],
    ['text/plain (comment); charset=(c)"utf-8" (c2)', { type: 'text', subtype: 'plain', params: [['charset', 'utf-8']] }],
    ['text/plain; name="a;b\\"c"; x=y', { type: 'text', subtype: 'plain', params: [['name', 'a;b"c'], ['x', 'y']] }],
    ['text/plain;; junk; a=1;', { type: 'text', subtype: 'plain', params: [['a', '1']] }],
    ['text / html', { type: 'text', subtype: 'html', params: [] }],
    // RFC 2231 §3 continuations
    ['application/x-stuff; title*0*=us-ascii\'en\'This%20is%20; title*1*=fun', { type: 'application', subtype: 'x-stuff', params: [['title*', "us-ascii'en'This%20is%20fun"]] }],
    ['text/plain; name*1="b.txt"; x=1; name*0="a"', { type: 'text', subtype: 'plain', params: [['name', 'ab.txt'], ['x', '1']] }],
    ['text/plain; name*0="a"; name*2="gap"', { type: 'text', subtype: 'plain', params: [['name', 'a']] }],
  ];
  for (const [v, expected] of good) assert.deepEqual(parseContentType(v), expected, v);
  for (const bad of ['', 'text', 'text/', '/plain', 'text/plain/x', '; charset=x']) assert.equal(parseContentType(bad), null, bad);
});

test('RFC 2183 Content-Disposition and RFC 3282 Content-Language', () => {
  assert.deepEqual(parseDisposition('attachment; filename="genome.jpeg"; modification-date="Wed, 12 Feb 1997 16:29:51 -0500"'), {
    type: 'attachment', params: [['filename', 'genome.jpeg'], ['modification-date', 'Wed, 12 Feb 1997 16:29:51 -0500']],
  });
  assert.deepEqual(parseDisposition('INLINE'), { type: 'INLINE', params: [] });
  assert.equal(parseDisposition(''), null);
  assert.deepEqual(parseLanguage('en, de (German)'), ['en', 'de']);
  assert.equal(parseLanguage(' , '), null);
  assert.equal(stripComments('a (b (c) \\) d) e "(not)"'), 'a   e "(not)"');
});

test('BODY[HEADER.FIELDS] / [HEADER.FIELDS.NOT] keep folded lines and end with the blank line', () => {
  const h = Buffer.from('From: a@b\r\nSubject: one\r\n two\r\nTo: c@d\r\nX-Spam: yes\r\n\r\n');
  assert.equal(filterHeaderFields(h, ['SUBJECT', 'to'], false).toString(), 'Subject: one\r\n two\r\nTo: c@d\r\n\r\n');
  assert.equal(filterHeaderFields(h, ['X-SPAM', 'FROM'], true).toString(), 'Subject: one\r\n two\r\nTo: c@d\r\n\r\n');
  assert.equal(filterHeaderFields(h, ['NONE'], false).toString(), '\r\n');
  assert.equal(filterHeaderFields(Buffer.from('A: 1'), ['A'], false).toString(), 'A: 1\r\n\r\n');
});
