/**
 * In-memory JunkStore: the reference implementation of ports.ts for tests and the benchmark.
 *
 * Sources: the count model of Graham's "A Plan for Spam" and SpamBayes' WordInfo records (see
 * ports.ts). Must never be used as the server's store (nothing here survives a restart), and
 * never lets a count go negative or keeps a token whose counts are both zero. The Counts objects
 * getCounts returns are shared with the store and never changed afterwards (training replaces
 * entries): callers must treat them as read-only.
 */
import { checkBatchKeys, GLOBAL, recordsPageSize, userScope, type Counts, type JunkStore, type RecordChange, type Scope, type ScopedRecord, type TrainingRecord } from './ports.ts';

interface ScopeData {
  /** Never mutated in place: a commit replaces a token's entry, so getCounts can hand entries out. */
  tokens: Map<string, Readonly<Counts>>;
  totals: Counts;
  records: Map<string, TrainingRecord>;
}

const scopeKey = (s: Scope): string => (s.kind === 'global' ? 'g' : `u${s.userId}`);

export class MemoryJunkStore implements JunkStore {
  private readonly scopes = new Map<string, ScopeData>();

  private data(scope: Scope): ScopeData {
    const k = scopeKey(scope);
    let d = this.scopes.get(k);
    if (d === undefined) {
      d = { tokens: new Map(), totals: { ham: 0, spam: 0 }, records: new Map() };
      this.scopes.set(k, d);
    }
    return d;
  }

  async getCounts(scope: Scope, tokens: readonly string[]): Promise<Map<string, Counts>> {
    return this.getCountsSync(scope, tokens);
  }

  /** Synchronous variant for the benchmark's hot loop (same result as getCounts). */
  getCountsSync(scope: Scope, tokens: readonly string[]): Map<string, Counts> {
    const out = new Map<string, Counts>();
    const d = this.scopes.get(scopeKey(scope));
    if (d === undefined) return out;
    for (const t of tokens) {
      const c = d.tokens.get(t);
      if (c !== undefined) out.set(t, c as Counts); // immutable entries (see ScopeData): no copy needed
    }
    return out;
  }

  async getTotals(scope: Scope): Promise<Counts> {
    const d = this.scopes.get(scopeKey(scope));
    return d === undefined ? { ham: 0, spam: 0 } : { ...d.totals };
  }

  async getRecord(scope: Scope, key: string): Promise<TrainingRecord | null> {
    return this.scopes.get(scopeKey(scope))?.records.get(key) ?? null;
  }

  async commit(scope: Scope, key: string, change: { remove: TrainingRecord | null; add: TrainingRecord | null }): Promise<boolean> {
    const d = this.data(scope);
    const { remove, add } = change;
    const current = d.records.get(key);
    if (remove === null ? current !== undefined : current?.label !== remove.label) return false;
    if (remove !== null) {
      // Validate first so a failure changes nothing (the port's all-or-nothing rule).
      if (d.totals[remove.label] < 1) throw new Error('junk store: untraining below zero');
      for (const t of new Set(remove.tokens)) if ((d.tokens.get(t)?.[remove.label] ?? 0) < 1) throw new Error('junk store: token count below zero');
    }
    this.apply(d, { key, remove, add });
    return true;
  }

  /** Compare-and-swaps against the state before the batch, undos validated on it, then applied one by one (they cannot fail then). */
  async commitBatch(scope: Scope, changes: readonly RecordChange[]): Promise<boolean[]> {
    checkBatchKeys(changes);
    const d = this.data(scope);
    const held = changes.map(({ key, remove }) => {
      const current = d.records.get(key);
      return remove === null ? current === undefined : current?.label === remove.label;
    });
    // Validate first so a failure changes nothing (the port's all-or-nothing rule).
    const undos = { ham: new Map<string, number>(), spam: new Map<string, number>() };
    const totals = { ham: 0, spam: 0 };
    changes.forEach(({ remove }, i) => {
      if (!held[i] || remove === null) return;
      totals[remove.label]++;
      // Each token once, as the engines do (a message adds at most 1 to a token's count).
      for (const t of new Set(remove.tokens)) undos[remove.label].set(t, (undos[remove.label].get(t) ?? 0) + 1);
    });
    for (const l of ['ham', 'spam'] as const) {
      if (d.totals[l] < totals[l]) throw new Error('junk store: untraining below zero');
      for (const [t, n] of undos[l]) if ((d.tokens.get(t)?.[l] ?? 0) < n) throw new Error('junk store: token count below zero');
    }
    changes.forEach((c, i) => held[i] && this.apply(d, c));
    return held;
  }

  /** Applies a change already validated (its compare-and-swap held, its undos have counts to take). */
  private apply(d: ScopeData, { key, remove, add }: RecordChange): void {
    if (remove !== null) {
      // Each token once, as the engines do (a message adds at most 1 to a token's count).
      const removeTokens = new Set(remove.tokens);
      d.totals[remove.label]--;
      for (const t of removeTokens) {
        const c = { ...d.tokens.get(t)! };
        c[remove.label]--;
        if (c.ham === 0 && c.spam === 0) d.tokens.delete(t);
        else d.tokens.set(t, c);
      }
      d.records.delete(key);
    }
    if (add !== null) {
      const addTokens = [...new Set(add.tokens)];
      d.totals[add.label]++;
      for (const t of addTokens) {
        const c = { ...(d.tokens.get(t) ?? { ham: 0, spam: 0 }) };
        c[add.label]++;
        d.tokens.set(t, c);
      }
      d.records.set(key, { ...add, key, tokens: addTokens });
    }
  }

  async dropScope(scope: Scope): Promise<void> {
    this.scopes.delete(scopeKey(scope));
  }

  /**
   * The global scope, then users by id; keys in code-unit order. The keys of a scope are listed
   * when the iteration reaches it; a record gone by the time its turn comes is not yielded.
   */
  async *records(opts?: { pageSize?: number }): AsyncGenerator<ScopedRecord> {
    recordsPageSize(opts); // validated like the engines' (nothing is paged in memory)
    const ids = [...this.scopes.keys()].filter((k) => k !== 'g').map((k) => Number(k.slice(1))).sort((a, b) => a - b);
    for (const scope of [GLOBAL, ...ids.map(userScope)]) {
      const d = this.scopes.get(scopeKey(scope));
      if (d === undefined) continue;
      for (const key of [...d.records.keys()].sort()) {
        const record = d.records.get(key);
        if (record !== undefined) yield { scope, record };
      }
    }
  }

  /** Distinct tokens in a scope (for tests and the benchmark's report). */
  tokenCount(scope: Scope): number {
    return this.scopes.get(scopeKey(scope))?.tokens.size ?? 0;
  }
}
