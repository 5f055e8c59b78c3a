import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parsePathArgument, routingTrick, normalizeAddress, normalizeDomain } from './address.ts';

// RFC 5321 §4.1.2 paths: [argument, utf8, expected canonical "local@domain" or "<>", params]
const good: Array<[string, boolean, string, string]> = [
  ['<alice@example.test>', false, 'alice@example.test', ''],
  ['<Alice@EXAMPLE.test>', false, 'Alice@example.test', ''],
  ['<>', false, '<>', ''],
  ['<> SIZE=100', false, '<>', 'SIZE=100'],
  [' alice@example.test', false, 'alice@example.test', ''], // hand-typed, no brackets (§4.1.2 is stricter; we are lenient)
  ['alice@example.test SIZE=5', false, 'alice@example.test', 'SIZE=5'],
  ['<"john doe"@example.test>', false, 'john doe@example.test', ''], // Quoted-string
  ['<"a\\"b"@example.test>', false, 'a"b@example.test', ''], // quoted-pairSMTP
  ['<@hosta.test,@hostb.test:user@example.test>', false, 'user@example.test', ''], // A-d-l source route, ignored (§C)
  ['<a.b-c+d@sub.example.test>', false, 'a.b-c+d@sub.example.test', ''],
  ['<user@[192.0.2.1]>', false, 'user@[192.0.2.1]', ''], // address literal §4.1.3
  ['<jörg@bücher.test> SMTPUTF8', true, 'jörg@xn--bcher-kva.test', 'SMTPUTF8'], // RFC 6531
];
for (const [arg, utf8, expected, params] of good) {
  test(`parses ${arg}`, () => {
    const r = parsePathArgument(arg, utf8);
    assert.ok(!('error' in r), JSON.stringify(r));
    if ('error' in r) return;
    assert.equal(r.path.kind === 'null' ? '<>' : `${r.path.address.local}@${r.path.address.domain}`, expected);
    assert.equal(r.params, params);
  });
}

// bad: [argument, why]
const bad: Array<[string, string]> = [
  ['<alice@example.test', 'no closing ">"'],
  ['<alice>', 'no domain'],
  ['<@example.test>', 'empty local part'],
  ['<a..b@example.test>', 'empty atom in Dot-string'],
  ['<a b@example.test>', 'space outside quotes'],
  ['<alice@-bad.test>', 'label starts with "-"'],
  ['<alice@example.test.>', 'trailing dot'],
  ['<jörg@example.test>', 'UTF-8 without SMTPUTF8'],
  [`<${'a'.repeat(65)}@example.test>`, 'local part over 64 octets (§4.5.3.1.1)'],
  ['<alice@example.test>junk', 'junk after ">"'],
  ['<"unterminated@example.test>', 'unterminated quoted string'],
];
for (const [arg, why] of bad) {
  test(`refuses ${arg} (${why})`, () => {
    const r = parsePathArgument(arg, false);
    assert.ok('error' in r, `accepted ${arg}`);
  });
}

test('routing tricks are recognised (RFC 2505 §2.6-2.7)', () => {
  const trick = (arg: string) => {
    const r = parsePathArgument(arg);
    if ('error' in r || r.path.kind === 'null') throw new Error('parse');
    return routingTrick(r.path.address);
  };
  assert.match(trick('<a%b.test@example.test>')!, /%-hack/);
  assert.match(trick('<b.test!a@example.test>')!, /!-path/);
  assert.match(trick('<"a@b.test"@example.test>')!, /quoted local part/);
  assert.match(trick('<a@[192.0.2.1]>')!, /address literal/);
  assert.equal(trick('<a@example.test>'), null);
});

test('normalizeAddress/normalizeDomain for CLI input', () => {
  assert.equal(normalizeAddress(' Alice@Example.ORG '), 'alice@example.org');
  assert.ok(typeof normalizeAddress('"a@b"@example.org') !== 'string');
  assert.equal(normalizeDomain('Bücher.Example.'), 'xn--bcher-kva.example');
  assert.ok(typeof normalizeDomain('localhost') !== 'string', 'a domain must be fully qualified');
});
