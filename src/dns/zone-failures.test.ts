// What SPF needs a lab zone to say (issue 5): every record type check_host() looks at (TXT, SPF,
// A, AAAA, MX, PTR, CNAME) and a name whose queries fail (SERVFAIL, timeout), in both zone forms,
// through the zone backend, the mailauth adapter and the lab DNS server on 127.0.0.1.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createSocket } from 'node:dgram';
import dnsPacket from 'dns-packet';
import { toMailauthResolver, type DnsLikeError } from './resolver.ts';
import { parseZone, zoneResolver, type Zone } from './zone.ts';
import { parseMasterFile } from './zonefile.ts';
import { parseJsonZone } from './zonejson.ts';
import { startDnsServer, type DnsServer } from './server.ts';
import { upstreamLookup, upstreamResolver } from './upstream.ts';

const MASTER = `
$ORIGIN example.test.
$TTL 300
@          TXT   "v=spf1 a mx ptr include:other.test -all"
@          SPF   "v=spf1 -all"
@          A     192.0.2.1
@          AAAA  2001:db8::1
@          MX    10 mx
mx         A     192.0.2.25
alias      CNAME example.test.
broken     SERVFAIL                 ; every query: server failure
slow       TIMEOUT TXT MX           ; only TXT and MX time out
           A     192.0.2.9
to-broken  CNAME broken
$ORIGIN 2.0.192.in-addr.arpa.
1          PTR   example.test.
`;

function zoneOf(text: string): Zone {
  const r = parseZone(text);
  assert.ok(r.ok, r.ok ? '' : r.error.message);
  return r.zone;
}

test('master file: SPF is written like TXT; SERVFAIL / TIMEOUT rules need no TTL and may list types', () => {
  const r = parseMasterFile(MASTER);
  assert.ok(r.ok, r.ok ? '' : r.error.message);
  assert.deepEqual(r.records.find((x) => x.type === 'SPF'), { name: 'example.test', type: 'SPF', ttl: 300, data: ['v=spf1 -all'] });
  assert.deepEqual(r.failures, [
    { name: 'broken.example.test', kind: 'servfail', types: null },
    { name: 'slow.example.test', kind: 'timeout', types: ['TXT', 'MX'] },
  ]);
  // a blank owner after a rule means the rule's owner
  assert.ok(r.records.some((x) => x.name === 'slow.example.test' && x.type === 'A'));
  // no $TTL at all: a rule alone is fine, a record is not
  const noTtl = parseMasterFile('x.test. SERVFAIL\n');
  assert.ok(noTtl.ok && noTtl.failures.length === 1);
  const bad = parseMasterFile('$TTL 60\nx.test. TIMEOUT BOGUS\n');
  assert.ok(!bad.ok && /TIMEOUT lists record types, not BOGUS/.test(bad.error.message) && bad.error.line === 2);
  const badSpf = parseMasterFile('$TTL 60\nx.test. SPF\n');
  assert.ok(!badSpf.ok && /SPF needs at least one string/.test(badSpf.error.message));
});

test('JSON form: SPF data like TXT, failure rules with an optional list of types', () => {
  const r = parseJsonZone({
    records: [
      { name: 'example.test', type: 'SPF', data: 'v=spf1 -all' },
      { name: 'broken.example.test', type: 'SERVFAIL' },
      { name: 'slow.example.test', type: 'timeout', data: ['txt'] },
    ],
  });
  assert.ok(r.ok, r.ok ? '' : r.error.message);
  assert.deepEqual(r.records, [{ name: 'example.test', type: 'SPF', ttl: 3600, data: ['v=spf1 -all'] }]);
  assert.deepEqual(r.failures, [
    { name: 'broken.example.test', kind: 'servfail', types: null },
    { name: 'slow.example.test', kind: 'timeout', types: ['TXT'] },
  ]);
  const bad = parseJsonZone({ records: [{ name: 'x.test', type: 'SERVFAIL', data: 'TXT' }] });
  assert.ok(!bad.ok && bad.error.record === 0);
});

test('zone backend: every type SPF asks for; failure rules are temperror, named by kind, also behind a CNAME', async () => {
  const zone = zoneOf(MASTER);
  const r = zoneResolver(zone);
  assert.deepEqual(await r.txt('example.test'), { status: 'ok', ttl: 300, records: [{ chunks: ['v=spf1 a mx ptr include:other.test -all'], text: 'v=spf1 a mx ptr include:other.test -all' }] });
  assert.deepEqual(await r.a('alias.example.test'), { status: 'ok', ttl: 300, records: ['192.0.2.1'] });
  assert.deepEqual(await r.aaaa('example.test'), { status: 'ok', ttl: 300, records: ['2001:db8::1'] });
  assert.deepEqual(await r.mx('example.test'), { status: 'ok', ttl: 300, records: [{ priority: 10, exchange: 'mx.example.test' }] });
  assert.deepEqual(await r.ptr('192.0.2.1'), { status: 'ok', ttl: 300, records: ['example.test'] });
  // RFC 7208 §3.1: the SPF type is never what the port's txt() returns
  assert.equal(zone.lookup('example.test', 'SPF').kind, 'answer');

  const broken = await r.a('broken.example.test');
  assert.deepEqual(broken, { status: 'temperror', reason: 'SERVFAIL (zone file SERVFAIL rule for broken.example.test)' });
  assert.equal((await r.txt('to-broken.example.test')).status, 'temperror', 'a CNAME into a failing name fails');
  assert.deepEqual(await r.txt('slow.example.test'), { status: 'temperror', reason: 'timeout (zone file TIMEOUT rule for slow.example.test)' });
  assert.equal((await r.mx('slow.example.test')).status, 'temperror');
  assert.deepEqual(await r.a('slow.example.test'), { status: 'ok', ttl: 300, records: ['192.0.2.9'] }, 'types not listed answer normally');
  assert.equal((await r.txt('nothing.example.test')).status, 'nxdomain');

  // mailauth sees what node:dns would throw: ETIMEOUT for a timeout, ESERVFAIL for a server failure
  const m = toMailauthResolver(r);
  await assert.rejects(m('slow.example.test', 'TXT'), (e: DnsLikeError) => e.code === 'ETIMEOUT');
  await assert.rejects(m('broken.example.test', 'TXT'), (e: DnsLikeError) => e.code === 'ESERVFAIL');
  assert.deepEqual(await m('example.test', 'TXT'), [['v=spf1 a mx ptr include:other.test -all']]);
});

let server: DnsServer;
let port: number;
before(async () => {
  server = await startDnsServer({ zone: zoneOf(MASTER), listen: [{ host: '127.0.0.1', port: 0 }] });
  port = server.addresses[0]!.port;
});
after(() => server.close());

function udpAsk(name: string, type: string, waitMs = 500): Promise<dnsPacket.DecodedPacket | undefined> {
  return new Promise((resolve) => {
    const socket = createSocket('udp4');
    const timer = setTimeout(() => {
      socket.close();
      resolve(undefined);
    }, waitMs);
    socket.on('message', (msg) => {
      clearTimeout(timer);
      socket.close();
      resolve(dnsPacket.decode(msg));
    });
    socket.send(dnsPacket.encode({ type: 'query', id: 7, flags: dnsPacket.RECURSION_DESIRED, questions: [{ name, type: type as dnsPacket.RecordType, class: 'IN' }] }), port, '127.0.0.1');
  });
}

test('lab DNS server: SERVFAIL rule answers RCODE 2, TIMEOUT rule answers nothing, SPF goes out as type 99', { timeout: 10_000 }, async () => {
  const sf = await udpAsk('broken.example.test', 'A');
  assert.ok(sf);
  assert.equal((sf.flags ?? 0) & 0xf, 2, 'SERVFAIL');
  assert.equal(await udpAsk('slow.example.test', 'TXT'), undefined, 'no reply: the client times out');
  const a = await udpAsk('slow.example.test', 'A');
  assert.deepEqual(a?.answers?.map((x) => ('data' in x ? x.data : null)), ['192.0.2.9']);

  // through our stub: both failures are temperror; the SPF record decodes back from the wire
  const up = upstreamResolver({ servers: [`127.0.0.1:${port}`], timeoutMs: 300, tries: 1 });
  assert.equal((await up.a('broken.example.test')).status, 'temperror');
  assert.equal((await up.txt('slow.example.test')).status, 'temperror');
  assert.equal((await up.txt('example.test')).status, 'ok');
  const spf = await upstreamLookup({ servers: [`127.0.0.1:${port}`], timeoutMs: 1000, tries: 1 })('example.test', 'SPF');
  assert.deepEqual(spf, { status: 'ok', ttl: 300, records: [{ name: 'example.test', type: 'SPF', ttl: 300, data: ['v=spf1 -all'] }] });
});
