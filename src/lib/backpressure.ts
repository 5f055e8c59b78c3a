/**
 * Writing to a session's socket with backpressure, shared by the POP3 and IMAP sessions: a large
 * RETR or FETCH waits for the client to read instead of piling up in memory.
 */
import type { Socket } from 'node:net';

/**
 * Writes `data`; when the socket's buffer is full, flushes corked output (corked data never
 * drains) and waits for 'drain' or 'close', then restores the cork depth the caller had.
 */
export async function writeDrained(s: Socket, data: string | Buffer): Promise<void> {
  if (s.destroyed) return;
  if (s.write(data)) return;
  let corks = 0;
  while (s.writableCorked) {
    s.uncork();
    corks++;
  }
  if (s.writableNeedDrain && !s.destroyed) {
    await new Promise<void>((resolve) => {
      const done = () => {
        s.off('drain', done);
        s.off('close', done);
        resolve();
      };
      s.on('drain', done);
      s.on('close', done);
    });
  }
  for (let i = 0; i < corks && !s.destroyed; i++) s.cork();
}
