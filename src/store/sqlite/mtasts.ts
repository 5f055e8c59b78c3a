/**
 * The SQLite side of the MTA-STS policy cache (ports.ts MtaStsPolicyStore): table
 * mta_sts_policies (migration 11, schema.ts), one row per recipient domain. Each write is its own
 * statement (autocommit, fsync'd like every commit), so a cached policy survives a restart.
 */
import type { StatementSync } from 'node:sqlite';
import type { MtaStsCachedPolicy, MtaStsPolicyStore } from '../ports.ts';

type Row = Record<string, unknown>;

const fromRow = (r: Row): MtaStsCachedPolicy => ({ domain: String(r.domain), id: String(r.policy_id), policy: String(r.policy), fetchedAt: Number(r.fetched_at), expiresAt: Number(r.expires_at) });

export class SqliteMtaSts implements MtaStsPolicyStore {
  private readonly q: (sql: string) => StatementSync;

  constructor(q: (sql: string) => StatementSync) {
    this.q = q;
  }

  async get(domain: string): Promise<MtaStsCachedPolicy | null> {
    const r = this.q('SELECT * FROM mta_sts_policies WHERE domain = ?').get(domain.toLowerCase()) as Row | undefined;
    return r ? fromRow(r) : null;
  }

  async put(p: MtaStsCachedPolicy): Promise<void> {
    this.q(
      `INSERT INTO mta_sts_policies (domain, policy_id, policy, fetched_at, expires_at) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (domain) DO UPDATE SET policy_id = excluded.policy_id, policy = excluded.policy, fetched_at = excluded.fetched_at, expires_at = excluded.expires_at`,
    ).run(p.domain.toLowerCase(), p.id, p.policy, p.fetchedAt, p.expiresAt);
  }

  async delete(domain: string): Promise<boolean> {
    return Number(this.q('DELETE FROM mta_sts_policies WHERE domain = ?').run(domain.toLowerCase()).changes) > 0;
  }

  async list(): Promise<MtaStsCachedPolicy[]> {
    return (this.q('SELECT * FROM mta_sts_policies ORDER BY domain').all() as Row[]).map(fromRow);
  }
}
