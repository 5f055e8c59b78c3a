/**
 * The message spool: holds a message while DATA is received. Small messages stay in memory; once a
 * message passes `memoryLimit` bytes it streams to a file under data_dir/spool, so memory per
 * connection stays bounded whatever the message size. `finish` adds the trace/prefix headers and
 * returns a body the store can commit durably (a buffer, or an fsync'd file).
 */
import { open, unlink, readFile, type FileHandle } from 'node:fs/promises';
import { createReadStream } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { BlobSource } from '../store/ports.ts';
import { headerEnd } from '../mail/headers.ts';

export interface SpoolOptions {
  spoolDir: string;
  memoryLimit: number;
  maxHeaderSize: number;
}

export class MessageSpool {
  private readonly opts: SpoolOptions;
  private chunks: Buffer[] = [];
  private memSize = 0;
  private file: FileHandle | null = null;
  private filePath: string | null = null;
  size = 0;
  /** Header-section tracking: the first bytes of the message until the blank line. */
  private head: Buffer = Buffer.alloc(0);
  private headDone = false;
  headerTooBig = false;

  constructor(opts: SpoolOptions) {
    this.opts = opts;
  }

  async write(chunk: Buffer): Promise<void> {
    this.size += chunk.length;
    if (!this.headDone) this.trackHeader(chunk);
    if (!this.file && this.memSize + chunk.length <= this.opts.memoryLimit) {
      this.chunks.push(chunk);
      this.memSize += chunk.length;
      return;
    }
    if (!this.file) {
      this.filePath = join(this.opts.spoolDir, `${Date.now()}-${randomBytes(8).toString('hex')}.part`);
      this.file = await open(this.filePath, 'wx', 0o600);
      for (const c of this.chunks) await this.file.write(c);
      this.chunks = [];
      this.memSize = 0;
    }
    await this.file.write(chunk);
  }

  private trackHeader(chunk: Buffer): void {
    const before = this.head.length;
    this.head = Buffer.concat([this.head, chunk.subarray(0, this.opts.maxHeaderSize + 4 - before)]);
    const end = headerEnd(this.head, before);
    if (end >= 0) {
      this.head = this.head.subarray(0, end);
      this.headDone = true;
    } else if (this.head.length > this.opts.maxHeaderSize) {
      this.headerTooBig = true;
      this.headDone = true;
    }
  }

  /** The header section (without the blank line's CRLF), or the whole message if it has no body. */
  headerSection(): Buffer {
    return this.head;
  }

  /** The message as received so far (before `finish`), in chunks: for signing it in one pass. */
  async *content(): AsyncGenerator<Buffer> {
    if (!this.file || !this.filePath) {
      yield* this.chunks;
      return;
    }
    for await (const c of createReadStream(this.filePath, { highWaterMark: 256 * 1024 })) yield c as Buffer;
  }

  /**
   * Completes the message with `prefix` (trace headers) in front and returns it ready for the
   * store. `rewriteHeader`, when given, replaces the header section (e.g. to drop forged
   * Authentication-Results fields); the body is copied untouched.
   */
  async finish(prefix: Buffer, rewriteHeader?: (head: Buffer) => Buffer): Promise<BlobSource> {
    const head = this.head;
    const newHead = rewriteHeader && !this.headerTooBig ? rewriteHeader(head) : head;
    if (!this.file) {
      const whole = Buffer.concat(this.chunks);
      const rest = newHead === head ? whole : whole.subarray(head.length);
      return { kind: 'buffer', data: Buffer.concat(newHead === head ? [prefix, rest] : [prefix, newHead, rest]) };
    }
    await this.file.close();
    this.file = null;
    const tmp = this.filePath!;
    const finalPath = tmp.replace(/\.part$/, '.eml');
    const out = await open(finalPath, 'wx', 0o600);
    let size = prefix.length;
    try {
      await out.write(prefix);
      if (newHead !== head) {
        await out.write(newHead);
        size += newHead.length;
      }
      const start = newHead === head ? 0 : head.length;
      for await (const c of createReadStream(tmp, { highWaterMark: 256 * 1024, start })) {
        await out.write(c as Buffer);
        size += (c as Buffer).length;
      }
      await out.sync(); // durable before the store commits a row naming it
    } finally {
      await out.close();
    }
    await unlink(tmp);
    this.filePath = null;
    return { kind: 'file', path: finalPath, size };
  }

  async discard(): Promise<void> {
    this.chunks = [];
    if (this.file) {
      await this.file.close().catch(() => undefined);
      this.file = null;
    }
    if (this.filePath) {
      await unlink(this.filePath).catch(() => undefined);
      this.filePath = null;
    }
  }
}

/** The bytes of a finished message (a `finish` result) read whole, for sealing and copying. */
export async function readBlobSource(blob: BlobSource): Promise<Buffer> {
  return blob.kind === 'buffer' ? blob.data : readFile(blob.path);
}

/**
 * A further copy of a finished message (forwarded or list mail): `prefix` + the message, its header
 * section replaced by `rewriteHead(head)` when given. Kept in memory up to `memoryLimit`, else
 * written to an fsync'd file in `spoolDir` for the store to commit like any spooled message.
 */
export async function deriveBlob(message: Buffer, opts: { spoolDir: string; memoryLimit: number }, prefix: Buffer, rewriteHead?: (head: Buffer) => Buffer): Promise<BlobSource> {
  const end = headerEnd(message);
  const head = end < 0 ? message : message.subarray(0, end);
  const body = end < 0 ? Buffer.alloc(0) : message.subarray(end);
  const newHead = rewriteHead ? rewriteHead(head) : head;
  const size = prefix.length + newHead.length + body.length;
  if (size <= opts.memoryLimit) return { kind: 'buffer', data: Buffer.concat([prefix, newHead, body]) };
  const path = join(opts.spoolDir, `${Date.now()}-${randomBytes(8).toString('hex')}.eml`);
  const out = await open(path, 'wx', 0o600);
  try {
    for (const part of [prefix, newHead, body]) await out.writeFile(part); // writes each whole, in order
    await out.sync();
  } finally {
    await out.close();
  }
  return { kind: 'file', path, size };
}
