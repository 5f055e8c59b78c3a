/**
 * The Received: trace header (RFC 5321 §4.4, RFC 5322 §3.6.7) with the "with" protocol names of
 * RFC 3848 (SMTP, ESMTP, ESMTPS, ESMTPA, ESMTPSA).
 */
import type { SessionContext } from './types.ts';

export function protocolName(ctx: SessionContext): string {
  if (!ctx.esmtp) return 'SMTP';
  return `ESMTP${ctx.tls ? 'S' : ''}${ctx.user ? 'A' : ''}`;
}

/** RFC 5322 §3.3 date-time, e.g. "Sat, 28 Nov 2026 16:00:00 +0000". */
export function rfc5322Date(d: Date): string {
  const days = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  const p = (n: number) => String(n).padStart(2, '0');
  return `${days[d.getUTCDay()]}, ${d.getUTCDate()} ${months[d.getUTCMonth()]} ${d.getUTCFullYear()} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} +0000`;
}

export function receivedHeader(ctx: SessionContext, id: string, hostname: string, recipients: string[], date: Date): string {
  const helo = (ctx.helo ?? 'unknown').replace(/[^\x21-\x7e]/g, '?').slice(0, 255);
  const ip = ctx.remoteIp.includes(':') ? `IPv6:${ctx.remoteIp}` : ctx.remoteIp;
  const tls = ctx.tls ? `\r\n\t(using ${ctx.tls.protocol} with cipher ${ctx.tls.cipher})` : '';
  const forClause = recipients.length === 1 ? `\r\n\tfor <${recipients[0]}>` : '';
  return `Received: from ${helo} ([${ip}])\r\n\tby ${hostname} (mailwarden) with ${protocolName(ctx)} id ${id}${tls}${forClause};\r\n\t${rfc5322Date(date)}\r\n`;
}
