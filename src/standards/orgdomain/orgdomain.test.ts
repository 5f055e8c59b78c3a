/**
 * The Public Suffix List's own test vectors (shared/conformance/dmarc/test_psl.txt, CC0): every
 * active `checkPublicSuffix(input, expected)` line, expected = the registrable domain = the
 * RFC 7489 §3.2 Organizational Domain, `null` = none.
 */
import { readFileSync } from 'node:fs';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { organizationalDomain, sameOrganizationalDomain } from './orgdomain.ts';

const VECTORS = new URL('../../../../shared/conformance/dmarc/test_psl.txt', import.meta.url);
const LINE = /^checkPublicSuffix\((null|'[^']*'), (null|'[^']*')\);$/;
const unquote = (s: string) => (s === 'null' ? null : s.slice(1, -1));

test('PSL test vectors (test_psl.txt): all pass', (t) => {
  const lines = readFileSync(VECTORS, 'utf8').split('\n').filter((l) => l.startsWith('checkPublicSuffix('));
  assert.equal(lines.length, 78, 'the file has 78 active vectors');
  const failures: string[] = [];
  for (const line of lines) {
    const m = LINE.exec(line);
    assert.ok(m, `unparsed vector ${line}`);
    const input = unquote(m[1]!);
    const expected = unquote(m[2]!);
    const got = input === null ? null : (organizationalDomain(input) ?? null);
    if (got !== expected) failures.push(`${input} → ${got}, expected ${expected}`);
  }
  t.diagnostic(`PSL test_psl.txt: ${lines.length - failures.length}/${lines.length} pass`);
  for (const f of failures) t.diagnostic(`  ${f}`);
  assert.deepEqual(failures, []);
});

test('relaxed alignment helper and odd inputs', () => {
  assert.equal(sameOrganizationalDomain('mail.example.com', 'EXAMPLE.com.'), true);
  assert.equal(sameOrganizationalDomain('a.example.co.uk', 'b.example.co.uk'), true);
  assert.equal(sameOrganizationalDomain('example.co.uk', 'other.co.uk'), false);
  assert.equal(sameOrganizationalDomain('co.uk', 'co.uk'), false, 'a public suffix has no organizational domain');
  assert.equal(organizationalDomain('192.0.2.1'), undefined);
  assert.equal(organizationalDomain('[192.0.2.1]'), undefined);
  assert.equal(organizationalDomain('a..example.com'), undefined);
  assert.equal(organizationalDomain(`${'a'.repeat(64)}.example.com`), undefined);
});
