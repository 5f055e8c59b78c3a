/**
 * The lab DNS server: an authoritative-only server for a Zone over UDP and TCP, so the lab
 * (and end-to-end tests) can publish MX, SPF, DKIM, DMARC, MTA-STS and TLSA records that real
 * clients resolve. It answers only for its own zones (REFUSED otherwise) and never recurses.
 *
 * Implements the transports: RFC 1035 §4.2.1 (UDP: one message per datagram), RFC 1035 §4.2.2
 * and RFC 7766 §6.2 (TCP: two-octet length prefix, several queries per connection, answered in
 * order, idle connections closed, RFC 7766 §6.2.3). What to answer is decided in responder.ts.
 *
 * Must never: crash on a malformed packet (responder.ts catches decoding errors; socket errors
 * are reported to `onError`), answer a response (no reflection loops), or listen anywhere it
 * was not told to.
 */
import { Buffer } from 'node:buffer';
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { createServer, isIPv6, type Server, type Socket } from 'node:net';
import { once } from 'node:events';
import { respond } from './responder.ts';
import type { Zone } from './zone.ts';

export type ListenAddress = { host: string; port: number };

export type DnsServerOptions = {
  zone: Zone;
  /** Each address gets a UDP socket and a TCP listener on the same port; port 0 = pick one. */
  listen: readonly ListenAddress[];
  /** Close TCP connections idle this long, ms. Default 10 000 (RFC 7766 §6.2.3: seconds). */
  tcpIdleMs?: number;
  /** Most concurrent TCP connections per listener. Default 100. */
  maxTcpConnections?: number;
  /** Socket-level errors (never thrown). Default: ignored. */
  onError?: (err: Error) => void;
};

export type DnsServer = {
  /** Where it actually listens (port 0 resolved). */
  readonly addresses: readonly ListenAddress[];
  /** Answers from `zone` from now on (a lab publishing a record while it runs, docs/lab.md scenario 13). */
  setZone(zone: Zone): void;
  close(): Promise<void>;
};

/** Bind UDP then TCP on the same port; with port 0, retry if the TCP side of the port is taken. */
async function bindPair(addr: ListenAddress, opts: DnsServerOptions): Promise<{ udp: UdpSocket; tcp: Server; port: number }> {
  for (let attempt = 0; ; attempt++) {
    const udp = createSocket(isIPv6(addr.host) ? 'udp6' : 'udp4');
    const tcp = createTcp(opts);
    try {
      udp.bind(addr.port, addr.host);
      await once(udp, 'listening');
      const port = udp.address().port;
      tcp.listen(port, addr.host);
      await once(tcp, 'listening');
      return { udp, tcp, port };
    } catch (err) {
      udp.close();
      tcp.close();
      // With port 0 the TCP side of the UDP port we got may be taken: pick another.
      if (addr.port !== 0 || attempt >= 5) throw err;
    }
  }
}

function serveUdp(udp: UdpSocket, opts: DnsServerOptions): void {
  udp.on('error', (err) => opts.onError?.(err));
  udp.on('message', (msg, rinfo) => {
    const reply = respond(opts.zone, msg, 'udp');
    if (reply !== undefined) udp.send(reply, rinfo.port, rinfo.address);
  });
}

function createTcp(opts: DnsServerOptions): Server {
  const server = createServer((socket) => serveTcpConnection(socket, opts));
  server.maxConnections = opts.maxTcpConnections ?? 100;
  return server;
}

function serveTcpConnection(socket: Socket, opts: DnsServerOptions): void {
  let buffered = Buffer.alloc(0);
  socket.setTimeout(opts.tcpIdleMs ?? 10_000, () => socket.destroy());
  socket.on('error', (err) => opts.onError?.(err));
  socket.on('data', (chunk: Buffer) => {
    buffered = Buffer.concat([buffered, chunk]);
    // RFC 7766 §6.2.1: several length-prefixed queries may arrive back to back.
    while (buffered.length >= 2) {
      const size = buffered.readUInt16BE(0);
      if (buffered.length < 2 + size) break;
      const message = buffered.subarray(2, 2 + size);
      buffered = buffered.subarray(2 + size);
      const reply = respond(opts.zone, message, 'tcp');
      if (reply === undefined) {
        socket.destroy(); // not a query we can answer: this stream is not DNS
        return;
      }
      const prefix = Buffer.alloc(2);
      prefix.writeUInt16BE(reply.length);
      socket.write(Buffer.concat([prefix, reply]));
    }
  });
}

/** Start serving `zone` on every `listen` address (UDP + TCP each). */
export async function startDnsServer(options: DnsServerOptions): Promise<DnsServer> {
  // Our own copy: every query reads opts.zone, so setZone() takes effect at the next query.
  const opts: DnsServerOptions = { ...options };
  const udps: UdpSocket[] = [];
  const tcps: Server[] = [];
  const addresses: ListenAddress[] = [];
  const sockets = new Set<Socket>();
  try {
    for (const addr of opts.listen) {
      const { udp, tcp, port } = await bindPair(addr, opts);
      serveUdp(udp, opts);
      tcp.on('connection', (s: Socket) => {
        sockets.add(s);
        s.on('close', () => sockets.delete(s));
      });
      tcp.on('error', (err) => opts.onError?.(err));
      udps.push(udp);
      tcps.push(tcp);
      addresses.push({ host: addr.host, port });
    }
  } catch (err) {
    for (const u of udps) u.close();
    for (const t of tcps) t.close();
    throw err;
  }
  return {
    addresses,
    setZone(zone) {
      opts.zone = zone;
    },
    async close() {
      for (const s of sockets) s.destroy();
      await Promise.all([
        ...udps.map((u) => new Promise<void>((resolve) => u.close(() => resolve()))),
        ...tcps.map((t) => new Promise<void>((resolve) => t.close(() => resolve()))),
      ]);
    },
  };
}
