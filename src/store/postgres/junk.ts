/**
 * The Bayesian filter's token statistics on PostgreSQL: the JunkStore port of src/junk/ports.ts,
 * for several mailwarden nodes that share one trained site database (like SpamAssassin's
 * bayes_sql_dsn or rspamd's Redis statistics backend). Tables junk_tokens, junk_totals,
 * junk_records (junk-schema.ts).
 *
 * Scopes are text keys: "global" for the site database, shared by every node; "user:<namespace>:<id>"
 * for user <id> of the store of the node(s) with that namespace, because a numeric user id names
 * a person only within one store (docs/spam.md "Storage").
 *
 * Sources: Graham "A Plan for Spam" and SpamBayes' WordInfo (per token, the number of ham and spam
 * messages containing it, plus the message totals); the port's rules (ports.ts); PostgreSQL 15
 * manual §13.2.1 (Read Committed: an INSERT ... ON CONFLICT waits for a concurrent insert of the
 * same key and then sees it; SELECT ... FOR UPDATE waits for and re-reads a locked row), §13.3.4
 * (locks taken in one consistent order cannot deadlock).
 *
 * commit is one transaction that takes its locks in one order: the record of `key` (inserted
 * first with ON CONFLICT DO NOTHING when there must be none, else SELECT ... FOR UPDATE), then the
 * token rows in byte order in ONE upsert over a sorted, de-duplicated array, then the totals row.
 * Two concurrent trainings of one message therefore count it once, and concurrent commits with
 * overlapping tokens wait for each other instead of deadlocking (a deadlock or serialization
 * failure would still be retried, pool.ts). commitBatch (`spam import`) does the same for many
 * records in one transaction and a few statements: all its record locks first, then one upsert of
 * the summed token changes, then the totals.
 *
 * PostgreSQL text holds neither NUL nor unpaired UTF-16 surrogates (which a tokenizer's length
 * cap can leave behind): tokens are stored normalized (each such unit becomes U+FFFD), so the
 * few tokens that differ only there share one count.
 *
 * Never: apply part of a commit, let a count go below zero (checked inside the transaction, which
 * then rolls back), keep a token row whose counts are both zero, or touch a scope other than the
 * one named.
 */
import { checkBatchKeys, GLOBAL, recordsPageSize, userScope, type Counts, type JunkStore, type Label, type RecordChange, type Scope, type ScopedRecord, type TrainingRecord } from '../../junk/ports.ts';
import { createPool, describePgError, redactUrl, sqlState, transaction, type PgClient, type PgPool } from './pool.ts';
import { migrateJunkSchema } from './junk-schema.ts';

/** A namespace for user scopes: host-name characters, so a scope key stays readable and unambiguous. */
export const NAMESPACE_PATTERN = /^[A-Za-z0-9._-]{1,253}$/;

/** The label's column; only these two fixed strings are ever spliced into SQL. */
function column(label: Label): 'ham' | 'spam' {
  if (label !== 'ham' && label !== 'spam') throw new Error(`junk store: bad label ${String(label)}`);
  return label;
}

/** The stored form of a token (see the header): idempotent, the identity for ordinary tokens. */
export function storedToken(t: string): string {
  const w = t.isWellFormed() ? t : t.toWellFormed();
  return w.includes('\u0000') ? w.replaceAll('\u0000', '\uFFFD') : w;
}

/**
 * Stored forms, de-duplicated and sorted, so a record's token list is stable. The lock order
 * itself is the SQL's ORDER BY ... COLLATE "C" (byte order), the same in every transaction.
 */
function sortedTokens(tokens: readonly string[]): string[] {
  const set = new Set<string>();
  for (const t of tokens) set.add(storedToken(t));
  return [...set].sort();
}

/**
 * One sorted upsert of every token's net change (summed over a batch; one commit is a batch of
 * one) with the number of its undos per label ($5, $6); returns how many tokens had fewer than
 * that in a label before (count after minus the net change): an undo would go below zero.
 */
const UPSERT_TOKENS = `
  WITH d AS (SELECT * FROM unnest($2::text[], $3::integer[], $4::integer[], $5::integer[], $6::integer[]) AS d(token, ham, spam, undo_ham, undo_spam)),
  up AS (
    INSERT INTO junk_tokens AS j (scope, token, ham, spam)
    SELECT $1, d.token, d.ham, d.spam FROM d ORDER BY d.token COLLATE "C"
    ON CONFLICT (scope, token) DO UPDATE SET ham = j.ham + EXCLUDED.ham, spam = j.spam + EXCLUDED.spam
    RETURNING j.token, j.ham, j.spam
  )
  SELECT count(*)::integer AS below
  FROM up JOIN d USING (token)
  WHERE up.ham - d.ham < d.undo_ham OR up.spam - d.spam < d.undo_spam`;

/** A batch's record rows: keys, labels, token lists (JSON arrays: text[] cannot nest ragged lists), times. */
const BATCH_ROWS = `unnest($2::text[], $3::text[], $4::text[], $5::bigint[]) AS x(key, label, tokens, trained_at)`;
const TOKEN_ARRAY = `ARRAY(SELECT e FROM json_array_elements_text(x.tokens::json) WITH ORDINALITY AS a(e, n) ORDER BY n)`;
/** New records in key order; RETURNING the keys inserted (a key there already is left alone). */
const INSERT_RECORDS = `
  INSERT INTO junk_records (scope, key, label, tokens, trained_at)
  SELECT $1, x.key, x.label, ${TOKEN_ARRAY}, x.trained_at FROM ${BATCH_ROWS} ORDER BY x.key COLLATE "C"
  ON CONFLICT (scope, key) DO NOTHING
  RETURNING key`;
/** Records already locked and compared, replaced by their new versions. */
const REPLACE_RECORDS = `
  UPDATE junk_records r SET label = x.label, tokens = ${TOKEN_ARRAY}, trained_at = x.trained_at
  FROM ${BATCH_ROWS} WHERE r.scope = $1 AND r.key = x.key`;

/**
 * Per token, the net change of the changes whose compare-and-swap held (remove's label −1 on
 * `removed`, add's +1 on `added`; stored, sorted tokens), how many of them undo it per label, and
 * the same for the totals.
 */
function deltas(held: ReadonlyArray<{ remove: Label | null; removed: readonly string[]; add: Label | null; added: readonly string[] }>) {
  const d = new Map<string, { ham: number; spam: number; undoHam: number; undoSpam: number }>();
  const at = (t: string) => {
    let e = d.get(t);
    if (e === undefined) d.set(t, (e = { ham: 0, spam: 0, undoHam: 0, undoSpam: 0 }));
    return e;
  };
  const totals = { ham: 0, spam: 0, undoHam: 0, undoSpam: 0 };
  for (const h of held) {
    if (h.remove) {
      const c = column(h.remove);
      for (const t of h.removed) {
        const e = at(t);
        e[c]--;
        if (c === 'ham') e.undoHam++;
        else e.undoSpam++;
      }
      totals[c]--;
      if (c === 'ham') totals.undoHam++;
      else totals.undoSpam++;
    }
    if (h.add) {
      const c = column(h.add);
      for (const t of h.added) at(t)[c]++;
      totals[c]++;
    }
  }
  const tokens = [...d.keys()].sort();
  const col = (f: (e: { ham: number; spam: number; undoHam: number; undoSpam: number }) => number) => tokens.map((t) => f(d.get(t)!));
  return { tokens, ham: col((e) => e.ham), spam: col((e) => e.spam), undoHam: col((e) => e.undoHam), undoSpam: col((e) => e.undoSpam), totals };
}

export class PostgresJunkStore implements JunkStore {
  private readonly pool: PgPool;
  private readonly namespace: string;

  /** `namespace` prefixes user scopes (user:<namespace>:<id>); the global scope is shared. */
  constructor(pool: PgPool, opts: { namespace: string }) {
    if (!NAMESPACE_PATTERN.test(opts.namespace)) throw new Error(`junk store: bad namespace ${JSON.stringify(opts.namespace)} (letters, digits, ".", "_", "-")`);
    this.pool = pool;
    this.namespace = opts.namespace;
  }

  /** The scope's key in the tables. */
  scopeKey(s: Scope): string {
    if (s.kind === 'global') return 'global';
    if (!Number.isSafeInteger(s.userId) || s.userId < 1) throw new Error(`junk store: bad user id ${String(s.userId)}`);
    return `user:${this.namespace}:${s.userId}`;
  }

  async getCounts(scope: Scope, tokens: readonly string[]): Promise<Map<string, Counts>> {
    const out = new Map<string, Counts>();
    if (tokens.length === 0) return out;
    const stored = tokens.map(storedToken);
    const { rows } = await this.pool.query('SELECT token, ham, spam FROM junk_tokens WHERE scope = $1 AND token = ANY($2::text[])', [this.scopeKey(scope), [...new Set(stored)]]);
    const found = new Map<string, Counts>();
    for (const r of rows) found.set(String(r.token), { ham: Number(r.ham), spam: Number(r.spam) });
    // Keyed by the caller's tokens (a normalized token answers for each of its originals).
    for (let i = 0; i < tokens.length; i++) {
      const c = found.get(stored[i]!);
      if (c !== undefined) out.set(tokens[i]!, c);
    }
    return out;
  }

  async getTotals(scope: Scope): Promise<Counts> {
    const { rows } = await this.pool.query('SELECT ham, spam FROM junk_totals WHERE scope = $1', [this.scopeKey(scope)]);
    const r = rows[0];
    return r ? { ham: Number(r.ham), spam: Number(r.spam) } : { ham: 0, spam: 0 };
  }

  async getRecord(scope: Scope, key: string): Promise<TrainingRecord | null> {
    const { rows } = await this.pool.query('SELECT label, tokens, trained_at FROM junk_records WHERE scope = $1 AND key = $2', [this.scopeKey(scope), key]);
    const r = rows[0];
    if (!r) return null;
    return { key, label: column(String(r.label) as Label), tokens: (r.tokens as string[]).slice(), trainedAt: Number(r.trained_at) };
  }

  async commit(scope: Scope, key: string, change: { remove: TrainingRecord | null; add: TrainingRecord | null }): Promise<boolean> {
    const s = this.scopeKey(scope);
    const { remove, add } = change;
    const removed = remove ? sortedTokens(remove.tokens) : [];
    const added = add ? sortedTokens(add.tokens) : [];
    const d = deltas([{ remove: remove?.label ?? null, removed, add: add?.label ?? null, added }]);
    return transaction(this.pool, async (c) => {
      if (!(await this.swapRecord(c, s, key, remove, add, added))) return false;
      await this.applyDeltas(c, s, d);
      if (remove || add) await this.changeTotalsBy(c, s, d.totals);
      return true;
    });
  }

  /**
   * One transaction for many records, set-wise (a few statements, not a few per record): first the
   * records a change expects, locked in key order (SELECT ... ORDER BY key FOR UPDATE) and compared,
   * then replaced or deleted; then the new records, inserted in key order with ON CONFLICT DO
   * NOTHING (a record there already, or inserted by a concurrent writer, makes its change false);
   * then ONE sorted upsert of every token's net change over the changes that held, then the totals
   * row. Token and totals locks come after every record lock, as in commit(), so batches and single
   * commits wait for each other rather than deadlock (one that still happened would be retried).
   */
  async commitBatch(scope: Scope, changes: readonly RecordChange[]): Promise<boolean[]> {
    checkBatchKeys(changes);
    if (changes.length === 0) return [];
    const s = this.scopeKey(scope);
    const all = changes.map((c) => ({ ...c, stored: c.key.toWellFormed(), removed: c.remove ? sortedTokens(c.remove.tokens) : [], added: c.add ? sortedTokens(c.add.tokens) : [] }));
    type Prepared = (typeof all)[number];
    // Keys that differ only in lone surrogates are one key in PostgreSQL text: the first of them
    // takes part, the others are false (their writer reads the record again, as after any race).
    const seen = new Set<string>();
    const prepared = all.filter((p) => !seen.has(p.stored) && seen.add(p.stored));
    const rows = (list: Prepared[]) => [list.map((p) => p.key), list.map((p) => column(p.add!.label)), list.map((p) => JSON.stringify(p.added)), list.map((p) => Math.trunc(p.add!.trainedAt))];
    let results: boolean[] = [];
    await transaction(this.pool, async (c) => {
      const held = new Set<Prepared>(); // a retried transaction starts again
      const expected = prepared.filter((p) => p.remove !== null);
      if (expected.length) {
        const { rows: found } = await c.query('SELECT key, label FROM junk_records WHERE scope = $1 AND key = ANY($2::text[]) ORDER BY key COLLATE "C" FOR UPDATE', [s, expected.map((p) => p.key)]);
        const label = new Map(found.map((r) => [String(r.key), String(r.label)]));
        for (const p of expected) if (label.get(p.stored) === column(p.remove!.label)) held.add(p);
        const deleted = expected.filter((p) => held.has(p) && p.add === null);
        if (deleted.length) await c.query('DELETE FROM junk_records WHERE scope = $1 AND key = ANY($2::text[])', [s, deleted.map((p) => p.key)]);
        const replaced = expected.filter((p) => held.has(p) && p.add !== null);
        if (replaced.length) await c.query(REPLACE_RECORDS, [s, ...rows(replaced)]);
      }
      const absent = prepared.filter((p) => p.remove === null);
      const inserted = absent.filter((p) => p.add !== null);
      if (inserted.length) {
        const { rows: done } = await c.query(INSERT_RECORDS, [s, ...rows(inserted)]);
        const keys = new Set(done.map((r) => String(r.key)));
        for (const p of inserted) if (keys.has(p.stored)) held.add(p);
      }
      const nothing = absent.filter((p) => p.add === null); // a compare-and-swap on "no record" alone
      if (nothing.length) {
        const { rows: there } = await c.query('SELECT key FROM junk_records WHERE scope = $1 AND key = ANY($2::text[])', [s, nothing.map((p) => p.key)]);
        const keys = new Set(there.map((r) => String(r.key)));
        for (const p of nothing) if (!keys.has(p.stored)) held.add(p);
      }
      const d = deltas([...held].map((p) => ({ remove: p.remove?.label ?? null, removed: p.removed, add: p.add?.label ?? null, added: p.added })));
      await this.applyDeltas(c, s, d);
      if ([...held].some((p) => p.remove || p.add)) await this.changeTotalsBy(c, s, d.totals);
      results = all.map((p) => held.has(p));
      return true;
    });
    return results;
  }

  /**
   * The compare-and-swap on the record of `key`, which also takes the transaction's first lock.
   * No record expected: insert the new one, and a concurrent commit that inserted first (or
   * commits first) makes this one find its row and change nothing. A record expected: lock it,
   * compare its label, then replace or delete it.
   */
  private async swapRecord(c: PgClient, s: string, key: string, remove: TrainingRecord | null, add: TrainingRecord | null, addTokens: string[]): Promise<boolean> {
    if (remove === null) {
      if (add === null) return (await c.query('SELECT 1 FROM junk_records WHERE scope = $1 AND key = $2', [s, key])).rows.length === 0;
      const ins = await c.query('INSERT INTO junk_records (scope, key, label, tokens, trained_at) VALUES ($1, $2, $3, $4::text[], $5) ON CONFLICT (scope, key) DO NOTHING', [s, key, column(add.label), addTokens, Math.trunc(add.trainedAt)]);
      return ins.rowCount === 1;
    }
    const cur = (await c.query('SELECT label FROM junk_records WHERE scope = $1 AND key = $2 FOR UPDATE', [s, key])).rows[0];
    if (cur === undefined || String(cur.label) !== column(remove.label)) return false;
    if (add === null) await c.query('DELETE FROM junk_records WHERE scope = $1 AND key = $2', [s, key]);
    else await c.query('UPDATE junk_records SET label = $3, tokens = $4::text[], trained_at = $5 WHERE scope = $1 AND key = $2', [s, key, column(add.label), addTokens, Math.trunc(add.trainedAt)]);
    return true;
  }

  /** Totals: remove's label -1, add's +1; the row is locked last (it is every commit's hottest). */
  /** The token rows changed by `d` (one upsert), refusing an undo below zero; rows that reach 0/0 deleted. */
  private async applyDeltas(c: PgClient, s: string, d: ReturnType<typeof deltas>): Promise<void> {
    if (d.tokens.length === 0) return;
    const { rows } = await c.query(UPSERT_TOKENS, [s, d.tokens, d.ham, d.spam, d.undoHam, d.undoSpam]);
    if (Number(rows[0]?.below ?? 0) > 0) throw new Error('junk store: token count below zero');
    // Only a token something undid can have reached zero in both labels.
    const undone = d.tokens.filter((_, i) => d.undoHam[i]! > 0 || d.undoSpam[i]! > 0);
    if (undone.length) await c.query('DELETE FROM junk_tokens WHERE scope = $1 AND token = ANY($2::text[]) AND ham = 0 AND spam = 0', [s, undone]);
  }

  /** Totals changed by a net amount per label; the row must have held at least `undo*` in each label before. */
  private async changeTotalsBy(c: PgClient, s: string, d: { ham: number; spam: number; undoHam: number; undoSpam: number }): Promise<void> {
    await c.query('INSERT INTO junk_totals (scope, ham, spam) VALUES ($1, 0, 0) ON CONFLICT (scope) DO NOTHING', [s]);
    // The CHECK (>= 0) stops a negative total; a relabel to the same label must still find one to undo.
    const r = (await c.query('UPDATE junk_totals SET ham = ham + $2, spam = spam + $3 WHERE scope = $1 RETURNING ham, spam', [s, d.ham, d.spam]).catch((e: unknown) => {
      throw sqlState(e) === '23514' ? new Error('junk store: untraining below zero') : e; // check_violation
    })).rows[0]!;
    if (Number(r.ham) - d.ham < d.undoHam || Number(r.spam) - d.spam < d.undoSpam) throw new Error('junk store: untraining below zero');
  }

  /**
   * The global scope and this namespace's user scopes (another node's users are not this store's
   * to name), by keyset paging over the primary key: each page one query for the next `pageSize`
   * records after the last (scope, key) seen, in byte order ("C" collation), so "global" comes
   * first and no transaction stays open between pages.
   */
  async *records(opts?: { pageSize?: number }): AsyncGenerator<ScopedRecord> {
    const limit = recordsPageSize(opts);
    const prefix = `user:${this.namespace}:`;
    let after: [string, string] = ['', ''];
    for (;;) {
      const { rows } = await this.pool.query(
        `SELECT scope, key, label, tokens, trained_at FROM junk_records
         WHERE (scope = 'global' OR starts_with(scope, $1)) AND (scope, key) > ($2, $3)
         ORDER BY scope, key LIMIT $4`,
        [prefix, after[0], after[1], limit],
      );
      for (const r of rows) {
        const s = String(r.scope);
        const record: TrainingRecord = { key: String(r.key), label: column(String(r.label) as Label), tokens: (r.tokens as string[]).slice(), trainedAt: Number(r.trained_at) };
        yield { scope: s === 'global' ? GLOBAL : userScope(this.userIdOf(s, prefix)), record };
      }
      if (rows.length < limit) return;
      const last = rows[rows.length - 1]!;
      after = [String(last.scope), String(last.key)];
    }
  }

  /** The user id of a scope key of this namespace (scopeKey's inverse). */
  private userIdOf(s: string, prefix: string): number {
    const digits = s.slice(prefix.length);
    const id = Number(digits);
    if (!/^[1-9][0-9]*$/.test(digits) || !Number.isSafeInteger(id)) throw new Error(`junk store: bad scope ${JSON.stringify(s)} in junk_records`);
    return id;
  }

  async dropScope(scope: Scope): Promise<void> {
    const s = this.scopeKey(scope);
    await transaction(this.pool, async (c) => {
      await c.query('DELETE FROM junk_records WHERE scope = $1', [s]);
      await c.query('DELETE FROM junk_tokens WHERE scope = $1', [s]);
      await c.query('DELETE FROM junk_totals WHERE scope = $1', [s]);
      return true;
    });
  }
}

/** An open PostgreSQL statistics database: the store and the pool under it. */
export interface PostgresJunkStatistics {
  junk: PostgresJunkStore;
  /** The URL with the password redacted, for logs. */
  where: string;
  close(): Promise<void>;
}

/**
 * Connects to `url` (the password already in it, or from PG* environment variables), brings the
 * schema up to date, and returns the store. Fails with one readable line (no password in it) when
 * the database cannot be reached, refuses the login, or has a newer schema.
 */
export async function openPostgresJunkStore(opts: { url: string; namespace: string; onIdleError: (err: Error) => void }): Promise<PostgresJunkStatistics> {
  const where = redactUrl(opts.url);
  let pool: PgPool;
  try {
    pool = createPool(opts.url, opts.onIdleError);
  } catch (e) {
    throw new Error(`PostgreSQL statistics ${where}: ${describePgError(e)}`);
  }
  try {
    const c = await pool.connect();
    try {
      await migrateJunkSchema(c);
    } finally {
      c.release();
    }
  } catch (e) {
    await pool.end().catch(() => undefined);
    throw new Error(`cannot open the PostgreSQL statistics database ${where}: ${describePgError(e)}`);
  }
  return { junk: new PostgresJunkStore(pool, { namespace: opts.namespace }), where, close: () => pool.end() };
}
