/**
 * The Received: trace header (RFC 5321 §4.4, RFC 5322 §3.6.7) with the "with" protocol names of
 * RFC 3848 (SMTP, ESMTP, ESMTPS, ESMTPA, ESMTPSA).
 */
import type { SessionContext } from './types.ts';
import { rfc5322Date } from '../mail/date.ts';

export function protocolName(ctx: SessionContext): string {
  if (!ctx.esmtp) return 'SMTP';
  return `ESMTP${ctx.tls ? 'S' : ''}${ctx.user ? 'A' : ''}`;
}

export function receivedHeader(ctx: SessionContext, id: string, hostname: string, recipients: string[], date: Date): string {
  const helo = (ctx.helo ?? 'unknown').replace(/[^\x21-\x7e]/g, '?').slice(0, 255);
  const ip = ctx.remoteIp.includes(':') ? `IPv6:${ctx.remoteIp}` : ctx.remoteIp;
  const tls = ctx.tls ? `\r\n\t(using ${ctx.tls.protocol} with cipher ${ctx.tls.cipher})` : '';
  const forClause = recipients.length === 1 ? `\r\n\tfor <${recipients[0]}>` : '';
  return `Received: from ${helo} ([${ip}])\r\n\tby ${hostname} (mailwarden) with ${protocolName(ctx)} id ${id}${tls}${forClause};\r\n\t${rfc5322Date(date)}\r\n`;
}
