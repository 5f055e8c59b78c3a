/**
 * The socket side shared by the raw SMTP, POP3 and IMAP test clients: connect (plain or TLS, from
 * a chosen loopback address), buffer what arrives, wait for a complete unit with a deadline, and
 * upgrade to TLS in place after STARTTLS/STLS. Each client adds only its protocol's framing.
 */
import { connect, type Socket } from 'node:net';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';

export interface OpenOptions {
  tls?: boolean;
  localAddress?: string;
}

export async function openSocket(port: number, opts: OpenOptions = {}): Promise<Socket | TLSSocket> {
  const local = opts.localAddress ? { localAddress: opts.localAddress } : {};
  const socket = opts.tls ? tlsConnect({ port, host: '127.0.0.1', rejectUnauthorized: false, ...local }) : connect({ port, host: '127.0.0.1', ...local });
  await new Promise<void>((resolve, reject) => {
    socket.once(opts.tls ? 'secureConnect' : 'connect', () => resolve());
    socket.once('error', reject);
  });
  return socket;
}

export class RawWire {
  socket: Socket | TLSSocket;
  protected buf: Buffer = Buffer.alloc(0);
  private waiters: Array<() => void> = [];
  closed = false;

  protected constructor(socket: Socket | TLSSocket) {
    this.socket = socket;
    this.attach();
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
    w.forEach((f) => f());
  }

  /** Calls `take` whenever bytes arrive until it returns a value; fails on close or after `timeoutMs`. */
  protected async waitFor<T>(take: () => T | null, timeoutMs: number): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const v = take();
      if (v !== null) return v;
      if (this.closed) throw new Error(`connection closed; unread: ${JSON.stringify(this.buf.toString('latin1'))}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no response within ${timeoutMs} ms; buffer: ${JSON.stringify(this.buf.toString('latin1').slice(0, 500))}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  /** The TLS handshake over the same connection, after the server said yes to STARTTLS/STLS. */
  protected async upgradeTls(): Promise<void> {
    const raw = this.socket;
    raw.removeAllListeners('data');
    raw.removeAllListeners('close');
    const secure = tlsConnect({ socket: raw, rejectUnauthorized: false });
    await new Promise<void>((resolve, reject) => {
      secure.once('secureConnect', () => resolve());
      secure.once('error', reject);
    });
    this.socket = secure;
    this.attach();
  }

  write(data: string | Buffer): void {
    this.socket.write(data);
  }

  async waitClosed(timeoutMs = 5000): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (!this.closed && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    return this.closed;
  }

  close(): void {
    this.socket.destroy();
  }
}
