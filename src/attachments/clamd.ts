/**
 * The ClamAV daemon's INSTREAM command (clamd(8), "INSTREAM": "It is mandatory to prefix this
 * command with n or z. Data is sent in chunks: each chunk is an unsigned 4-byte integer length in
 * network byte order followed by that many octets; a zero-length chunk ends the stream").
 *
 *   -> "zINSTREAM\0" <len><data>... <0000>
 *   <- "stream: OK\0" | "stream: <signature> FOUND\0" | "<reason> ERROR\0"
 *
 * clamd answers "INSTREAM size limit exceeded. ERROR" past its StreamMaxLength. We send the raw
 * message (clamd decodes MIME and archives itself). Optional and never required: the caller
 * decides what an error means ([attachments] clamd_on_error). Bounded: one deadline for the whole
 * exchange, the reply is read up to MAX_REPLY octets, the connection is always closed.
 */
import { connect, type Socket } from 'node:net';

export type ClamdTarget = { kind: 'tcp'; host: string; port: number } | { kind: 'unix'; path: string };

export type ClamdResult = { result: 'clean' } | { result: 'virus'; signature: string } | { result: 'error'; error: string };

const MAX_REPLY = 4096;
/** Chunk size sent per INSTREAM length prefix. */
export const CHUNK = 64 * 1024;

/** "host:port", "[v6]:port", or an absolute path to a unix socket; null when unusable. */
export function parseClamdTarget(spec: string): ClamdTarget | null {
  const s = spec.trim();
  if (s === '') return null;
  if (s.startsWith('/') || s.startsWith('unix:')) return { kind: 'unix', path: s.replace(/^unix:/, '') };
  const m = /^\[([^\]]+)\]:(\d{1,5})$/.exec(s) ?? /^([^:]+):(\d{1,5})$/.exec(s);
  if (!m) return null;
  const port = Number(m[2]);
  return port >= 1 && port <= 65535 ? { kind: 'tcp', host: m[1]!, port } : null;
}

/** Parses clamd's reply to INSTREAM. */
export function parseClamdReply(reply: string): ClamdResult {
  const r = reply.replace(/\0/g, '').trim();
  if (/^stream: OK$/.test(r)) return { result: 'clean' };
  const found = /^stream: (.+) FOUND$/.exec(r);
  if (found) return { result: 'virus', signature: found[1]! };
  return { result: 'error', error: r === '' ? 'empty reply' : r.slice(0, 200) };
}

function write(sock: Socket, b: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    sock.write(b, (err) => (err ? reject(err) : resolve()));
  });
}

/** Streams `content` to clamd and returns its verdict; never throws. */
export async function clamdScan(target: ClamdTarget, content: AsyncIterable<Buffer>, timeoutMs: number): Promise<ClamdResult> {
  const sock = target.kind === 'unix' ? connect({ path: target.path }) : connect({ host: target.host, port: target.port });
  let reply = '';
  let failure: string | null = null;
  const done = new Promise<void>((resolve) => {
    sock.on('data', (d: Buffer) => {
      reply += d.toString('latin1');
      if (reply.length > MAX_REPLY || reply.includes('\0')) sock.end();
    });
    sock.on('error', (e) => {
      failure ??= e.message;
      resolve();
    });
    sock.on('close', () => resolve());
  });
  const timer = setTimeout(() => {
    failure ??= `no answer within ${timeoutMs} ms`;
    sock.destroy();
  }, timeoutMs);
  try {
    await new Promise<void>((resolve, reject) => {
      sock.once('connect', resolve);
      sock.once('error', reject);
    });
    await write(sock, Buffer.from('zINSTREAM\0', 'latin1'));
    for await (const chunk of content) {
      for (let off = 0; off < chunk.length; off += CHUNK) {
        const part = chunk.subarray(off, off + CHUNK);
        const len = Buffer.alloc(4);
        len.writeUInt32BE(part.length);
        await write(sock, Buffer.concat([len, part]));
        if (reply !== '' || failure !== null) break; // clamd answered early (size limit): stop sending
      }
      if (reply !== '' || failure !== null) break;
    }
    if (reply === '' && failure === null) await write(sock, Buffer.alloc(4));
  } catch (e) {
    failure ??= e instanceof Error ? e.message : String(e);
    sock.destroy();
  }
  await done;
  clearTimeout(timer);
  sock.destroy();
  if (reply !== '') return parseClamdReply(reply.slice(0, MAX_REPLY));
  return { result: 'error', error: failure ?? 'connection closed without a reply' };
}
