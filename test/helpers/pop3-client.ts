/**
 * A raw POP3 client for protocol-level tests: sends exactly the bytes given and reads status lines
 * and multi-line responses, the way a person typing at a telnet prompt would see them.
 */
import { connect, type Socket } from 'node:net';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import type { TestServer } from './server.ts';

export class RawPop3 {
  socket: Socket | TLSSocket;
  private buf = Buffer.alloc(0);
  private waiters: Array<() => void> = [];
  closed = false;
  greeting = '';

  private constructor(socket: Socket | TLSSocket) {
    this.socket = socket;
    this.attach();
  }

  private attach(): void {
    this.socket.on('data', (d: Buffer) => {
      this.buf = Buffer.concat([this.buf, d]);
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

  static async open(port: number, opts: { tls?: boolean; localAddress?: string; greeting?: boolean } = {}): Promise<RawPop3> {
    const local = opts.localAddress ? { localAddress: opts.localAddress } : {};
    const socket = opts.tls ? tlsConnect({ port, host: '127.0.0.1', rejectUnauthorized: false, ...local }) : connect({ port, host: '127.0.0.1', ...local });
    await new Promise<void>((resolve, reject) => {
      socket.once(opts.tls ? 'secureConnect' : 'connect', () => resolve());
      socket.once('error', reject);
    });
    const c = new RawPop3(socket);
    if (opts.greeting !== false) {
      c.greeting = await c.line();
      if (!c.greeting.startsWith('+OK')) throw new Error(`greeting ${c.greeting}`);
    }
    return c;
  }

  private async waitFor<T>(take: () => T | null, timeoutMs: number): Promise<T> {
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

  /** One CRLF-terminated line, without the CRLF. */
  async line(timeoutMs = 5000): Promise<string> {
    return this.waitFor(() => {
      const i = this.buf.indexOf('\r\n');
      if (i < 0) return null;
      const l = this.buf.subarray(0, i).toString('utf8');
      this.buf = this.buf.subarray(i + 2);
      return l;
    }, timeoutMs);
  }

  /** The data of a multi-line response up to (not including) the ".CRLF" line, still dot-stuffed, as raw bytes. */
  async block(timeoutMs = 10000): Promise<Buffer> {
    return this.waitFor(() => {
      const end = this.buf.indexOf('\r\n.\r\n');
      if (this.buf.subarray(0, 3).equals(Buffer.from('.\r\n'))) {
        this.buf = this.buf.subarray(3);
        return Buffer.alloc(0);
      }
      if (end < 0) return null;
      const data = this.buf.subarray(0, end + 2);
      this.buf = this.buf.subarray(end + 5);
      return data;
    }, timeoutMs);
  }

  /** Multi-line data as lines (dot-stuffing left in place). */
  async lines(timeoutMs?: number): Promise<string[]> {
    const b = (await this.block(timeoutMs)).toString('utf8');
    return b ? b.slice(0, -2).split('\r\n') : [];
  }

  write(data: string | Buffer): void {
    this.socket.write(data);
  }

  /** Sends one command (CRLF added) and reads the status line. */
  async cmd(line: string, timeoutMs?: number): Promise<string> {
    this.write(`${line}\r\n`);
    return this.line(timeoutMs);
  }

  /** STLS and the TLS handshake over the same socket. */
  async stls(): Promise<void> {
    const r = await this.cmd('STLS');
    if (!r.startsWith('+OK')) throw new Error(`STLS: ${r}`);
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

  /** USER + PASS; returns the PASS status line. */
  async login(user: string, pass: string): Promise<string> {
    const u = await this.cmd(`USER ${user}`);
    if (!u.startsWith('+OK')) return u;
    return this.cmd(`PASS ${pass}`);
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

/** Puts a raw message straight into a user's INBOX (store.ingest), bytes exactly as given. */
export async function deliver(srv: TestServer, address: string, raw: string | Buffer): Promise<number> {
  const s = srv.app.store;
  const u = await s.getUser(address);
  if (!u) throw new Error(`no user ${address}`);
  const data = typeof raw === 'string' ? Buffer.from(raw) : raw;
  const r = await s.ingest({ blob: { kind: 'buffer', data }, mailFrom: '', internalDate: Date.now(), deliveries: [{ userId: u.id, mailbox: 'INBOX' }], outbound: [] });
  return r.messages[0]!.uid;
}

export function plainIr(user: string, pass: string): string {
  return Buffer.from(`\0${user}\0${pass}`).toString('base64');
}
