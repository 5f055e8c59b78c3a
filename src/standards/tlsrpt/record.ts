/**
 * The SMTP TLS Reporting record (RFC 8460 §3): a TXT record at `_smtp._tls.<domain>` saying where
 * senders send their daily reports about TLS to the domain's MX hosts.
 *
 *   v=TLSRPTv1; rua=mailto:reports@example.com,https://reporting.example.com/v1/tlsrpt
 *
 * §3: the record starts with "v=TLSRPTv1"; fields are `key=value` separated by ";" (optional
 * whitespace); `rua` is required and holds one or more comma-separated URIs, mailto: or https:
 * (§3 tlsrpt-uri). Records not starting with v=TLSRPTv1 are ignored; more than one valid record
 * means none is used (§3: "If multiple TXT records ... are returned ... the domain MUST NOT be
 * considered to have published a policy" — we follow the same rule as MTA-STS §3.1).
 *
 * Pure: record texts in, a typed result out.
 */

export interface TlsRptRecord {
  /** The rua URIs in record order, as written. */
  rua: string[];
}

export type TlsRptRecordResult = { ok: true; record: TlsRptRecord } | { ok: false; error: string };

/** §3: `v=TLSRPTv1` must be the first field. */
export function isTlsRptRecord(text: string): boolean {
  return /^v=TLSRPTv1\s*(;|$)/.test(text.trim());
}

/** Parses one record text (already known to start with v=TLSRPTv1, or not: then an error). */
export function parseTlsRptRecord(text: string): TlsRptRecordResult {
  const fields = text.split(';').map((f) => f.trim());
  if (fields[0] !== 'v=TLSRPTv1') return { ok: false, error: 'not a TLSRPT record (must start with v=TLSRPTv1, RFC 8460 §3)' };
  let rua: string[] | null = null;
  for (const f of fields.slice(1)) {
    if (f === '') continue; // a trailing ";" is allowed (§3 tlsrpt-record)
    const eq = f.indexOf('=');
    if (eq <= 0) return { ok: false, error: `malformed field ${JSON.stringify(f)} (RFC 8460 §3)` };
    const key = f.slice(0, eq).trim().toLowerCase();
    const value = f.slice(eq + 1).trim();
    if (key !== 'rua') continue; // §3 tlsrpt-extension: unknown fields are ignored
    if (rua) return { ok: false, error: 'more than one rua field (RFC 8460 §3)' };
    rua = value.split(',').map((u) => u.trim()).filter(Boolean);
  }
  if (!rua || !rua.length) return { ok: false, error: 'no rua= field (required, RFC 8460 §3)' };
  for (const u of rua) if (!/^(mailto|https):/i.test(u)) return { ok: false, error: `rua URI ${JSON.stringify(u)} is neither mailto: nor https: (RFC 8460 §3)` };
  return { ok: true, record: { rua } };
}

/** Picks the one TLSRPT record among a name's TXT records (§3). */
export function selectTlsRptRecord(texts: readonly string[]): TlsRptRecordResult {
  const candidates = texts.filter(isTlsRptRecord);
  if (!candidates.length) return { ok: false, error: 'no v=TLSRPTv1 record' };
  if (candidates.length > 1) return { ok: false, error: `${candidates.length} v=TLSRPTv1 records (exactly one is required, RFC 8460 §3)` };
  return parseTlsRptRecord(candidates[0]!);
}

/** A mailto: rua URI's address (§3: the report goes there by mail, §5.3), or why it is unusable. */
export function mailtoAddress(uri: string): { ok: true; address: string } | { ok: false; reason: string } {
  if (/^https:/i.test(uri)) return { ok: false, reason: `https: reporting is not supported (only mailto:): ${uri}` };
  if (!/^mailto:/i.test(uri)) return { ok: false, reason: `not a mailto: URI: ${uri}` };
  let address: string;
  try {
    address = decodeURIComponent(uri.slice(7).split('?')[0] ?? '');
  } catch {
    return { ok: false, reason: `invalid mailto: URI: ${uri}` };
  }
  if (!/^[^@\s,]+@[^@\s,]+\.[^@\s,]+$/.test(address)) return { ok: false, reason: `invalid address in ${uri}` };
  return { ok: true, address };
}
