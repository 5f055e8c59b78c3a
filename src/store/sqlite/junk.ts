/**
 * The Bayesian filter's token statistics on SQLite: the JunkStore port of src/junk/ports.ts.
 * Tables junk_tokens, junk_totals, junk_records (migration 5, schema.ts); scope 0 is the global
 * database, scope N > 0 is user N's own (rows removed with the user by a trigger).
 *
 * Sources: Graham "A Plan for Spam" and SpamBayes' WordInfo (per token, the number of ham and spam
 * messages containing it, plus the message totals); the port's rules (ports.ts).
 *
 * Never: apply part of a commit (one BEGIN IMMEDIATE transaction, validated before it commits),
 * let a count go below zero (the UPDATE is guarded and a miss rolls everything back), keep a token
 * row whose counts are both zero, or touch a scope other than the one named.
 */
import type { DatabaseSync, StatementSync } from 'node:sqlite';
import { checkBatchKeys, GLOBAL, recordsPageSize, userScope, type Counts, type JunkStore, type Label, type RecordChange, type Scope, type ScopedRecord, type TrainingRecord } from '../../junk/ports.ts';

type Row = Record<string, unknown>;

const scopeId = (s: Scope): number => (s.kind === 'global' ? 0 : s.userId);

/** The column of a label; only these two fixed strings are ever spliced into SQL. */
function column(label: Label): 'ham' | 'spam' {
  if (label !== 'ham' && label !== 'spam') throw new Error(`junk store: bad label ${String(label)}`);
  return label;
}

export class SqliteJunkStore implements JunkStore {
  private readonly db: DatabaseSync;
  private readonly q: (sql: string) => StatementSync;

  constructor(db: DatabaseSync, q: (sql: string) => StatementSync) {
    this.db = db;
    this.q = q;
  }

  async getCounts(scope: Scope, tokens: readonly string[]): Promise<Map<string, Counts>> {
    const out = new Map<string, Counts>();
    if (tokens.length === 0) return out;
    const rows = this.q('SELECT token, ham, spam FROM junk_tokens WHERE scope = ? AND token IN (SELECT value FROM json_each(?))').all(scopeId(scope), JSON.stringify(tokens)) as Row[];
    for (const r of rows) out.set(String(r.token), { ham: Number(r.ham), spam: Number(r.spam) });
    return out;
  }

  async getTotals(scope: Scope): Promise<Counts> {
    const r = this.q('SELECT ham, spam FROM junk_totals WHERE scope = ?').get(scopeId(scope)) as Row | undefined;
    return r ? { ham: Number(r.ham), spam: Number(r.spam) } : { ham: 0, spam: 0 };
  }

  async getRecord(scope: Scope, key: string): Promise<TrainingRecord | null> {
    const r = this.q('SELECT label, tokens, trained_at FROM junk_records WHERE scope = ? AND key = ?').get(scopeId(scope), key) as Row | undefined;
    if (!r) return null;
    return { key, label: String(r.label) as Label, tokens: JSON.parse(String(r.tokens)) as string[], trainedAt: Number(r.trained_at) };
  }

  async commit(scope: Scope, key: string, change: { remove: TrainingRecord | null; add: TrainingRecord | null }): Promise<boolean> {
    const s = scopeId(scope);
    const { remove, add } = change;
    this.db.exec('BEGIN IMMEDIATE');
    try {
      const current = this.q('SELECT label FROM junk_records WHERE scope = ? AND key = ?').get(s, key) as Row | undefined;
      if (remove === null ? current !== undefined : current === undefined || String(current.label) !== remove.label) {
        this.db.exec('ROLLBACK');
        return false;
      }
      this.apply(s, { key, remove, add });
      this.db.exec('COMMIT');
      return true;
    } catch (e) {
      this.db.exec('ROLLBACK');
      throw e;
    }
  }

  /**
   * One change inside the caller's transaction, its compare-and-swap already checked: the undo
   * (guarded: a count that would go below zero throws), then the new record.
   */
  private apply(s: number, { key, remove, add }: RecordChange): void {
    if (remove !== null) {
      const c = column(remove.label);
      const t = this.q(`UPDATE junk_totals SET ${c} = ${c} - 1 WHERE scope = ? AND ${c} >= 1`).run(s);
      if (Number(t.changes) !== 1) throw new Error('junk store: untraining below zero');
      const dec = this.q(`UPDATE junk_tokens SET ${c} = ${c} - 1 WHERE scope = ? AND token = ? AND ${c} >= 1`);
      for (const tok of new Set(remove.tokens)) if (Number(dec.run(s, tok).changes) !== 1) throw new Error('junk store: token count below zero');
      this.q('DELETE FROM junk_tokens WHERE scope = ? AND ham = 0 AND spam = 0 AND token IN (SELECT value FROM json_each(?))').run(s, JSON.stringify(remove.tokens));
      this.q('DELETE FROM junk_records WHERE scope = ? AND key = ?').run(s, key);
    }
    if (add !== null) {
      const c = column(add.label);
      const tokens = [...new Set(add.tokens)];
      this.q(`INSERT INTO junk_totals (scope, ham, spam) VALUES (?, 0, 0) ON CONFLICT (scope) DO NOTHING`).run(s);
      this.q(`UPDATE junk_totals SET ${c} = ${c} + 1 WHERE scope = ?`).run(s);
      const inc = this.q(`INSERT INTO junk_tokens (scope, token, ham, spam) VALUES (?, ?, ?, ?) ON CONFLICT (scope, token) DO UPDATE SET ${c} = ${c} + 1`);
      for (const tok of tokens) inc.run(s, tok, c === 'ham' ? 1 : 0, c === 'spam' ? 1 : 0);
      this.q('INSERT INTO junk_records (scope, key, label, tokens, trained_at) VALUES (?, ?, ?, ?, ?)').run(s, key, c, JSON.stringify(tokens), Math.trunc(add.trainedAt));
    }
  }

  /**
   * One BEGIN IMMEDIATE transaction: every compare-and-swap judged first (the keys are distinct,
   * so against the state before the batch), the undos of those that hold checked against the
   * counts before the batch, then the changes applied one by one (which cannot go below zero then).
   */
  async commitBatch(scope: Scope, changes: readonly RecordChange[]): Promise<boolean[]> {
    checkBatchKeys(changes);
    if (changes.length === 0) return [];
    const s = scopeId(scope);
    // Keys that differ only in lone surrogates are one key once stored as UTF-8: the first of them
    // takes part, the others are false (their writer reads the record again, as after any race).
    const seen = new Set<string>();
    const first = changes.map(({ key }) => !seen.has(key.toWellFormed()) && Boolean(seen.add(key.toWellFormed())));
    this.db.exec('BEGIN IMMEDIATE');
    try {
      const label = this.q('SELECT label FROM junk_records WHERE scope = ? AND key = ?');
      const held = changes.map(({ key, remove }, i) => {
        if (!first[i]) return false;
        const current = label.get(s, key) as Row | undefined;
        return remove === null ? current === undefined : current !== undefined && String(current.label) === remove.label;
      });
      const undos = { ham: new Map<string, number>(), spam: new Map<string, number>() };
      const totals = { ham: 0, spam: 0 };
      changes.forEach(({ remove }, i) => {
        if (!held[i] || remove === null) return;
        const l = column(remove.label);
        totals[l]++;
        for (const t of new Set(remove.tokens)) undos[l].set(t, (undos[l].get(t) ?? 0) + 1);
      });
      const before = this.q('SELECT ham, spam FROM junk_totals WHERE scope = ?').get(s) as Row | undefined;
      for (const l of ['ham', 'spam'] as const) {
        if (Number(before?.[l] ?? 0) < totals[l]) throw new Error('junk store: untraining below zero');
        if (undos[l].size === 0) continue;
        const have = new Map((this.q(`SELECT token, ${l} AS n FROM junk_tokens WHERE scope = ? AND token IN (SELECT value FROM json_each(?))`).all(s, JSON.stringify([...undos[l].keys()])) as Row[]).map((r) => [String(r.token), Number(r.n)]));
        for (const [t, n] of undos[l]) if ((have.get(t) ?? 0) < n) throw new Error('junk store: token count below zero');
      }
      changes.forEach((c, i) => held[i] && this.apply(s, c));
      this.db.exec('COMMIT');
      return held;
    } catch (e) {
      this.db.exec('ROLLBACK');
      throw e;
    }
  }

  /**
   * Keyset paging over the primary key: each page is one query for the next `pageSize` records
   * after the last (scope, key) seen, so no read holds a transaction open or the whole table in
   * memory. Scope 0 (global) first, then users by id; keys in byte order (BINARY collation).
   */
  async *records(opts?: { pageSize?: number }): AsyncGenerator<ScopedRecord> {
    const limit = recordsPageSize(opts);
    let after: [number, string] = [-1, ''];
    for (;;) {
      const rows = this.q('SELECT scope, key, label, tokens, trained_at FROM junk_records WHERE (scope, key) > (?, ?) ORDER BY scope, key LIMIT ?').all(after[0], after[1], limit) as Row[];
      for (const r of rows) {
        const s = Number(r.scope);
        const record: TrainingRecord = { key: String(r.key), label: column(String(r.label) as Label), tokens: JSON.parse(String(r.tokens)) as string[], trainedAt: Number(r.trained_at) };
        yield { scope: s === 0 ? GLOBAL : userScope(s), record };
      }
      if (rows.length < limit) return;
      const last = rows[rows.length - 1]!;
      after = [Number(last.scope), String(last.key)];
    }
  }

  /** Also done by the trigger junk_user_gc when a user row is deleted (schema.ts). */
  async dropScope(scope: Scope): Promise<void> {
    const s = scopeId(scope);
    this.db.exec('BEGIN IMMEDIATE');
    try {
      for (const t of ['junk_tokens', 'junk_totals', 'junk_records']) this.q(`DELETE FROM ${t} WHERE scope = ?`).run(s);
      this.db.exec('COMMIT');
    } catch (e) {
      this.db.exec('ROLLBACK');
      throw e;
    }
  }
}
