/**
 * The wire between two lab servers: a TCP relay that every connection from gmail.test's outbound
 * queue to icloud.test's MX passes through (gmail.test's `[outbound] port_map` sends it here). It
 * stands for the routers on the path between two mail servers, and so for whoever controls one.
 *
 *  - mode "pass" (default): forwards the bytes unchanged and records what an eavesdropper on the
 *    path sees: the commands in clear until STARTTLS (RFC 3207), then only ciphertext.
 *  - mode "tamper": a man in the middle. It removes STARTTLS from the EHLO reply (a "STARTTLS
 *    stripping" attack, RFC 3207 §6 and RFC 8461 §1), so the opportunistic sender falls back to
 *    clear text, and it rewrites a text in the message body on the way (DKIM's body hash must
 *    catch that, RFC 6376 §3.7).
 *
 * Transparent: it connects onwards from the sending server's own address (a path attacker keeps
 * the source address), so the receiver's SPF check sees the real sender. Loopback only: it listens
 * where it is told (an address of the receiving lab host) and forwards to one fixed target.
 * Never: buffer without bound (lines are cut at 64 KiB), or keep connections beyond the idle timeout.
 */
import { createServer, connect as netConnect, type Server, type Socket } from 'node:net';
import { Buffer } from 'node:buffer';

export type WireMode = { kind: 'pass' } | { kind: 'tamper'; replace: { from: string; to: string } };

export interface WireEvent {
  /** C: the sending server, S: the receiving server, W: the wire itself (what it did). */
  who: 'C' | 'S' | 'W';
  text: string;
  why: string;
}

export interface WireEndpoint {
  host: string;
  port: number;
}

const IDLE_MS = 30_000;
const MAX_LINE = 64 * 1024;

export class Wire {
  mode: WireMode = { kind: 'pass' };
  /** Where events go (the current scenario's transcript); null: nowhere. */
  onEvent: ((e: WireEvent) => void) | null = null;
  /** Connections that were relayed, and how many had STARTTLS removed. */
  readonly stats = { connections: 0, stripped: 0, rewritten: 0 };
  private server: Server | null = null;
  private readonly sockets = new Set<Socket>();
  address: WireEndpoint | null = null;

  private readonly target: () => WireEndpoint;

  /** `target`: where connections are forwarded (asked per connection). */
  constructor(target: () => WireEndpoint) {
    this.target = target;
  }

  private emit(who: WireEvent['who'], text: string, why = ''): void {
    this.onEvent?.({ who, text, why });
  }

  async listen(at: WireEndpoint): Promise<WireEndpoint> {
    const server = createServer((client) => this.relay(client));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(at.port, at.host, () => resolve());
    });
    const a = server.address() as { port: number };
    this.address = { host: at.host, port: a.port };
    return this.address;
  }

  private track(s: Socket): void {
    this.sockets.add(s);
    s.setTimeout(IDLE_MS, () => s.destroy());
    s.on('close', () => this.sockets.delete(s));
    s.on('error', () => undefined);
  }

  private relay(client: Socket): void {
    this.track(client);
    this.stats.connections++;
    const mode = this.mode;
    const source = (client.remoteAddress ?? '').replace(/^::ffff:/, '');
    const t = this.target();
    const upstream = netConnect({ host: t.host, port: t.port, ...(source ? { localAddress: source } : {}) });
    this.track(upstream);
    upstream.on('close', () => client.destroy());
    client.on('close', () => upstream.destroy());
    client.pause();
    upstream.once('connect', () => {
      this.emit('W', `connection ${source} -> ${t.host}:${t.port} relayed (${mode.kind === 'pass' ? 'honest router' : 'MAN IN THE MIDDLE'})`);
      client.resume();
      if (mode.kind === 'pass') this.pass(client, upstream);
      else this.tamper(client, upstream, mode.replace);
    });
  }

  /** Forwards bytes unchanged; records the clear-text lines an eavesdropper could read. */
  private pass(client: Socket, upstream: Socket): void {
    let encrypted = false;
    let startTlsAsked = false;
    let secretBytes = 0;
    const seen = (who: 'C' | 'S') => {
      let pending = '';
      return (chunk: Buffer) => {
        if (encrypted) {
          secretBytes += chunk.length;
          return;
        }
        pending += chunk.toString('latin1');
        let i: number;
        while ((i = pending.indexOf('\r\n')) >= 0) {
          const line = pending.slice(0, i);
          pending = pending.slice(i + 2);
          this.emit(who, line, 'readable by anyone on the path: not yet encrypted');
          if (who === 'C' && /^STARTTLS$/i.test(line)) startTlsAsked = true;
          if (who === 'S' && startTlsAsked && /^220 /.test(line)) {
            encrypted = true;
            this.emit('W', 'TLS handshake: from here on the wire carries only ciphertext');
          }
        }
        if (pending.length > MAX_LINE) pending = '';
      };
    };
    const c = seen('C');
    const s = seen('S');
    client.on('data', (d: Buffer) => {
      c(d);
      upstream.write(d);
    });
    upstream.on('data', (d: Buffer) => {
      s(d);
      client.write(d);
    });
    upstream.on('close', () => {
      if (encrypted) this.emit('W', `${secretBytes} octets of TLS ciphertext passed (the message itself: unreadable and unchangeable on the path)`);
    });
  }

  /** Line by line: STARTTLS removed from EHLO replies, the body rewritten inside DATA. */
  private tamper(client: Socket, upstream: Socket, replace: { from: string; to: string }): void {
    let inData = false;
    let reply: string[] = [];
    let fromServer = '';
    let fromClient = '';
    upstream.on('data', (d: Buffer) => {
      fromServer += d.toString('latin1');
      let i: number;
      while ((i = fromServer.indexOf('\r\n')) >= 0) {
        const line = fromServer.slice(0, i);
        fromServer = fromServer.slice(i + 2);
        reply.push(line);
        if (/^\d{3}-/.test(line)) continue; // RFC 5321 §4.2.1: more lines of this reply follow
        const lines = reply;
        reply = [];
        const kept = lines.filter((l) => !/^\d{3}[ -]STARTTLS\s*$/i.test(l));
        if (kept.length !== lines.length) {
          this.stats.stripped++;
          // the last line of a reply uses "250 ", the others "250-"
          kept[kept.length - 1] = kept[kept.length - 1]!.replace(/^(\d{3})-/, '$1 ');
          for (const l of lines) this.emit('S', l, /STARTTLS/i.test(l) ? 'the receiver offers TLS ...' : '');
          this.emit('W', 'removed "250-STARTTLS" from the EHLO reply: the sender now believes TLS is not available', 'STARTTLS stripping');
        } else for (const l of lines) this.emit('S', l);
        if (/^354 /.test(lines[lines.length - 1]!)) inData = true;
        client.write(kept.map((l) => `${l}\r\n`).join(''), 'latin1');
      }
      if (fromServer.length > MAX_LINE) fromServer = '';
    });
    client.on('data', (d: Buffer) => {
      fromClient += d.toString('latin1');
      let i: number;
      while ((i = fromClient.indexOf('\r\n')) >= 0) {
        let line = fromClient.slice(0, i);
        fromClient = fromClient.slice(i + 2);
        if (inData) {
          if (line === '.') inData = false;
          else if (line.includes(replace.from)) {
            const changed = line.split(replace.from).join(replace.to);
            this.stats.rewritten++;
            this.emit('W', `rewrote a body line: "${line}" -> "${changed}"`, 'the man in the middle changes the message');
            line = changed;
          }
        } else this.emit('C', line, 'in clear text: the sender fell back to plain SMTP');
        upstream.write(`${line}\r\n`, 'latin1');
      }
      if (fromClient.length > MAX_LINE) fromClient = '';
    });
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    const server = this.server;
    this.server = null;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
