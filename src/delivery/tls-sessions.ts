/**
 * Counting TLS sessions for SMTP TLS Reporting (RFC 8460 §4): the sink the delivery agent calls
 * once per connection; app/tlsrpt-reports.ts turns the counted rows into the daily reports.
 */
import type { Store } from '../store/ports.ts';
import { formatStsPolicy } from '../standards/mtasts/policy.ts';
import type { TlsSessionSink } from './deliver.ts';

/** The sink the delivery agent reports sessions to: one counted row per kind, per UTC day. */
export function tlsSessionSink(store: Store, clock: () => number = Date.now): TlsSessionSink {
  return async (o) => {
    const policyString = o.policy ? formatStsPolicy(o.policy.policy).split('\r\n').filter(Boolean) : [];
    await store.tlsReports.record({
      domain: o.domain,
      day: new Date(clock()).toISOString().slice(0, 10),
      policyType: o.policy ? 'sts' : 'no-policy-found',
      policyString,
      policyMx: o.policy ? o.policy.policy.mx : [],
      mxHost: o.mxHost,
      receivingIp: o.ip,
      result: o.result,
    });
  };
}
