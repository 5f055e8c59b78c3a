/**
 * The MTA-STS TXT record (RFC 8461 §3.1): `_mta-sts.<domain>  TXT  "v=STSv1; id=20160831085700Z;"`.
 * It says "this domain has a policy" and names its version (`id`); a sender fetches the policy
 * over HTTPS (fetch.ts) only when it has no cached policy with that id (§3.3, §5.1).
 *
 * Pure: TXT strings in, a typed result out. Never looks anything up.
 */

export interface StsRecord {
  /** §3.1 sts-id: 1 to 32 letters and digits, names the policy version. */
  id: string;
  /** §3.1 sts-extension fields, in order (ignored by senders, kept for display). */
  extensions: Array<[string, string]>;
}

export type StsRecordResult = { ok: true; record: StsRecord } | { ok: false; error: string };

/** §3.1 sts-id = %s"id=" 1*32(ALPHA / DIGIT). */
const ID = /^[A-Za-z0-9]{1,32}$/;
/** §3.1 sts-ext-name = (ALPHA / DIGIT) *31(ALPHA / DIGIT / "_" / "-" / "."). */
const EXT_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,31}$/;
/** §3.1 sts-ext-value = 1*(%x21-3A / %x3C / %x3E-7E): printable ASCII except ";", "=" and space. */
const EXT_VALUE = /^[\x21-\x3a\x3c\x3e-\x7e]+$/;

/** Parses one TXT record's text (the character-strings joined, RFC 8461 §3.1). */
export function parseStsRecord(text: string): StsRecordResult {
  // §3.1 sts-sep = *WSP %x3B *WSP; a trailing separator is allowed.
  const fields = text.split(/[ \t]*;[ \t]*/);
  if (fields.length && fields[fields.length - 1] === '') fields.pop();
  // §3.1 sts-version = %s"v=STSv1", always first (case-sensitive, %s).
  if (fields[0] !== 'v=STSv1') return { ok: false, error: 'does not begin with "v=STSv1"' };
  let id: string | null = null;
  const extensions: Array<[string, string]> = [];
  for (const f of fields.slice(1)) {
    const eq = f.indexOf('=');
    if (eq <= 0) return { ok: false, error: `malformed field "${f}"` };
    const name = f.slice(0, eq);
    const value = f.slice(eq + 1);
    if (name === 'id') {
      if (id !== null) return { ok: false, error: 'more than one id= field' };
      if (!ID.test(value)) return { ok: false, error: `id "${value}" is not 1-32 letters and digits` };
      id = value;
    } else if (EXT_NAME.test(name) && EXT_VALUE.test(value)) extensions.push([name, value]);
    else return { ok: false, error: `malformed field "${f}"` };
  }
  if (id === null) return { ok: false, error: 'no id= field' };
  return { ok: true, record: { id, extensions } };
}

/**
 * §3.1: of the TXT records at `_mta-sts.<domain>`, those not beginning with "v=STSv1;" are
 * discarded; unless exactly one remains and it is valid, the domain has no available policy.
 */
export function selectStsRecord(texts: readonly string[]): StsRecordResult {
  const candidates = texts.filter((t) => /^v=STSv1[ \t]*;/.test(t));
  if (candidates.length === 0) return { ok: false, error: 'no "v=STSv1" TXT record' };
  if (candidates.length > 1) return { ok: false, error: `${candidates.length} "v=STSv1" TXT records (RFC 8461 §3.1 needs exactly one)` };
  return parseStsRecord(candidates[0]!);
}
