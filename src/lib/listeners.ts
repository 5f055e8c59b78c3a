/**
 * A group of TCP listeners (plain, or implicit TLS) for one protocol, with no protocol knowledge:
 * connection limits checked before a session starts (total and per client IP; over the limit the
 * protocol's refusal line is sent and the socket closed), TLS material shared by STARTTLS-style
 * upgrades and implicit-TLS listeners, and a bounded, graceful close. SMTP, POP3 and IMAP use it.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer, createSecureContext, type SecureContext, type TlsOptions } from 'node:tls';
import type { Logger } from './logger.ts';
import { normalizeIp, type HostPort } from './net.ts';

/** Certificate, key and protocol floor for both STARTTLS and implicit TLS. */
export type TlsServerOptions = Pick<TlsOptions, 'cert' | 'key' | 'minVersion' | 'honorCipherOrder'>;

export interface ListenerSpec extends HostPort {
  implicitTls: boolean;
}

export interface BoundListener<Spec extends ListenerSpec> {
  spec: Spec;
  address: HostPort;
  server: Server;
}

/** What a protocol session must offer the group. */
export interface GroupSession {
  start(): void;
  /** Server shutdown: idle sessions close at once, busy ones finish their command. */
  shutdown(): void;
}

export interface ListenerGroupOptions<Spec extends ListenerSpec, S extends GroupSession> {
  /** For logs: "smtp", "pop3", "imap". */
  protocol: string;
  logger: Logger;
  tls: TlsServerOptions | null;
  limits: { max_connections: number; max_connections_per_ip: number };
  /** The bytes sent before closing a connection over the limits. */
  refusal: { total: string; perIp: string };
  createSession(socket: Socket, spec: Spec, secureContext: SecureContext | null): S;
}

export class ListenerGroup<Spec extends ListenerSpec, S extends GroupSession> {
  private readonly opts: ListenerGroupOptions<Spec, S>;
  private readonly perIp = new Map<string, number>();
  private total = 0;
  private readonly sockets = new Set<Socket>();
  private readonly sessions = new Set<S>();
  readonly secureContext: SecureContext | null;
  readonly listeners: Array<BoundListener<Spec>> = [];

  constructor(opts: ListenerGroupOptions<Spec, S>) {
    this.opts = opts;
    this.secureContext = opts.tls ? createSecureContext(opts.tls) : null;
  }

  private admit(socket: Socket, spec: Spec): void {
    const ip = normalizeIp(socket.remoteAddress ?? '?');
    const { limits, logger, protocol } = this.opts;
    socket.on('error', () => socket.destroy());
    const refuse = (line: string) => {
      logger.warn({ ip, proto: protocol, reason: line.trim() }, 'connection refused');
      socket.end(line);
      setTimeout(() => socket.destroy(), 1000).unref();
    };
    if (this.total >= limits.max_connections) return refuse(this.opts.refusal.total);
    if ((this.perIp.get(ip) ?? 0) >= limits.max_connections_per_ip) return refuse(this.opts.refusal.perIp);
    this.total++;
    this.perIp.set(ip, (this.perIp.get(ip) ?? 0) + 1);
    this.sockets.add(socket);
    const session = this.opts.createSession(socket, spec, this.secureContext);
    this.sessions.add(session);
    socket.once('close', () => {
      this.total--;
      const n = (this.perIp.get(ip) ?? 1) - 1;
      if (n <= 0) this.perIp.delete(ip);
      else this.perIp.set(ip, n);
      this.sockets.delete(socket);
      this.sessions.delete(session);
    });
    socket.setNoDelay(true);
    session.start();
  }

  async listen(spec: Spec): Promise<BoundListener<Spec>> {
    let server: Server;
    if (spec.implicitTls) {
      if (!this.opts.tls) throw new Error(`${this.opts.protocol}: implicit TLS listener without a certificate`);
      server = createTlsServer({ ...this.opts.tls, handshakeTimeout: 30_000 }, (s) => this.admit(s, spec));
      server.on('tlsClientError', (err, s) => {
        this.opts.logger.info({ err: err.message, ip: s.remoteAddress, proto: this.opts.protocol }, 'TLS handshake failed');
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
    const bound: BoundListener<Spec> = { spec, server, address: { host: spec.host, port: typeof a === 'object' && a ? a.port : spec.port } };
    this.listeners.push(bound);
    return bound;
  }

  /**
   * Stops accepting; idle sessions are told at once, sessions in the middle of a command get
   * `graceMs` to finish; the rest are closed (unfinished work was never acknowledged).
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
