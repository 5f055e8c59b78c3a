// The zone backend (RFC 1034 §4.3.2 lookup, RFC 2308 negative answers, RFC 8020 empty
// non-terminals), the JSON zone form, the MockResolver, the mailauth adapter and name helpers.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { backendFor, createResolver } from './index.ts';
import { MockResolver } from './mock.ts';
import { ipFromReverseName, normalizeName, reverseName } from './names.ts';
import { toMailauthResolver, type DnsLikeError } from './resolver.ts';
import { loadZoneFile, parseZone, zoneResolver, type Zone } from './zone.ts';
import { parseJsonZone, splitCharacterStrings } from './zonejson.ts';

const JSON_ZONE = {
  records: [
    { name: 'example.test', type: 'MX', ttl: 300, data: { preference: 10, exchange: 'mx.example.test' } },
    { name: 'mx.example.test.', type: 'A', data: '192.0.2.25' },
    { name: 'mx.example.test', type: 'AAAA', data: '2001:DB8::25' },
    { name: 'example.test', type: 'TXT', ttl: 60, data: 'v=spf1 mx -all' },
    { name: 'sel._domainkey.example.test', type: 'TXT', data: ['v=DKIM1; p=', 'abc'] },
    { name: 'www.example.test', type: 'CNAME', data: 'mx.example.test' },
    { name: '_25._tcp.mx.example.test', type: 'TLSA', data: { usage: 3, selector: 1, matchingType: 1, certificate: 'AB CD' } },
    { name: '25.2.0.192.in-addr.arpa', type: 'PTR', data: 'mx.example.test' },
    { name: 'example.test', type: 'SOA', ttl: 3600, data: { mname: 'ns1.example.test', rname: 'hostmaster.example.test', serial: 1, refresh: 3600, retry: 600, expire: 86400, minimum: 120 } },
  ],
};

function jsonZone(): Zone {
  const result = parseZone(JSON.stringify(JSON_ZONE));
  assert.ok(result.ok, result.ok ? '' : result.error.message);
  return result.zone;
}

test('JSON zone form: records, defaults, apexes', () => {
  const zone = jsonZone();
  // SOA owner example.test is an apex; the reverse name gets an implicit one.
  assert.deepEqual([...zone.apexes].sort(), ['example.test', 'in-addr.arpa']);
  const a = zone.records().find((r) => r.type === 'A');
  assert.equal(a?.ttl, 3600); // default TTL
  assert.equal(zone.records().find((r) => r.type === 'AAAA')?.data, '2001:db8::25');
});

test('JSON zone form: bad input names the record', () => {
  const cases: [unknown, RegExp][] = [
    ['{', /invalid JSON/],
    [{}, /records/],
    [{ records: [{ name: 'a.test', type: 'SRV', data: {} }] }, /unsupported type/],
    [{ records: [{ name: 'a.test', type: 'A', data: '1.2.3' }] }, /IPv4/],
    [{ records: [{ name: 'a.test', type: 'A', ttl: -1, data: '192.0.2.1' }] }, /TTL/],
    [{ records: [{ name: 'a.test', type: 'MX', data: { preference: 10 } }] }, /exchange/],
    [{ records: [{ name: 'a.test', type: 'TLSA', data: { usage: 3, selector: 1, matchingType: 1, certificate: 'xyz' } }] }, /hex/],
    [{ records: [{ name: 'a..test', type: 'A', data: '192.0.2.1' }] }, /invalid name/],
    [{ zones: 'a.test', records: [] }, /zones/],
  ];
  for (const [input, pattern] of cases) {
    const result = parseJsonZone(typeof input === 'string' ? input : JSON.stringify(input));
    assert.equal(result.ok, false, JSON.stringify(input));
    if (!result.ok) assert.match(result.error.message, pattern);
  }
  const second = parseJsonZone({ records: [{ name: 'a.test', type: 'A', data: '192.0.2.1' }, { name: 'a.test', type: 'A', data: 'x' }] });
  assert.equal(second.ok ? undefined : second.error.record, 1);
});

test('long TXT strings are split into 255-octet chunks without cutting UTF-8', () => {
  const chunks = splitCharacterStrings('é'.repeat(200)); // 400 octets
  assert.deepEqual(chunks.map((c) => Buffer.byteLength(c)), [254, 146]);
  assert.equal(chunks.join(''), 'é'.repeat(200));
});

test('zone backend: answers, CNAME following, NXDOMAIN vs NODATA', async () => {
  const r = zoneResolver(jsonZone());
  assert.deepEqual(await r.mx('Example.TEST.'), { status: 'ok', ttl: 300, records: [{ priority: 10, exchange: 'mx.example.test' }] });
  assert.deepEqual(await r.txt('example.test'), { status: 'ok', ttl: 60, records: [{ chunks: ['v=spf1 mx -all'], text: 'v=spf1 mx -all' }] });
  assert.deepEqual(await r.txt('sel._domainkey.example.test'), {
    status: 'ok',
    ttl: 3600,
    records: [{ chunks: ['v=DKIM1; p=', 'abc'], text: 'v=DKIM1; p=abc' }],
  });
  // RFC 1034 §4.3.2 step 3a: follow the CNAME
  assert.deepEqual(await r.a('www.example.test'), { status: 'ok', ttl: 3600, records: ['192.0.2.25'] });
  assert.deepEqual(await r.aaaa('mx.example.test'), { status: 'ok', ttl: 3600, records: ['2001:db8::25'] });
  const tlsa = await r.tlsa('_25._tcp.mx.example.test');
  assert.equal(tlsa.status, 'ok');
  if (tlsa.status === 'ok') assert.deepEqual([...(tlsa.records[0]?.data ?? [])], [0xab, 0xcd]);
  assert.deepEqual(await r.ptr('192.0.2.25'), { status: 'ok', ttl: 3600, records: ['mx.example.test'] });
  // RFC 2308 §5: negative TTL = min(SOA TTL, MINIMUM)
  assert.deepEqual(await r.a('nope.example.test'), { status: 'nxdomain', ttl: 120 });
  assert.deepEqual(await r.a('example.test'), { status: 'nodata', ttl: 120 });
  // RFC 8020: an empty non-terminal exists
  assert.deepEqual(await r.txt('_domainkey.example.test'), { status: 'nodata', ttl: 120 });
  assert.equal((await r.txt('x.sel._domainkey.example.test')).status, 'nxdomain');
  // A name that cannot exist (RFC 1035 §2.3.4) is NXDOMAIN without a lookup
  assert.deepEqual(await r.a(`${'a'.repeat(64)}.example.test`), { status: 'nxdomain' });
  assert.deepEqual(await r.ptr('not-an-ip'), { status: 'nxdomain' });
});

test('loadZoneFile and createResolver with a zone file', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'mailwarden-dns-'));
  try {
    const master = join(dir, 'lab.zone');
    await writeFile(master, '$ORIGIN lab.test.\n$TTL 60\n@ MX 0 .\n');
    const json = join(dir, 'lab.json');
    await writeFile(json, JSON.stringify(JSON_ZONE));
    const broken = join(dir, 'broken.zone');
    await writeFile(broken, '$ORIGIN lab.test.\n$TTL 60\n@ MX 0\n');

    assert.ok((await loadZoneFile(json)).ok);
    const r = await createResolver({ zoneFile: master, cache: false });
    // RFC 7505: the null MX comes back as exchange '' for delivery/ to recognise
    assert.deepEqual(await r.mx('lab.test'), { status: 'ok', ttl: 60, records: [{ priority: 0, exchange: '' }] });
    await assert.rejects(createResolver({ zoneFile: broken }), /broken\.zone:3: MX needs 2/);
    assert.equal(backendFor({ zoneFile: master, servers: ['127.0.0.1'] }), 'zone');
    assert.equal(backendFor({ servers: ['127.0.0.1'] }), 'upstream');
    assert.equal(backendFor({ servers: [] }), 'system');
    await assert.rejects(createResolver({ servers: ['dns.example'] }), /invalid DNS server/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('MockResolver: plain-object data, query log, temperror injection', async () => {
  const dns = new MockResolver({
    'example.test': { MX: [{ priority: 10, exchange: 'mx.example.test' }], TXT: ['v=spf1 mx -all'] },
    'mx.example.test': { A: ['192.0.2.25'], AAAA: ['2001:DB8::25'] },
    'sel._domainkey.example.test': { TXT: [['v=DKIM1; ', 'p=abc'], 'x'.repeat(300)] },
    'alias.example.test': { CNAME: 'mx.example.test' },
    '192.0.2.25': { PTR: ['mx.example.test'] },
    '_25._tcp.mx.example.test': { TLSA: [{ usage: 3, selector: 1, matchingType: 1, data: new Uint8Array([1, 2]) }] },
    'broken.test': { temperror: true },
    'slow.test': { A: ['192.0.2.9'], temperror: ['TXT'] },
  });
  assert.deepEqual(await dns.mx('example.test'), { status: 'ok', ttl: 300, records: [{ priority: 10, exchange: 'mx.example.test' }] });
  const dkim = await dns.txt('sel._domainkey.example.test');
  assert.equal(dkim.status, 'ok');
  if (dkim.status === 'ok') {
    assert.equal(dkim.records[0]?.text, 'v=DKIM1; p=abc');
    assert.deepEqual(dkim.records[1]?.chunks.map((c) => c.length), [255, 45]);
  }
  assert.deepEqual(await dns.aaaa('mx.example.test'), { status: 'ok', ttl: 300, records: ['2001:db8::25'] });
  assert.deepEqual(await dns.a('alias.example.test'), { status: 'ok', ttl: 300, records: ['192.0.2.25'] });
  assert.deepEqual(await dns.ptr('192.0.2.25'), { status: 'ok', ttl: 300, records: ['mx.example.test'] });
  assert.equal((await dns.tlsa('_25._tcp.mx.example.test')).status, 'ok');
  assert.equal((await dns.a('nowhere.test')).status, 'nxdomain');
  assert.equal((await dns.a('example.test')).status, 'nodata');
  assert.equal((await dns.mx('broken.test')).status, 'temperror');
  assert.equal((await dns.a('slow.test')).status, 'ok');
  assert.equal((await dns.txt('slow.test')).status, 'temperror');
  assert.deepEqual(dns.queries.slice(0, 2), [
    { type: 'MX', name: 'example.test' },
    { type: 'TXT', name: 'sel._domainkey.example.test' },
  ]);
  assert.equal(dns.queries.length, 11);
  assert.throws(() => new MockResolver({ 'a.test': { A: ['999.1.1.1'] } }), /IPv4/);
});

test('toMailauthResolver: node:dns-shaped results and error codes', async () => {
  const resolve = toMailauthResolver(
    new MockResolver({
      'example.test': { MX: [{ priority: 10, exchange: 'mx.example.test' }], TXT: [['v=spf1 ', '-all']], A: ['192.0.2.1'] },
      '192.0.2.1': { PTR: ['example.test'] },
      '_25._tcp.example.test': { TLSA: [{ usage: 3, selector: 1, matchingType: 1, data: 'abcd' }] },
      'down.test': { temperror: true },
    }),
  );
  assert.deepEqual(await resolve('example.test', 'MX'), [{ priority: 10, exchange: 'mx.example.test' }]);
  assert.deepEqual(await resolve('example.test', 'TXT'), [['v=spf1 ', '-all']]);
  assert.deepEqual(await resolve('example.test', 'A'), ['192.0.2.1']);
  assert.deepEqual(await resolve('1.2.0.192.in-addr.arpa', 'PTR'), ['example.test']);
  const [tlsa] = (await resolve('_25._tcp.example.test', 'TLSA')) as { certUsage: number; data: ArrayBuffer }[];
  assert.equal(tlsa?.certUsage, 3);
  assert.deepEqual([...new Uint8Array(tlsa?.data ?? new ArrayBuffer(0))], [0xab, 0xcd]);
  const code = async (name: string, type: string) =>
    resolve(name, type).then(
      () => 'resolved',
      (err: DnsLikeError) => err.code,
    );
  assert.equal(await code('nowhere.test', 'TXT'), 'ENOTFOUND');
  assert.equal(await code('example.test', 'AAAA'), 'ENODATA');
  assert.equal(await code('down.test', 'TXT'), 'ESERVFAIL');
  assert.equal(await code('example.test', 'SRV'), 'ENOTIMP');
});

test('name helpers: canonical form, reverse names (RFC 1035 §3.5, RFC 3596 §2.5)', () => {
  assert.equal(normalizeName('Example.TEST.'), 'example.test');
  assert.equal(normalizeName('.'), '');
  assert.equal(normalizeName('bücher.test'), 'xn--bcher-kva.test');
  assert.equal(normalizeName('a..b'), undefined);
  assert.equal(normalizeName(`${'a.'.repeat(127)}ab`), undefined); // 255 characters
  assert.equal(reverseName('192.0.2.25'), '25.2.0.192.in-addr.arpa');
  assert.equal(reverseName('2001:db8::567:89ab'), 'b.a.9.8.7.6.5.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa');
  assert.equal(ipFromReverseName('b.a.9.8.7.6.5.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa.'), '2001:db8::567:89ab');
  assert.equal(ipFromReverseName('25.2.0.192.in-addr.arpa'), '192.0.2.25');
  assert.equal(ipFromReverseName('2.0.192.in-addr.arpa'), undefined);
  assert.equal(reverseName('::1'), `1${'.0'.repeat(31)}.ip6.arpa`);
  assert.equal(ipFromReverseName(`1${'.0'.repeat(31)}.ip6.arpa`), '::1');
  assert.equal(reverseName('example.test'), undefined);
});
