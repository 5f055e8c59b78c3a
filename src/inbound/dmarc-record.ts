/**
 * Records the MX's DMARC evaluation of a message for the aggregate report (RFC 7489 §7.2) to the
 * policy domain: only when the applied record names report destinations (rua=), and only once the
 * outcome is final (delivered or rejected; a 451 is retried and counted then). Appendix C override
 * reasons: trusted_forwarder, local_policy (trusted ARC sealer), sampled_out (pct).
 *
 * A failure to record is logged and never changes what happens to the message.
 */
import type { Logger } from '../lib/logger.ts';
import type { DmarcEvaluationRecord, Store } from '../store/ports.ts';
import { normalizeIp } from '../lib/net.ts';
import { canonical } from '../mail/address.ts';
import type { AuthVerdicts } from './stages/authenticate.ts';
import type { SessionContext, Transaction } from './types.ts';

/** The evaluation as a store row, or null when there is nothing to report (no record, no rua). */
export function dmarcEvaluationRecord(ctx: SessionContext, tx: Transaction, v: AuthVerdicts, at: number): DmarcEvaluationRecord | null {
  const d = v.dmarc;
  if (!('record' in d) || !d.record || !d.policyDomain || d.record.rua.length === 0) return null;
  if (d.result !== 'pass' && d.result !== 'fail') return null;
  const overrides: DmarcEvaluationRecord['overrides'] = [];
  if (v.override === 'trusted-forwarder') overrides.push({ type: 'trusted_forwarder' });
  else if (v.override === 'arc') overrides.push({ type: 'local_policy', comment: `arc=pass, trusted sealer ${v.arc.sealers.at(-1) ?? ''}`.trim() });
  if (!d.sampled) overrides.push({ type: 'sampled_out' });
  const r = d.record;
  const policy: DmarcEvaluationRecord['policy'] = { p: r.p ?? 'none', adkim: r.adkim, aspf: r.aspf, pct: r.pct };
  if (r.sp) policy.sp = r.sp;
  if (r.fo !== '0') policy.fo = r.fo;
  return {
    at,
    policyDomain: d.policyDomain,
    sourceIp: normalizeIp(ctx.remoteIp),
    headerFrom: d.fromDomain,
    envelopeFrom: tx.mailFrom ? canonical(tx.mailFrom) : '',
    spf: { domain: v.spf.domain, scope: v.spf.identity === 'helo' ? 'helo' : 'mfrom', result: v.spf.result, aligned: d.alignment.spf.aligned },
    dkim: v.dkim.map((s) => ({ domain: s.domain, selector: s.selector, result: s.result })),
    dkimAligned: d.alignment.dkim.aligned,
    result: d.result,
    disposition: v.override ? 'none' : d.disposition,
    policy,
    overrides,
    rua: [...r.rua],
  };
}

export async function recordDmarcEvaluation(store: Store, logger: Logger, ctx: SessionContext, tx: Transaction, v: AuthVerdicts): Promise<void> {
  const row = dmarcEvaluationRecord(ctx, tx, v, Date.now());
  if (!row) return;
  try {
    await store.dmarcReports.recordEvaluation(row);
  } catch (e) {
    logger.error({ session: ctx.id, err: e, policyDomain: row.policyDomain }, 'dmarc: could not record the evaluation for the aggregate report');
  }
}
