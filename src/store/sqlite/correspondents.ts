/**
 * The SQLite side of the correspondents store (ports.ts CorrespondentStore): table correspondents
 * (migration 9, schema.ts), one row per (user, address) with first/last time and a count.
 * Deliveries record their pairs inside the ingest transaction (ingest.ts, IngestRequest
 * .correspondents) so the hot path pays no extra fsync; `record` is for everything else.
 */
import type { StatementSync } from 'node:sqlite';
import type { CorrespondentStore } from '../ports.ts';

type Row = Record<string, unknown>;

/** Longest address stored (RFC 5321 §4.5.3.1.3 path limit). */
export const MAX_CORRESPONDENT = 256;

const UPSERT = `INSERT INTO correspondents (user_id, address, first_at, last_at, count) VALUES (?, ?, ?, ?, 1)
  ON CONFLICT (user_id, address) DO UPDATE SET last_at = max(last_at, excluded.last_at), count = count + 1`;

/** Writes pairs with the caller's statement cache (inside the caller's transaction). */
export function recordCorrespondents(q: (sql: string) => StatementSync, entries: ReadonlyArray<{ userId: number; address: string }>, at: number): void {
  for (const e of entries) {
    const a = e.address.trim().toLowerCase();
    if (a === '' || a.length > MAX_CORRESPONDENT) continue;
    // A user row deleted meanwhile would fail the foreign key: skip it instead.
    if (!q('SELECT 1 FROM users WHERE id = ?').get(e.userId)) continue;
    q(UPSERT).run(e.userId, a, at, at);
  }
}

export interface SqliteCorrespondentDeps {
  q(sql: string): StatementSync;
  tx<T>(fn: () => T): T;
}

export class SqliteCorrespondents implements CorrespondentStore {
  private readonly d: SqliteCorrespondentDeps;

  constructor(deps: SqliteCorrespondentDeps) {
    this.d = deps;
  }

  async record(entries: ReadonlyArray<{ userId: number; address: string }>, at: number): Promise<void> {
    if (!entries.length) return;
    this.d.tx(() => recordCorrespondents(this.d.q, entries, at));
  }

  async knownToAny(userIds: readonly number[], address: string): Promise<boolean> {
    const a = address.trim().toLowerCase();
    if (!userIds.length || a === '') return false;
    const r = this.d.q('SELECT 1 FROM correspondents WHERE address = ? AND user_id IN (SELECT value FROM json_each(?)) LIMIT 1').get(a, JSON.stringify(userIds));
    return r !== undefined;
  }

  async list(userId: number, limit: number): Promise<Array<{ address: string; firstAt: number; lastAt: number; count: number }>> {
    const rows = this.d.q('SELECT address, first_at, last_at, count FROM correspondents WHERE user_id = ? ORDER BY last_at DESC, address LIMIT ?').all(userId, limit) as Row[];
    return rows.map((r) => ({ address: String(r.address), firstAt: Number(r.first_at), lastAt: Number(r.last_at), count: Number(r.count) }));
  }
}
