/**
 * The embedded store on node:sqlite (no native addon). WAL journal with synchronous=FULL: a
 * COMMIT returns only after the WAL is fsync'd. Message ingestion runs in a worker thread
 * (ingest-worker.ts) with group commit: requests that queue up during a commit share the next
 * transaction and fsync, each caller is answered only after its commit, and the event loop serving
 * the sessions never waits for an fsync.
 *
 * Bodies up to the spool threshold live in the blobs table; larger ones are files under
 * data_dir/blobs, fsync'd (file and directory) before the row that names them is committed.
 * Never: answer an ingest before COMMIT, or hold a whole mailbox in memory.
 */
import { DatabaseSync, type StatementSync } from 'node:sqlite';
import { mkdirSync, readdirSync, unlinkSync, existsSync } from 'node:fs';
import { readFile, open as openFile } from 'node:fs/promises';
import { join } from 'node:path';
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
import { SqliteImap } from './imap.ts';
import { SqliteJunkStore } from './junk.ts';
import { SqliteDmarcStore } from './dmarc.ts';
import { SqliteCorrespondents } from './correspondents.ts';
import { SqliteMtaSts } from './mtasts.ts';
import { SqliteTlsReports } from './tlsrpt.ts';
import { SqliteDmarcIncoming } from './dmarc-incoming.ts';
import { SqliteListStore } from './lists.ts';
import type { CopyResult, FlagAction, FlagUpdateResult, MailboxCounts, MessageRow, UidRange } from '../ports.ts';
import type { DeliveryLogEntry, DkimKey, NewDkimKey, QueueRecipient, RecipientResult } from '../ports.ts';
import { openPragmas, statementCache } from './pragmas.ts';
import type { WorkerReply, WorkerRequest } from './ingest-worker.ts';
import { Worker } from 'node:worker_threads';
import type { DerivedFields, SearchField } from '../derived.ts';

type Row = Record<string, unknown>;

const now = () => Date.now();

/** Chunk size for streamBlob. */
const BLOB_CHUNK = 64 * 1024;

function unlinkQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    /* already gone */
  }
}

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
  private readonly file: string;
  private worker: Worker | null = null;
  private readonly inflight = new Map<number, { resolve: (r: IngestResult) => void; reject: (e: unknown) => void }>();
  private nextRequest = 0;
  private closed = false;

  constructor(opts: SqliteStoreOptions) {
    mkdirSync(opts.dataDir, { recursive: true, mode: 0o700 });
    this.blobDir = join(opts.dataDir, 'blobs');
    mkdirSync(this.blobDir, { recursive: true });
    this.file = opts.file ?? join(opts.dataDir, 'mailwarden.db');
    this.db = new DatabaseSync(this.file);
    this.q = statementCache(this.db);
    openPragmas(this.db);
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

  private readonly q: (sql: string) => StatementSync;

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
  /** The users a deletion of domain `d` would delete, once the store allows it (else StoreConflict). */
  private domainDeletion(d: Domain, force: boolean): User[] {
    const users = (this.q('SELECT * FROM users WHERE domain_id = ? ORDER BY address').all(d.id) as Row[]).map(toUser);
    const aliases = Number((this.q('SELECT count(*) AS n FROM aliases WHERE domain_id = ?').get(d.id) as Row).n);
    const lists = Number((this.q('SELECT count(*) AS n FROM lists WHERE domain_id = ?').get(d.id) as Row).n);
    if ((users.length || aliases || lists) && !force) throw new StoreConflict(`domain ${d.name} still has ${users.length} user(s), ${aliases} alias(es) and ${lists} list(s); delete them first or use --force`);
    // The domain's own aliases go with it; an alias elsewhere would be left pointing at a deleted user.
    const used = this.q('SELECT a.source, t.target FROM aliases a JOIN alias_targets t ON t.alias_id = a.id JOIN users u ON u.address = t.target WHERE u.domain_id = ? AND a.domain_id <> ? ORDER BY a.source, t.target').all(d.id, d.id) as Row[];
    if (used.length) throw new StoreConflict(`user(s) of domain ${d.name} are targets of alias(es) of other domains (${used.map((r) => `${String(r.source)} -> ${String(r.target)}`).join(', ')}); change them first`);
    return users;
  }
  async deleteDomain(name: string, force = false, beforeDelete?: (users: readonly User[]) => Promise<void>): Promise<boolean> {
    const d = await this.getDomain(name);
    if (!d) return false;
    const users = this.domainDeletion(d, force);
    // The hook may wait (a PostgreSQL statistics database): it cannot run inside a transaction of
    // this connection, so the checks are made again in the deleting one, which refuses when the
    // users changed meanwhile (the hook must have seen every user deleted).
    await beforeDelete?.(users);
    return this.tx(() => {
      if (!this.q('SELECT 1 FROM domains WHERE id = ?').get(d.id)) return false; // deleted meanwhile, users and all
      const now = this.domainDeletion(d, force);
      const ids = (us: readonly User[]) => us.map((u) => `${u.id}:${u.address}`).sort().join(' ');
      if (ids(now) !== ids(users)) throw new StoreConflict(`the users of domain ${name} changed while it was being deleted; try again`);
      this.q('DELETE FROM aliases WHERE domain_id = ?').run(d.id);
      this.q('DELETE FROM lists WHERE domain_id = ?').run(d.id);
      for (const u of now) this.deleteUserRows(u.id);
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
      if (this.q('SELECT 1 FROM lists WHERE address = ?').get(u.address)) throw new StoreConflict(`${u.address} is a mailing list`);
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
  async deleteUser(address: string, beforeDelete?: (user: User) => Promise<void>): Promise<boolean> {
    const u = await this.getUser(address);
    if (!u) return false;
    const used = this.q('SELECT a.source FROM aliases a JOIN alias_targets t ON t.alias_id = a.id WHERE t.target = ?').all(address) as Row[];
    if (used.length) throw new StoreConflict(`${address} is a target of alias(es) ${used.map((r) => r.source).join(', ')}; change them first`);
    await beforeDelete?.(u);
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
      if (this.q('SELECT 1 FROM lists WHERE address = ?').get(source)) throw new StoreConflict(`${source} is a mailing list`);
      // A target in a local domain must be a user; any other address is forwarded to (SRS + ARC).
      for (const t of targets) {
        if (this.q('SELECT 1 FROM domains WHERE name = ?').get(domainOf(t)) && !this.q('SELECT 1 FROM users WHERE address = ?').get(t)) throw new StoreConflict(`alias target ${t} is not a local user`);
      }
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

  // ---- DKIM keys (outbound signing) --------------------------------------------------------

  private toDkimKey(r: Row, domain: string): DkimKey {
    return {
      id: Number(r.id),
      domain,
      selector: String(r.selector),
      algorithm: r.algorithm as DkimKey['algorithm'],
      privateKey: String(r.private_key),
      publicKey: String(r.public_key),
      createdAt: Number(r.created_at),
      active: Number(r.active) === 1,
    };
  }
  async addDkimKeys(domain: string, keys: NewDkimKey[]): Promise<DkimKey[]> {
    const d = await this.getDomain(domain);
    if (!d) throw new StoreConflict(`domain ${domain} is not a local domain; add it first`);
    return this.tx(() => {
      this.q('UPDATE dkim_keys SET active = 0 WHERE domain_id = ?').run(d.id);
      const out: DkimKey[] = [];
      for (const k of keys) {
        if (this.q('SELECT 1 FROM dkim_keys WHERE domain_id = ? AND selector = ?').get(d.id, k.selector)) throw new StoreConflict(`DKIM selector ${k.selector} already exists for ${domain}`);
        const r = this.q('INSERT INTO dkim_keys (domain_id, selector, algorithm, private_key, public_key, created_at, active) VALUES (?, ?, ?, ?, ?, ?, 1) RETURNING *').get(
          d.id, k.selector, k.algorithm, k.privateKey, k.publicKey, now()) as Row;
        out.push(this.toDkimKey(r, domain));
      }
      return out;
    });
  }
  async listDkimKeys(domain: string, all = false): Promise<DkimKey[]> {
    const rows = this.q(`SELECT k.* FROM dkim_keys k JOIN domains d ON d.id = k.domain_id WHERE d.name = ? ${all ? '' : 'AND k.active = 1'} ORDER BY k.id DESC`).all(domain) as Row[];
    return rows.map((r) => this.toDkimKey(r, domain));
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
  async getVerdicts(blobId: number): Promise<Record<string, unknown> | null> {
    const r = this.q('SELECT verdicts FROM blobs WHERE id = ?').get(blobId) as Row | undefined;
    return r && typeof r.verdicts === 'string' ? (JSON.parse(r.verdicts) as Record<string, unknown>) : null;
  }

  async readBlob(blobId: number): Promise<Buffer> {
    const r = this.q('SELECT data, path FROM blobs WHERE id = ?').get(blobId) as Row | undefined;
    if (!r) throw new Error(`blob ${blobId} not found`);
    if (r.data) return Buffer.from(r.data as Uint8Array);
    return readFile(join(this.blobDir, String(r.path)));
  }

  /**
   * Releases one reference to a blob. With `unlinkLater`, the file of a blob that lost its last
   * reference is collected there instead of unlinked, for the caller to unlink after COMMIT (so a
   * rolled-back transaction never leaves a row naming a deleted file).
   */
  private unref(blobId: number, unlinkLater?: string[]): void {
    this.q('UPDATE blobs SET refs = refs - 1 WHERE id = ?').run(blobId);
    const r = this.q('SELECT refs, path FROM blobs WHERE id = ?').get(blobId) as Row | undefined;
    if (r && Number(r.refs) <= 0) {
      this.q('DELETE FROM blobs WHERE id = ?').run(blobId);
      if (r.path) {
        if (unlinkLater) unlinkLater.push(join(this.blobDir, String(r.path)));
        else unlinkQuietly(join(this.blobDir, String(r.path)));
      }
    }
  }

  async getMessage(mailboxId: number, uid: number): Promise<StoredMessage | null> {
    const r = this.q('SELECT * FROM messages WHERE mailbox_id = ? AND uid = ?').get(mailboxId, uid) as Row | undefined;
    return r ? toMessage(r) : null;
  }

  async *streamBlob(blobId: number): AsyncGenerator<Buffer> {
    const r = this.q('SELECT data, path FROM blobs WHERE id = ?').get(blobId) as Row | undefined;
    if (!r) throw new Error(`blob ${blobId} not found`);
    if (r.data) {
      // Small bodies (up to the memory spool size) live in the row; hand them out in slices anyway.
      const data = Buffer.from(r.data as Uint8Array);
      for (let i = 0; i < data.length; i += BLOB_CHUNK) yield data.subarray(i, i + BLOB_CHUNK);
      return;
    }
    // Opened before the first chunk, so a concurrent expunge that unlinks the file cannot cut the
    // read short (POSIX keeps an open file's data until it is closed).
    const fh = await openFile(join(this.blobDir, String(r.path)), 'r');
    try {
      for (;;) {
        const buf = Buffer.allocUnsafe(BLOB_CHUNK);
        const { bytesRead } = await fh.read(buf, 0, BLOB_CHUNK, null);
        if (bytesRead === 0) return;
        yield bytesRead === BLOB_CHUNK ? buf : buf.subarray(0, bytesRead);
      }
    } finally {
      await fh.close();
    }
  }

  async expunge(mailboxId: number, uids: number[]): Promise<number> {
    if (!uids.length) return 0;
    const unlinkLater: string[] = [];
    const removed = this.tx(() => {
      const gone: number[] = [];
      for (const uid of new Set(uids)) {
        const r = this.q('DELETE FROM messages WHERE mailbox_id = ? AND uid = ? RETURNING blob_id').get(mailboxId, uid) as Row | undefined;
        if (!r) continue;
        gone.push(uid);
        this.unref(Number(r.blob_id), unlinkLater);
      }
      this.imap.recordExpunge(mailboxId, gone); // new modseq, and the UIDs for QRESYNC
      return gone.length;
    });
    for (const f of unlinkLater) unlinkQuietly(f);
    return removed;
  }

  ingest(req: IngestRequest): Promise<IngestResult> {
    if (this.closed) return Promise.reject(new Error('store is closed'));
    const worker = this.ingestWorker();
    const id = ++this.nextRequest;
    return new Promise((resolve, reject) => {
      this.inflight.set(id, { resolve, reject });
      if (this.inflight.size === 1) worker.ref();
      worker.postMessage({ id, req } satisfies WorkerRequest);
    });
  }

  /** The worker thread that commits ingests (started on first use; CLI commands never start it). */
  private ingestWorker(): Worker {
    if (this.worker) return this.worker;
    const w = new Worker(new URL('./ingest-worker.ts', import.meta.url), { workerData: { file: this.file, blobDir: this.blobDir } });
    w.unref();
    w.on('message', (reply: WorkerReply) => {
      for (const r of reply) {
        const p = this.inflight.get(r.id);
        if (!p) continue;
        this.inflight.delete(r.id);
        if ('ok' in r) p.resolve(r.ok);
        else p.reject(new Error(r.error));
      }
      if (this.inflight.size === 0) w.unref();
    });
    const fail = (err: Error) => {
      for (const p of this.inflight.values()) p.reject(err);
      this.inflight.clear();
      if (this.worker === w) this.worker = null;
    };
    w.on('error', fail);
    w.on('exit', (code) => fail(new Error(`ingest worker exited (${code})`)));
    this.worker = w;
    return w;
  }

  // ---- Bayesian filter statistics (the SQL lives in junk.ts) -------------------------------

  private junkOps: SqliteJunkStore | null = null;
  get junk(): SqliteJunkStore {
    this.junkOps ??= new SqliteJunkStore(this.db, (sql) => this.q(sql));
    return this.junkOps;
  }

  // ---- DMARC aggregate reports (the SQL lives in dmarc.ts) ---------------------------------

  private dmarcOps: SqliteDmarcStore | null = null;
  get dmarcReports(): SqliteDmarcStore {
    this.dmarcOps ??= new SqliteDmarcStore({ q: (sql) => this.q(sql), tx: (fn) => this.tx(fn) });
    return this.dmarcOps;
  }

  // ---- incoming DMARC aggregate reports (the SQL lives in dmarc-incoming.ts) ---------------

  private dmarcIncomingOps: SqliteDmarcIncoming | null = null;
  get dmarcIncoming(): SqliteDmarcIncoming {
    this.dmarcIncomingOps ??= new SqliteDmarcIncoming((sql) => this.q(sql));
    return this.dmarcIncomingOps;
  }

  // ---- mailing lists (the SQL lives in lists.ts) --------------------------------------------

  private listOps: SqliteListStore | null = null;
  get lists(): SqliteListStore {
    this.listOps ??= new SqliteListStore({ q: (sql) => this.q(sql), tx: (fn) => this.tx(fn) });
    return this.listOps;
  }

  // ---- correspondents, for the first-contact phishing signal (SQL in correspondents.ts) ------

  private correspondentOps: SqliteCorrespondents | null = null;
  get correspondents(): SqliteCorrespondents {
    this.correspondentOps ??= new SqliteCorrespondents({ q: (sql) => this.q(sql), tx: (fn) => this.tx(fn) });
    return this.correspondentOps;
  }

  // ---- the MTA-STS policy cache (SQL in mtasts.ts) -------------------------------------------

  private mtaStsOps: SqliteMtaSts | null = null;
  get mtaSts(): SqliteMtaSts {
    this.mtaStsOps ??= new SqliteMtaSts((sql) => this.q(sql));
    return this.mtaStsOps;
  }

  // ---- SMTP TLS report sessions (SQL in tlsrpt.ts) -----------------------------------------

  private tlsRptOps: SqliteTlsReports | null = null;
  get tlsReports(): SqliteTlsReports {
    this.tlsRptOps ??= new SqliteTlsReports({ q: (sql) => this.q(sql), tx: (fn) => this.tx(fn) });
    return this.tlsRptOps;
  }

  // ---- IMAP (the SQL lives in imap.ts) ------------------------------------------------------

  private imapOps: SqliteImap | null = null;
  private get imap(): SqliteImap {
    this.imapOps ??= new SqliteImap({
      q: (sql) => this.q(sql),
      tx: (fn) => this.tx(fn),
      unref: (blobId, later) => this.unref(blobId, later),
      toMailbox,
      toMessage,
      blobDir: this.blobDir,
    });
    return this.imapOps;
  }
  async getMailboxById(mailboxId: number): Promise<Mailbox | null> {
    return this.imap.getMailboxById(mailboxId);
  }
  async createMailbox(userId: number, name: string, specialUse: string | null): Promise<Mailbox> {
    return this.imap.createMailbox(userId, name, specialUse);
  }
  async deleteMailbox(mailboxId: number): Promise<void> {
    this.imap.deleteMailbox(mailboxId);
  }
  async renameMailboxes(userId: number, renames: ReadonlyArray<readonly [string, string]>): Promise<void> {
    this.imap.renameMailboxes(userId, renames);
  }
  async setSubscribed(mailboxId: number, subscribed: boolean): Promise<void> {
    this.imap.setSubscribed(mailboxId, subscribed);
  }
  async listUids(mailboxId: number, afterUid: number, limit: number): Promise<number[]> {
    return this.imap.listUids(mailboxId, afterUid, limit);
  }

  async listUidsNewestFirst(mailboxId: number, offset: number, limit: number): Promise<number[]> {
    return this.imap.listUidsNewestFirst(mailboxId, offset, limit);
  }
  async listMessageRange(mailboxId: number, fromUid: number, toUid: number, limit: number, withStructure = false, withEnvelope = false): Promise<MessageRow[]> {
    return this.imap.listMessageRange(mailboxId, fromUid, toUid, limit, withStructure, withEnvelope);
  }
  async uidsByField(mailboxId: number, field: SearchField, needle: string): Promise<{ uids: number[]; unknown: number[] }> {
    return this.imap.uidsByField(mailboxId, field, needle);
  }
  async setDerived(blobId: number, fields: DerivedFields): Promise<void> {
    this.imap.setDerived(blobId, fields);
  }
  async mailboxCounts(mailboxId: number): Promise<MailboxCounts> {
    return this.imap.mailboxCounts(mailboxId);
  }
  async mailboxKeywords(mailboxId: number): Promise<string[]> {
    return this.imap.mailboxKeywords(mailboxId);
  }
  async uidsByFlags(mailboxId: number, flags: ReadonlyArray<{ flag: string; set: boolean }>): Promise<number[]> {
    return this.imap.uidsByFlags(mailboxId, flags);
  }
  async updateFlags(mailboxId: number, uids: readonly UidRange[], action: FlagAction, flags: readonly string[], unchangedSince: number | null = null): Promise<FlagUpdateResult> {
    return this.imap.updateFlags(mailboxId, uids, action, flags, unchangedSince);
  }
  async copyMessages(fromMailboxId: number, uids: readonly number[], toMailboxId: number, move: boolean): Promise<CopyResult> {
    return this.imap.copyMessages(fromMailboxId, uids, toMailboxId, move);
  }
  async expungeDeleted(mailboxId: number, uids: readonly UidRange[]): Promise<number[]> {
    return this.imap.expungeDeleted(mailboxId, uids);
  }
  async listVanished(mailboxId: number, sinceModseq: number, uids: readonly UidRange[]): Promise<UidRange[]> {
    return this.imap.listVanished(mailboxId, sinceModseq, uids);
  }
  async getStructure(blobId: number): Promise<string | null> {
    return this.imap.getStructure(blobId);
  }
  async setStructure(blobId: number, json: string): Promise<void> {
    this.imap.setStructure(blobId, json);
  }
  streamBlobRange(blobId: number, start: number, end: number): AsyncIterable<Buffer> {
    return this.imap.streamBlobRange(blobId, start, end);
  }

  // ---- queue -----------------------------------------------------------------------------

  private toQueueEntry(r: Row): QueueEntry {
    const rcpts = this.q('SELECT * FROM queue_recipients WHERE queue_id = ? ORDER BY address').all(r.id as number) as Row[];
    return {
      id: Number(r.id),
      blobId: Number(r.blob_id),
      mailFrom: String(r.mail_from),
      domain: String(r.domain),
      createdAt: Number(r.created_at),
      nextAttemptAt: Number(r.next_attempt_at),
      attempts: Number(r.attempts),
      recipients: rcpts.map((x): QueueRecipient => ({
        address: String(x.address),
        status: x.status as QueueRecipient['status'],
        lastReply: (x.last_reply as string | null) ?? null,
        statusCode: (x.status_code as string | null) ?? null,
        remoteMta: (x.remote_mta as string | null) ?? null,
        tls: (x.tls as QueueRecipient['tls']) ?? null,
        notified: Number(x.notified) === 1,
      })),
      leaseUntil: Number(r.lease_until ?? 0),
      lastError: (r.last_error as string | null) ?? null,
      warnedAt: r.warned_at === null || r.warned_at === undefined ? null : Number(r.warned_at),
      size: Number((this.q('SELECT size FROM blobs WHERE id = ?').get(r.blob_id as number) as Row | undefined)?.size ?? 0),
    };
  }
  async listQueue(): Promise<QueueEntry[]> {
    return (this.q('SELECT * FROM queue ORDER BY id').all() as Row[]).map((r) => this.toQueueEntry(r));
  }
  async getQueueEntry(id: number): Promise<QueueEntry | null> {
    const r = this.q('SELECT * FROM queue WHERE id = ?').get(id) as Row | undefined;
    return r ? this.toQueueEntry(r) : null;
  }

  async claimQueue(opts: { now: number; limit: number; owner: string; leaseUntil: number }): Promise<QueueEntry[]> {
    // One IMMEDIATE transaction: the select and the lease are atomic against any other runner.
    const rows = this.tx(() =>
      this.q(`UPDATE queue SET lease_owner = ?, lease_until = ? WHERE id IN (
        SELECT id FROM queue WHERE next_attempt_at <= ? AND lease_until <= ? ORDER BY next_attempt_at, id LIMIT ?) RETURNING *`)
        .all(opts.owner, opts.leaseUntil, opts.now, opts.now, opts.limit) as Row[]);
    return rows.sort((a, b) => Number(a.id) - Number(b.id)).map((r) => this.toQueueEntry(r));
  }
  async renewQueueLeases(owner: string, ids: number[], leaseUntil: number): Promise<void> {
    if (!ids.length) return;
    this.tx(() => {
      for (const id of ids) this.q('UPDATE queue SET lease_until = ? WHERE id = ? AND lease_owner = ?').run(leaseUntil, id, owner);
    });
  }
  async recordQueueResults(queueId: number, results: RecipientResult[], at: number): Promise<void> {
    if (!results.length) return;
    this.tx(() => {
      const entry = this.q('SELECT mail_from FROM queue WHERE id = ?').get(queueId) as Row | undefined;
      for (const r of results) {
        const status = r.result === 'deferred' ? 'pending' : r.result;
        // A recipient that already has a final status keeps it (never "undeliver").
        this.q(`UPDATE queue_recipients SET status = ?, last_reply = ?, status_code = ?, remote_mta = ?, tls = ?, updated_at = ?
          WHERE queue_id = ? AND address = ? AND status = 'pending'`).run(status, r.reply, r.statusCode, r.remoteMta, r.tls, at, queueId, r.address);
        this.q('INSERT INTO delivery_log (at, queue_id, mail_from, recipient, result, status_code, reply, remote_mta, tls) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)').run(
          at, queueId, entry ? String(entry.mail_from) : '', r.address, r.result, r.statusCode, r.reply, r.remoteMta, r.tls);
      }
    });
  }
  async markQueueNotified(queueId: number, addresses: string[]): Promise<void> {
    this.tx(() => {
      for (const a of addresses) this.q("UPDATE queue_recipients SET notified = 1 WHERE queue_id = ? AND address = ? AND status = 'failed'").run(queueId, a);
    });
  }
  async rescheduleQueueEntry(id: number, nextAttemptAt: number, lastError: string | null): Promise<void> {
    this.q('UPDATE queue SET next_attempt_at = ?, attempts = attempts + 1, last_error = ?, lease_owner = NULL, lease_until = 0 WHERE id = ?').run(nextAttemptAt, lastError, id);
  }
  async retryQueueEntry(id: number, now: number): Promise<boolean> {
    return Number(this.q('UPDATE queue SET next_attempt_at = ? WHERE id = ?').run(now, id).changes) > 0;
  }
  async deleteQueueEntry(id: number): Promise<boolean> {
    const unlinkLater: string[] = [];
    const done = this.tx(() => {
      const r = this.q('DELETE FROM queue WHERE id = ? RETURNING blob_id').get(id) as Row | undefined;
      if (!r) return false;
      this.q('DELETE FROM queue_recipients WHERE queue_id = ?').run(id);
      // The queue holds one blob reference per message, shared by its per-domain entries: release
      // it with the last entry of that message.
      const others = Number((this.q('SELECT count(*) AS n FROM queue WHERE blob_id = ?').get(r.blob_id as number) as Row).n);
      if (others === 0) this.unref(Number(r.blob_id), unlinkLater);
      return true;
    });
    for (const f of unlinkLater) unlinkQuietly(f);
    return done;
  }
  async nextQueueDue(): Promise<number | null> {
    const r = this.q('SELECT min(max(next_attempt_at, lease_until)) AS t FROM queue').get() as Row;
    return r.t === null || r.t === undefined ? null : Number(r.t);
  }
  async listDeliveryLog(queueId?: number, limit = 1000): Promise<DeliveryLogEntry[]> {
    const rows = (queueId === undefined
      ? this.q('SELECT * FROM (SELECT * FROM delivery_log ORDER BY id DESC LIMIT ?) ORDER BY id').all(limit)
      : this.q('SELECT * FROM delivery_log WHERE queue_id = ? ORDER BY id LIMIT ?').all(queueId, limit)) as Row[];
    return rows.map((r) => ({
      id: Number(r.id),
      at: Number(r.at),
      queueId: Number(r.queue_id),
      mailFrom: String(r.mail_from),
      address: String(r.recipient),
      result: r.result as DeliveryLogEntry['result'],
      statusCode: String(r.status_code),
      reply: String(r.reply),
      remoteMta: (r.remote_mta as string | null) ?? null,
      tls: (r.tls as DeliveryLogEntry['tls']) ?? null,
    }));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    while (this.inflight.size) await new Promise((r) => setTimeout(r, 5));
    if (this.worker) {
      const w = this.worker;
      this.worker = null;
      await w.terminate();
    }
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
