/**
 * Delivery status notifications (RFC 3464) in a multipart/report (RFC 6522): a human-readable
 * part, the machine-readable message/delivery-status part, and the original header section
 * (text/rfc822-headers: we return headers only, as RET=HDRS would, RFC 3461 §4.3). When an address
 * or the original header is not ASCII the internationalized forms of RFC 6533 are used
 * (message/global-delivery-status, "utf-8" address type, message/global-headers).
 *
 * Pure: data in, message bytes out. Who gets a DSN (never the null reverse-path, RFC 3461 §6.2 /
 * RFC 5321 §4.5.5) is the queue's decision, not this module's.
 */
import { randomBytes } from 'node:crypto';
import { rfc5322Date } from '../../mail/date.ts';

export type DsnAction = 'failed' | 'delayed';

export interface DsnRecipient {
  /** The recipient the report is about (Final-Recipient, RFC 3464 §2.3.2). */
  address: string;
  action: DsnAction;
  /** RFC 3463 status code, e.g. "5.1.1" (RFC 3464 §2.3.4). */
  status: string;
  /** The remote SMTP reply (Diagnostic-Code "smtp;", §2.3.6), or our own explanation. */
  diagnostic: string | null;
  /** Host name of the MTA that gave the reply (Remote-MTA, §2.3.5). */
  remoteMta: string | null;
  lastAttempt: Date | null;
  /** For "delayed": when we give up (Will-Retry-Until, §2.3.9). */
  willRetryUntil?: Date;
}

export interface DsnInput {
  kind: 'failure' | 'delay';
  /** Our host name (Reporting-MTA, §2.2.2). */
  reportingMta: string;
  /** The envelope sender of the original message: the DSN goes there. */
  to: string;
  /** When the original message arrived (Arrival-Date, §2.2.5). */
  arrivalDate: Date;
  recipients: DsnRecipient[];
  /** The original header section, raw. */
  originalHeaders: Buffer;
  date?: Date;
}

const nonAscii = (s: string | Buffer) => (typeof s === 'string' ? /[^\x00-\x7f]/.test(s) : s.some((b) => b > 0x7f));

/** A header-like line value without CR/LF and not longer than RFC 5322 §2.1.1's 998. */
function clean(s: string, max = 900): string {
  const one = s.replace(/[\r\n]+/g, ' ').trim().replace(/[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]/g, '?');
  return one.length > max ? `${one.slice(0, max)}...` : one;
}

/** RFC 3464 §2.3.2 / RFC 6533 §3: "rfc822;" for ASCII addresses, "utf-8;" otherwise. */
function addressField(a: string): string {
  return nonAscii(a) ? `utf-8; ${a}` : `rfc822; ${a}`;
}

export function buildDsn(input: DsnInput): { message: Buffer; messageId: string } {
  const date = input.date ?? new Date();
  const boundary = `dsn-${randomBytes(12).toString('hex')}`;
  const messageId = `<dsn-${randomBytes(10).toString('hex')}@${input.reportingMta}>`;
  const global = input.recipients.some((r) => nonAscii(r.address)) || nonAscii(input.originalHeaders);
  const failed = input.recipients.filter((r) => r.action === 'failed');
  const subject = input.kind === 'failure' ? 'Undelivered Mail Returned to Sender' : 'Delayed Mail (still being retried)';

  const human = [
    `This is the mail system at ${input.reportingMta}.`,
    '',
    input.kind === 'failure'
      ? `Your message could not be delivered to ${failed.length === 1 ? 'this recipient' : 'these recipients'}. This is a permanent error; the message will not be retried.`
      : 'Your message has not been delivered yet to the recipients below. The mail system will keep trying; you do not need to send it again.',
    '',
    ...input.recipients.flatMap((r) => [
      `<${r.address}>:`,
      `    ${clean(r.diagnostic ?? `status ${r.status}`)}`,
      ...(r.remoteMta ? [`    (remote host ${r.remoteMta})`] : []),
      ...(r.willRetryUntil ? [`    still trying until ${rfc5322Date(r.willRetryUntil)}`] : []),
      '',
    ]),
    'The original message headers are attached.',
  ].join('\r\n');

  // RFC 3464 §2.2: per-message fields, a blank line, then one group per recipient (§2.3).
  const status = [
    `Reporting-MTA: dns; ${input.reportingMta}`,
    `Arrival-Date: ${rfc5322Date(input.arrivalDate)}`,
    ...input.recipients.flatMap((r) => [
      '',
      `Final-Recipient: ${addressField(r.address)}`,
      `Action: ${r.action}`,
      `Status: ${r.status}`,
      ...(r.remoteMta ? [`Remote-MTA: dns; ${r.remoteMta}`] : []),
      ...(r.diagnostic ? [`Diagnostic-Code: ${r.remoteMta ? 'smtp' : 'x-mailwarden'}; ${clean(r.diagnostic)}`] : []),
      ...(r.lastAttempt ? [`Last-Attempt-Date: ${rfc5322Date(r.lastAttempt)}`] : []),
      ...(r.willRetryUntil ? [`Will-Retry-Until: ${rfc5322Date(r.willRetryUntil)}`] : []),
    ]),
  ].join('\r\n');

  let headers = input.originalHeaders.toString(global ? 'utf8' : 'latin1');
  headers = headers.replace(/(\r\n)*$/, '\r\n');

  const eightBit = global ? '\r\nContent-Transfer-Encoding: 8bit' : '';
  const parts = [
    `From: Mail Delivery System <MAILER-DAEMON@${input.reportingMta}>`,
    `To: <${input.to}>`,
    `Subject: ${subject}`,
    `Date: ${rfc5322Date(date)}`,
    `Message-ID: ${messageId}`,
    'Auto-Submitted: auto-replied', // RFC 3834 §5: never answered by auto-responders
    'MIME-Version: 1.0',
    `Content-Type: multipart/report; report-type=${global ? 'global-delivery-status' : 'delivery-status'};\r\n\tboundary="${boundary}"`,
    '',
    'This is a MIME-encapsulated delivery status notification (RFC 3464).',
    '',
    `--${boundary}`,
    'Content-Description: Notification',
    `Content-Type: text/plain; charset=utf-8${eightBit}`,
    '',
    human,
    '',
    `--${boundary}`,
    'Content-Description: Delivery report',
    `Content-Type: message/${global ? 'global-delivery-status' : 'delivery-status'}${eightBit}`,
    '',
    status,
    '',
    `--${boundary}`,
    'Content-Description: Undelivered message headers',
    `Content-Type: ${global ? 'message/global-headers' : 'text/rfc822-headers'}${eightBit}`,
    '',
    headers,
    `--${boundary}--`,
    '',
  ];
  return { message: Buffer.from(parts.join('\r\n'), global ? 'utf8' : 'latin1'), messageId };
}
