/**
 * Committing received messages (the hot path of every listener). Runs inside the ingest worker
 * thread (ingest-worker.ts) on its own SQLite connection, so the fsync of each COMMIT never blocks
 * the event loop that serves the sessions.
 *
 * Group commit: every request waiting when a commit starts shares that transaction and its one
 * fsync; each request is isolated by a SAVEPOINT, so one bad request fails alone.
 * Large bodies: the fsync'd spool file is moved into blobs/ and the directory fsync'd before the
 * transaction, so a committed row never names a file a crash could lose.
 */
import type { DatabaseSync, StatementSync } from 'node:sqlite';
import { renameSync, openSync, fsyncSync, closeSync } from 'node:fs';
import { join, basename } from 'node:path';
import type { IngestRequest, IngestResult } from '../ports.ts';
import { statementCache } from './pragmas.ts';
import { blobStructure } from './ingest-structure.ts';
import { saveDerived } from './imap.ts';

type Row = Record<string, unknown>;

export function fsyncDir(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

const domainOf = (address: string) => address.slice(address.lastIndexOf('@') + 1);

export type CommitOutcome = { ok: IngestResult } | { error: string };

export class IngestCommitter {
  private readonly db: DatabaseSync;
  private readonly blobDir: string;

  constructor(db: DatabaseSync, blobDir: string) {
    this.db = db;
    this.q = statementCache(db);
    this.blobDir = blobDir;
  }

  private readonly q: (sql: string) => StatementSync;

  /** Commits a batch in one transaction. Throws only if the transaction itself fails (then nothing is committed). */
  commit(batch: IngestRequest[]): CommitOutcome[] {
    let moved = false;
    const paths = batch.map((req) => {
      if (req.blob.kind !== 'file') return null;
      const name = basename(req.blob.path);
      renameSync(req.blob.path, join(this.blobDir, name));
      moved = true;
      return name;
    });
    if (moved) fsyncDir(this.blobDir);
    // IMAP's ENVELOPE/BODYSTRUCTURE, parsed before the write lock is taken (ingest-structure.ts).
    const structures = batch.map((req, i) => blobStructure(req, this.blobDir, paths[i] ?? null));
    const out: CommitOutcome[] = [];
    this.db.exec('BEGIN IMMEDIATE');
    try {
      batch.forEach((req, i) => {
        this.db.exec('SAVEPOINT one');
        try {
          out.push({ ok: this.one(req, paths[i] ?? null) });
          const done = out[out.length - 1];
          const st = structures[i];
          if (done && 'ok' in done && st) {
            this.q('UPDATE blobs SET structure = ? WHERE id = ?').run(st.json, done.ok.blobId);
            if (st.derived !== null) saveDerived(this.q, done.ok.blobId, st.derived);
          }
          this.db.exec('RELEASE one');
        } catch (e) {
          this.db.exec('ROLLBACK TO one');
          this.db.exec('RELEASE one');
          out.push({ error: e instanceof Error ? e.message : String(e) });
        }
      });
      this.db.exec('COMMIT');
    } catch (e) {
      try {
        this.db.exec('ROLLBACK');
      } catch {
        /* not in a transaction */
      }
      throw e;
    }
    return out;
  }

  private one(req: IngestRequest, path: string | null): IngestResult {
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
    // One blob reference for the whole outbound set; the queue runner releases it.
    for (const [dom, rcpts] of byDomain) {
      // Ids are never reused (queue_seq), so the delivery log of a retired entry stays unambiguous.
      const seq = this.q('UPDATE queue_seq SET last = max(last, (SELECT coalesce(max(id), 0) FROM queue)) + 1 RETURNING last').get() as Row;
      const qr = this.q('INSERT INTO queue (id, blob_id, mail_from, domain, created_at, next_attempt_at) VALUES (?, ?, ?, ?, ?, ?)').run(Number(seq.last), blobId, req.mailFrom, dom, req.internalDate, req.internalDate);
      for (const a of new Set(rcpts)) this.q('INSERT INTO queue_recipients (queue_id, address) VALUES (?, ?)').run(qr.lastInsertRowid, a);
      queueIds.push(Number(qr.lastInsertRowid));
    }
    // A DSN commits together with the note that it was sent (exactly one DSN per event).
    if (req.dsnFor) {
      if (req.dsnFor.kind === 'delay') this.q('UPDATE queue SET warned_at = ? WHERE id = ?').run(req.internalDate, req.dsnFor.queueId);
      else for (const a of req.dsnFor.addresses) this.q("UPDATE queue_recipients SET notified = 1 WHERE queue_id = ? AND address = ? AND status = 'failed'").run(req.dsnFor.queueId, a);
    }
    // A DMARC aggregate report commits together with the note that its rows were reported.
    for (const id of req.dmarcReportOf ?? []) this.q('UPDATE dmarc_evaluations SET reported_at = ? WHERE id = ?').run(req.internalDate, id);
    return { blobId, messages, queueIds };
  }
}
