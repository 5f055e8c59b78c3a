/** Connection settings and helpers shared by every SQLite connection of the store (main thread and ingest worker). */
import type { DatabaseSync, StatementSync } from 'node:sqlite';

export function openPragmas(db: DatabaseSync): void {
  db.exec('PRAGMA journal_mode = WAL');
  db.exec('PRAGMA synchronous = FULL'); // COMMIT returns after the WAL is fsync'd
  db.exec('PRAGMA busy_timeout = 10000');
  db.exec('PRAGMA foreign_keys = ON');
}

/** Prepares each SQL text once per connection and reuses the statement. */
export function statementCache(db: DatabaseSync): (sql: string) => StatementSync {
  const stmts = new Map<string, StatementSync>();
  return (sql) => {
    let s = stmts.get(sql);
    if (!s) {
      s = db.prepare(sql);
      stmts.set(sql, s);
    }
    return s;
  };
}
