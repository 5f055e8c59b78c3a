/**
 * The socket side shared by the raw SMTP, POP3 and IMAP test clients: connect (plain or TLS, from
 * a chosen loopback address); buffering, deadline waits and the in-place TLS upgrade come from the
 * lab's client connection (src/lab/conn.ts). Each client adds only its protocol's framing.
 */
import { connect, type Socket } from 'node:net';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import { Conn } from '../../src/lab/conn.ts';

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

/** The lab's client connection (src/lab/conn.ts) with the tests' conveniences. */
export class RawWire extends Conn {
  protected constructor(socket: Socket | TLSSocket) {
    super(socket, `127.0.0.1:${socket.remotePort ?? '?'}`);
  }

  /** The TLS handshake over the same connection, after the server said yes to STARTTLS/STLS (certificate not checked). */
  protected async upgradeTls(): Promise<void> {
    await this.upgrade({ servername: 'localhost', ca: [] });
  }
}
