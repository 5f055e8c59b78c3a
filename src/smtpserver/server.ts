/**
 * SMTP listeners: plain TCP (MX, submission with STARTTLS) and implicit TLS (submissions, RFC 8314).
 * Enforces the connection limits before a session starts (421 and close), and drains sessions on
 * shutdown.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer, createSecureContext, type SecureContext, type TlsOptions } from 'node:tls';
import type { Logger } from '../lib/logger.ts';
import { normalizeIp, type HostPort } from '../lib/net.ts';
import { formatReply, replies } from '../smtp/replies.ts';
import type { ListenerMode } from '../inbound/types.ts';
import { SmtpSession, type SessionOptions } from './session.ts';

export interface ListenerSpec extends HostPort {
  mode: ListenerMode;
  implicitTls: boolean;
}

export interface SmtpServerOptions extends Omit<SessionOptions, 'mode' | 'implicitTls' | 'secureContext'> {
  tls: TlsServerOptions | null;
}

/** Certificate, key and protocol floor for both STARTTLS and implicit TLS. */
export type TlsServerOptions = Pick<TlsOptions, 'cert' | 'key' | 'minVersion' | 'honorCipherOrder'>;

export interface BoundListener {
  spec: ListenerSpec;
  address: HostPort;
  server: Server;
}

export class SmtpServer {
  private readonly opts: SmtpServerOptions;
  private readonly log: Logger;
  private readonly perIp = new Map<string, number>();
  private total = 0;
  private readonly sockets = new Set<Socket>();
  private readonly sessions = new Set<SmtpSession>();
  readonly listeners: BoundListener[] = [];
  private readonly secureContext: SecureContext | null;

  constructor(opts: SmtpServerOptions) {
    this.opts = opts;
    this.log = opts.logger;
    this.secureContext = opts.tls ? createSecureContext(opts.tls) : null;
  }

  private admit(socket: Socket, spec: ListenerSpec): void {
    const ip = normalizeIp(socket.remoteAddress ?? '?');
    const limits = this.opts.limits;
    socket.on('error', () => socket.destroy());
    const refuse = (line: string) => {
      this.log.warn({ ip, mode: spec.mode, reason: line }, 'connection refused');
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
    const session = new SmtpSession(socket, { ...this.opts, secureContext: this.secureContext, mode: spec.mode, implicitTls: spec.implicitTls });
    this.sessions.add(session);
    socket.once('close', () => this.sessions.delete(session));
    session.start();
  }

  async listen(spec: ListenerSpec): Promise<BoundListener> {
    let server: Server;
    if (spec.implicitTls) {
      if (!this.opts.tls) throw new Error('implicit TLS listener without a certificate');
      server = createTlsServer({ ...this.opts.tls, handshakeTimeout: 30_000 }, (s) => this.admit(s, spec));
      server.on('tlsClientError', (err, s) => {
        this.log.info({ err: err.message, ip: s.remoteAddress }, 'TLS handshake failed');
        s.destroy();
      });
    } else {
      server = createServer((s) => this.admit(s, spec));
    }
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host: spec.host, port: spec.port }, () => {
        server.off('error', reject);
        resolve();
      });
    });
    const a = server.address();
    const bound: BoundListener = { spec, server, address: { host: spec.host, port: typeof a === 'object' && a ? a.port : spec.port } };
    this.listeners.push(bound);
    return bound;
  }

  /**
   * Stops accepting; idle sessions get 421 at once, sessions in the middle of a command or DATA get
   * `graceMs` to finish; the rest are closed (an unfinished DATA was never answered 250).
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
