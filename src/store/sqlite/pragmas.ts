/** Connection settings shared by every SQLite connection of the store (main thread and ingest worker). */
import type { DatabaseSync } from 'node:sqlite';

export function openPragmas(db: DatabaseSync): void {
  db.exec('PRAGMA journal_mode = WAL');
  db.exec('PRAGMA synchronous = FULL'); // COMMIT returns after the WAL is fsync'd
  db.exec('PRAGMA busy_timeout = 10000');
  db.exec('PRAGMA foreign_keys = ON');
}
