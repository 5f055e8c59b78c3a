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
import { renameSync, openSync, fsyncSync, closeSync, rmSync } from 'node:fs';
import { join, basename } from 'node:path';
import type { BlobSource, IngestRequest, IngestResult, OutboundRecipient } from '../ports.ts';
import { statementCache } from './pragmas.ts';
import { blobStructure } from './ingest-structure.ts';
import { saveDerived } from './imap.ts';
import { recordCorrespondents } from './correspondents.ts';

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
    const place = (blob: BlobSource): string | null => {
      if (blob.kind !== 'file') return null;
      const name = basename(blob.path);
      renameSync(blob.path, join(this.blobDir, name));
      moved = true;
      return name;
    };
    const paths = batch.map((req) => place(req.blob));
    const copyPaths = batch.map((req) => (req.copies ?? []).map((c) => place(c.blob)));
    if (moved) fsyncDir(this.blobDir);
    // IMAP's ENVELOPE/BODYSTRUCTURE, parsed before the write lock is taken (ingest-structure.ts).
    const structures = batch.map((req, i) => blobStructure(req, this.blobDir, paths[i] ?? null));
    // Copies delivered to local mailboxes (list mail to local members) need their own structure.
    const copyStructures = batch.map((req, i) => (req.copies ?? []).map((c, j) => (c.deliveries?.length ? blobStructure({ ...req, blob: c.blob }, this.blobDir, copyPaths[i]?.[j] ?? null) : null)));
    const out: CommitOutcome[] = [];
    this.db.exec('BEGIN IMMEDIATE');
    try {
      batch.forEach((req, i) => {
        this.db.exec('SAVEPOINT one');
        try {
          out.push({ ok: this.one(req, paths[i] ?? null, copyPaths[i] ?? [], copyStructures[i] ?? []) });
          const done = out[out.length - 1];
          const st = structures[i];
          if (done && 'ok' in done && done.ok.blobId !== 0 && st) {
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
      out.forEach((o, i) => {
        const name = paths[i];
        if ('ok' in o && o.ok.blobId === 0 && name) rmSync(join(this.blobDir, name), { force: true });
      });
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

  private insertBlob(blob: BlobSource, path: string | null, refs: number, verdicts: string | null): { blobId: number; size: number } {
    const size = blob.kind === 'buffer' ? blob.data.length : blob.size;
    const b = this.q('INSERT INTO blobs (size, data, path, refs, verdicts) VALUES (?, ?, ?, ?, ?)').run(size, blob.kind === 'buffer' ? blob.data : null, path, refs, verdicts);
    return { blobId: Number(b.lastInsertRowid), size };
  }

  private one(req: IngestRequest, path: string | null, copyPaths: Array<string | null>, copyStructures: Array<ReturnType<typeof blobStructure>>): IngestResult {
    const refs = req.deliveries.length + (req.outbound.length ? 1 : 0);
    const verdicts = req.verdicts ? JSON.stringify(req.verdicts) : null;
    // Mail only to lists and forwards is kept only as its copies (blobId 0: no row of its own;
    // commit() removes a spooled file nothing refers to).
    const { blobId, size } = refs === 0 && req.copies?.length ? { blobId: 0, size: 0 } : this.insertBlob(req.blob, path, refs, verdicts);
    const messages = this.deliver(blobId, size, req.deliveries, req.internalDate);
    const queueIds = this.enqueue(blobId, req.mailFrom, req.outbound, req.internalDate);
    // Forwarded and list copies: their own bytes and envelope sender, in the same transaction.
    (req.copies ?? []).forEach((c, i) => {
      const deliveries = c.deliveries ?? [];
      if (!c.outbound.length && !deliveries.length) return;
      const copy = this.insertBlob(c.blob, copyPaths[i] ?? null, deliveries.length + (c.outbound.length ? 1 : 0), verdicts);
      const st = copyStructures[i];
      if (st) {
        this.q('UPDATE blobs SET structure = ? WHERE id = ?').run(st.json, copy.blobId);
        if (st.derived !== null) saveDerived(this.q, copy.blobId, st.derived);
      }
      messages.push(...this.deliver(copy.blobId, copy.size, deliveries, req.internalDate));
      queueIds.push(...this.enqueue(copy.blobId, c.mailFrom, c.outbound, req.internalDate));
    });
    // A DSN commits together with the note that it was sent (exactly one DSN per event).
    if (req.dsnFor) {
      if (req.dsnFor.kind === 'delay') this.q('UPDATE queue SET warned_at = ? WHERE id = ?').run(req.internalDate, req.dsnFor.queueId);
      else for (const a of req.dsnFor.addresses) this.q("UPDATE queue_recipients SET notified = 1 WHERE queue_id = ? AND address = ? AND status = 'failed'").run(req.dsnFor.queueId, a);
    }
    // A DMARC aggregate report commits together with the note that its rows were reported.
    for (const id of req.dmarcReportOf ?? []) this.q('UPDATE dmarc_evaluations SET reported_at = ? WHERE id = ?').run(req.internalDate, id);
    // An SMTP TLS report likewise (RFC 8460; app/tlsrpt-reports.ts).
    for (const id of req.tlsReportOf ?? []) this.q('UPDATE tlsrpt_sessions SET reported_at = ? WHERE id = ?').run(req.internalDate, id);
    // Who the users exchanged mail with (first-contact signal), with the message, no fsync of its own.
    if (req.correspondents?.length) recordCorrespondents(this.q, req.correspondents, req.internalDate);
    return { blobId, messages, queueIds };
  }

  /** A message row (UID allocated) in each delivery mailbox, all sharing one blob. */
  private deliver(blobId: number, size: number, deliveries: IngestRequest['deliveries'], internalDate: number): IngestResult['messages'] {
    const messages: IngestResult['messages'] = [];
    for (const d of deliveries) {
      const mb = this.q('UPDATE mailboxes SET uid_next = uid_next + 1, highest_modseq = highest_modseq + 1 WHERE user_id = ? AND name = ? RETURNING id, uid_next - 1 AS uid, highest_modseq').get(d.userId, d.mailbox) as Row | undefined;
      if (!mb) throw new Error(`mailbox ${d.mailbox} of user ${d.userId} does not exist`);
      this.q('INSERT INTO messages (mailbox_id, uid, blob_id, flags, internal_date, size, modseq) VALUES (?, ?, ?, ?, ?, ?, ?)').run(
        mb.id as number, mb.uid as number, blobId, (d.flags ?? []).join(' '), internalDate, size, mb.highest_modseq as number);
      messages.push({ userId: d.userId, mailboxId: Number(mb.id), uid: Number(mb.uid) });
    }
    return messages;
  }

  /** Queue entries (one per destination domain) sharing one blob reference; the queue runner releases it. */
  private enqueue(blobId: number, mailFrom: string, outbound: OutboundRecipient[], at: number): number[] {
    const byDomain = new Map<string, string[]>();
    for (const r of outbound) {
      const dom = domainOf(r.address);
      byDomain.set(dom, [...(byDomain.get(dom) ?? []), r.address]);
    }
    const queueIds: number[] = [];
    for (const [dom, rcpts] of byDomain) {
      // Ids are never reused (queue_seq), so the delivery log of a retired entry stays unambiguous.
      const seq = this.q('UPDATE queue_seq SET last = max(last, (SELECT coalesce(max(id), 0) FROM queue)) + 1 RETURNING last').get() as Row;
      const qr = this.q('INSERT INTO queue (id, blob_id, mail_from, domain, created_at, next_attempt_at) VALUES (?, ?, ?, ?, ?, ?)').run(Number(seq.last), blobId, mailFrom, dom, at, at);
      for (const a of new Set(rcpts)) this.q('INSERT INTO queue_recipients (queue_id, address) VALUES (?, ?)').run(qr.lastInsertRowid, a);
      queueIds.push(Number(qr.lastInsertRowid));
    }
    return queueIds;
  }
}
