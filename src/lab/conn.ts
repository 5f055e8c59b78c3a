/**
 * The lab's client socket: a TCP connection from a chosen loopback address (each lab host has its
 * own 127.0.0.x), optionally TLS from the start (implicit TLS, RFC 8314) or after STARTTLS
 * (RFC 3207, RFC 9051 §6.2.1), with every wait bounded by a deadline.
 *
 * TLS is verified as a real client would: the chain against the lab's certificates (each lab
 * server's self-signed certificate) and the server's host name; the outcome is reported, not
 * hidden (`authorized` / `authorizationError`).
 *
 * Never: wait without a timeout, or listen anywhere (this is the client side only).
 * The raw protocol clients of the tests (test/helpers/raw-wire.ts) build on this class too.
 */
import { Buffer } from 'node:buffer';
import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';

export interface TlsCheck {
  /** The host name the certificate must name (SNI too). */
  servername: string;
  /** Trusted certificates (PEM): the lab's. */
  ca: string[];
}

export interface ConnectOptions {
  host: string;
  port: number;
  /** Local address to connect from (the lab host this client stands for). */
  localAddress?: string;
  /** Implicit TLS from the first byte. */
  tls?: TlsCheck;
  timeoutMs?: number;
}

export interface TlsResult {
  authorized: boolean;
  error: string | null;
  protocol: string | null;
}

const DEFAULT_TIMEOUT = 10_000;

function onceConnected(socket: Socket | TLSSocket, event: 'connect' | 'secureConnect', timeoutMs: number, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`${what}: no connection within ${timeoutMs} ms`));
    }, timeoutMs);
    socket.once(event, () => {
      clearTimeout(timer);
      resolve();
    });
    socket.once('error', (e: Error) => {
      clearTimeout(timer);
      reject(new Error(`${what}: ${e.message}`));
    });
  });
}

export class Conn {
  socket: Socket | TLSSocket;
  readonly peer: string;
  protected buf: Buffer = Buffer.alloc(0);
  private waiters: Array<() => void> = [];
  closed = false;
  tls: TlsResult | null = null;
  /** The TCP socket under a STARTTLS upgrade (destroying the TLS socket alone may leave it open). */
  private tcp: Socket | TLSSocket | null = null;

  protected constructor(socket: Socket | TLSSocket, peer: string) {
    this.socket = socket;
    this.peer = peer;
    this.attach();
  }

  /** Opens the TCP (or TLS) connection; subclasses wrap it. */
  protected static async connect(opts: ConnectOptions): Promise<{ socket: Socket | TLSSocket; tls: TlsResult | null }> {
    const timeout = opts.timeoutMs ?? DEFAULT_TIMEOUT;
    const local = opts.localAddress ? { localAddress: opts.localAddress } : {};
    const what = `${opts.host}:${opts.port}`;
    if (opts.tls) {
      const s = tlsConnect({ host: opts.host, port: opts.port, servername: opts.tls.servername, ca: opts.tls.ca, rejectUnauthorized: false, ...local });
      await onceConnected(s, 'secureConnect', timeout, what);
      return { socket: s, tls: tlsResult(s) };
    }
    const s = netConnect({ host: opts.host, port: opts.port, ...local });
    await onceConnected(s, 'connect', timeout, what);
    return { socket: s, tls: null };
  }

  private attach(): void {
    this.socket.on('data', (d: Buffer) => {
      this.buf = this.buf.length ? Buffer.concat([this.buf, d]) : d;
      this.wake();
    });
    this.socket.on('close', () => {
      this.closed = true;
      this.wake();
    });
    this.socket.on('error', () => undefined);
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  /** Calls `take` whenever bytes arrive until it returns a value; fails on close or at the deadline. */
  protected async waitFor<T>(take: () => T | null, timeoutMs: number): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const v = take();
      if (v !== null) return v;
      if (this.closed) throw new Error(`${this.peer}: connection closed by the server${this.unread()}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`${this.peer}: no answer within ${timeoutMs} ms${this.unread()}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  /** What arrived but was never taken (for error messages), shortened. */
  private unread(): string {
    return this.buf.length ? `; unread: ${JSON.stringify(this.buf.toString('latin1').slice(0, 300))}` : '';
  }

  /** Waits until the server closes the connection; false if it is still open after `timeoutMs`. */
  async waitClosed(timeoutMs = 5000): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (!this.closed && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    return this.closed;
  }

  /** Takes one CRLF-terminated line off the buffer (without the CRLF), or null. */
  protected takeLine(): string | null {
    const i = this.buf.indexOf('\r\n');
    if (i < 0) return null;
    const line = this.buf.subarray(0, i).toString('utf8');
    this.buf = this.buf.subarray(i + 2);
    return line;
  }

  /** The TLS handshake on this connection, after the server agreed to STARTTLS. */
  protected async upgrade(check: TlsCheck, timeoutMs = DEFAULT_TIMEOUT): Promise<TlsResult> {
    const raw = this.socket;
    this.tcp = raw;
    raw.removeAllListeners('data');
    raw.removeAllListeners('close');
    const secure = tlsConnect({ socket: raw, servername: check.servername, ca: check.ca, rejectUnauthorized: false });
    await onceConnected(secure, 'secureConnect', timeoutMs, `${this.peer} TLS`);
    this.socket = secure;
    this.attach();
    this.tls = tlsResult(secure);
    return this.tls;
  }

  write(data: string | Buffer): void {
    this.socket.write(data);
  }

  close(): void {
    this.socket.destroy();
    this.tcp?.destroy();
  }
}

function tlsResult(s: TLSSocket): TlsResult {
  return { authorized: s.authorized, error: s.authorizationError ? String(s.authorizationError) : null, protocol: s.getProtocol() };
}
