// Master-file parser tables (RFC 1035 §5.1, RFC 2308 §4, RFC 3596 §2.4, RFC 6698 §2.2):
// good(input, expected records) and bad(input, line, why) — one case a line.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ZoneRecord } from './records.ts';
import { parseZone } from './zone.ts';
import { parseMasterFile, parseTtl } from './zonefile.ts';

const O = '$ORIGIN example.test.\n$TTL 300\n';
const rr = (name: string, type: ZoneRecord['type'], data: unknown, ttl = 300) => ({ name, type, ttl, data }) as ZoneRecord;

const good: [string, string, ZoneRecord[]][] = [
  ['A, relative owner', `${O}mx A 192.0.2.25`, [rr('mx.example.test', 'A', '192.0.2.25')]],
  ['@ is the origin', `${O}@ MX 10 mx`, [rr('example.test', 'MX', { preference: 10, exchange: 'mx.example.test' })]],
  ['absolute names stay', `${O}@ MX 10 mail.other.test.`, [rr('example.test', 'MX', { preference: 10, exchange: 'mail.other.test' })]],
  // RFC 7505 §3: null MX is preference 0, exchange "." (canonical '')
  ['null MX', `${O}@ MX 0 .`, [rr('example.test', 'MX', { preference: 0, exchange: '' })]],
  // RFC 1035 §5.1: blank owner = previous owner
  ['blank owner', `${O}mx A 192.0.2.1\n   A 192.0.2.2`, [rr('mx.example.test', 'A', '192.0.2.1'), rr('mx.example.test', 'A', '192.0.2.2')]],
  // RFC 1035 §5.1: [<TTL>] [<class>] or [<class>] [<TTL>]
  ['TTL then class', `${O}w 60 IN A 192.0.2.1`, [rr('w.example.test', 'A', '192.0.2.1', 60)]],
  ['class then TTL', `${O}w IN 60 A 192.0.2.1`, [rr('w.example.test', 'A', '192.0.2.1', 60)]],
  ['BIND TTL units', `${O}w 1h30m A 192.0.2.1`, [rr('w.example.test', 'A', '192.0.2.1', 5400)]],
  // RFC 1035 §5.1: no $TTL → last explicit TTL applies
  ['last explicit TTL', '$ORIGIN example.test.\na 60 A 192.0.2.1\nb A 192.0.2.2', [rr('a.example.test', 'A', '192.0.2.1', 60), rr('b.example.test', 'A', '192.0.2.2', 60)]],
  // RFC 2308 §4: $TTL wins over the last explicit TTL
  ['$TTL default', `${O}a 60 A 192.0.2.1\nb A 192.0.2.2`, [rr('a.example.test', 'A', '192.0.2.1', 60), rr('b.example.test', 'A', '192.0.2.2')]],
  ['case folded (RFC 4343)', `${O}MX.Example.TEST. in a 192.0.2.1`, [rr('mx.example.test', 'A', '192.0.2.1')]],
  ['AAAA canonical (RFC 5952)', `${O}v6 AAAA 2001:DB8:0:0::1`, [rr('v6.example.test', 'AAAA', '2001:db8::1')]],
  ['TXT chunks, quotes, ;', `${O}@ TXT "v=spf1 -all" "a\\"b" "x;y" ; comment`, [rr('example.test', 'TXT', ['v=spf1 -all', 'a"b', 'x;y'])]],
  ['TXT unquoted', `${O}@ TXT hello`, [rr('example.test', 'TXT', ['hello'])]],
  ['TXT \\DDD escape', `${O}@ TXT "a\\059b"`, [rr('example.test', 'TXT', ['a;b'])]],
  ['TXT over lines', `${O}k._domainkey TXT ( "v=DKIM1; "\n  "p=abc" )`, [rr('k._domainkey.example.test', 'TXT', ['v=DKIM1; ', 'p=abc'])]],
  ['CNAME', `${O}www CNAME @`, [rr('www.example.test', 'CNAME', 'example.test')]],
  ['NS', `${O}@ NS ns1`, [rr('example.test', 'NS', 'ns1.example.test')]],
  // RFC 6698 §2.2: hex may be split by white space
  ['TLSA split hex', `${O}_25._tcp.mx TLSA 3 1 1 ( ABCD\n ef01 )`, [rr('_25._tcp.mx.example.test', 'TLSA', { usage: 3, selector: 1, matchingType: 1, certificate: 'abcdef01' })]],
  ['PTR, reverse origin', '$ORIGIN 2.0.192.in-addr.arpa.\n$TTL 300\n25 PTR mx.example.test.', [rr('25.2.0.192.in-addr.arpa', 'PTR', 'mx.example.test')]],
  ['$ORIGIN relative to origin', `${O}$ORIGIN sub\nx A 192.0.2.1`, [rr('x.sub.example.test', 'A', '192.0.2.1')]],
  ['CRLF, blank and comment lines', `${O}\r\n; only a comment\r\n\r\nmx A 192.0.2.1\r\n`, [rr('mx.example.test', 'A', '192.0.2.1')]],
  // RFC 1035 §5.3-style SOA over several lines with comments inside the parentheses
  [
    'SOA with comments',
    `${O}@ IN SOA ns1 hostmaster (\n 20 ; SERIAL\n 7200 ; REFRESH\n 600 ; RETRY\n 3600000 ; EXPIRE\n 1h ) ; MINIMUM`,
    [rr('example.test', 'SOA', { mname: 'ns1.example.test', rname: 'hostmaster.example.test', serial: 20, refresh: 7200, retry: 600, expire: 3600000, minimum: 3600 })],
  ],
];

const bad: [string, number | undefined, RegExp][] = [
  ['mx A 192.0.2.1', 1, /relative name/], // no $ORIGIN
  ['$ORIGIN example.test.\nmx A 192.0.2.1', 2, /no TTL/], // no TTL anywhere
  ['@ A 192.0.2.1', 1, /@/], // "@" before $ORIGIN
  [`${O}mx A ( 192.0.2.1`, 3, /unbalanced "\("/], // missing ")"
  [`${O}mx A 192.0.2.1 )`, 3, /unbalanced "\)"/], // stray ")"
  [`${O}@ TXT "abc\n`, 3, /unterminated/], // quotes do not span lines
  [`${O}@ SRV 0 0 25 mx`, 3, /unsupported record type/], // only the types mail needs
  [`${O}@ CH TXT "x"`, 3, /class CH/], // IN only
  [`${O}mx A 300.1.1.1`, 3, /IPv4/],
  [`${O}mx AAAA 2001:db8::g`, 3, /IPv6/],
  [`${O}mx A 192.0.2.1 192.0.2.2`, 3, /A needs 1/], // one address per record
  [`${O}@ MX 70000 mx`, 3, /MX preference/], // 16 bits (RFC 1035 §3.3.9)
  [`${O}@ MX 10`, 3, /MX needs 2/],
  [`${O}@ TXT "${'x'.repeat(256)}"`, 3, /255/], // <character-string> ≤ 255 (RFC 1035 §3.3)
  [`${O}@ TXT`, 3, /TXT needs/],
  [`${O}t TLSA 3 1 1 abc`, 3, /hex/], // odd number of hex digits
  [`${O}t TLSA 256 1 1 ab`, 3, /usage/], // 8 bits (RFC 6698 §2.1.1)
  [`${O}t TLSA 3 1 1`, 3, /TLSA needs 4/],
  [`${O}@ SOA ns1 hostmaster 1 2 3 4`, 3, /SOA needs 7/],
  [`${O}$INCLUDE other.zone`, 3, /unsupported directive/], // zones are self-contained
  [`${O}$FOO bar`, 3, /unsupported directive/],
  [`${O}  A 192.0.2.1`, 3, /blank owner/], // nothing to continue
  [`${O}${'a'.repeat(64)} A 192.0.2.1`, 3, /too long/], // label ≤ 63 (RFC 1035 §2.3.4)
  [`${O}* A 192.0.2.1`, 3, /invalid domain name/], // wildcards not supported
  [`${O}a\\.b A 192.0.2.1`, 3, /escaped/], // escapes in names not supported
  [`${O}@ TXT "\\200"`, 3, /above 127/],
  [`${O}$TTL forever`, 3, /\$TTL/],
];

test('master file: good cases', () => {
  for (const [why, input, expected] of good) {
    const result = parseMasterFile(input);
    assert.ok(result.ok, `${why}: ${result.ok ? '' : result.error.message}`);
    assert.deepEqual(result.records, expected, why);
  }
});

test('master file: bad cases name the line', () => {
  for (const [input, line, pattern] of bad) {
    const result = parseMasterFile(input);
    assert.equal(result.ok, false, `should fail: ${input}`);
    if (result.ok) continue;
    assert.match(result.error.message, pattern, input);
    assert.equal(result.error.line, line, `${input}: ${result.error.message}`);
  }
});

test('master file: initial origin from options', () => {
  const result = parseMasterFile('$TTL 60\nmx A 192.0.2.1', { origin: 'example.test' });
  assert.ok(result.ok);
  assert.deepEqual(result.records, [rr('mx.example.test', 'A', '192.0.2.1', 60)]);
  assert.equal(result.origin, 'example.test');
});

test('TTL syntax (RFC 2181 §8 range, BIND units)', () => {
  assert.equal(parseTtl('0'), 0);
  assert.equal(parseTtl('1w'), 604800);
  assert.equal(parseTtl('1D2h'), 93600);
  assert.equal(parseTtl('2147483647'), 2147483647);
  assert.equal(parseTtl('2147483648'), undefined);
  assert.equal(parseTtl('1y'), undefined);
  assert.equal(parseTtl('-1'), undefined);
});

test('zone checks after parsing: CNAME exclusivity and loops', () => {
  // RFC 2181 §10.1: a CNAME owner has no other data
  const both = parseZone(`${O}www CNAME @\nwww A 192.0.2.1`);
  assert.equal(both.ok, false);
  assert.match(both.ok ? '' : both.error.message, /CNAME and other records/);
  const loop = parseZone(`${O}a CNAME b\nb CNAME a`);
  assert.equal(loop.ok, false);
  assert.match(loop.ok ? '' : loop.error.message, /loops/);
  // RFC 2181 §5: identical records collapse into one
  const dup = parseZone(`${O}a A 192.0.2.1\na A 192.0.2.1`);
  assert.ok(dup.ok);
  assert.equal(dup.zone.records().filter((r) => r.type === 'A').length, 1);
});
