/**
 * The SQLite side of the SMTP TLS report store (ports.ts TlsReportStore): table tlsrpt_sessions
 * (migration 12, schema.ts). One unreported row per kind of session, its count raised by each
 * record (an upsert on the partial unique index); the report that covers rows marks them
 * reported inside ingest (IngestRequest.tlsReportOf), in the transaction that queues it.
 */
import type { StatementSync } from 'node:sqlite';
import type { StoredTlsSessions, TlsReportStore, TlsSessionRecord } from '../ports.ts';

type Row = Record<string, unknown>;

export interface SqliteTlsRptDeps {
  q(sql: string): StatementSync;
  tx<T>(fn: () => T): T;
}

export class SqliteTlsReports implements TlsReportStore {
  private readonly d: SqliteTlsRptDeps;

  constructor(deps: SqliteTlsRptDeps) {
    this.d = deps;
  }

  async record(s: TlsSessionRecord, count = 1): Promise<void> {
    this.d
      .q(`INSERT INTO tlsrpt_sessions (domain, day, policy_type, policy_string, policy_mx, mx_host, receiving_ip, result, count) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
          ON CONFLICT (domain, day, policy_type, policy_string, policy_mx, mx_host, receiving_ip, result) WHERE reported_at IS NULL DO UPDATE SET count = count + excluded.count`)
      .run(s.domain.toLowerCase(), s.day, s.policyType, JSON.stringify(s.policyString), JSON.stringify(s.policyMx), s.mxHost.toLowerCase(), s.receivingIp, s.result, count);
  }

  async pendingDomains(): Promise<string[]> {
    return (this.d.q('SELECT DISTINCT domain FROM tlsrpt_sessions WHERE reported_at IS NULL ORDER BY domain').all() as Row[]).map((r) => String(r.domain));
  }

  async pending(domain: string): Promise<StoredTlsSessions[]> {
    const rows = this.d.q('SELECT * FROM tlsrpt_sessions WHERE domain = ? AND reported_at IS NULL ORDER BY day, id').all(domain.toLowerCase()) as Row[];
    return rows.map((r) => ({
      id: Number(r.id),
      domain: String(r.domain),
      day: String(r.day),
      policyType: r.policy_type === 'sts' ? 'sts' : 'no-policy-found',
      policyString: JSON.parse(String(r.policy_string)) as string[],
      policyMx: JSON.parse(String(r.policy_mx)) as string[],
      mxHost: String(r.mx_host),
      receivingIp: String(r.receiving_ip),
      result: String(r.result),
      count: Number(r.count),
    }));
  }

  async markReported(ids: number[], at: number): Promise<void> {
    if (!ids.length) return;
    this.d.tx(() => {
      for (const id of ids) this.d.q('UPDATE tlsrpt_sessions SET reported_at = ? WHERE id = ? AND reported_at IS NULL').run(at, id);
    });
  }
}
