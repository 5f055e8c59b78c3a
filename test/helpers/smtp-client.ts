/**
 * A raw SMTP client for protocol-level tests: sends exactly the bytes given and reads replies,
 * so tests can type SMTP the way a person (or an attacker) at a telnet prompt would.
 */
import { RawWire, openSocket, type OpenOptions } from './raw-wire.ts';

export interface SmtpReply {
  code: number;
  lines: string[];
  text: string;
}

export class RawSmtp extends RawWire {
  static async open(port: number, opts: OpenOptions & { greeting?: boolean } = {}): Promise<RawSmtp> {
    const c = new RawSmtp(await openSocket(port, opts));
    if (opts.greeting !== false) {
      const g = await c.read();
      if (g.code !== 220) throw new Error(`greeting ${g.text}`);
    }
    return c;
  }

  /** Reads one (possibly multi-line) reply; rejects after `timeoutMs`. */
  async read(timeoutMs = 5000): Promise<SmtpReply> {
    return this.waitFor(() => {
      // latin1 maps bytes 1:1, so a match's length is its length in bytes
      const m = /^(?:\d{3}-[^\n]*\n)*(\d{3})(?: [^\n]*)?\r?\n/.exec(this.buf.toString('latin1'));
      if (!m) return null;
      const block = m[0];
      this.buf = this.buf.subarray(block.length);
      const lines = block.split(/\r?\n/).filter(Boolean);
      return { code: Number(m[1]), lines, text: lines.join('\n') };
    }, timeoutMs);
  }

  /** Sends one command line (CRLF added) and reads the reply. */
  async cmd(line: string, timeoutMs?: number): Promise<SmtpReply> {
    this.write(`${line}\r\n`);
    return this.read(timeoutMs);
  }

  async startTls(): Promise<void> {
    const r = await this.cmd('STARTTLS');
    if (r.code !== 220) throw new Error(`STARTTLS: ${r.text}`);
    await this.upgradeTls();
  }
}

export function plain(user: string, pass: string): string {
  return Buffer.from(`\0${user}\0${pass}`).toString('base64');
}

export function message(from: string, to: string, subject: string, body = 'Hello.\r\n', extra = ''): string {
  return `From: ${from}\r\nTo: ${to}\r\nSubject: ${subject}\r\nDate: Sat, 28 Nov 2026 12:00:00 +0000\r\nMessage-ID: <${Math.random().toString(36).slice(2)}@test>\r\n${extra}\r\n${body}`;
}
