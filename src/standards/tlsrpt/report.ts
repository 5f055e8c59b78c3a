/**
 * The SMTP TLS report (RFC 8460 §4) and the message that carries it (§5.3), sending side.
 *
 * §4.4 JSON: organization-name, date-range {start-datetime, end-datetime}, contact-info,
 * report-id, and per policy applied: policy {policy-type, policy-string, policy-domain,
 * mx-host}, summary {total-successful-session-count, total-failure-session-count} and
 * failure-details [{result-type, sending-mta-ip, receiving-mx-hostname, receiving-ip,
 * failed-session-count}]. §4.3 result types: negotiation failures (starttls-not-supported,
 * certificate-host-mismatch, certificate-expired, certificate-not-trusted, validation-failure)
 * and policy failures (sts-policy-fetch-error, sts-policy-invalid, sts-webpki-invalid, ...).
 *
 * §5.1: the report is gzip-compressed JSON named
 * `<submitter>!<policy-domain>!<begin>!<end>[!<unique-id>].json.gz` (epoch seconds), media type
 * application/tlsrpt+gzip (§6.4). §5.3: sent as multipart/report; report-type="tlsrpt" with
 * Subject "Report Domain: <domain> Submitter: <submitter> Report-ID: <<id>>" and the
 * TLS-Report-Domain and TLS-Report-Submitter header fields.
 *
 * Pure: counted sessions in, JSON, gzip and message octets out.
 */
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { base64Lines } from '../../mail/mime/encode.ts';

/** §4.3 result types (and 'success' for a session that negotiated TLS as required). */
export const FAILURE_TYPES = [
  'starttls-not-supported', 'certificate-host-mismatch', 'certificate-expired', 'certificate-not-trusted', 'validation-failure',
  'tlsa-invalid', 'dnssec-invalid', 'dane-required',
  'sts-policy-fetch-error', 'sts-policy-invalid', 'sts-webpki-invalid',
] as const;
export type FailureType = (typeof FAILURE_TYPES)[number];
export type SessionResult = 'success' | FailureType;

/** §4.4 policy-type: the policy the sender applied ('no-policy-found' when none). */
export type PolicyType = 'sts' | 'tlsa' | 'no-policy-found';

/** Sessions with the same policy, MX host, address and result, counted. */
export interface CountedSessions {
  policyType: PolicyType;
  /** §4.4 policy-string: the policy's lines (sts), [] for no-policy-found. */
  policyString: string[];
  /** §4.4 mx-host: the policy's mx patterns (sts), [] otherwise. */
  policyMx: string[];
  /** The MX host name we connected to (receiving-mx-hostname). */
  mxHost: string;
  /** Its address (receiving-ip), '' when unknown. */
  receivingIp: string;
  result: SessionResult;
  count: number;
}

export interface TlsReportInput {
  organizationName: string;
  contactInfo: string;
  reportId: string;
  policyDomain: string;
  /** Epoch seconds. */
  begin: number;
  end: number;
  /** Our outbound address, when known (sending-mta-ip). */
  sendingMtaIp?: string;
  sessions: readonly CountedSessions[];
}

export interface TlsReportPolicy {
  policy: { 'policy-type': PolicyType; 'policy-string': string[]; 'policy-domain': string; 'mx-host': string[] };
  summary: { 'total-successful-session-count': number; 'total-failure-session-count': number };
  'failure-details': Array<{ 'result-type': FailureType; 'sending-mta-ip'?: string; 'receiving-mx-hostname': string; 'receiving-ip'?: string; 'failed-session-count': number }>;
}

export interface TlsReportJson {
  'organization-name': string;
  'date-range': { 'start-datetime': string; 'end-datetime': string };
  'contact-info': string;
  'report-id': string;
  policies: TlsReportPolicy[];
}

export interface TlsReport {
  json: TlsReportJson;
  gzip: Buffer;
  filename: string;
  successful: number;
  failed: number;
}

/** §4.4 date-time: RFC 3339 in UTC, whole seconds. */
const dateTime = (seconds: number) => new Date(seconds * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');

/** §5.1 file name (the '!' separated form; the domain names as they are, lower case). */
export function reportFilename(submitter: string, policyDomain: string, begin: number, end: number): string {
  return `${submitter}!${policyDomain}!${begin}!${end}.json.gz`;
}

export function buildTlsReport(input: TlsReportInput): TlsReport {
  const byPolicy = new Map<string, TlsReportPolicy>();
  let successful = 0;
  let failed = 0;
  for (const s of input.sessions) {
    const key = JSON.stringify([s.policyType, s.policyString, s.policyMx]);
    let p = byPolicy.get(key);
    if (!p) {
      p = {
        policy: { 'policy-type': s.policyType, 'policy-string': [...s.policyString], 'policy-domain': input.policyDomain, 'mx-host': [...s.policyMx] },
        summary: { 'total-successful-session-count': 0, 'total-failure-session-count': 0 },
        'failure-details': [],
      };
      byPolicy.set(key, p);
    }
    if (s.result === 'success') {
      p.summary['total-successful-session-count'] += s.count;
      successful += s.count;
      continue;
    }
    p.summary['total-failure-session-count'] += s.count;
    failed += s.count;
    const same = p['failure-details'].find((f) => f['result-type'] === s.result && f['receiving-mx-hostname'] === s.mxHost && (f['receiving-ip'] ?? '') === s.receivingIp);
    if (same) same['failed-session-count'] += s.count;
    else
      p['failure-details'].push({
        'result-type': s.result,
        ...(input.sendingMtaIp ? { 'sending-mta-ip': input.sendingMtaIp } : {}),
        'receiving-mx-hostname': s.mxHost,
        ...(s.receivingIp ? { 'receiving-ip': s.receivingIp } : {}),
        'failed-session-count': s.count,
      });
  }
  const json: TlsReportJson = {
    'organization-name': input.organizationName,
    'date-range': { 'start-datetime': dateTime(input.begin), 'end-datetime': dateTime(input.end) },
    'contact-info': input.contactInfo,
    'report-id': input.reportId,
    policies: [...byPolicy.values()],
  };
  return { json, gzip: gzipSync(Buffer.from(JSON.stringify(json), 'utf8')), filename: reportFilename(input.organizationName, input.policyDomain, input.begin, input.end), successful, failed };
}

export interface TlsReportMessageInput {
  report: TlsReport;
  from: string;
  to: readonly string[];
  policyDomain: string;
  /** Our domain (Submitter, TLS-Report-Submitter). */
  submitter: string;
  date: Date;
  /** Message-ID domain. */
  hostname: string;
}

/** The §5.3 report message, CRLF line ends, ready for the queue. */
export function buildTlsReportMessage(m: TlsReportMessageInput): Buffer {
  const id = m.report.json['report-id'];
  const hash = createHash('sha256').update(`${id}\0${m.date.getTime()}`).digest('hex').slice(0, 24);
  const boundary = `=_tlsrpt_${hash}`;
  const range = m.report.json['date-range'];
  const text =
    `This is an SMTP TLS report (RFC 8460) for ${m.policyDomain} from ${m.submitter},\r\n` +
    `covering ${range['start-datetime']} to ${range['end-datetime']}: ${m.report.successful} successful and ${m.report.failed} failed session(s).\r\n`;
  const lines = [
    `From: ${m.from}`,
    `To: ${m.to.join(', ')}`,
    // §5.3: the Subject, and the two header fields receivers filter on
    `Subject: Report Domain: ${m.policyDomain} Submitter: ${m.submitter} Report-ID: <${id}>`,
    `TLS-Report-Domain: ${m.policyDomain}`,
    `TLS-Report-Submitter: ${m.submitter}`,
    `Date: ${m.date.toUTCString().replace('GMT', '+0000')}`,
    `Message-ID: <tlsrpt-${hash}@${m.hostname}>`,
    'MIME-Version: 1.0',
    `Content-Type: multipart/report; report-type="tlsrpt"; boundary="${boundary}"`,
    '',
    'This is a multi-part message in MIME format.',
    `--${boundary}`,
    'Content-Type: text/plain; charset=utf-8',
    'Content-Transfer-Encoding: 7bit',
    '',
    text,
    `--${boundary}`,
    // §5.3, §6.4: the gzip'd JSON report
    `Content-Type: application/tlsrpt+gzip; name="${m.report.filename}"`,
    'Content-Transfer-Encoding: base64',
    `Content-Disposition: attachment; filename="${m.report.filename}"`,
    '',
    base64Lines(m.report.gzip),
    `--${boundary}--`,
    '',
  ];
  return Buffer.from(lines.join('\r\n'), 'utf8');
}

/**
 * The §4.3 result type of a TLS failure, from what the delivery saw: no STARTTLS, or the
 * certificate error Node's TLS layer reported (its `authorizationError` codes).
 */
export function failureTypeOf(tls: 'none' | 'unverified' | 'handshake', error: string | null): FailureType {
  if (tls === 'none') return 'starttls-not-supported';
  if (tls === 'handshake') return 'validation-failure';
  const e = error ?? '';
  if (/ERR_TLS_CERT_ALTNAME_INVALID|altname|Hostname\/IP does not match/i.test(e)) return 'certificate-host-mismatch';
  if (/CERT_HAS_EXPIRED|expired|CERT_NOT_YET_VALID/i.test(e)) return 'certificate-expired';
  if (/SELF_SIGNED|UNABLE_TO_GET_ISSUER|UNABLE_TO_VERIFY_LEAF|self.signed|unable to (get|verify)/i.test(e)) return 'certificate-not-trusted';
  return 'validation-failure';
}
