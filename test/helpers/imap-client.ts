/**
 * A raw IMAP client for protocol-level tests: sends exactly the bytes given and reads responses
 * the way they come off the wire (a response line with its literals inline), so tests can assert
 * on the exact server output.
 */
import { RawWire, openSocket, type OpenOptions } from './raw-wire.ts';
import { PASSWORD, type TestServer } from './server.ts';
import { deliver } from './pop3-client.ts';
import { addUser } from '../../src/directory/accounts.ts';

export interface Reply {
  /** The tagged completion line, e.g. "a1 OK [READ-WRITE] SELECT completed". */
  tagged: string;
  /** Untagged responses ("* ..." and "+ ..."), each with its literals inline. */
  untagged: string[];
}

export class RawImap extends RawWire {
  private n = 0;
  greeting = '';

  static async open(port: number, opts: OpenOptions & { greeting?: boolean } = {}): Promise<RawImap> {
    const c = new RawImap(await openSocket(port, opts));
    if (opts.greeting !== false) {
      c.greeting = await c.response();
      if (!c.greeting.startsWith('* OK')) throw new Error(`greeting ${c.greeting}`);
    }
    return c;
  }

  /** One response: a line, with any literals it announces ({n} / ~{n}) read inline. */
  async response(timeoutMs = 10000): Promise<string> {
    return (await this.responseBytes(timeoutMs)).toString('utf8');
  }

  /** One response as raw octets (for binary literals, which UTF-8 decoding would mangle). */
  async responseBytes(timeoutMs = 10000): Promise<Buffer> {
    return this.waitFor(() => {
      let pos = 0;
      let out = Buffer.alloc(0);
      for (;;) {
        const i = this.buf.indexOf('\r\n', pos);
        if (i < 0) return null;
        const line = this.buf.subarray(pos, i);
        out = Buffer.concat([out, line]);
        const m = /~?\{(\d+)\}$/.exec(line.toString('latin1'));
        if (!m) {
          this.buf = this.buf.subarray(i + 2);
          return out;
        }
        const size = Number(m[1]);
        if (this.buf.length < i + 2 + size) return null;
        out = Buffer.concat([out, Buffer.from('\r\n'), this.buf.subarray(i + 2, i + 2 + size)]);
        pos = i + 2 + size;
      }
    }, timeoutMs);
  }

  /** True when a complete response is already buffered. */
  get pending(): number {
    return this.buf.length;
  }

  nextTag(): string {
    return `a${++this.n}`;
  }

  /** Reads responses until the tagged one for `tag`. */
  async until(tag: string, timeoutMs = 10000): Promise<Reply> {
    const untagged: string[] = [];
    for (;;) {
      const r = await this.response(timeoutMs);
      if (r.startsWith(`${tag} `)) return { tagged: r, untagged };
      untagged.push(r);
    }
  }

  /** Sends "tag command" and reads up to its tagged response. */
  async cmd(command: string, timeoutMs?: number): Promise<Reply> {
    const tag = this.nextTag();
    this.write(`${tag} ${command}\r\n`);
    return this.until(tag, timeoutMs);
  }

  async login(user: string, pass: string): Promise<Reply> {
    return this.cmd(`LOGIN ${quote(user)} ${quote(pass)}`);
  }

  /** STARTTLS and the TLS handshake over the same socket. */
  async starttls(): Promise<Reply> {
    const r = await this.cmd('STARTTLS');
    if (!/ OK /.test(r.tagged)) return r;
    await this.upgradeTls();
    return r;
  }
}

/** "APPEND mailbox {n+}" CRLF message: a non-synchronizing literal (RFC 7888) of the right size. */
export function appendCommand(mailbox: string, message: string, extra = ''): string {
  return `APPEND ${quote(mailbox)}${extra ? ` ${extra}` : ''} {${Buffer.byteLength(message)}+}\r\n${message}`;
}

export function quote(s: string): string {
  return `"${s.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

/** A logged-in client over implicit TLS. */
export async function imapLogin(port: number, user: string, pass: string): Promise<RawImap> {
  const c = await RawImap.open(port, { tls: true });
  const r = await c.login(user, pass);
  if (!/ OK /.test(r.tagged)) throw new Error(`login failed: ${r.tagged}`);
  return c;
}

let users = 0;

/** A fresh user (so tests do not share mailboxes) with these messages delivered to INBOX. */
export async function userWith(srv: TestServer, messages: ReadonlyArray<string | Buffer> = []): Promise<string> {
  const address = `imap${++users}-${process.pid}@example.test`;
  await addUser(srv.app.store, address, PASSWORD, { cramMd5: false });
  for (const m of messages) await deliver(srv, address, m);
  return address;
}

/** A logged-in client with INBOX selected. */
export async function selected(srv: TestServer, address: string, mailbox = 'INBOX'): Promise<RawImap> {
  const c = await imapLogin(srv.port('imaps'), address, PASSWORD);
  const r = await c.cmd(`SELECT ${quote(mailbox)}`);
  if (!/ OK /.test(r.tagged)) throw new Error(`select failed: ${r.tagged}`);
  return c;
}
