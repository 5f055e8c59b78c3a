/**
 * The embedded store on node:sqlite (no native addon). WAL journal with synchronous=FULL: a
 * COMMIT returns only after the WAL is fsync'd. Message ingestion uses group commit: requests that
 * arrive in the same event-loop turn share one transaction and one fsync, and each caller is
 * answered only after that commit.
 *
 * Bodies up to the spool threshold live in the blobs table; larger ones are files under
 * data_dir/blobs, fsync'd (file and directory) before the row that names them is committed.
 * Never: answer an ingest before COMMIT, or hold a whole mailbox in memory.
 */
import { DatabaseSync, type StatementSync } from 'node:sqlite';
import { mkdirSync, renameSync, openSync, fsyncSync, closeSync, readdirSync, unlinkSync, existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, basename } from 'node:path';
import { randomInt } from 'node:crypto';
import {
  DEFAULT_MAILBOXES,
  StoreConflict,
  type Alias,
  type Domain,
  type IngestRequest,
  type IngestResult,
  type Mailbox,
  type QueueEntry,
  type Store,
  type StoredMessage,
  type User,
} from '../ports.ts';
import { MIGRATIONS } from './schema.ts';

type Row = Record<string, unknown>;

interface Pending {
  req: IngestRequest;
  resolve: (r: IngestResult) => void;
  reject: (e: unknown) => void;
}

function fsyncDir(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

const now = () => Date.now();

function toDomain(r: Row): Domain {
  return { id: Number(r.id), name: String(r.name), createdAt: Number(r.created_at) };
}
function toUser(r: Row): User {
  return {
    id: Number(r.id),
    address: String(r.address),
    domainId: Number(r.domain_id),
    displayName: String(r.display_name),
    passwordHash: String(r.password_hash),
    cramSecret: (r.cram_secret as string | null) ?? null,
    scram: (r.scram as string | null) ?? null,
    createdAt: Number(r.created_at),
  };
}
function toAlias(r: Row): Alias {
  return { id: Number(r.id), source: String(r.source), targets: JSON.parse(String(r.targets)) as string[], createdAt: Number(r.created_at) };
}
function toMailbox(r: Row): Mailbox {
  return {
    id: Number(r.id),
    userId: Number(r.user_id),
    name: String(r.name),
    specialUse: (r.special_use as string | null) ?? null,
    uidValidity: Number(r.uid_validity),
    uidNext: Number(r.uid_next),
    highestModseq: Number(r.highest_modseq),
    subscribed: Number(r.subscribed) === 1,
  };
}
function toMessage(r: Row): StoredMessage {
  const flags = String(r.flags);
  return {
    id: Number(r.id),
    mailboxId: Number(r.mailbox_id),
    uid: Number(r.uid),
    flags: flags ? flags.split(' ') : [],
    internalDate: Number(r.internal_date),
    size: Number(r.size),
    blobId: Number(r.blob_id),
  };
}

const domainOf = (address: string) => address.slice(address.lastIndexOf('@') + 1);

export interface SqliteStoreOptions {
  dataDir: string;
  /** Defaults to data_dir/mailwarden.db. */
  file?: string;
}

export class SqliteStore implements Store {
  readonly engine = 'sqlite';
  private readonly db: DatabaseSync;
  private readonly blobDir: string;
  private readonly stmts = new Map<string, StatementSync>();
  private pending: Pending[] = [];
  private flushScheduled = false;
  private closed = false;

  constructor(opts: SqliteStoreOptions) {
    mkdirSync(opts.dataDir, { recursive: true, mode: 0o700 });
    this.blobDir = join(opts.dataDir, 'blobs');
    mkdirSync(this.blobDir, { recursive: true });
    this.db = new DatabaseSync(opts.file ?? join(opts.dataDir, 'mailwarden.db'));
    this.db.exec('PRAGMA journal_mode = WAL');
    this.db.exec('PRAGMA synchronous = FULL');
    this.db.exec('PRAGMA busy_timeout = 10000');
    this.db.exec('PRAGMA foreign_keys = ON');
    this.migrate();
  }

  private migrate(): void {
    const version = Number((this.db.prepare('PRAGMA user_version').get() as Row).user_version);
    for (let v = version; v < MIGRATIONS.length; v++) {
      this.db.exec('BEGIN IMMEDIATE');
      try {
        this.db.exec(MIGRATIONS[v]!);
        this.db.exec(`PRAGMA user_version = ${v + 1}`);
        this.db.exec('COMMIT');
      } catch (e) {
        this.db.exec('ROLLBACK');
        throw e;
      }
    }
  }

  private q(sql: string): StatementSync {
    let s = this.stmts.get(sql);
    if (!s) {
      s = this.db.prepare(sql);
      this.stmts.set(sql, s);
    }
    return s;
  }

  private tx<T>(fn: () => T): T {
    this.db.exec('BEGIN IMMEDIATE');
    try {
      const r = fn();
      this.db.exec('COMMIT');
      return r;
    } catch (e) {
      this.db.exec('ROLLBACK');
      throw e;
    }
  }

  // ---- directory -------------------------------------------------------------------------

  async addDomain(name: string): Promise<Domain> {
    if (this.q('SELECT 1 FROM domains WHERE name = ?').get(name)) throw new StoreConflict(`domain ${name} already exists`);
    this.q('INSERT INTO domains (name, created_at) VALUES (?, ?)').run(name, now());
    return toDomain(this.q('SELECT * FROM domains WHERE name = ?').get(name) as Row);
  }
  async getDomain(name: string): Promise<Domain | null> {
    const r = this.q('SELECT * FROM domains WHERE name = ?').get(name) as Row | undefined;
    return r ? toDomain(r) : null;
  }
  async listDomains(): Promise<Domain[]> {
    return (this.q('SELECT * FROM domains ORDER BY name').all() as Row[]).map(toDomain);
  }
  async deleteDomain(name: string, force = false): Promise<boolean> {
    const d = await this.getDomain(name);
    if (!d) return false;
    return this.tx(() => {
      const users = Number((this.q('SELECT count(*) AS n FROM users WHERE domain_id = ?').get(d.id) as Row).n);
      const aliases = Number((this.q('SELECT count(*) AS n FROM aliases WHERE domain_id = ?').get(d.id) as Row).n);
      if ((users || aliases) && !force) throw new StoreConflict(`domain ${name} still has ${users} user(s) and ${aliases} alias(es); delete them first or use --force`);
      this.q('DELETE FROM aliases WHERE domain_id = ?').run(d.id);
      for (const u of this.q('SELECT id FROM users WHERE domain_id = ?').all(d.id) as Row[]) this.deleteUserRows(Number(u.id));
      this.q('DELETE FROM domains WHERE id = ?').run(d.id);
      return true;
    });
  }

  async addUser(u: { address: string; passwordHash: string; displayName?: string; cramSecret?: string | null; scram?: string | null }): Promise<User> {
    const d = await this.getDomain(domainOf(u.address));
    if (!d) throw new StoreConflict(`domain ${domainOf(u.address)} is not a local domain; add it first`);
    return this.tx(() => {
      if (this.q('SELECT 1 FROM users WHERE address = ?').get(u.address)) throw new StoreConflict(`user ${u.address} already exists`);
      if (this.q('SELECT 1 FROM aliases WHERE source = ?').get(u.address)) throw new StoreConflict(`${u.address} is an alias`);
      const r = this.q('INSERT INTO users (address, domain_id, display_name, password_hash, cram_secret, scram, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)').run(
        u.address, d.id, u.displayName ?? '', u.passwordHash, u.cramSecret ?? null, u.scram ?? null, now());
      const userId = Number(r.lastInsertRowid);
      const uidValidity = Math.floor(Date.now() / 1000) + randomInt(0, 1000);
      for (const mb of DEFAULT_MAILBOXES) {
        this.q('INSERT INTO mailboxes (user_id, name, special_use, uid_validity) VALUES (?, ?, ?, ?)').run(userId, mb.name, mb.specialUse, uidValidity);
      }
      return toUser(this.q('SELECT * FROM users WHERE id = ?').get(userId) as Row);
    });
  }
  async getUser(address: string): Promise<User | null> {
    const r = this.q('SELECT * FROM users WHERE address = ?').get(address) as Row | undefined;
    return r ? toUser(r) : null;
  }
  async getUserById(id: number): Promise<User | null> {
    const r = this.q('SELECT * FROM users WHERE id = ?').get(id) as Row | undefined;
    return r ? toUser(r) : null;
  }
  async listUsers(domain?: string): Promise<User[]> {
    const rows = domain
      ? this.q('SELECT u.* FROM users u JOIN domains d ON d.id = u.domain_id WHERE d.name = ? ORDER BY u.address').all(domain)
      : this.q('SELECT * FROM users ORDER BY address').all();
    return (rows as Row[]).map(toUser);
  }
  async setPassword(address: string, passwordHash: string, cramSecret: string | null, scram: string | null): Promise<boolean> {
    const r = this.q('UPDATE users SET password_hash = ?, cram_secret = ?, scram = ? WHERE address = ?').run(passwordHash, cramSecret, scram, address);
    return Number(r.changes) > 0;
  }
  private deleteUserRows(userId: number): void {
    const blobs = this.q('SELECT blob_id FROM messages m JOIN mailboxes b ON b.id = m.mailbox_id WHERE b.user_id = ?').all(userId) as Row[];
    this.q('DELETE FROM messages WHERE mailbox_id IN (SELECT id FROM mailboxes WHERE user_id = ?)').run(userId);
    for (const b of blobs) this.unref(Number(b.blob_id));
    this.q('DELETE FROM mailboxes WHERE user_id = ?').run(userId);
    this.q('DELETE FROM users WHERE id = ?').run(userId);
  }
  async deleteUser(address: string): Promise<boolean> {
    const u = await this.getUser(address);
    if (!u) return false;
    const used = this.q('SELECT a.source FROM aliases a JOIN alias_targets t ON t.alias_id = a.id WHERE t.target = ?').all(address) as Row[];
    if (used.length) throw new StoreConflict(`${address} is a target of alias(es) ${used.map((r) => r.source).join(', ')}; change them first`);
    this.tx(() => this.deleteUserRows(u.id));
    return true;
  }

  async addAlias(source: string, targets: string[]): Promise<Alias> {
    const dom = source.startsWith('@') ? source.slice(1) : domainOf(source);
    const d = await this.getDomain(dom);
    if (!d) throw new StoreConflict(`domain ${dom} is not a local domain; add it first`);
    return this.tx(() => {
      if (this.q('SELECT 1 FROM aliases WHERE source = ?').get(source)) throw new StoreConflict(`alias ${source} already exists`);
      if (this.q('SELECT 1 FROM users WHERE address = ?').get(source)) throw new StoreConflict(`${source} is a user`);
      for (const t of targets) if (!this.q('SELECT 1 FROM users WHERE address = ?').get(t)) throw new StoreConflict(`alias target ${t} is not a local user`);
      const r = this.q('INSERT INTO aliases (source, domain_id, targets, created_at) VALUES (?, ?, ?, ?)').run(source, d.id, JSON.stringify(targets), now());
      for (const t of targets) this.q('INSERT INTO alias_targets (alias_id, target) VALUES (?, ?)').run(r.lastInsertRowid, t);
      return toAlias(this.q('SELECT * FROM aliases WHERE id = ?').get(r.lastInsertRowid) as Row);
    });
  }
  async getAlias(source: string): Promise<Alias | null> {
    const r = this.q('SELECT * FROM aliases WHERE source = ?').get(source) as Row | undefined;
    return r ? toAlias(r) : null;
  }
  async listAliases(domain?: string): Promise<Alias[]> {
    const rows = domain
      ? this.q('SELECT a.* FROM aliases a JOIN domains d ON d.id = a.domain_id WHERE d.name = ? ORDER BY a.source').all(domain)
      : this.q('SELECT * FROM aliases ORDER BY source').all();
    return (rows as Row[]).map(toAlias);
  }
  async aliasesTargeting(address: string): Promise<Alias[]> {
    return (this.q('SELECT a.* FROM aliases a JOIN alias_targets t ON t.alias_id = a.id WHERE t.target = ? ORDER BY a.source').all(address) as Row[]).map(toAlias);
  }
  async deleteAlias(source: string): Promise<boolean> {
    return Number(this.q('DELETE FROM aliases WHERE source = ?').run(source).changes) > 0;
  }

  // ---- messages --------------------------------------------------------------------------

  async listMailboxes(userId: number): Promise<Mailbox[]> {
    return (this.q('SELECT * FROM mailboxes WHERE user_id = ? ORDER BY id').all(userId) as Row[]).map(toMailbox);
  }
  async getMailbox(userId: number, name: string): Promise<Mailbox | null> {
    const r = this.q('SELECT * FROM mailboxes WHERE user_id = ? AND name = ?').get(userId, name) as Row | undefined;
    return r ? toMailbox(r) : null;
  }
  async listMessages(mailboxId: number, afterUid = 0, limit = 1000): Promise<StoredMessage[]> {
    return (this.q('SELECT * FROM messages WHERE mailbox_id = ? AND uid > ? ORDER BY uid LIMIT ?').all(mailboxId, afterUid, limit) as Row[]).map(toMessage);
  }
  async countMessages(mailboxId: number): Promise<number> {
    return Number((this.q('SELECT count(*) AS n FROM messages WHERE mailbox_id = ?').get(mailboxId) as Row).n);
  }
  async readBlob(blobId: number): Promise<Buffer> {
    const r = this.q('SELECT data, path FROM blobs WHERE id = ?').get(blobId) as Row | undefined;
    if (!r) throw new Error(`blob ${blobId} not found`);
    if (r.data) return Buffer.from(r.data as Uint8Array);
    return readFile(join(this.blobDir, String(r.path)));
  }

  private unref(blobId: number): void {
    this.q('UPDATE blobs SET refs = refs - 1 WHERE id = ?').run(blobId);
    const r = this.q('SELECT refs, path FROM blobs WHERE id = ?').get(blobId) as Row | undefined;
    if (r && Number(r.refs) <= 0) {
      this.q('DELETE FROM blobs WHERE id = ?').run(blobId);
      if (r.path) {
        try {
          unlinkSync(join(this.blobDir, String(r.path)));
        } catch {
          /* already gone */
        }
      }
    }
  }

  ingest(req: IngestRequest): Promise<IngestResult> {
    if (this.closed) return Promise.reject(new Error('store is closed'));
    return new Promise((resolve, reject) => {
      this.pending.push({ req, resolve, reject });
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  /** Group commit: every ingest queued since the last flush shares one transaction and one fsync. */
  private flush(): void {
    this.flushScheduled = false;
    const batch = this.pending;
    this.pending = [];
    if (!batch.length) return;
    const results: Array<IngestResult | Error> = [];
    try {
      // Large bodies: move the fsync'd spool file into blobs/ and fsync the directory first, so
      // a committed row never names a file that a crash could lose.
      let moved = false;
      const paths = batch.map((p) => {
        if (p.req.blob.kind !== 'file') return null;
        const name = basename(p.req.blob.path);
        renameSync(p.req.blob.path, join(this.blobDir, name));
        moved = true;
        return name;
      });
      if (moved) fsyncDir(this.blobDir);
      this.db.exec('BEGIN IMMEDIATE');
      batch.forEach((p, i) => {
        this.db.exec('SAVEPOINT one');
        try {
          results.push(this.ingestOne(p.req, paths[i] ?? null));
          this.db.exec('RELEASE one');
        } catch (e) {
          this.db.exec('ROLLBACK TO one');
          this.db.exec('RELEASE one');
          results.push(e instanceof Error ? e : new Error(String(e)));
        }
      });
      this.db.exec('COMMIT');
    } catch (e) {
      try {
        this.db.exec('ROLLBACK');
      } catch {
        /* not in a transaction */
      }
      for (const p of batch) p.reject(e);
      return;
    }
    batch.forEach((p, i) => {
      const r = results[i]!;
      if (r instanceof Error) p.reject(r);
      else p.resolve(r);
    });
  }

  private ingestOne(req: IngestRequest, path: string | null): IngestResult {
    const size = req.blob.kind === 'buffer' ? req.blob.data.length : req.blob.size;
    const refs = req.deliveries.length + (req.outbound.length ? 1 : 0);
    const b = this.q('INSERT INTO blobs (size, data, path, refs) VALUES (?, ?, ?, ?)').run(size, req.blob.kind === 'buffer' ? req.blob.data : null, path, refs);
    const blobId = Number(b.lastInsertRowid);
    const messages: IngestResult['messages'] = [];
    for (const d of req.deliveries) {
      const mb = this.q('UPDATE mailboxes SET uid_next = uid_next + 1, highest_modseq = highest_modseq + 1 WHERE user_id = ? AND name = ? RETURNING id, uid_next - 1 AS uid, highest_modseq').get(d.userId, d.mailbox) as Row | undefined;
      if (!mb) throw new Error(`mailbox ${d.mailbox} of user ${d.userId} does not exist`);
      this.q('INSERT INTO messages (mailbox_id, uid, blob_id, flags, internal_date, size, modseq) VALUES (?, ?, ?, ?, ?, ?, ?)').run(
        mb.id as number, mb.uid as number, blobId, (d.flags ?? []).join(' '), req.internalDate, size, mb.highest_modseq as number);
      messages.push({ userId: d.userId, mailboxId: Number(mb.id), uid: Number(mb.uid) });
    }
    const byDomain = new Map<string, string[]>();
    for (const r of req.outbound) {
      const dom = domainOf(r.address);
      byDomain.set(dom, [...(byDomain.get(dom) ?? []), r.address]);
    }
    const queueIds: number[] = [];
    if (byDomain.size) {
      // One blob reference for the whole outbound set; the queue runner releases it.
      for (const [dom, rcpts] of byDomain) {
        const qr = this.q('INSERT INTO queue (blob_id, mail_from, domain, created_at, next_attempt_at) VALUES (?, ?, ?, ?, ?)').run(blobId, req.mailFrom, dom, req.internalDate, req.internalDate);
        for (const a of new Set(rcpts)) this.q('INSERT INTO queue_recipients (queue_id, address) VALUES (?, ?)').run(qr.lastInsertRowid, a);
        queueIds.push(Number(qr.lastInsertRowid));
      }
    }
    return { blobId, messages, queueIds };
  }

  // ---- queue -----------------------------------------------------------------------------

  private toQueueEntry(r: Row): QueueEntry {
    const rcpts = this.q('SELECT address, status, last_reply FROM queue_recipients WHERE queue_id = ? ORDER BY address').all(r.id as number) as Row[];
    return {
      id: Number(r.id),
      blobId: Number(r.blob_id),
      mailFrom: String(r.mail_from),
      domain: String(r.domain),
      createdAt: Number(r.created_at),
      nextAttemptAt: Number(r.next_attempt_at),
      attempts: Number(r.attempts),
      recipients: rcpts.map((x) => ({ address: String(x.address), status: x.status as 'pending', lastReply: (x.last_reply as string | null) ?? null })),
    };
  }
  async listQueue(): Promise<QueueEntry[]> {
    return (this.q('SELECT * FROM queue ORDER BY id').all() as Row[]).map((r) => this.toQueueEntry(r));
  }
  async getQueueEntry(id: number): Promise<QueueEntry | null> {
    const r = this.q('SELECT * FROM queue WHERE id = ?').get(id) as Row | undefined;
    return r ? this.toQueueEntry(r) : null;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    if (this.pending.length) this.flush();
    this.closed = true;
    this.db.close();
  }
}

/** Removes spool files left by a crash before their message was committed (never answered 250). */
export function cleanSpool(spoolDir: string): number {
  if (!existsSync(spoolDir)) return 0;
  let n = 0;
  for (const f of readdirSync(spoolDir)) {
    unlinkSync(join(spoolDir, f));
    n++;
  }
  return n;
}
