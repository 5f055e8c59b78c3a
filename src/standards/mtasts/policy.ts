/**
 * The MTA-STS policy file (RFC 8461 §3.2), served at
 * `https://mta-sts.<domain>/.well-known/mta-sts.txt`:
 *
 *     version: STSv1
 *     mode: enforce
 *     mx: mail.example.com
 *     mx: *.example.net
 *     max_age: 604800
 *
 * Lines are "key: value", ending in CRLF or LF; `mx` may repeat; unknown keys are ignored.
 * Also the writer for the policy we publish ourselves (web/app.ts).
 *
 * Pure: text in, a typed policy out.
 */
import { createHash } from 'node:crypto';

/** §5: enforce = refuse delivery that fails validation; testing = deliver but report; none = no policy. */
export type StsMode = 'enforce' | 'testing' | 'none';

export interface StsPolicy {
  mode: StsMode;
  /** §3.2 mx patterns, lower case, without a trailing dot: "mail.example.com" or "*.example.net". */
  mx: string[];
  /** §3.2 max_age in seconds (at most MAX_AGE_LIMIT). */
  maxAge: number;
}

export type StsPolicyResult = { ok: true; policy: StsPolicy } | { ok: false; error: string };

/** §3.2: max_age is at most 31557600 seconds (about one year). */
export const MAX_AGE_LIMIT = 31_557_600;
/** §3.3: senders may refuse policies larger than 64 KiB. */
export const MAX_POLICY_BYTES = 64 * 1024;

/** §3.2 sts-policy-mx-value = ["*."] Domain (RFC 5321 Domain: LDH labels). */
const MX_PATTERN = /^(\*\.)?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/;

export function parseStsPolicy(text: string): StsPolicyResult {
  let version: string | null = null;
  let mode: string | null = null;
  let maxAge: string | null = null;
  const mx: string[] = [];
  // §3.2: fields separated by CRLF; LF alone is accepted as well (many servers send it).
  const lines = text.split(/\r?\n/);
  for (const raw of lines) {
    if (raw.trim() === '') continue;
    const colon = raw.indexOf(':');
    if (colon <= 0) return { ok: false, error: `malformed line "${raw.slice(0, 80)}"` };
    const key = raw.slice(0, colon);
    // §3.2: *WSP after the colon; trailing white space tolerated.
    const value = raw.slice(colon + 1).replace(/^[ \t]+|[ \t]+$/g, '');
    switch (key) {
      // A field other than mx that is repeated: the RFC does not say; the first one counts.
      case 'version':
        version ??= value;
        break;
      case 'mode':
        mode ??= value;
        break;
      case 'max_age':
        maxAge ??= value;
        break;
      case 'mx': {
        const p = value.toLowerCase().replace(/\.$/, '');
        if (!MX_PATTERN.test(p)) return { ok: false, error: `invalid mx pattern "${value}"` };
        mx.push(p);
        break;
      }
      default:
        // §3.2 sts-policy-extension: unknown fields are ignored.
        if (!/^[A-Za-z0-9][A-Za-z0-9_.-]{0,31}$/.test(key)) return { ok: false, error: `malformed field name "${key.slice(0, 40)}"` };
    }
  }
  if (version !== 'STSv1') return { ok: false, error: version === null ? 'no version field' : `version "${version}" is not STSv1` };
  if (mode !== 'enforce' && mode !== 'testing' && mode !== 'none') return { ok: false, error: mode === null ? 'no mode field' : `unknown mode "${mode}"` };
  // §3.2 sts-policy-max-age-value = 1*10DIGIT, at most 31557600.
  if (maxAge === null || !/^[0-9]{1,10}$/.test(maxAge)) return { ok: false, error: maxAge === null ? 'no max_age field' : `max_age "${maxAge}" is not a number of seconds` };
  const age = Number(maxAge);
  if (age > MAX_AGE_LIMIT) return { ok: false, error: `max_age ${age} exceeds ${MAX_AGE_LIMIT} (RFC 8461 §3.2)` };
  // §3.2: a policy in mode enforce or testing lists at least one mx pattern.
  if (mode !== 'none' && mx.length === 0) return { ok: false, error: `mode ${mode} without any mx field` };
  return { ok: true, policy: { mode, mx, maxAge: age } };
}

/** The policy file text for `policy` (CRLF line endings, §3.2 field order of the RFC example). */
export function formatStsPolicy(policy: StsPolicy): string {
  return ['version: STSv1', `mode: ${policy.mode}`, ...policy.mx.map((m) => `mx: ${m}`), `max_age: ${policy.maxAge}`, ''].join('\r\n');
}

/**
 * An id for the `_mta-sts` TXT record (§3.1: 1-32 letters and digits) derived from the policy
 * text, so publishing a changed policy changes the id and senders fetch it again (§3.3).
 */
export function policyId(policyText: string): string {
  return createHash('sha256').update(policyText).digest('hex').slice(0, 20);
}
