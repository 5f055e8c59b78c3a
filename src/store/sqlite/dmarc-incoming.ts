/**
 * The SQLite side of IncomingDmarcReportStore (ports.ts): aggregate reports other receivers sent
 * to our rua= mailboxes, one row per report (or per malformed part), with the totals as columns
 * for the listing and the parsed report as JSON for the dashboard. Table `dmarc_incoming`
 * (schema.ts). A unique `dedupe` key makes a report that arrives twice (a retried delivery, two of
 * our addresses in one rua=) one row.
 */
import type { StatementSync } from 'node:sqlite';
import type { IncomingDmarcReport, IncomingDmarcReportStore, IncomingDmarcReportSummary, NewIncomingDmarcReport } from '../ports.ts';

type Row = Record<string, unknown>;

const SUMMARY_COLUMNS =
  'id, received_at, message_id, mail_from, recipients, auth_result, part, status, reason, org_name, email, report_id, policy_domain, begin_at, end_at, messages, dmarc_pass, dmarc_fail, disp_none, disp_quarantine, disp_reject';

const num = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));
const str = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));

function dedupeKey(r: NewIncomingDmarcReport): string {
  if (r.status === 'ok') return ['ok', (r.orgName ?? '').toLowerCase(), r.reportId ?? '', (r.policyDomain ?? '').toLowerCase()].join('\0');
  return ['malformed', r.messageDigest, r.part].join('\0');
}

function toSummary(r: Row): IncomingDmarcReportSummary {
  return {
    id: Number(r.id),
    receivedAt: Number(r.received_at),
    messageId: String(r.message_id),
    mailFrom: String(r.mail_from),
    recipients: JSON.parse(String(r.recipients)) as string[],
    authResult: str(r.auth_result),
    part: String(r.part),
    status: r.status === 'ok' ? 'ok' : 'malformed',
    reason: str(r.reason),
    orgName: str(r.org_name),
    email: str(r.email),
    reportId: str(r.report_id),
    policyDomain: str(r.policy_domain),
    begin: num(r.begin_at),
    end: num(r.end_at),
    totals: {
      messages: Number(r.messages),
      dmarcPass: Number(r.dmarc_pass),
      dmarcFail: Number(r.dmarc_fail),
      disposition: { none: Number(r.disp_none), quarantine: Number(r.disp_quarantine), reject: Number(r.disp_reject) },
    },
  };
}

export class SqliteDmarcIncoming implements IncomingDmarcReportStore {
  private readonly q: (sql: string) => StatementSync;

  constructor(q: (sql: string) => StatementSync) {
    this.q = q;
  }

  async save(r: NewIncomingDmarcReport): Promise<{ id: number; duplicate: boolean }> {
    const key = dedupeKey(r);
    const t = r.totals;
    // One statement, so one autocommit transaction: durable (synchronous=FULL) when it returns.
    const res = this.q(`INSERT INTO dmarc_incoming (dedupe, received_at, message_id, mail_from, recipients, auth_result, part, status, reason, org_name, email, report_id, policy_domain, begin_at, end_at,
        messages, dmarc_pass, dmarc_fail, disp_none, disp_quarantine, disp_reject, report, raw, raw_truncated)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (dedupe) DO NOTHING`).run(
      key, r.receivedAt, r.messageId, r.mailFrom, JSON.stringify(r.recipients), r.authResult, r.part, r.status, r.reason,
      r.orgName, r.email, r.reportId, r.policyDomain?.toLowerCase() ?? null, r.begin, r.end,
      t.messages, t.dmarcPass, t.dmarcFail, t.disposition.none, t.disposition.quarantine, t.disposition.reject,
      r.report === null ? null : JSON.stringify(r.report), r.raw, r.rawTruncated ? 1 : 0);
    if (Number(res.changes) === 1) return { id: Number(res.lastInsertRowid), duplicate: false };
    const existing = this.q('SELECT id FROM dmarc_incoming WHERE dedupe = ?').get(key) as Row;
    return { id: Number(existing.id), duplicate: true };
  }

  async list(opts: { domain?: string; limit?: number } = {}): Promise<IncomingDmarcReportSummary[]> {
    const limit = opts.limit ?? 1000;
    if (opts.domain === undefined) {
      return (this.q(`SELECT ${SUMMARY_COLUMNS} FROM dmarc_incoming ORDER BY received_at DESC, id DESC LIMIT ?`).all(limit) as Row[]).map(toSummary);
    }
    const d = opts.domain.toLowerCase();
    const rows = this.q(`SELECT ${SUMMARY_COLUMNS} FROM dmarc_incoming
        WHERE policy_domain = ? OR (status = 'malformed' AND EXISTS (SELECT 1 FROM json_each(recipients) WHERE lower(substr(value, instr(value, '@') + 1)) = ?))
        ORDER BY received_at DESC, id DESC LIMIT ?`).all(d, d, limit) as Row[];
    return rows.map(toSummary);
  }

  async get(id: number): Promise<IncomingDmarcReport | null> {
    const r = this.q(`SELECT ${SUMMARY_COLUMNS}, report, raw, raw_truncated FROM dmarc_incoming WHERE id = ?`).get(id) as Row | undefined;
    if (!r) return null;
    return {
      ...toSummary(r),
      report: r.report === null ? null : (JSON.parse(String(r.report)) as Record<string, unknown>),
      raw: r.raw === null ? null : Buffer.from(r.raw as Uint8Array),
      rawTruncated: Number(r.raw_truncated) === 1,
    };
  }
}
