/**
 * The MTA-STS policy this server publishes ([mta_sts], RFC 8461 §3.2): mx = our `hostname`,
 * mode and max_age from the config. The same text is served by the web layer and hashed into the
 * id of the `_mta-sts` TXT record that `mailwarden dns records` prints, so the two always agree.
 */
import type { Config } from '../config/schema.ts';
import { formatStsPolicy, policyId } from '../standards/mtasts/policy.ts';

/** `{ mtaStsPolicy }` for web/app.ts, or nothing when the mode is none. */
export function publishedMtaSts(config: Config): { mtaStsPolicy?: string } {
  const p = publishedMtaStsRecord(config);
  return p ? { mtaStsPolicy: p.text } : {};
}

/** The policy text and its TXT id, or null when [mta_sts] mode = "none". */
export function publishedMtaStsRecord(config: Config): { text: string; id: string; mode: 'testing' | 'enforce' } | null {
  const m = config.mta_sts;
  if (m.mode === 'none') return null;
  const text = formatStsPolicy({ mode: m.mode, mx: [config.hostname.toLowerCase()], maxAge: m.max_age });
  return { text, id: policyId(text), mode: m.mode };
}
