/**
 * What the report senders (DMARC aggregate reports, app/dmarc-reports.ts; SMTP TLS reports,
 * app/tlsrpt-reports.ts) share: who submits the report, its From, and its DKIM signature.
 */
import type { Directory } from '../directory/directory.ts';
import { dkimSign, type SigningKey } from '../standards/dkim/sign.ts';
import { organizationalDomain } from '../standards/orgdomain/orgdomain.ts';

/** The reporting organisation: the Organizational Domain of our host name. */
export function submitterDomain(hostname: string): string {
  const h = hostname.toLowerCase();
  return organizationalDomain(h) ?? h;
}

/** The configured report From, or postmaster@ the submitter domain. */
export function reportFromAddress(hostname: string, reportFrom: string): string {
  return reportFrom || `postmaster@${submitterDomain(hostname)}`;
}

/**
 * The report DKIM-signed with the keys of its From domain when that domain is ours; unsigned
 * (with the reason) otherwise or when signing fails.
 */
export async function signReport(
  deps: { directory: Directory; keysFor?: (domain: string) => Promise<SigningKey[]> },
  from: string,
  message: Buffer,
  now: number,
): Promise<{ message: Buffer; error?: string }> {
  const domain = from.slice(from.lastIndexOf('@') + 1).toLowerCase();
  if (!deps.keysFor || !(await deps.directory.isLocalDomain(domain))) return { message };
  const keys = await deps.keysFor(domain);
  if (!keys.length) return { message };
  const signed = await dkimSign(message, keys, { time: new Date(now) });
  return signed.ok ? { message: Buffer.concat([Buffer.from(signed.headers), message]) } : { message, error: signed.error };
}
