/**
 * The lab's SMTP client: types SMTP line by line, the way a person at a telnet prompt (or an
 * attacker's script) does, and records every line with its explanation in the transcript.
 * Replies are read per RFC 5321 §4.2.1 (multi-line "250-" continuation). DATA content is
 * dot-stuffed (§4.5.2) unless sent raw on purpose (the smuggling scenario).
 */
import { Buffer } from 'node:buffer';
import { Conn, type ConnectOptions, type TlsCheck, type TlsResult } from './conn.ts';
import type { Transcript } from './transcript.ts';
import { explainDataLine, explainSmtpCommand, explainSmtpReply } from './explain.ts';

export interface SmtpReply {
  code: number;
  lines: string[];
  /** All lines joined with "\n". */
  text: string;
}

const REPLY = /^(?:\d{3}-[^\n]*\n)*(\d{3})(?: [^\n]*)?\r?\n/;

export class LabSmtp extends Conn {
  private readonly t: Transcript;
  readonly channel: string;
  private readonly timeoutMs: number;

  private constructor(c: { socket: Conn['socket']; tls: TlsResult | null }, t: Transcript, channel: string, peer: string, timeoutMs: number) {
    super(c.socket, peer);
    this.tls = c.tls;
    this.t = t;
    this.channel = channel;
    this.timeoutMs = timeoutMs;
  }

  /** Connects and reads the greeting (which must be 220). */
  static async open(opts: ConnectOptions & { t: Transcript; channel: string }): Promise<LabSmtp> {
    const c = new LabSmtp(await Conn.connect(opts), opts.t, opts.channel, `${opts.host}:${opts.port}`, opts.timeoutMs ?? 10_000);
    if (c.tls) c.t.add(c.channel, '*', `TLS from the first byte (${c.tls.protocol}); certificate ${c.tls.authorized ? 'verified' : `NOT verified: ${c.tls.error}`}`, 'implicit TLS (RFC 8314)');
    const g = await c.read();
    if (g.code !== 220) throw new Error(`${c.peer}: greeting ${g.text}`);
    return c;
  }

  /** Reads one reply and records it. */
  async read(timeoutMs = this.timeoutMs): Promise<SmtpReply> {
    const reply = await this.waitFor(() => {
      const m = REPLY.exec(this.buf.toString('latin1'));
      if (!m) return null;
      this.buf = this.buf.subarray(m[0].length);
      // latin1 above keeps byte offsets; the text itself is UTF-8 (RFC 6531 servers may send it)
      const lines = Buffer.from(m[0], 'latin1').toString('utf8').split(/\r?\n/).filter(Boolean);
      return { code: Number(m[1]), lines, text: lines.join('\n') };
    }, timeoutMs);
    reply.lines.forEach((l, i) => this.t.add(this.channel, 'S', l, i === reply.lines.length - 1 ? explainSmtpReply(reply.code, l) : ''));
    return reply;
  }

  /** Sends one command line (CRLF added), records it with its explanation, and reads the reply. */
  async cmd(line: string, opts: { why?: string; timeoutMs?: number } = {}): Promise<SmtpReply> {
    this.t.add(this.channel, 'C', line, opts.why ?? explainSmtpCommand(line));
    this.write(`${line}\r\n`);
    return this.read(opts.timeoutMs);
  }

  /** STARTTLS, then the TLS handshake, checking the certificate for `check.servername`. */
  async starttls(check: TlsCheck): Promise<{ reply: SmtpReply; tls: TlsResult | null }> {
    const reply = await this.cmd('STARTTLS');
    if (reply.code !== 220) return { reply, tls: null };
    const tls = await this.upgrade(check);
    this.t.add(this.channel, '*', `TLS handshake done (${tls.protocol}); certificate of ${check.servername} ${tls.authorized ? 'verified' : `NOT verified: ${tls.error}`}`, 'from here on the line is encrypted');
    return { reply, tls };
  }

  /** AUTH PLAIN with an initial response (RFC 4616, RFC 4954 §4). */
  authPlain(user: string, password: string): Promise<SmtpReply> {
    return this.cmd(`AUTH PLAIN ${Buffer.from(`\0${user}\0${password}`).toString('base64')}`);
  }

  /**
   * DATA, then the message (CRLF lines, dot-stuffed), then "." Returns the reply to DATA when it is
   * not 354, else the reply after the message.
   */
  async data(message: string): Promise<SmtpReply> {
    const go = await this.cmd('DATA');
    if (go.code !== 354) return go;
    const lines = message.replace(/\r\n$/, '').split('\r\n');
    let inBody = false;
    for (const l of lines) {
      this.t.add(this.channel, 'C', l, explainDataLine(l, inBody));
      if (l === '') inBody = true;
    }
    this.t.add(this.channel, 'C', '.', explainDataLine('.', true));
    this.write(`${lines.map((l) => (l.startsWith('.') ? `.${l}` : l)).join('\r\n')}\r\n.\r\n`);
    return this.read();
  }

  /** Sends bytes exactly as given (no CRLF fix-up, no dot-stuffing) and records `shown`. */
  raw(bytes: Buffer, shown: string, why: string): void {
    this.t.add(this.channel, 'C', shown, why);
    this.write(bytes);
  }

  async quit(): Promise<void> {
    try {
      if (!this.closed) await this.cmd('QUIT', { timeoutMs: 2000 });
    } catch {
      // the server may close first; nothing to wait for
    } finally {
      this.close();
    }
  }
}
