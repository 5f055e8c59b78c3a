/**
 * The SQLite side of the DMARC report store (ports.ts DmarcReportStore): recorded evaluations of
 * the MX and which of them have been reported. SqliteStore delegates here; statements and
 * transactions are the store's own (one connection). The report that covers rows marks them
 * reported inside ingest (IngestRequest.dmarcReportOf), in the transaction that queues it.
 */
import type { StatementSync } from 'node:sqlite';
import type { DmarcEvaluationRecord, DmarcReportStore, StoredDmarcEvaluation } from '../ports.ts';

type Row = Record<string, unknown>;

export interface SqliteDmarcDeps {
  q(sql: string): StatementSync;
  tx<T>(fn: () => T): T;
}

export class SqliteDmarcStore implements DmarcReportStore {
  private readonly d: SqliteDmarcDeps;

  constructor(deps: SqliteDmarcDeps) {
    this.d = deps;
  }

  async recordEvaluation(e: DmarcEvaluationRecord): Promise<void> {
    this.d
      .q(`INSERT INTO dmarc_evaluations (at, policy_domain, source_ip, header_from, envelope_from, spf_domain, spf_scope, spf_result, spf_aligned, dkim, dkim_aligned, result, disposition, policy, overrides, rua)
          VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
      .run(e.at, e.policyDomain.toLowerCase(), e.sourceIp, e.headerFrom.toLowerCase(), e.envelopeFrom, e.spf.domain, e.spf.scope, e.spf.result, e.spf.aligned ? 1 : 0, JSON.stringify(e.dkim), e.dkimAligned ? 1 : 0, e.result, e.disposition, JSON.stringify(e.policy), JSON.stringify(e.overrides), JSON.stringify(e.rua));
  }

  async pendingDomains(opts: { since: number; before: number }): Promise<string[]> {
    const rows = this.d.q('SELECT DISTINCT policy_domain FROM dmarc_evaluations WHERE reported_at IS NULL AND at >= ? AND at < ? ORDER BY policy_domain').all(opts.since, opts.before) as Row[];
    return rows.map((r) => String(r.policy_domain));
  }

  async pendingEvaluations(policyDomain: string, opts: { since: number; before: number; limit: number }): Promise<StoredDmarcEvaluation[]> {
    const rows = this.d.q('SELECT * FROM dmarc_evaluations WHERE policy_domain = ? AND reported_at IS NULL AND at >= ? AND at < ? ORDER BY at, id LIMIT ?').all(policyDomain, opts.since, opts.before, opts.limit) as Row[];
    return rows.map((r) => ({
      id: Number(r.id),
      at: Number(r.at),
      policyDomain: String(r.policy_domain),
      sourceIp: String(r.source_ip),
      headerFrom: String(r.header_from),
      envelopeFrom: String(r.envelope_from),
      spf: { domain: String(r.spf_domain), scope: r.spf_scope === 'helo' ? 'helo' : 'mfrom', result: String(r.spf_result), aligned: Number(r.spf_aligned) === 1 },
      dkim: JSON.parse(String(r.dkim)) as StoredDmarcEvaluation['dkim'],
      dkimAligned: Number(r.dkim_aligned) === 1,
      result: String(r.result),
      disposition: r.disposition as StoredDmarcEvaluation['disposition'],
      policy: JSON.parse(String(r.policy)) as StoredDmarcEvaluation['policy'],
      overrides: JSON.parse(String(r.overrides)) as StoredDmarcEvaluation['overrides'],
      rua: JSON.parse(String(r.rua)) as string[],
      reportedAt: r.reported_at === null ? null : Number(r.reported_at),
    }));
  }

  async markReported(ids: number[], at: number): Promise<void> {
    if (!ids.length) return;
    this.d.tx(() => {
      for (const id of ids) this.d.q('UPDATE dmarc_evaluations SET reported_at = ? WHERE id = ? AND reported_at IS NULL').run(at, id);
    });
  }
}
