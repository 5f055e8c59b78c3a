// The lab DNS server end to end on 127.0.0.1: queried by the upstream backend (our stub), by
// the system backend (c-ares) and by raw packets for truncation (RFC 1035 §4.2.1, RFC 2181 §9,
// RFC 7766 §5) and malformed input (RFC 1035 §4.1.1).
import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import { createSocket } from 'node:dgram';
import { connect } from 'node:net';
import { after, before, test } from 'node:test';
import dnsPacket, { type DecodedPacket } from 'dns-packet';
import { createResolver } from './index.ts';
import { respond } from './responder.ts';
import { startDnsServer, type DnsServer } from './server.ts';
import { stubQuery } from './stub.ts';
import { systemResolver } from './system.ts';
import { upstreamResolver } from './upstream.ts';
import { parseZone, type Zone } from './zone.ts';

const TLSA_HEX = 'a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90';
const BIG = Array.from({ length: 8 }, (_, i) => `"${String.fromCharCode(97 + i).repeat(250)}"`).join(' '); // ~2 KB
const MEDIUM = Array.from({ length: 3 }, (_, i) => `"${String(i).repeat(200)}"`).join(' '); // > 512, < 1232

const ZONE = `
$ORIGIN example.test.
$TTL 300
@        SOA   ns1 hostmaster ( 1 3600 600 86400 60 )
@        NS    ns1
@        MX    10 mx
@        TXT   "v=spf1 mx -all"
mx       A     192.0.2.25
         AAAA  2001:db8::25
_25._tcp.mx TLSA 3 1 1 ${TLSA_HEX}
www      CNAME mx
away     CNAME mail.elsewhere.invalid.
big      TXT   ${BIG}
medium   TXT   ${MEDIUM}
$ORIGIN 2.0.192.in-addr.arpa.
25       PTR   mx.example.test.
`;

let zone: Zone;
let server: DnsServer;
let port: number;
const errors: Error[] = [];

before(async () => {
  const parsed = parseZone(ZONE);
  assert.ok(parsed.ok, parsed.ok ? '' : parsed.error.message);
  zone = parsed.zone;
  server = await startDnsServer({ zone, listen: [{ host: '127.0.0.1', port: 0 }], onError: (e) => errors.push(e) });
  port = server.addresses[0]?.port ?? 0;
  assert.ok(port > 0);
});

after(async () => {
  await server.close();
});

function query(name: string, type: dnsPacket.RecordType, opts: { edns?: number; id?: number } = {}): Buffer {
  return dnsPacket.encode({
    type: 'query',
    id: opts.id ?? 4242,
    flags: dnsPacket.RECURSION_DESIRED,
    questions: [{ name, type, class: 'IN' }],
    ...(opts.edns === undefined
      ? {}
      : { additionals: [{ type: 'OPT', name: '.', udpPayloadSize: opts.edns, extendedRcode: 0, ednsVersion: 0, flags: 0, flag_do: false, options: [] }] }),
  });
}

/** Send one datagram, wait at most `waitMs` for one reply. */
function udpAsk(message: Buffer, waitMs = 1000): Promise<Buffer | undefined> {
  return new Promise((resolve) => {
    const socket = createSocket('udp4');
    const timer = setTimeout(() => {
      socket.close();
      resolve(undefined);
    }, waitMs);
    socket.on('message', (msg) => {
      clearTimeout(timer);
      socket.close();
      resolve(msg);
    });
    socket.send(message, port, '127.0.0.1');
  });
}

/** Send length-prefixed messages on one TCP connection, collect `count` replies. */
function tcpAsk(messages: Buffer[], count: number): Promise<Buffer[]> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port });
    const replies: Buffer[] = [];
    let buf = Buffer.alloc(0);
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`only ${replies.length} of ${count} TCP replies`));
    }, 2000);
    socket.on('data', (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      while (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
        replies.push(buf.subarray(2, 2 + buf.readUInt16BE(0)));
        buf = buf.subarray(2 + buf.readUInt16BE(0));
      }
      if (replies.length >= count) {
        clearTimeout(timer);
        socket.end();
        resolve(replies);
      }
    });
    socket.on('error', reject);
    for (const m of messages) {
      const len = Buffer.alloc(2);
      len.writeUInt16BE(m.length);
      socket.write(Buffer.concat([len, m]));
    }
  });
}

const rcode = (p: DecodedPacket): number => (p.flags ?? 0) & 0xf;

test('upstream backend against the lab server: every type, NXDOMAIN, NODATA, REFUSED', { timeout: 10_000 }, async () => {
  const r = upstreamResolver({ servers: [`127.0.0.1:${port}`], timeoutMs: 1000, tries: 1 });
  assert.deepEqual(await r.mx('example.test'), { status: 'ok', ttl: 300, records: [{ priority: 10, exchange: 'mx.example.test' }] });
  assert.deepEqual(await r.a('mx.example.test'), { status: 'ok', ttl: 300, records: ['192.0.2.25'] });
  assert.deepEqual(await r.aaaa('mx.example.test'), { status: 'ok', ttl: 300, records: ['2001:db8::25'] });
  assert.deepEqual(await r.txt('example.test'), { status: 'ok', ttl: 300, records: [{ chunks: ['v=spf1 mx -all'], text: 'v=spf1 mx -all' }] });
  const tlsa = await r.tlsa('_25._tcp.mx.example.test');
  assert.equal(tlsa.status, 'ok');
  if (tlsa.status === 'ok') {
    assert.deepEqual(
      tlsa.records.map((t) => ({ ...t, data: Buffer.from(t.data).toString('hex') })),
      [{ usage: 3, selector: 1, matchingType: 1, data: TLSA_HEX }],
    );
  }
  assert.deepEqual(await r.ptr('192.0.2.25'), { status: 'ok', ttl: 300, records: ['mx.example.test'] });
  // CNAME chain in the answer section (RFC 1034 §4.3.2)
  assert.deepEqual(await r.a('WWW.example.test'), { status: 'ok', ttl: 300, records: ['192.0.2.25'] });
  // RFC 2308 §3/§5: SOA in authority, negative TTL = min(SOA TTL, MINIMUM) = 60
  assert.deepEqual(await r.a('nope.example.test'), { status: 'nxdomain', ttl: 60 });
  assert.deepEqual(await r.a('example.test'), { status: 'nodata', ttl: 60 });
  assert.equal((await r.mx('away.example.test')).status, 'nodata', 'chain leaves our zones: no records, NOERROR');
  const refused = await r.a('example.org');
  assert.equal(refused.status, 'temperror');
  assert.match(refused.status === 'temperror' ? refused.reason : '', /REFUSED/);
});

test('truncation: TC on UDP over 512 (or the EDNS size), full answer over TCP', { timeout: 10_000 }, async () => {
  // Without EDNS the 512-octet limit applies (RFC 1035 §4.2.1).
  const plain = dnsPacket.decode((await udpAsk(query('medium.example.test', 'TXT'))) as Buffer);
  assert.equal(plain.flag_tc, true);
  assert.equal(plain.answers?.length, 0, 'RFC 2181 §9: no partial RRsets');
  // With EDNS 1232 the same answer fits (RFC 6891 §6.2.3).
  const edns = dnsPacket.decode((await udpAsk(query('medium.example.test', 'TXT', { edns: 1232 }))) as Buffer);
  assert.equal(edns.flag_tc, false);
  assert.equal(edns.answers?.length, 1);
  // 2 KB does not fit 1232 either: the stub retries over TCP (RFC 7766 §5).
  const reply = await stubQuery('big.example.test', 'TXT', { servers: [{ host: '127.0.0.1', port }], timeoutMs: 1000, tries: 1 });
  assert.equal(reply.status, 'reply');
  if (reply.status === 'reply') assert.equal(reply.tcp, true);
  const r = upstreamResolver({ servers: [`127.0.0.1:${port}`], timeoutMs: 1000, tries: 1 });
  const big = await r.txt('big.example.test');
  assert.equal(big.status, 'ok');
  if (big.status === 'ok') {
    assert.equal(big.records[0]?.chunks.length, 8);
    assert.equal(big.records[0]?.text.length, 2000);
  }
  // And without EDNS at all, the 650-octet answer also comes back whole via TCP.
  const noEdns = upstreamResolver({ servers: [`127.0.0.1:${port}`], timeoutMs: 1000, tries: 1, ednsUdpSize: 0 });
  const medium = await noEdns.txt('medium.example.test');
  assert.equal(medium.status === 'ok' ? medium.records[0]?.text.length : 0, 600);
});

test('malformed and unusual packets do not crash the server', { timeout: 10_000 }, async () => {
  assert.equal(await udpAsk(Buffer.from([1, 2, 3]), 200), undefined, 'shorter than a header: dropped');
  // A header announcing one question that is not there: FORMERR echoing the ID.
  const header = Buffer.from([0xbe, 0xef, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0]);
  const formerr = (await udpAsk(header)) as Buffer;
  assert.equal(formerr.readUInt16BE(0), 0xbeef);
  assert.equal(formerr.readUInt16BE(2) & 0x800f, 0x8001, 'QR set, RCODE FORMERR');
  // A response is never answered (no reflection loops).
  const response = query('example.test', 'A');
  response.writeUInt16BE(response.readUInt16BE(2) | 0x8000, 2);
  assert.equal(await udpAsk(response, 200), undefined);
  // Opcode STATUS (2): NOTIMP.
  const status = query('example.test', 'A');
  status.writeUInt16BE(status.readUInt16BE(2) | (2 << 11), 2);
  assert.equal(((await udpAsk(status)) as Buffer).readUInt16BE(2) & 0xf, 4);
  // Two questions: FORMERR (RFC 9619).
  const two = dnsPacket.encode({ type: 'query', id: 7, questions: [{ name: 'a.example.test', type: 'A' }, { name: 'b.example.test', type: 'A' }] });
  assert.equal(((await udpAsk(two)) as Buffer).readUInt16BE(2) & 0xf, 1);
  // EDNS version 1: BADVERS (RFC 6891 §6.1.3).
  const v1 = dnsPacket.encode({
    type: 'query',
    id: 8,
    questions: [{ name: 'example.test', type: 'A' }],
    additionals: [{ type: 'OPT', name: '.', udpPayloadSize: 1232, extendedRcode: 0, ednsVersion: 1, flags: 0, flag_do: false, options: [] }],
  });
  const badvers = dnsPacket.decode((await udpAsk(v1)) as Buffer);
  assert.equal(badvers.additionals?.find((a) => a.type === 'OPT' && a.extendedRcode === 1)?.type, 'OPT');
  // Zone transfers are refused (RFC 5936 §2.2).
  assert.equal(rcode(dnsPacket.decode((await tcpAsk([query('example.test', 'AXFR')], 1))[0] as Buffer)), 5);
  // TCP: a garbage frame gets FORMERR, and the connection still answers the next query.
  const [bad, good] = await tcpAsk([Buffer.from([0, 1, 0, 0, 0, 9, 0, 0, 0, 0, 0, 0, 0xff]), query('mx.example.test', 'A')], 2);
  assert.equal((bad as Buffer).readUInt16BE(2) & 0xf, 1);
  assert.deepEqual(dnsPacket.decode(good as Buffer).answers?.map((a) => (a.type === 'A' ? a.data : a.type)), ['192.0.2.25']);
  // Random garbage over UDP, then the server still answers.
  for (let i = 0; i < 50; i++) await udpAsk(Buffer.from(Array.from({ length: 12 + i }, () => Math.floor(Math.random() * 256))), 20);
  const after = dnsPacket.decode((await udpAsk(query('mx.example.test', 'A'))) as Buffer);
  assert.deepEqual(after.answers?.map((a) => (a.type === 'A' ? a.data : a.type)), ['192.0.2.25']);
  assert.deepEqual(errors, []);
});

test('respond() never throws on mutated queries (fuzz)', () => {
  const seed = query('_25._tcp.mx.example.test', 'TLSA', { edns: 1232 });
  let state = 12345;
  const rand = (n: number) => {
    state = (state * 1103515245 + 12345) & 0x7fffffff;
    return state % n;
  };
  for (let i = 0; i < 5000; i++) {
    const m = Buffer.from(seed);
    for (let k = 0; k <= rand(4); k++) m[rand(m.length)] = rand(256);
    const cut = rand(3) === 0 ? m.subarray(0, rand(m.length)) : m;
    const reply = respond(zone, cut, rand(2) === 0 ? 'udp' : 'tcp');
    if (reply !== undefined) assert.ok(reply.length >= 12 && reply.length <= 65535);
  }
});

test('system backend (c-ares) against the lab server', { timeout: 10_000 }, async () => {
  const r = systemResolver({ servers: [`127.0.0.1:${port}`], timeoutMs: 1000, tries: 1, assumedTtl: 42 });
  assert.deepEqual(await r.mx('example.test'), { status: 'ok', ttl: 42, records: [{ priority: 10, exchange: 'mx.example.test' }] });
  assert.deepEqual(await r.a('mx.example.test'), { status: 'ok', ttl: 300, records: ['192.0.2.25'] });
  assert.deepEqual(await r.aaaa('mx.example.test'), { status: 'ok', ttl: 300, records: ['2001:db8::25'] });
  assert.deepEqual(await r.txt('example.test'), { status: 'ok', ttl: 42, records: [{ chunks: ['v=spf1 mx -all'], text: 'v=spf1 mx -all' }] });
  assert.deepEqual(await r.ptr('192.0.2.25'), { status: 'ok', ttl: 42, records: ['mx.example.test'] });
  const tlsa = await r.tlsa('_25._tcp.mx.example.test');
  assert.equal(tlsa.status === 'ok' ? Buffer.from(tlsa.records[0]?.data ?? []).toString('hex') : tlsa.status, TLSA_HEX);
  assert.deepEqual(await r.a('nope.example.test'), { status: 'nxdomain' });
  assert.deepEqual(await r.a('example.test'), { status: 'nodata' });
  assert.equal((await r.a('example.org')).status, 'temperror');
  const big = await r.txt('big.example.test');
  assert.equal(big.status === 'ok' ? big.records[0]?.text.length : 0, 2000);
});

test('createResolver with servers: cached upstream backend', { timeout: 10_000 }, async () => {
  const r = await createResolver({ servers: [`127.0.0.1:${port}`], timeoutMs: 1000, tries: 1 });
  assert.deepEqual(await r.a('mx.example.test'), { status: 'ok', ttl: 300, records: ['192.0.2.25'] });
  const again = await r.a('mx.example.test');
  assert.equal(again.status === 'ok' ? again.ttl <= 300 : false, true);
});

test('IPv6 loopback: listen on [::1] and query it', { timeout: 10_000 }, async (t) => {
  let v6: DnsServer;
  try {
    v6 = await startDnsServer({ zone, listen: [{ host: '::1', port: 0 }] });
  } catch (err) {
    t.skip(`no IPv6 loopback here: ${(err as Error).message}`);
    return;
  }
  try {
    const r = upstreamResolver({ servers: [`[::1]:${v6.addresses[0]?.port}`], timeoutMs: 1000, tries: 1 });
    assert.deepEqual(await r.a('mx.example.test'), { status: 'ok', ttl: 300, records: ['192.0.2.25'] });
    const big = await r.txt('big.example.test'); // UDP, TC, then TCP over IPv6
    assert.equal(big.status === 'ok' ? big.records[0]?.text.length : 0, 2000);
  } finally {
    await v6.close();
  }
});
