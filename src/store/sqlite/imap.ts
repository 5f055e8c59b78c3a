/**
 * The SQLite side of the IMAP additions to the store port (ports.ts, "added for IMAP"): mailbox
 * management, flag updates with per-message modseqs (RFC 7162), copy/move with UID allocation
 * (RFC 4315 UIDPLUS, RFC 6851 MOVE), \Deleted expunge with the record of expunged UIDs that
 * QRESYNC reads (RFC 7162 §3.2), counts for STATUS, stored MIME structures, byte ranges of blobs.
 * SqliteStore delegates to this class; statements, transactions and blob reference counting are
 * the store's own (passed in), so both share one connection.
 *
 * Every method is one transaction: a caller never sees half a copy or half a flag change.
 * Flags are stored as one space-separated string per message (system flags canonically written,
 * e.g. "\Seen"); keywords are atoms, so they never contain a space.
 */
import type { StatementSync } from 'node:sqlite';
import { unlinkSync } from 'node:fs';
import { open as openFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  StoreConflict,
  type CopyResult,
  type FlagAction,
  type FlagUpdateResult,
  type Mailbox,
  type MailboxCounts,
  type MessageRow,
  type StoredMessage,
  type UidRange,
} from '../ports.ts';
import { DERIVED_VERSION, SEARCH_FIELDS, type DerivedFields, type SearchField } from '../derived.ts';

type Row = Record<string, unknown>;

export interface SqliteImapDeps {
  q(sql: string): StatementSync;
  tx<T>(fn: () => T): T;
  /** Releases one blob reference; files of blobs that lost their last one are pushed to `later`. */
  unref(blobId: number, later: string[]): void;
  toMailbox(r: Row): Mailbox;
  toMessage(r: Row): StoredMessage;
  blobDir: string;
}

const CHUNK = 64 * 1024;

/** SQL test for "flags contain F" (LIKE is case-insensitive for ASCII, as flag names are). */
const HAS = (flag: string) => `(' ' || flags || ' ') LIKE '% ${flag} %'`;

/** Stores (replaces) the derived fields of a blob; also used by ingest. */
export function saveDerived(q: (sql: string) => StatementSync, blobId: number, f: DerivedFields): void {
  q('INSERT OR REPLACE INTO blob_fields (blob_id, version, envelope, h_subject, h_from, h_to, h_cc, h_bcc) VALUES (?, ?, ?, ?, ?, ?, ?, ?)').run(blobId, DERIVED_VERSION, f.envelope, f.subject, f.from, f.to, f.cc, f.bcc);
}

function splitFlags(s: string): string[] {
  return s ? s.split(' ') : [];
}

/** Applies a STORE action; flag names compare case-insensitively, the first spelling is kept. */
export function applyFlags(current: readonly string[], action: FlagAction, flags: readonly string[]): string[] {
  const lower = (f: string) => f.toLowerCase();
  if (action === 'replace') {
    const seen = new Set<string>();
    return flags.filter((f) => !seen.has(lower(f)) && seen.add(lower(f)));
  }
  if (action === 'remove') {
    const drop = new Set(flags.map(lower));
    return current.filter((f) => !drop.has(lower(f)));
  }
  const have = new Set(current.map(lower));
  const out = [...current];
  for (const f of flags) {
    if (!have.has(lower(f))) {
      have.add(lower(f));
      out.push(f);
    }
  }
  return out;
}

function sameFlags(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  const s = new Set(a.map((f) => f.toLowerCase()));
  return b.every((f) => s.has(f.toLowerCase()));
}

/** Sorted, merged ranges (overlapping or adjacent ones joined). */
function mergeRanges(ranges: ReadonlyArray<readonly [number, number]>): UidRange[] {
  const out: Array<[number, number]> = [];
  for (const [lo, hi] of [...ranges].sort((a, b) => a[0] - b[0])) {
    const last = out[out.length - 1];
    if (last && lo <= last[1] + 1) last[1] = Math.max(last[1], hi);
    else out.push([lo, hi]);
  }
  return out;
}

/** Whether `n` lies in one of the merged ranges (binary search). */
function inRanges(ranges: readonly UidRange[], n: number): boolean {
  let lo = 0;
  let hi = ranges.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const [a, b] = ranges[mid]!;
    if (n < a) hi = mid - 1;
    else if (n > b) lo = mid + 1;
    else return true;
  }
  return false;
}

function unlinkAll(paths: readonly string[]): void {
  for (const p of paths) {
    try {
      unlinkSync(p);
    } catch {
      /* already gone */
    }
  }
}

export class SqliteImap {
  private readonly d: SqliteImapDeps;

  constructor(deps: SqliteImapDeps) {
    this.d = deps;
  }

  getMailboxById(id: number): Mailbox | null {
    const r = this.d.q('SELECT * FROM mailboxes WHERE id = ?').get(id) as Row | undefined;
    return r ? this.d.toMailbox(r) : null;
  }

  createMailbox(userId: number, name: string, specialUse: string | null): Mailbox {
    return this.d.tx(() => {
      if (this.d.q('SELECT 1 FROM mailboxes WHERE user_id = ? AND name = ?').get(userId, name)) throw new StoreConflict(`mailbox ${name} already exists`);
      // RFC 9051 §2.3.1.1: a new mailbox never reuses an earlier UIDVALIDITY for its name. The
      // larger of the clock and every value issued so far (deleted mailboxes included) + 1.
      const last = Number((this.d.q('SELECT max(last) AS m FROM uid_validity_issued').get() as Row).m ?? 0);
      const max = Number((this.d.q('SELECT coalesce(max(uid_validity), 0) AS m FROM mailboxes').get() as Row).m);
      const uidValidity = Math.min(Math.max(Math.floor(Date.now() / 1000), max + 1, last + 1), 0xffffffff);
      this.d.q('UPDATE uid_validity_issued SET last = ?').run(uidValidity);
      const r = this.d.q('INSERT INTO mailboxes (user_id, name, special_use, uid_validity) VALUES (?, ?, ?, ?)').run(userId, name, specialUse, uidValidity);
      return this.getMailboxById(Number(r.lastInsertRowid))!;
    });
  }

  deleteMailbox(mailboxId: number): void {
    const later: string[] = [];
    this.d.tx(() => {
      const blobs = (this.d.q('SELECT blob_id FROM messages WHERE mailbox_id = ?').all(mailboxId) as Row[]).map((r) => Number(r.blob_id));
      this.d.q('DELETE FROM messages WHERE mailbox_id = ?').run(mailboxId);
      for (const b of blobs) this.d.unref(b, later);
      this.d.q('DELETE FROM mailboxes WHERE id = ?').run(mailboxId);
    });
    unlinkAll(later);
  }

  renameMailboxes(userId: number, renames: ReadonlyArray<readonly [string, string]>): void {
    this.d.tx(() => {
      const sources = new Set(renames.map(([from]) => from));
      for (const [, to] of renames) {
        if (!sources.has(to) && this.d.q('SELECT 1 FROM mailboxes WHERE user_id = ? AND name = ?').get(userId, to)) throw new StoreConflict(`mailbox ${to} already exists`);
      }
      // Two steps through temporary names, so a rename chain (a→b, b→c) cannot collide midway.
      const ids = renames.map(([from]) => (this.d.q('SELECT id FROM mailboxes WHERE user_id = ? AND name = ?').get(userId, from) as Row | undefined)?.id);
      ids.forEach((id) => id !== undefined && this.d.q('UPDATE mailboxes SET name = ? WHERE id = ?').run(`*rename*${String(id)}`, id as number));
      ids.forEach((id, i) => id !== undefined && this.d.q('UPDATE mailboxes SET name = ? WHERE id = ?').run(renames[i]![1], id as number));
    });
  }

  setSubscribed(mailboxId: number, subscribed: boolean): void {
    this.d.q('UPDATE mailboxes SET subscribed = ? WHERE id = ?').run(subscribed ? 1 : 0, mailboxId);
  }

  listUids(mailboxId: number, afterUid: number, limit: number): number[] {
    return (this.d.q('SELECT uid FROM messages WHERE mailbox_id = ? AND uid > ? ORDER BY uid LIMIT ?').all(mailboxId, afterUid, limit) as Row[]).map((r) => Number(r.uid));
  }

  /** Through the (mailbox_id, uid) index backwards: a page costs its offset in index steps, not the mailbox. */
  listUidsNewestFirst(mailboxId: number, offset: number, limit: number): number[] {
    return (this.d.q('SELECT uid FROM messages WHERE mailbox_id = ? ORDER BY uid DESC LIMIT ? OFFSET ?').all(mailboxId, limit, offset) as Row[]).map((r) => Number(r.uid));
  }

  /** Rows come back as arrays (no property names per row): this is FETCH 1:*'s hot loop. */
  listMessageRange(mailboxId: number, fromUid: number, toUid: number, limit: number, withStructure: boolean, withEnvelope = false): MessageRow[] {
    const cols = `m.id, m.mailbox_id, m.uid, m.blob_id, m.flags, m.internal_date, m.size, m.modseq${withStructure ? ', b.structure' : ''}${withEnvelope ? ', f.envelope, f.version' : ''}`;
    const join = `${withStructure ? ' JOIN blobs b ON b.id = m.blob_id' : ''}${withEnvelope ? ' LEFT JOIN blob_fields f ON f.blob_id = m.blob_id' : ''}`;
    const st = this.d.q(`SELECT ${cols} FROM messages m${join} WHERE m.mailbox_id = ? AND m.uid BETWEEN ? AND ? ORDER BY m.uid LIMIT ?`);
    st.setReturnArrays(true);
    const env = withStructure ? 9 : 8;
    return (st.all(mailboxId, fromUid, toUid, limit) as unknown as unknown[][]).map((r) => {
      const flags = String(r[4]);
      const row: MessageRow = {
        id: Number(r[0]),
        mailboxId: Number(r[1]),
        uid: Number(r[2]),
        blobId: Number(r[3]),
        flags: flags ? flags.split(' ') : [],
        internalDate: Number(r[5]),
        size: Number(r[6]),
        modseq: Number(r[7]),
        structure: withStructure ? ((r[8] as string | null) ?? null) : null,
      };
      if (withEnvelope) {
        const known = Number(r[env + 1]) === DERIVED_VERSION;
        row.envelope = known ? ((r[env] as string | null) ?? null) : null;
        row.derived = known;
      }
      return row;
    });
  }

  /** Substring test with instr() on the stored lower-cased text: no LIKE wildcards to escape. */
  uidsByField(mailboxId: number, field: SearchField, needle: string): { uids: number[]; unknown: number[] } {
    if (!SEARCH_FIELDS.includes(field)) throw new Error(`not a search field: ${String(field)}`);
    const col = `f.h_${field}`;
    const sql = `SELECT m.uid AS uid, f.version AS derived FROM messages m LEFT JOIN blob_fields f ON f.blob_id = m.blob_id
      WHERE m.mailbox_id = ? AND (f.version IS NOT ? OR (${col} IS NOT NULL AND instr(${col}, ?) > 0)) ORDER BY m.uid`;
    const out = { uids: [] as number[], unknown: [] as number[] };
    for (const r of this.d.q(sql).all(mailboxId, DERIVED_VERSION, needle) as Row[]) (Number(r.derived) === DERIVED_VERSION ? out.uids : out.unknown).push(Number(r.uid));
    return out;
  }

  setDerived(blobId: number, f: DerivedFields): void {
    saveDerived(this.d.q, blobId, f);
  }

  mailboxCounts(mailboxId: number): MailboxCounts {
    const r = this.d
      .q(
        `SELECT count(*) AS n, coalesce(sum(size), 0) AS size,
           coalesce(sum(CASE WHEN ${HAS('\\Seen')} THEN 0 ELSE 1 END), 0) AS unseen,
           coalesce(sum(CASE WHEN ${HAS('\\Deleted')} THEN 1 ELSE 0 END), 0) AS deleted,
           min(CASE WHEN ${HAS('\\Seen')} THEN NULL ELSE uid END) AS first_unseen
         FROM messages WHERE mailbox_id = ?`,
      )
      .get(mailboxId) as Row;
    return {
      messages: Number(r.n),
      size: Number(r.size),
      unseen: Number(r.unseen),
      deleted: Number(r.deleted),
      firstUnseenUid: r.first_unseen === null ? null : Number(r.first_unseen),
    };
  }

  mailboxKeywords(mailboxId: number): string[] {
    const out = new Map<string, string>();
    for (const r of this.d.q("SELECT DISTINCT flags FROM messages WHERE mailbox_id = ? AND flags != ''").all(mailboxId) as Row[]) {
      for (const f of splitFlags(String(r.flags))) if (!f.startsWith('\\') && !out.has(f.toLowerCase())) out.set(f.toLowerCase(), f);
    }
    return [...out.values()];
  }

  uidsByFlags(mailboxId: number, flags: ReadonlyArray<{ flag: string; set: boolean }>): number[] {
    // UIDs come back as one JSON array: far cheaper than a row object per UID, and JSON.parse
    // beats splitting a group_concat string and converting each piece (bench: 0.23 vs 0.38 ms
    // for 3,000 UIDs).
    const uidList = (sql: string, ...args: Array<number | string>): number[] => {
      const r = this.d.q(`SELECT json_group_array(uid) AS u FROM (${sql})`).get(...args) as Row | undefined;
      return typeof r?.u === 'string' ? (JSON.parse(r.u) as number[]) : [];
    };
    // UNSEEN: the partial index messages_unseen (schema.ts migration 4) has exactly this term.
    if (flags.length === 1 && !flags[0]!.set && flags[0]!.flag.toLowerCase() === '\\seen') {
      return uidList("SELECT uid FROM messages WHERE mailbox_id = ? AND instr(' ' || lower(flags) || ' ', ' \\seen ') = 0 ORDER BY uid", mailboxId);
    }
    // Bound as parameters, with LIKE's wildcards ("_" may be in a keyword) escaped.
    const where = flags.map((f) => `(' ' || flags || ' ') ${f.set ? '' : 'NOT '}LIKE ('% ' || ? || ' %') ESCAPE '!'`).join(' AND ');
    const sql = `SELECT uid FROM messages WHERE mailbox_id = ?${where ? ` AND ${where}` : ''} ORDER BY uid`;
    return uidList(sql, mailboxId, ...flags.map((f) => f.flag.replace(/[!%_]/g, '!$&')));
  }

  updateFlags(mailboxId: number, ranges: readonly UidRange[], action: FlagAction, flags: readonly string[], unchangedSince: number | null): FlagUpdateResult {
    return this.d.tx(() => {
      const result: FlagUpdateResult = { messages: [], modified: [] };
      const mb = this.d.q('SELECT highest_modseq FROM mailboxes WHERE id = ?').get(mailboxId) as Row | undefined;
      if (!mb) return result;
      let highest = Number(mb.highest_modseq);
      const start = highest;
      for (const [lo, hi] of ranges) {
        for (const r of this.d.q('SELECT id, uid, flags, modseq FROM messages WHERE mailbox_id = ? AND uid BETWEEN ? AND ? ORDER BY uid').all(mailboxId, lo, hi) as Row[]) {
          const uid = Number(r.uid);
          const modseq = Number(r.modseq);
          // RFC 7162 §3.1.3: a message modified after UNCHANGEDSINCE is not touched.
          if (unchangedSince !== null && modseq > unchangedSince) {
            result.modified.push(uid);
            continue;
          }
          const current = splitFlags(String(r.flags));
          const next = applyFlags(current, action, flags);
          if (sameFlags(current, next)) {
            result.messages.push({ uid, flags: current, modseq, changed: false });
            continue;
          }
          highest++;
          this.d.q('UPDATE messages SET flags = ?, modseq = ? WHERE id = ?').run(next.join(' '), highest, r.id as number);
          result.messages.push({ uid, flags: next, modseq: highest, changed: true });
        }
      }
      if (highest !== start) this.d.q('UPDATE mailboxes SET highest_modseq = ? WHERE id = ?').run(highest, mailboxId);
      return result;
    });
  }

  copyMessages(fromId: number, uids: readonly number[], toId: number, move: boolean): CopyResult {
    return this.d.tx(() => {
      const users = this.d.q('SELECT id, user_id, uid_validity FROM mailboxes WHERE id IN (?, ?)').all(fromId, toId) as Row[];
      const dst = users.find((u) => Number(u.id) === toId);
      const src = users.find((u) => Number(u.id) === fromId);
      // Defence in depth: mailbox/ resolves both names for one user; never cross users here.
      if (!dst || !src || Number(dst.user_id) !== Number(src.user_id)) throw new Error('copy between mailboxes of different users (or missing mailbox)');
      const rows: Row[] = [];
      for (const uid of [...new Set(uids)].sort((a, b) => a - b)) {
        const r = this.d.q('SELECT * FROM messages WHERE mailbox_id = ? AND uid = ?').get(fromId, uid) as Row | undefined;
        if (r) rows.push(r);
      }
      const result: CopyResult = { uidValidity: Number(dst.uid_validity), pairs: [] };
      if (!rows.length) return result;
      const alloc = this.d.q('UPDATE mailboxes SET uid_next = uid_next + ?, highest_modseq = highest_modseq + 1 WHERE id = ? RETURNING uid_next, highest_modseq').get(rows.length, toId) as Row;
      const first = Number(alloc.uid_next) - rows.length;
      const modseq = Number(alloc.highest_modseq);
      const insert = this.d.q('INSERT INTO messages (mailbox_id, uid, blob_id, flags, internal_date, size, modseq) VALUES (?, ?, ?, ?, ?, ?, ?)');
      rows.forEach((r, i) => {
        insert.run(toId, first + i, r.blob_id as number, r.flags as string, r.internal_date as number, r.size as number, modseq);
        // A move hands the source's blob reference over; a copy takes a new one.
        if (!move) this.d.q('UPDATE blobs SET refs = refs + 1 WHERE id = ?').run(r.blob_id as number);
        result.pairs.push([Number(r.uid), first + i]);
      });
      if (move) {
        const del = this.d.q('DELETE FROM messages WHERE id = ?');
        for (const r of rows) del.run(r.id as number);
        this.recordExpunge(fromId, rows.map((r) => Number(r.uid)));
      }
      return result;
    });
  }

  expungeDeleted(mailboxId: number, ranges: readonly UidRange[]): number[] {
    const later: string[] = [];
    const removed = this.d.tx(() => {
      const out: number[] = [];
      for (const [lo, hi] of ranges) {
        const rows = this.d.q(`SELECT id, uid, blob_id FROM messages WHERE mailbox_id = ? AND uid BETWEEN ? AND ? AND ${HAS('\\Deleted')} ORDER BY uid`).all(mailboxId, lo, hi) as Row[];
        for (const r of rows) {
          this.d.q('DELETE FROM messages WHERE id = ?').run(r.id as number);
          this.d.unref(Number(r.blob_id), later);
          out.push(Number(r.uid));
        }
      }
      if (out.length) this.recordExpunge(mailboxId, out);
      return out;
    });
    unlinkAll(later);
    return removed;
  }

  /**
   * Inside the transaction that removed `uids` from a mailbox: one new modseq for the mailbox
   * (RFC 7162 §3.1: an expunge changes the mailbox), and the UIDs recorded with it for QRESYNC.
   */
  recordExpunge(mailboxId: number, uids: readonly number[]): void {
    if (!uids.length) return;
    const r = this.d.q('UPDATE mailboxes SET highest_modseq = highest_modseq + 1 WHERE id = ? RETURNING highest_modseq').get(mailboxId) as Row | undefined;
    if (!r) return;
    const insert = this.d.q('INSERT OR IGNORE INTO vanished_uids (mailbox_id, modseq, uid) VALUES (?, ?, ?)');
    for (const uid of uids) insert.run(mailboxId, r.highest_modseq as number, uid);
  }

  /**
   * RFC 7162 §3.2.5.2 / §3.2.6: the UIDs within `ranges` expunged at a modseq above `since`, as
   * merged ranges. Below the mailbox's vanished_floor the record is incomplete (expunges from
   * before it was kept): then every UID in `ranges` under UIDNEXT that is not in the mailbox.
   */
  listVanished(mailboxId: number, since: number, ranges: readonly UidRange[]): UidRange[] {
    const mb = this.d.q('SELECT uid_next, vanished_floor FROM mailboxes WHERE id = ?').get(mailboxId) as Row | undefined;
    if (!mb) return [];
    const top = Number(mb.uid_next) - 1;
    const wanted = mergeRanges(ranges.map(([lo, hi]) => [Math.max(lo, 1), Math.min(hi, top)] as const).filter(([lo, hi]) => lo <= hi));
    if (!wanted.length) return [];
    if (since < Number(mb.vanished_floor)) return this.missingUids(mailboxId, wanted);
    const uids: number[] = [];
    for (const r of this.d.q('SELECT uid FROM vanished_uids WHERE mailbox_id = ? AND modseq > ?').all(mailboxId, since) as Row[]) {
      const uid = Number(r.uid);
      if (inRanges(wanted, uid)) uids.push(uid);
    }
    return mergeRanges(uids.map((u) => [u, u] as const));
  }

  /** The gaps between the mailbox's UIDs inside each (merged, ascending) range, read in UID order. */
  private missingUids(mailboxId: number, ranges: ReadonlyArray<readonly [number, number]>): UidRange[] {
    const out: Array<[number, number]> = [];
    const add = (lo: number, hi: number) => {
      const last = out[out.length - 1];
      if (last && lo <= last[1] + 1) last[1] = Math.max(last[1], hi);
      else out.push([lo, hi]);
    };
    const st = this.d.q('SELECT uid FROM messages WHERE mailbox_id = ? AND uid BETWEEN ? AND ? ORDER BY uid');
    for (const [lo, hi] of ranges) {
      let next = lo;
      for (const r of st.iterate(mailboxId, lo, hi) as Iterable<Row>) {
        const uid = Number(r.uid);
        if (uid > next) add(next, uid - 1);
        next = uid + 1;
      }
      if (next <= hi) add(next, hi);
    }
    return out;
  }

  getStructure(blobId: number): string | null {
    const r = this.d.q('SELECT structure FROM blobs WHERE id = ?').get(blobId) as Row | undefined;
    return (r?.structure as string | null | undefined) ?? null;
  }

  setStructure(blobId: number, json: string): void {
    // A new structure outdates what was derived from the old one (recomputed on next use).
    this.d.tx(() => {
      this.d.q('UPDATE blobs SET structure = ? WHERE id = ?').run(json, blobId);
      this.d.q('DELETE FROM blob_fields WHERE blob_id = ?').run(blobId);
    });
  }

  async *streamBlobRange(blobId: number, start: number, end: number): AsyncGenerator<Buffer> {
    const r = this.d.q('SELECT data, path, size FROM blobs WHERE id = ?').get(blobId) as Row | undefined;
    if (!r) throw new Error(`blob ${blobId} not found`);
    const stop = Math.min(end, Number(r.size));
    if (start >= stop) return;
    if (r.data) {
      const data = r.data as Uint8Array;
      for (let i = start; i < stop; i += CHUNK) yield Buffer.from(data.buffer, data.byteOffset + i, Math.min(CHUNK, stop - i));
      return;
    }
    // Opened before the first chunk: a concurrent expunge that unlinks the file cannot cut it short.
    const fh = await openFile(join(this.d.blobDir, String(r.path)), 'r');
    try {
      for (let pos = start; pos < stop; ) {
        const want = Math.min(CHUNK, stop - pos);
        const buf = Buffer.allocUnsafe(want);
        const { bytesRead } = await fh.read(buf, 0, want, pos);
        if (bytesRead === 0) throw new Error(`blob ${blobId} is shorter than recorded`);
        pos += bytesRead;
        yield bytesRead === want ? buf : buf.subarray(0, bytesRead);
      }
    } finally {
      await fh.close();
    }
  }
}
