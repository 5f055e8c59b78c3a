/**
 * POP3 listeners: plain TCP with STLS (RFC 2595) and implicit TLS (RFC 8314, port 995).
 * Enforces the connection limits before a session starts (-ERR [SYS/TEMP] and close), holds the
 * maildrop locks every session of this server shares, and drains sessions on shutdown.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer, createSecureContext, type SecureContext, type TlsOptions } from 'node:tls';
import type { Logger } from '../lib/logger.ts';
import { normalizeIp, type HostPort } from '../lib/net.ts';
import { formatReply, replies } from './replies.ts';
import { MaildropLocks } from './maildrop.ts';
import { Pop3Session, type Pop3SessionOptions } from './session.ts';

export interface Pop3ListenerSpec extends HostPort {
  implicitTls: boolean;
}

export interface Pop3ServerOptions extends Omit<Pop3SessionOptions, 'secureContext' | 'locks'> {
  tls: Pick<TlsOptions, 'cert' | 'key' | 'minVersion' | 'honorCipherOrder'> | null;
}

export interface BoundPop3Listener {
  spec: Pop3ListenerSpec;
  address: HostPort;
  server: Server;
}

export class Pop3Server {
  private readonly opts: Pop3ServerOptions;
  private readonly log: Logger;
  private readonly perIp = new Map<string, number>();
  private total = 0;
  private readonly sockets = new Set<Socket>();
  private readonly sessions = new Set<Pop3Session>();
  private readonly locks = new MaildropLocks();
  private readonly secureContext: SecureContext | null;
  readonly listeners: BoundPop3Listener[] = [];

  constructor(opts: Pop3ServerOptions) {
    this.opts = opts;
    this.log = opts.logger;
    this.secureContext = opts.tls ? createSecureContext(opts.tls) : null;
  }

  private admit(socket: Socket): void {
    const ip = normalizeIp(socket.remoteAddress ?? '?');
    const limits = this.opts.limits;
    socket.on('error', () => socket.destroy());
    const refuse = (line: string) => {
      this.log.warn({ ip, proto: 'pop3', reason: line.trim() }, 'connection refused');
      socket.end(line);
      setTimeout(() => socket.destroy(), 1000).unref();
    };
    if (this.total >= limits.max_connections) return refuse(formatReply(replies.tooManyConnections(this.opts.hostname)));
    if ((this.perIp.get(ip) ?? 0) >= limits.max_connections_per_ip) return refuse(formatReply(replies.tooManyConnectionsFromIp(this.opts.hostname)));
    this.total++;
    this.perIp.set(ip, (this.perIp.get(ip) ?? 0) + 1);
    this.sockets.add(socket);
    socket.once('close', () => {
      this.total--;
      const n = (this.perIp.get(ip) ?? 1) - 1;
      if (n <= 0) this.perIp.delete(ip);
      else this.perIp.set(ip, n);
      this.sockets.delete(socket);
    });
    socket.setNoDelay(true);
    const session = new Pop3Session(socket, { ...this.opts, secureContext: this.secureContext, locks: this.locks });
    this.sessions.add(session);
    socket.once('close', () => this.sessions.delete(session));
    session.start();
  }

  async listen(spec: Pop3ListenerSpec): Promise<BoundPop3Listener> {
    let server: Server;
    if (spec.implicitTls) {
      if (!this.opts.tls) throw new Error('implicit TLS listener without a certificate');
      server = createTlsServer({ ...this.opts.tls, handshakeTimeout: 30_000 }, (s) => this.admit(s));
      server.on('tlsClientError', (err, s) => {
        this.log.info({ err: err.message, ip: s.remoteAddress, proto: 'pop3' }, 'TLS handshake failed');
        s.destroy();
      });
    } else {
      server = createServer((s) => this.admit(s));
    }
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host: spec.host, port: spec.port }, () => {
        server.off('error', reject);
        resolve();
      });
    });
    const a = server.address();
    const bound: BoundPop3Listener = { spec, server, address: { host: spec.host, port: typeof a === 'object' && a ? a.port : spec.port } };
    this.listeners.push(bound);
    return bound;
  }

  /**
   * Stops accepting; idle sessions are told at once, a session in the middle of a command (a RETR,
   * or the UPDATE of a QUIT) gets `graceMs` to finish; the rest are closed. Nothing is deleted for
   * a session that did not QUIT.
   */
  async close(graceMs = 5000): Promise<void> {
    const closed = Promise.all(this.listeners.map((l) => new Promise<void>((r) => l.server.close(() => r()))));
    for (const s of this.sessions) s.shutdown();
    const deadline = Date.now() + graceMs;
    while (this.sockets.size && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    for (const s of this.sockets) s.destroy();
    await closed;
  }
}
