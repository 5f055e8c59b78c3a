/**
 * The spool of a message being appended (IMAP APPEND, RFC 9051 §6.3.12): holds the octets while
 * they arrive, in memory up to `memoryLimit`, then in a file under data_dir/spool, so memory per
 * upload stays bounded whatever the message size. `finish()` hands the store a body it commits
 * durably (store/ports.ts BlobSource): a Buffer, or a file fsync'd before the store names it (the
 * store moves it into blobs/ and fsyncs that directory before COMMIT).
 *
 * The approach of the SMTP spool (inbound/spool.ts), without its trace-header handling. Spool
 * files of uploads that never completed are removed at start (store/sqlite/store.ts cleanSpool).
 * A failed write (disk full) is remembered, later octets are dropped, and `finish()` throws it:
 * the connection stays usable, the APPEND fails.
 */
import { open, rename, unlink, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { BlobSource } from '../store/ports.ts';

export interface AppendSpoolOptions {
  /** data_dir/spool */
  dir: string;
  /** Octets kept in memory before the spool moves to a file. */
  memoryLimit: number;
}

export class AppendSpool {
  private readonly opts: AppendSpoolOptions;
  private chunks: Buffer[] = [];
  private file: FileHandle | null = null;
  private path: string | null = null;
  private failure: unknown = null;
  private done = false;
  /** Octets received so far. */
  size = 0;

  constructor(opts: AppendSpoolOptions) {
    this.opts = opts;
  }

  /** Whether the octets went to a file (past the memory limit). */
  get onDisk(): boolean {
    return this.path !== null;
  }

  async write(chunk: Buffer): Promise<void> {
    if (this.failure !== null || this.done) return;
    this.size += chunk.length;
    if (!this.file && this.size <= this.opts.memoryLimit) {
      this.chunks.push(chunk);
      return;
    }
    try {
      if (!this.file) {
        this.path = join(this.opts.dir, `append-${Date.now()}-${randomBytes(8).toString('hex')}.part`);
        this.file = await open(this.path, 'wx', 0o600);
        for (const c of this.chunks) await this.file.write(c);
        this.chunks = [];
      }
      await this.file.write(chunk);
    } catch (e) {
      this.failure = e;
      await this.discard();
    }
  }

  /** The complete message, ready for store.ingest; a file is fsync'd first. */
  async finish(): Promise<BlobSource> {
    if (this.failure !== null) throw this.failure;
    if (this.done) throw new Error('append spool already finished');
    this.done = true;
    if (!this.file || !this.path) {
      const data = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks, this.size);
      this.chunks = [];
      return { kind: 'buffer', data };
    }
    const fh = this.file;
    this.file = null;
    try {
      await fh.sync(); // durable before the store commits a row naming it
    } finally {
      await fh.close();
    }
    const complete = this.path.replace(/\.part$/, '.eml');
    await rename(this.path, complete);
    // A committed store moved it into blobs/; if the commit failed it is still here, and
    // discard() removes it.
    this.path = complete;
    return { kind: 'file', path: complete, size: this.size };
  }

  /**
   * Drops whatever was received (a refused or failed APPEND, a closed connection); after a
   * successful commit there is nothing left to drop. Call it once the APPEND is over, always.
   */
  async discard(): Promise<void> {
    this.chunks = [];
    const fh = this.file;
    const path = this.path;
    this.file = null;
    this.path = null;
    if (fh) await fh.close().catch(() => undefined);
    if (path) await unlink(path).catch(() => undefined);
  }
}
