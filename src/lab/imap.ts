/**
 * The lab's IMAP client (RFC 9051): how the recipient of a lab message reads it. Logs in over
 * implicit TLS (RFC 8314), opens a folder read-only (EXAMINE, so nothing is marked seen), finds a
 * message by subject (UID SEARCH) and reads its header or whole text (UID FETCH BODY.PEEK[...]).
 * Every line goes into the transcript; literal message data is summarised, not dumped.
 */
import { Buffer } from 'node:buffer';
import { Conn, type ConnectOptions, type TlsResult } from './conn.ts';
import type { Transcript } from './transcript.ts';
import { explainImapCommand, explainImapResponse } from './explain.ts';

export interface ImapReply {
  tagged: string;
  /** Untagged responses, each with its literals inline. */
  untagged: Buffer[];
}

const quote = (s: string) => `"${s.replace(/[\\"]/g, (c) => `\\${c}`)}"`;

export class LabImap extends Conn {
  private readonly t: Transcript;
  readonly channel: string;
  private n = 0;

  private constructor(c: { socket: Conn['socket']; tls: TlsResult | null }, t: Transcript, channel: string, peer: string) {
    super(c.socket, peer);
    this.tls = c.tls;
    this.t = t;
    this.channel = channel;
  }

  static async open(opts: ConnectOptions & { t: Transcript; channel: string }): Promise<LabImap> {
    const c = new LabImap(await Conn.connect(opts), opts.t, opts.channel, `${opts.host}:${opts.port}`);
    if (c.tls) c.t.add(c.channel, '*', `TLS from the first byte (${c.tls.protocol}); certificate ${c.tls.authorized ? 'verified' : `NOT verified: ${c.tls.error}`}`, 'implicit TLS (RFC 8314)');
    const greeting = (await c.response(opts.timeoutMs ?? 10_000)).toString('utf8');
    c.record('S', greeting);
    if (!greeting.startsWith('* OK')) throw new Error(`${c.peer}: IMAP greeting ${greeting}`);
    return c;
  }

  private record(who: 'C' | 'S', line: string): void {
    // Literal data ({n} CRLF bytes) is message content: show its size, not the bytes.
    const m = /^(.*?\{(\d+)\})\r\n/s.exec(line);
    const shown = m ? `${m[1]} ...${m[2]} octets of message data...${line.endsWith(')') ? ')' : ''}` : line;
    this.t.add(this.channel, who, shown, who === 'C' ? explainImapCommand(line) : explainImapResponse(line));
  }

  /** One response: a line, with the literals it announces read inline. */
  private response(timeoutMs: number): Promise<Buffer> {
    return this.waitFor(() => {
      let pos = 0;
      const parts: Buffer[] = [];
      for (;;) {
        const i = this.buf.indexOf('\r\n', pos);
        if (i < 0) return null;
        const line = this.buf.subarray(pos, i);
        parts.push(line);
        const m = /~?\{(\d+)\}$/.exec(line.toString('latin1'));
        if (!m) {
          this.buf = this.buf.subarray(i + 2);
          return Buffer.concat(parts);
        }
        const size = Number(m[1]);
        if (this.buf.length < i + 2 + size) return null;
        parts.push(Buffer.from('\r\n'), this.buf.subarray(i + 2, i + 2 + size));
        pos = i + 2 + size;
      }
    }, timeoutMs);
  }

  async cmd(command: string, timeoutMs = 10_000): Promise<ImapReply> {
    const tag = `a${++this.n}`;
    this.record('C', `${tag} ${command}`);
    this.write(`${tag} ${command}\r\n`);
    const untagged: Buffer[] = [];
    for (;;) {
      const r = await this.response(timeoutMs);
      const text = r.toString('utf8');
      this.record('S', text);
      if (text.startsWith(`${tag} `)) return { tagged: text, untagged };
      untagged.push(r);
    }
  }

  async login(user: string, password: string): Promise<boolean> {
    return / OK /.test((await this.cmd(`LOGIN ${quote(user)} ${quote(password)}`)).tagged);
  }

  /** Opens `folder` read-only; false when it does not exist. */
  async examine(folder: string): Promise<boolean> {
    return / OK /.test((await this.cmd(`EXAMINE ${quote(folder)}`)).tagged);
  }

  /** UIDs of messages whose Subject contains `text` (RFC 9051 §6.4.4 SUBJECT). */
  async searchSubject(text: string): Promise<number[]> {
    const r = await this.cmd(`UID SEARCH SUBJECT ${quote(text)}`);
    const line = r.untagged.map((b) => b.toString('utf8')).find((l) => /^\* (E?SEARCH)\b/i.test(l)) ?? '';
    return (/^\* SEARCH((?: \d+)*)/i.exec(line)?.[1] ?? '').trim().split(/\s+/).filter(Boolean).map(Number);
  }

  /** The header section (or whole message) of one message, as stored. */
  async fetch(uid: number, part: 'HEADER' | '' = ''): Promise<Buffer | null> {
    const r = await this.cmd(`UID FETCH ${uid} (BODY.PEEK[${part}])`);
    for (const u of r.untagged) {
      const i = u.indexOf('}\r\n');
      const m = /\{(\d+)\}$/.exec(u.subarray(0, i + 1).toString('latin1'));
      if (i >= 0 && m) return u.subarray(i + 3, i + 3 + Number(m[1]));
    }
    return null;
  }

  async logout(): Promise<void> {
    try {
      if (!this.closed) await this.cmd('LOGOUT', 2000);
    } catch {
      // the server closes after BYE
    } finally {
      this.close();
    }
  }
}
