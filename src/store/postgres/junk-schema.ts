/**
 * Schema of the Bayesian filter's statistics on PostgreSQL (junk.ts), versioned: migration N
 * brings a database from version N to N+1; the version lives in junk_schema.
 *
 * Applied on open by every node, and safe when several open at once: the whole migration runs in
 * one transaction under a transaction-scoped advisory lock (PostgreSQL 15 manual §9.27.10
 * pg_advisory_xact_lock), so the second node waits, then finds the version current. Every
 * statement is also CREATE ... IF NOT EXISTS, so tables an administrator made beforehand are kept.
 *
 * Never: downgrade (a database newer than this code is refused with an error naming both
 * versions), or need CREATE privilege once the schema is current (a role with only SELECT,
 * INSERT, UPDATE, DELETE on the tables can open it; docs/spam.md "Storage").
 */
import type { PgClient } from './pool.ts';

/**
 * Token counts have no CHECK (count >= 0): PostgreSQL checks constraints on the row an
 * INSERT ... ON CONFLICT DO UPDATE proposes, before the conflict turns it into an update, and
 * commit's one sorted upsert proposes negative deltas. junk.ts guards them instead (and rolls
 * back). Text columns use the "C" collation: byte order, the same on every node and cheap.
 */
export const JUNK_MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE IF NOT EXISTS junk_tokens (
    scope text COLLATE "C" NOT NULL,
    token text COLLATE "C" NOT NULL,
    ham integer NOT NULL,
    spam integer NOT NULL,
    PRIMARY KEY (scope, token)
  );
  CREATE TABLE IF NOT EXISTS junk_totals (
    scope text COLLATE "C" PRIMARY KEY,
    ham integer NOT NULL CHECK (ham >= 0),
    spam integer NOT NULL CHECK (spam >= 0)
  );
  CREATE TABLE IF NOT EXISTS junk_records (
    scope text COLLATE "C" NOT NULL,
    key text COLLATE "C" NOT NULL,
    label text NOT NULL CHECK (label IN ('ham', 'spam')),
    tokens text[] NOT NULL,
    trained_at bigint NOT NULL,
    PRIMARY KEY (scope, key)
  );
  `,
];

/** Key of the advisory lock that serializes migrations ("mwjunk" in ASCII). */
export const MIGRATION_LOCK = 0x6d776a756e6b;

/**
 * Brings the database to the current version in one transaction; returns the version found
 * before. `c` is a connection outside any transaction.
 */
export async function migrateJunkSchema(c: PgClient): Promise<number> {
  await c.query('BEGIN');
  try {
    await c.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
    // Checked before CREATE: CREATE TABLE IF NOT EXISTS needs CREATE privilege even when the table exists.
    const exists = (await c.query("SELECT to_regclass('junk_schema') IS NOT NULL AS e")).rows[0]?.e === true;
    if (!exists) await c.query('CREATE TABLE junk_schema (version integer NOT NULL)');
    const row = (await c.query('SELECT version FROM junk_schema')).rows[0];
    const from = row === undefined ? 0 : Number(row.version);
    if (from > JUNK_MIGRATIONS.length) {
      throw new Error(`the statistics database is at schema version ${from}, newer than this mailwarden's ${JUNK_MIGRATIONS.length}: upgrade mailwarden`);
    }
    for (let v = from; v < JUNK_MIGRATIONS.length; v++) await c.query(JUNK_MIGRATIONS[v]!);
    if (row === undefined) await c.query('INSERT INTO junk_schema (version) VALUES ($1)', [JUNK_MIGRATIONS.length]);
    else if (from < JUNK_MIGRATIONS.length) await c.query('UPDATE junk_schema SET version = $1', [JUNK_MIGRATIONS.length]);
    await c.query('COMMIT');
    return from;
  } catch (e) {
    await c.query('ROLLBACK').catch(() => undefined);
    throw e;
  }
}
