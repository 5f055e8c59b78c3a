/**
 * Writing responses to the socket with backpressure: a FETCH of a large message or of a whole
 * mailbox waits for the client to read instead of piling up in memory. Streamed literals
 * (encoder.ts StreamPart) must deliver exactly the announced number of octets; if the source
 * fails or disagrees, the connection cannot be resynchronised and WireBroken is thrown for the
 * session to close it.
 */
import type { Socket } from 'node:net';
import type { WirePart } from '../imap/encoder.ts';
import { writeDrained } from '../lib/backpressure.ts';

export class WireBroken extends Error {
  override readonly name = 'WireBroken';
}

/** Writes one chunk with backpressure; a closed connection is a broken wire for the session. */
async function writeChunk(s: Socket, data: string | Buffer): Promise<void> {
  if (s.destroyed) throw new WireBroken('connection closed');
  await writeDrained(s, data);
}

export async function writeParts(s: Socket, parts: readonly WirePart[]): Promise<void> {
  for (const p of parts) {
    if (typeof p === 'string' || Buffer.isBuffer(p)) {
      await writeChunk(s, p);
      continue;
    }
    let sent = 0;
    try {
      for await (const chunk of p.source) {
        const room = p.size - sent;
        if (room <= 0) break;
        const c = Buffer.from(chunk.buffer, chunk.byteOffset, Math.min(chunk.byteLength, room));
        await writeChunk(s, c);
        sent += c.length;
      }
    } catch (e) {
      throw new WireBroken(`message stream failed: ${e instanceof Error ? e.message : String(e)}`);
    }
    if (sent !== p.size) throw new WireBroken(`message stream gave ${sent} of ${p.size} octets`);
  }
}
