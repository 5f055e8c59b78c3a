/**
 * A small stub resolver on dns-packet: sends one question to recursive servers and returns
 * the decoded reply. No recursion of its own, no caching (cache.ts does that).
 *
 * Implements RFC 1035 §4.2.1 (UDP, replies ≤ 512 octets without EDNS), §4.2.2 (TCP with a
 * two-octet length prefix), §7.2 (retransmit to the next server; tries × servers); RFC 7766
 * §5 (retry over TCP when the reply has TC set); RFC 6891 §6/§7 (EDNS(0) OPT advertising our
 * UDP buffer, 1232 octets by default as DNS Flag Day 2020 recommends; a FORMERR reply to an
 * EDNS query is retried once without EDNS); RFC 5452 §4/§9.1 (accept only a reply with our
 * random ID, from the server we asked, on the fresh random port we used, echoing our question).
 *
 * Trusts: nothing in a reply; a reply that does not decode or does not match is ignored
 * (UDP: keep waiting) or counted as a failure (TCP).
 */
import { Buffer } from 'node:buffer';
import { randomInt } from 'node:crypto';
import { createSocket, type RemoteInfo } from 'node:dgram';
import { connect, isIPv4, isIPv6 } from 'node:net';
import dnsPacket, { type DecodedPacket, type Packet, type RecordType as PacketType } from 'dns-packet';
import { canonicalIPv6 } from './names.ts';

export type ServerAddress = { host: string; port: number };

export type StubOptions = {
  servers: readonly ServerAddress[];
  /** Per attempt (one server, one transport), milliseconds. */
  timeoutMs: number;
  /** Rounds over the server list. */
  tries: number;
  /** EDNS(0) UDP payload size to advertise; 0 sends no OPT record. Default 1232. */
  ednsUdpSize?: number;
};

export type StubReply =
  | { status: 'reply'; rcode: number; packet: DecodedPacket; server: ServerAddress; tcp: boolean }
  | { status: 'temperror'; reason: string };

export const DEFAULT_EDNS_UDP_SIZE = 1232;

/** RFC 1035 §4.1.1 RCODEs we act on. */
export const RCODE = { NOERROR: 0, FORMERR: 1, SERVFAIL: 2, NXDOMAIN: 3, NOTIMP: 4, REFUSED: 5 } as const;

/** "host:port", "[v6]:port", bare IPv4 or IPv6 (port 53). Host must be an IP literal. */
export function parseServerAddress(text: string): ServerAddress | undefined {
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(text);
  let host: string;
  let port = '53';
  if (bracketed) {
    host = bracketed[1] as string;
    port = bracketed[2] ?? '53';
  } else if (isIPv6(text)) {
    host = text;
  } else {
    const m = /^([^:]+)(?::(\d+))?$/.exec(text);
    if (!m) return undefined;
    host = m[1] as string;
    port = m[2] ?? '53';
  }
  const p = Number(port);
  if (!Number.isInteger(p) || p < 1 || p > 65535) return undefined;
  if (isIPv4(host)) return { host, port: p };
  // Canonical text, so the source check on replies compares like with like.
  const v6 = canonicalIPv6(host);
  return v6 === undefined ? undefined : { host: v6, port: p };
}

type Query = { id: number; name: string; type: string; bytes: Buffer };

function buildQuery(name: string, type: PacketType, ednsUdpSize: number): Query {
  const id = randomInt(0, 0x10000); // RFC 5452 §4.3: unpredictable ID
  const packet: Packet = {
    type: 'query',
    id,
    flags: dnsPacket.RECURSION_DESIRED,
    questions: [{ type, name: name === '' ? '.' : name, class: 'IN' }],
  };
  if (ednsUdpSize > 0) {
    packet.additionals = [{ type: 'OPT', name: '.', udpPayloadSize: ednsUdpSize, extendedRcode: 0, ednsVersion: 0, flags: 0, flag_do: false, options: [] }];
  }
  return { id, name, type, bytes: dnsPacket.encode(packet) };
}

/** Decode and check a reply against our query (RFC 5452 §9.1); undefined if it is not ours. */
function matchReply(query: Query, bytes: Buffer): DecodedPacket | undefined {
  let packet: DecodedPacket;
  try {
    packet = dnsPacket.decode(bytes);
  } catch {
    return undefined;
  }
  const q = packet.questions?.[0];
  if (packet.type !== 'response' || packet.id !== query.id || packet.questions?.length !== 1 || q === undefined) return undefined;
  const qname = q.name === '.' ? '' : q.name.toLowerCase();
  return qname === query.name && q.type === query.type ? packet : undefined;
}

type Exchange = { ok: true; packet: DecodedPacket } | { ok: false; reason: string };

function udpExchange(server: ServerAddress, query: Query, timeoutMs: number): Promise<Exchange> {
  return new Promise((resolve) => {
    // A fresh socket per query: the OS picks a random source port (RFC 5452 §9.2).
    const socket = createSocket(isIPv6(server.host) ? 'udp6' : 'udp4');
    let done = false;
    const finish = (result: Exchange) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.close();
      resolve(result);
    };
    const timer = setTimeout(() => finish({ ok: false, reason: `timeout after ${timeoutMs} ms (udp ${server.host}:${server.port})` }), timeoutMs);
    socket.on('error', (err) => finish({ ok: false, reason: `udp ${server.host}:${server.port}: ${err.message}` }));
    socket.on('message', (msg: Buffer, rinfo: RemoteInfo) => {
      if (rinfo.port !== server.port || rinfo.address !== server.host) return; // not from whom we asked
      const packet = matchReply(query, msg);
      if (packet !== undefined) finish({ ok: true, packet });
    });
    socket.send(query.bytes, server.port, server.host);
  });
}

function tcpExchange(server: ServerAddress, query: Query, timeoutMs: number): Promise<Exchange> {
  return new Promise((resolve) => {
    const socket = connect({ host: server.host, port: server.port });
    let buffered = Buffer.alloc(0);
    let done = false;
    const finish = (result: Exchange) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(result);
    };
    const where = `tcp ${server.host}:${server.port}`;
    const timer = setTimeout(() => finish({ ok: false, reason: `timeout after ${timeoutMs} ms (${where})` }), timeoutMs);
    socket.on('error', (err) => finish({ ok: false, reason: `${where}: ${err.message}` }));
    socket.on('close', () => finish({ ok: false, reason: `${where}: connection closed before a reply` }));
    socket.on('connect', () => {
      const length = Buffer.alloc(2);
      length.writeUInt16BE(query.bytes.length);
      socket.write(Buffer.concat([length, query.bytes])); // RFC 1035 §4.2.2 framing
    });
    socket.on('data', (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      if (buffered.length < 2) return;
      const size = buffered.readUInt16BE(0);
      if (buffered.length < 2 + size) return;
      const packet = matchReply(query, buffered.subarray(2, 2 + size));
      finish(packet === undefined ? { ok: false, reason: `${where}: reply does not match the query` } : { ok: true, packet });
    });
  });
}

const rcodeOf = (p: DecodedPacket): number => (p.flags ?? 0) & 0xf;

/** One server: UDP, then TCP when truncated (RFC 7766 §5); EDNS fallback (RFC 6891 §7). */
async function askServer(server: ServerAddress, name: string, type: PacketType, opts: StubOptions): Promise<Exchange & { tcp?: boolean }> {
  let edns = opts.ednsUdpSize ?? DEFAULT_EDNS_UDP_SIZE;
  for (;;) {
    const query = buildQuery(name, type, edns);
    const udp = await udpExchange(server, query, opts.timeoutMs);
    if (!udp.ok) return udp;
    if (udp.packet.flag_tc) {
      const tcp = await tcpExchange(server, query, opts.timeoutMs);
      return tcp.ok ? { ...tcp, tcp: true } : tcp;
    }
    if (rcodeOf(udp.packet) === RCODE.FORMERR && edns > 0) {
      edns = 0;
      continue;
    }
    return udp;
  }
}

/**
 * Ask `name`/`type`. NOERROR and NXDOMAIN replies are returned; SERVFAIL, REFUSED, NOTIMP,
 * FORMERR, timeouts and network errors move on to the next server (RFC 1035 §7.2), and when
 * every try fails the result is a temperror naming the last reason.
 */
export async function stubQuery(name: string, type: PacketType, opts: StubOptions): Promise<StubReply> {
  if (opts.servers.length === 0) return { status: 'temperror', reason: 'no DNS servers configured' };
  let reason = 'no reply';
  for (let attempt = 0; attempt < Math.max(1, opts.tries); attempt++) {
    for (const server of opts.servers) {
      const result = await askServer(server, name, type, opts);
      if (!result.ok) {
        reason = result.reason;
        continue;
      }
      const rcode = rcodeOf(result.packet);
      if (rcode === RCODE.NOERROR || rcode === RCODE.NXDOMAIN) {
        return { status: 'reply', rcode, packet: result.packet, server, tcp: result.tcp === true };
      }
      reason = `rcode ${rcode} from ${server.host}:${server.port}`;
      if (rcode === RCODE.SERVFAIL) reason = `SERVFAIL from ${server.host}:${server.port}`;
      if (rcode === RCODE.REFUSED) reason = `REFUSED from ${server.host}:${server.port}`;
    }
  }
  return { status: 'temperror', reason };
}
