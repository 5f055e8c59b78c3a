/**
 * A tiny ClamAV daemon stand-in for tests: a real socket peer on 127.0.0.1 (or a unix socket)
 * speaking the INSTREAM protocol (clamd.ts): it reads "zINSTREAM\0" and length-prefixed chunks
 * up to the zero-length one, then answers like clamd. What it answers is decided by `mode`:
 *
 *   scan      "stream: Eicar-Test-Signature FOUND" when the data holds the EICAR test string,
 *             else "stream: OK"
 *   limit     "INSTREAM size limit exceeded. ERROR" once more than `limit` octets arrived
 *   hang      never answers (timeouts)
 *   close     closes the connection at once
 */
import { createServer, type Server, type Socket } from 'node:net';

export const EICAR = 'X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*';

export interface FakeClamd {
  server: Server;
  /** "127.0.0.1:port" or the socket path. */
  address: string;
  /** Octets of message data received by each finished scan. */
  scans: number[];
  close(): Promise<void>;
}

export async function startFakeClamd(mode: 'scan' | 'limit' | 'hang' | 'close' = 'scan', opts: { path?: string; limit?: number } = {}): Promise<FakeClamd> {
  const scans: number[] = [];
  const sockets = new Set<Socket>();
  const server = createServer((sock) => {
    sockets.add(sock);
    sock.on('close', () => sockets.delete(sock));
    sock.on('error', () => undefined);
    if (mode === 'close') {
      sock.destroy();
      return;
    }
    let buf = Buffer.alloc(0);
    let started = false;
    const data: Buffer[] = [];
    let size = 0;
    let answered = false;
    sock.on('data', (d: Buffer) => {
      if (answered) return;
      buf = Buffer.concat([buf, d]);
      if (!started) {
        const nul = buf.indexOf(0);
        if (nul < 0) return;
        if (buf.toString('latin1', 0, nul) !== 'zINSTREAM') {
          sock.end('UNKNOWN COMMAND\0');
          return;
        }
        started = true;
        buf = buf.subarray(nul + 1);
      }
      while (buf.length >= 4) {
        const len = buf.readUInt32BE(0);
        if (len === 0) {
          answered = true;
          scans.push(size);
          if (mode === 'hang') return;
          const all = Buffer.concat(data).toString('latin1');
          sock.end(all.includes(EICAR) ? 'stream: Eicar-Test-Signature FOUND\0' : 'stream: OK\0');
          return;
        }
        if (buf.length < 4 + len) return;
        data.push(Buffer.from(buf.subarray(4, 4 + len)));
        size += len;
        buf = buf.subarray(4 + len);
        if (mode === 'limit' && size > (opts.limit ?? 1024)) {
          answered = true;
          sock.end('INSTREAM size limit exceeded. ERROR\0');
          return;
        }
      }
    });
  });
  await new Promise<void>((resolve) => (opts.path ? server.listen(opts.path, resolve) : server.listen(0, '127.0.0.1', resolve)));
  const a = server.address();
  const address = typeof a === 'string' ? a : `127.0.0.1:${a!.port}`;
  return {
    server,
    address,
    scans,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
