/**
 * Storage port of the Bayesian filter: token counts and training records, global and per user.
 *
 * Sources: Paul Graham, "A Plan for Spam" (2002) — count, per token, the number of ham and of spam
 * messages it occurs in; Gary Robinson, "A Statistical Approach to the Spam Problem" (2003);
 * SpamBayes (classifier.py WordInfo: spamcount/hamcount plus the nspam/nham message totals).
 *
 * The engines (SQLite, PostgreSQL) implement this port; MemoryJunkStore (memory.ts) is the
 * reference used by tests and the benchmark. Counts are "messages containing the token", not
 * occurrences: each message adds at most 1 to a token's count.
 *
 * An implementation must never: apply half of a `commit` (it is one transaction: token counts,
 * totals and the record change together, or not at all); let a count go below zero; mix scopes
 * (a user's counts never leak into another user's or into the global ones except through an
 * explicit commit to that scope).
 */

export type Label = 'ham' | 'spam';

/** Whose statistics: the site-wide database, or one user's own. */
export type Scope = { kind: 'global' } | { kind: 'user'; userId: number };

export const GLOBAL: Scope = { kind: 'global' };
export const userScope = (userId: number): Scope => ({ kind: 'user', userId });

/** In how many trained ham and spam messages a token occurred (or, for totals, how many were trained). */
export interface Counts {
  ham: number;
  spam: number;
}

/**
 * What one message contributed when it was trained: enough to undo it exactly, even after the
 * tokenizer changes (the tokens are stored, not recomputed).
 */
export interface TrainingRecord {
  /** Stable message key: a store message id, or messageKey(raw) (SHA-256 of the bytes). */
  key: string;
  label: Label;
  /** The distinct tokens that were counted, each once. */
  tokens: readonly string[];
  /** Milliseconds since the epoch. */
  trainedAt: number;
}

/** One training record and the scope it is in: what JunkStore.records() yields. */
export interface ScopedRecord {
  scope: Scope;
  record: TrainingRecord;
}

/** Records an engine reads per query in JunkStore.records() (each page one LIMITed query). */
export const RECORDS_PAGE_SIZE = 500;

/** The page size records() uses: `opts.pageSize`, a positive integer, else RECORDS_PAGE_SIZE. */
export function recordsPageSize(opts?: { pageSize?: number }): number {
  const n = opts?.pageSize ?? RECORDS_PAGE_SIZE;
  if (!Number.isSafeInteger(n) || n < 1) throw new Error(`junk store: bad page size ${String(n)}`);
  return n;
}

/** One change of JunkStore.commitBatch: what commit(scope, key, { remove, add }) would do. */
export interface RecordChange {
  key: string;
  remove: TrainingRecord | null;
  add: TrainingRecord | null;
}

/** Throws unless every key of a commitBatch is distinct (each change is judged on its own record). */
export function checkBatchKeys(changes: readonly RecordChange[]): void {
  const seen = new Set<string>();
  for (const c of changes) {
    if (seen.has(c.key)) throw new Error(`junk store: key ${JSON.stringify(c.key.slice(0, 80))} twice in one batch`);
    seen.add(c.key);
  }
}

export interface JunkStore {
  /** Counts for these tokens in one scope; tokens never trained are absent from the map. */
  getCounts(scope: Scope, tokens: readonly string[]): Promise<Map<string, Counts>>;
  /** Number of ham and spam messages trained in this scope. */
  getTotals(scope: Scope): Promise<Counts>;
  getRecord(scope: Scope, key: string): Promise<TrainingRecord | null>;
  /**
   * One transaction, compare-and-swap on the record of `key`: if the stored record's label is
   * not `remove`'s (or a record exists while `remove` is null), change nothing and return false.
   * Otherwise undo `remove` (each of its tokens −1 in its label, its label's total −1, record
   * deleted), then apply `add` (+1 each, total +1, record stored under `key`) and return true.
   * This is what makes concurrent training of one message count it once.
   */
  commit(scope: Scope, key: string, change: { remove: TrainingRecord | null; add: TrainingRecord | null }): Promise<boolean>;
  /**
   * Several commits to one scope in ONE transaction, for bulk loads (`spam import`): each change
   * is commit()'s compare-and-swap on the record of its key, judged against the state before the
   * batch (so the keys must be distinct: a repeated key throws before anything changes). A change
   * whose comparison fails changes nothing and is false in the result; the others apply, all
   * together or none. The undo rule holds for the batch as a whole: when a token's count (or the
   * total) in a label before the batch is smaller than the number of the batch's undos of it in
   * that label, it throws and nothing changes. Results in the order of `changes`; an empty batch
   * changes nothing. Exactly-once as commit(): a record another writer changed first makes its
   * change false, and the caller reads it again.
   */
  commitBatch(scope: Scope, changes: readonly RecordChange[]): Promise<boolean[]>;
  /**
   * Forgets everything trained in this scope (counts, totals, records), in one transaction: for a
   * user being deleted, whose id the store may give to a new user. Other scopes are untouched.
   */
  dropScope(scope: Scope): Promise<void>;
  /**
   * Every training record of this store, each (scope, key) at most once, scope after scope and
   * by key within a scope (in the engine's own order), read in pages of `pageSize` records
   * (default RECORDS_PAGE_SIZE) so memory stays bounded however large the statistics are: what
   * `mailwarden spam export` streams. Not a snapshot: a record committed or dropped while the
   * iteration runs may or may not be seen. Replaying the records through commit() rebuilds the
   * counts and totals exactly (they are the sum of the records). A PostgreSQL store yields the
   * global scope and the user scopes of its own namespace only.
   */
  records(opts?: { pageSize?: number }): AsyncIterable<ScopedRecord>;
}
