/**
 * A raw POP3 client for protocol-level tests: sends exactly the bytes given and reads status lines
 * and multi-line responses, the way a person typing at a telnet prompt would see them.
 */
import { RawWire, openSocket, type OpenOptions } from './raw-wire.ts';
import type { TestServer } from './server.ts';

export class RawPop3 extends RawWire {
  greeting = '';

  static async open(port: number, opts: OpenOptions & { greeting?: boolean } = {}): Promise<RawPop3> {
    const c = new RawPop3(await openSocket(port, opts));
    if (opts.greeting !== false) {
      c.greeting = await c.line();
      if (!c.greeting.startsWith('+OK')) throw new Error(`greeting ${c.greeting}`);
    }
    return c;
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

  /** Sends one command (CRLF added) and reads the status line. */
  async cmd(line: string, timeoutMs?: number): Promise<string> {
    this.write(`${line}\r\n`);
    return this.line(timeoutMs);
  }

  /** STLS and the TLS handshake over the same socket. */
  async stls(): Promise<void> {
    const r = await this.cmd('STLS');
    if (!r.startsWith('+OK')) throw new Error(`STLS: ${r}`);
    await this.upgradeTls();
  }

  /** USER + PASS; returns the PASS status line. */
  async login(user: string, pass: string): Promise<string> {
    const u = await this.cmd(`USER ${user}`);
    if (!u.startsWith('+OK')) return u;
    return this.cmd(`PASS ${pass}`);
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
