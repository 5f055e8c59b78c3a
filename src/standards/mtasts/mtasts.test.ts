/**
 * RFC 8461 parsing and matching, as tables: the TXT record (§3.1), the policy file (§3.2), MX
 * pattern matching (§4.1). Seeded with the RFC's own examples.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseStsRecord, selectStsRecord } from './record.ts';
import { formatStsPolicy, parseStsPolicy, policyId, MAX_AGE_LIMIT } from './policy.ts';
import { mxAllowed, mxMatches } from './match.ts';

test('TXT record (RFC 8461 §3.1): good', () => {
  const good: Array<[string, string, Array<[string, string]>]> = [
    ['v=STSv1; id=20160831085700Z;', '20160831085700Z', []], // §3.1 example
    ['v=STSv1; id=20160831085700Z', '20160831085700Z', []], // trailing separator optional
    ['v=STSv1;id=abc', 'abc', []], // *WSP around ";" may be empty
    ['v=STSv1 ;\tid=A1 ; ', 'A1', []], // WSP either side, trailing sep with WSP
    ['v=STSv1; id=x; ext_1=val', 'x', [['ext_1', 'val']]], // sts-extension kept
    [`v=STSv1; id=${'a'.repeat(32)}`, 'a'.repeat(32), []], // id up to 32 characters
  ];
  for (const [text, id, ext] of good) {
    const r = parseStsRecord(text);
    assert.ok(r.ok, `${text}: ${!r.ok && r.error}`);
    assert.equal(r.record.id, id, text);
    assert.deepEqual(r.record.extensions, ext, text);
  }
});

test('TXT record (RFC 8461 §3.1): bad', () => {
  const bad: Array<[string, string]> = [
    ['v=STSv2; id=1', 'other version'],
    ['id=1; v=STSv1', 'v=STSv1 must come first'],
    ['V=stsv1; id=1', 'version is case-sensitive (%s)'],
    ['v=STSv1;', 'no id'],
    ['v=STSv1; id=', 'empty id'],
    [`v=STSv1; id=${'a'.repeat(33)}`, 'id longer than 32'],
    ['v=STSv1; id=2016-08-31', 'id has a non-alphanumeric character'],
    ['v=STSv1; id=1; id=2', 'two ids'],
    ['v=STSv1; id=1; junk', 'a field without "="'],
    ['v=STSv1; id=1; e=a b', 'extension value with a space'],
  ];
  for (const [text, why] of bad) assert.equal(parseStsRecord(text).ok, false, `${text} (${why})`);
});

test('TXT record selection (§3.1): other records are discarded; not exactly one STS record is no policy', () => {
  assert.equal(selectStsRecord(['v=spf1 -all', 'v=STSv1; id=abc']).ok, true);
  assert.equal(selectStsRecord(['v=spf1 -all']).ok, false, 'none');
  assert.equal(selectStsRecord(['v=STSv1; id=a', 'v=STSv1; id=b']).ok, false, 'two');
  assert.equal(selectStsRecord(['v=STSv1; id=a!']).ok, false, 'one, invalid');
});

test('policy file (RFC 8461 §3.2): good', () => {
  // §3.2 example
  const rfc = 'version: STSv1\r\nmode: enforce\r\nmx: mail.example.com\r\nmx: *.example.net\r\nmx: backupmx.example.com\r\nmax_age: 604800\r\n';
  assert.deepEqual(parseStsPolicy(rfc), { ok: true, policy: { mode: 'enforce', mx: ['mail.example.com', '*.example.net', 'backupmx.example.com'], maxAge: 604800 } });
  const good: Array<[string, { mode: string; mx: string[]; maxAge: number }]> = [
    ['version: STSv1\nmode: testing\nmx: MX.Example.COM.\nmax_age: 86400\n', { mode: 'testing', mx: ['mx.example.com'], maxAge: 86400 }], // LF, case, trailing dot
    ['mode: none\nmax_age: 0\nversion: STSv1', { mode: 'none', mx: [], maxAge: 0 }], // any order, none without mx, no final newline
    ['version:STSv1\nmode:enforce\nmx:mx.a.test\nmax_age:31557600\nfoo_bar: 1\n', { mode: 'enforce', mx: ['mx.a.test'], maxAge: MAX_AGE_LIMIT }], // no WSP; unknown field ignored; max
    ['version: STSv1  \nmode: enforce\nmode: none\nmx: mx.a.test\nmax_age: 60\n', { mode: 'enforce', mx: ['mx.a.test'], maxAge: 60 }], // trailing WSP; first mode counts
  ];
  for (const [text, policy] of good) assert.deepEqual(parseStsPolicy(text), { ok: true, policy }, JSON.stringify(text));
});

test('policy file (RFC 8461 §3.2): bad', () => {
  const bad: Array<[string, string]> = [
    ['mode: enforce\nmx: a.test\nmax_age: 60\n', 'no version'],
    ['version: STSv2\nmode: enforce\nmx: a.test\nmax_age: 60\n', 'wrong version'],
    ['version: STSv1\nmode: strict\nmx: a.test\nmax_age: 60\n', 'unknown mode'],
    ['version: STSv1\nmx: a.test\nmax_age: 60\n', 'no mode'],
    ['version: STSv1\nmode: enforce\nmx: a.test\n', 'no max_age'],
    ['version: STSv1\nmode: enforce\nmx: a.test\nmax_age: 31557601\n', 'max_age over the limit'],
    ['version: STSv1\nmode: enforce\nmx: a.test\nmax_age: -1\n', 'max_age not digits'],
    ['version: STSv1\nmode: enforce\nmx: a.test\nmax_age: 12345678901\n', 'max_age over 10 digits'],
    ['version: STSv1\nmode: enforce\nmax_age: 60\n', 'enforce without mx'],
    ['version: STSv1\nmode: testing\nmax_age: 60\n', 'testing without mx'],
    ['version: STSv1\nmode: enforce\nmx: *.*.a.test\nmax_age: 60\n', 'wildcard beyond the left-most label'],
    ['version: STSv1\nmode: enforce\nmx: a_b.test\nmax_age: 60\n', 'not an LDH host name'],
    ['version: STSv1\nmode: enforce\nmx a.test\nmax_age: 60\n', 'a line without ":"'],
    ['<html><body>hello</body></html>', 'not a policy at all'],
  ];
  for (const [text, why] of bad) assert.equal(parseStsPolicy(text).ok, false, why);
});

test('policy we publish: formatted per §3.2 and parsed back; the id changes with the text', () => {
  const p = { mode: 'enforce' as const, mx: ['mx.example.org'], maxAge: 604800 };
  const text = formatStsPolicy(p);
  assert.equal(text, 'version: STSv1\r\nmode: enforce\r\nmx: mx.example.org\r\nmax_age: 604800\r\n');
  assert.deepEqual(parseStsPolicy(text), { ok: true, policy: p });
  const id = policyId(text);
  assert.match(id, /^[0-9a-f]{20}$/);
  assert.ok(parseStsRecord(`v=STSv1; id=${id}`).ok);
  assert.notEqual(policyId(formatStsPolicy({ ...p, mode: 'testing' })), id);
});

test('MX host matching (RFC 8461 §4.1)', () => {
  const cases: Array<[string, string, boolean, string]> = [
    ['mail.example.com', 'mail.example.com', true, 'exact'],
    ['mail.example.com', 'MAIL.Example.com.', true, 'case-insensitive, trailing dot'],
    ['mail.example.com', 'mail2.example.com', false, 'another host'],
    ['*.example.net', 'mx1.example.net', true, '§4.1: the wildcard matches the left-most label'],
    ['*.example.net', 'example.net', false, '§4.1: not the domain itself'],
    ['*.example.net', 'foo.bar.example.net', false, '§4.1: not two labels'],
    ['*.example.net', 'mx.badexample.net', false, 'suffix must start at a label boundary'],
    ['example.net', 'mx.example.net', false, 'no implicit subdomains'],
  ];
  for (const [pattern, host, expect, why] of cases) assert.equal(mxMatches(pattern, host), expect, `${pattern} vs ${host}: ${why}`);
  assert.equal(mxAllowed(['a.test', '*.b.test'], 'mx.b.test'), true);
  assert.equal(mxAllowed(['a.test', '*.b.test'], 'mx.c.test'), false);
  assert.equal(mxAllowed([], 'a.test'), false);
});
