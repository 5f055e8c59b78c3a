// RFC 5322 §3.4 address lists → RFC 9051 §7.5.2 ENVELOPE addresses. Expectations cross-checked
// with Dovecot 2.3.19 (imap.envelope) except where noted.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseAddressList, type Address } from './address.ts';

const a = (name: string | null, mailbox: string | null, host: string | null, adl: string | null = null): Address => ({ name, adl, mailbox, host });
const groupStart = (name: string) => a(null, name, null);
const groupEnd = a(null, null, null);

const cases: Array<[string, Address[] | null]> = [
  ['"Joe Q. Public" <john.q.public@example.com>', [a('Joe Q. Public', 'john.q.public', 'example.com')]], // RFC 5322 A.1.2
  ['Mary Smith <mary@x.test>, jdoe@example.org, Who? <one@y.test>', [a('Mary Smith', 'mary', 'x.test'), a(null, 'jdoe', 'example.org'), a('Who?', 'one', 'y.test')]],
  ['<boss@nil.test>, "Giant; \\"Big\\" Box" <sysservices@example.net>', [a(null, 'boss', 'nil.test'), a('Giant; "Big" Box', 'sysservices', 'example.net')]],
  ['A Group:Ed Jones <c@a.test>,joe@where.test,John <jdoe@one.test>;', [groupStart('A Group'), a('Ed Jones', 'c', 'a.test'), a(null, 'joe', 'where.test'), a('John', 'jdoe', 'one.test'), groupEnd]], // A.1.3
  ['Undisclosed recipients:;', [groupStart('Undisclosed recipients'), groupEnd]],
  ['a@b.c, G:;, d@e.f', [a(null, 'a', 'b.c'), groupStart('G'), groupEnd, a(null, 'd', 'e.f')]],
  ['Pete(A nice \\) chap) <pete(his account)@silly.test(his host)>', [a('Pete', 'pete', 'silly.test')]], // A.5
  ['A Group(Some people):Chris Jones <c@(Chris\'s host.)public.example>, joe@example.org, John <jdoe@one.test> (my dear friend); (the end of the group)',
    [groupStart('A Group'), a('Chris Jones', 'c', 'public.example'), a(null, 'joe', 'example.org'), a('John', 'jdoe', 'one.test'), groupEnd]], // A.5
  ['foo (Comment Name)', [a('Comment Name', 'foo', 'MISSING_DOMAIN')]], // comment as name; no domain
  ['<@route1,@route2:user@host.test>', [a(null, 'user', 'host.test', '@route1,@route2')]], // RFC 5322 §4.4 obs-route
  ['root', [a(null, 'root', 'MISSING_DOMAIN')]],
  ['"Name Only" <local>', [a('Name Only', 'local', 'MISSING_DOMAIN')]],
  ['"john doe"@example.com, <"a b"@c.d>', [a(null, 'john doe', 'example.com'), a(null, 'a b', 'c.d')]],
  ['=?utf-8?q?J=C3=BCrgen?= <j@x.de>', [a('=?utf-8?q?J=C3=BCrgen?=', 'j', 'x.de')]], // encoded-words stay raw
  ['Joe Q. Public <j@x>', [a('Joe Q. Public', 'j', 'x')]], // obs-phrase with a dot
  ['a@b.c,', [a(null, 'a', 'b.c')]],
  ['user@[192.0.2.1]', [a(null, 'user', '[192.0.2.1]')]],
  ['Group: a@b.c', [groupStart('Group'), a(null, 'a', 'b.c'), groupEnd]], // unterminated group is closed
  ['', null],
  [' , ,', null],
  ['<>', null],
];

for (const [input, expected] of cases) test(`address list ${JSON.stringify(input)}`, () => assert.deepEqual(parseAddressList(input), expected));

test('hostile input is bounded and never throws', () => {
  assert.ok((parseAddressList('a@b,'.repeat(100_000)) ?? []).length <= 5000);
  for (const junk of ['<<<@@>>>', '(((', '"unterminated', ':;:;:;', '@', '<@a:>', '\\']) parseAddressList(junk);
});
