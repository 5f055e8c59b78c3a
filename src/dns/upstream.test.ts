// The stub resolver and upstream backend against scripted UDP servers on 127.0.0.1:
// timeouts and retries (RFC 1035 §7.2), reply matching (RFC 5452 §4.2/§9.1), SERVFAIL as a
// temporary failure, EDNS fallback on FORMERR (RFC 6891 §7), CNAME chains (RFC 1034 §4.3.2).
import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import { createSocket, type Socket } from 'node:dgram';
import { once } from 'node:events';
import { test } from 'node:test';
import dnsPacket, { type Answer, type DecodedPacket } from 'dns-packet';
import { parseServerAddress } from './stub.ts';
import { answerFromReply, upstreamResolver } from './upstream.ts';

type Handler = (q: DecodedPacket) => Buffer[];

/** A UDP "server" on 127.0.0.1:0 replying with whatever `handler` returns (maybe nothing). */
async function scriptedServer(handler: Handler): Promise<{ port: number; socket: Socket; seen: DecodedPacket[] }> {
  const socket = createSocket('udp4');
  const seen: DecodedPacket[] = [];
  socket.on('message', (msg, rinfo) => {
    const q = dnsPacket.decode(msg);
    seen.push(q);
    for (const reply of handler(q)) socket.send(reply, rinfo.port, rinfo.address);
  });
  socket.bind(0, '127.0.0.1');
  await once(socket, 'listening');
  return { port: socket.address().port, socket, seen };
}

function reply(q: DecodedPacket, opts: { rcode?: number; answers?: Answer[]; id?: number; name?: string } = {}): Buffer {
  const question = q.questions?.[0];
  assert.ok(question);
  return dnsPacket.encode({
    type: 'response',
    id: opts.id ?? q.id ?? 0,
    flags: opts.rcode ?? 0,
    questions: [{ ...question, name: opts.name ?? question.name }],
    answers: opts.answers ?? [],
  });
}

const A = (name: string, data: string, ttl = 60): Answer => ({ type: 'A', name, data, ttl, class: 'IN' });

test('timeout against a server that never answers, bounded by timeoutMs × tries', { timeout: 5000 }, async () => {
  const silent = await scriptedServer(() => []);
  try {
    const r = upstreamResolver({ servers: [`127.0.0.1:${silent.port}`], timeoutMs: 100, tries: 3 });
    const started = performance.now();
    const answer = await r.a('example.test');
    const elapsed = performance.now() - started;
    assert.equal(answer.status, 'temperror');
    assert.match(answer.status === 'temperror' ? answer.reason : '', /^timeout/);
    assert.equal(silent.seen.length, 3, 'one query per try');
    assert.ok(elapsed >= 250 && elapsed < 1500, `took ${elapsed} ms`);
  } finally {
    silent.socket.close();
  }
});

test('a silent first server fails over to the next one', { timeout: 5000 }, async () => {
  const silent = await scriptedServer(() => []);
  const good = await scriptedServer((q) => [reply(q, { answers: [A('example.test', '192.0.2.1')] })]);
  try {
    const r = upstreamResolver({ servers: [`127.0.0.1:${silent.port}`, `127.0.0.1:${good.port}`], timeoutMs: 100, tries: 1 });
    assert.deepEqual(await r.a('example.test'), { status: 'ok', records: ['192.0.2.1'], ttl: 60 });
  } finally {
    silent.socket.close();
    good.socket.close();
  }
});

test('replies with the wrong ID or question are ignored (RFC 5452)', { timeout: 5000 }, async () => {
  const spoofer = await scriptedServer((q) => [
    reply(q, { id: ((q.id ?? 0) + 1) & 0xffff, answers: [A('example.test', '203.0.113.66')] }),
    reply(q, { name: 'evil.test', answers: [A('evil.test', '203.0.113.66')] }),
    reply(q, { answers: [A('example.test', '192.0.2.1')] }),
  ]);
  try {
    const r = upstreamResolver({ servers: [`127.0.0.1:${spoofer.port}`], timeoutMs: 500, tries: 1 });
    assert.deepEqual(await r.a('example.test'), { status: 'ok', records: ['192.0.2.1'], ttl: 60 });
  } finally {
    spoofer.socket.close();
  }
});

test('SERVFAIL is a temperror; NXDOMAIN is not retried elsewhere', { timeout: 5000 }, async () => {
  const failing = await scriptedServer((q) => [reply(q, { rcode: 2 })]);
  const nx = await scriptedServer((q) => [reply(q, { rcode: 3 })]);
  try {
    const r = upstreamResolver({ servers: [`127.0.0.1:${failing.port}`], timeoutMs: 200, tries: 2 });
    const answer = await r.txt('example.test');
    assert.equal(answer.status, 'temperror');
    assert.match(answer.status === 'temperror' ? answer.reason : '', /SERVFAIL/);
    assert.equal(failing.seen.length, 2);
    const r2 = upstreamResolver({ servers: [`127.0.0.1:${nx.port}`, `127.0.0.1:${failing.port}`], timeoutMs: 200, tries: 2 });
    assert.deepEqual(await r2.txt('example.test'), { status: 'nxdomain' });
    assert.equal(failing.seen.length, 2, 'the second server was not asked');
  } finally {
    failing.socket.close();
    nx.socket.close();
  }
});

test('FORMERR to an EDNS query: retried once without OPT (RFC 6891 §7)', { timeout: 5000 }, async () => {
  const old = await scriptedServer((q) => {
    const hasOpt = (q.additionals ?? []).some((a) => a.type === 'OPT');
    return [hasOpt ? reply(q, { rcode: 1 }) : reply(q, { answers: [A('example.test', '192.0.2.7')] })];
  });
  try {
    const r = upstreamResolver({ servers: [`127.0.0.1:${old.port}`], timeoutMs: 300, tries: 1 });
    assert.deepEqual(await r.a('example.test'), { status: 'ok', records: ['192.0.2.7'], ttl: 60 });
    assert.equal(old.seen.length, 2);
  } finally {
    old.socket.close();
  }
});

test('answerFromReply: CNAME chain, minimum TTL, records off the chain ignored', () => {
  const packet = dnsPacket.decode(
    dnsPacket.encode({
      type: 'response',
      id: 1,
      questions: [{ name: 'www.example.test', type: 'A' }],
      answers: [
        { type: 'CNAME', name: 'www.example.test', data: 'mx.example.test', ttl: 30, class: 'IN' },
        A('mx.example.test', '192.0.2.25', 300),
        A('unrelated.test', '203.0.113.1', 300), // not on the chain: ignored (RFC 5452 §6)
      ],
      authorities: [],
    }),
  );
  const ok = answerFromReply({ status: 'reply', rcode: 0, packet, server: { host: '127.0.0.1', port: 53 }, tcp: false }, 'www.example.test', 'A');
  assert.deepEqual(ok, { status: 'ok', ttl: 30, records: [{ name: 'mx.example.test', type: 'A', ttl: 300, data: '192.0.2.25' }] });
  const nodata = answerFromReply({ status: 'reply', rcode: 0, packet, server: { host: '127.0.0.1', port: 53 }, tcp: false }, 'www.example.test', 'MX');
  assert.deepEqual(nodata, { status: 'nodata' });
});

test('server address syntax', () => {
  const cases: [string, { host: string; port: number } | undefined][] = [
    ['127.0.0.1', { host: '127.0.0.1', port: 53 }],
    ['127.0.0.1:5353', { host: '127.0.0.1', port: 5353 }],
    ['::1', { host: '::1', port: 53 }],
    ['[::1]:5353', { host: '::1', port: 5353 }],
    ['[2001:DB8:0::1]', { host: '2001:db8::1', port: 53 }],
    ['dns.example:53', undefined], // a name would need DNS to find DNS
    ['127.0.0.1:0', undefined],
    ['127.0.0.1:70000', undefined],
    ['300.0.0.1', undefined],
  ];
  for (const [input, expected] of cases) assert.deepEqual(parseServerAddress(input), expected, input);
});
