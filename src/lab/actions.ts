/**
 * The lab's actors, as the scenarios use them: the attacker typing SMTP from its own address, a
 * user's mail client submitting over TLS with AUTH, a user reading a folder over IMAP. Each opens
 * real connections to the lab servers and records them in the scenario's transcript.
 */
import { randomBytes } from 'node:crypto';
import { rfc5322Date } from '../mail/date.ts';
import { LabSmtp, type SmtpReply } from './smtp.ts';
import { LabImap } from './imap.ts';
import { ATTACKER, CLIENT_IP, type Endpoint, type LabHost } from './topology.ts';
import type { ScenarioContext } from './scenario.ts';

const LISTENER: Partial<Record<Endpoint, string>> = { mx: 'SMTP MX', submission: 'SMTP submission', submissions: 'SMTP submission, implicit TLS', imaps: 'IMAP, implicit TLS', imap: 'IMAP' };

function channel(who: string, ip: string, host: LabHost, endpoint: Endpoint): string {
  const e = host.endpoint(endpoint);
  return `${who} ${ip} -> ${host.hostname} ${e.host}:${e.port} (${LISTENER[endpoint] ?? endpoint})`;
}

/** An SMTP connection from `from` (the attacker's address, or a user's device) to a lab listener. */
export async function smtpFrom(ctx: ScenarioContext, from: 'attacker' | 'client', host: LabHost, endpoint: Endpoint = 'mx'): Promise<LabSmtp> {
  const ip = from === 'attacker' ? ATTACKER.ip : CLIENT_IP;
  const e = host.endpoint(endpoint);
  return LabSmtp.open({
    ...e,
    localAddress: ip,
    t: ctx.t,
    channel: channel(from === 'attacker' ? 'attacker' : 'client', ip, host, endpoint),
    ...(endpoint === 'submissions' ? { tls: { servername: host.hostname, ca: ctx.lab.ca } } : {}),
  });
}

/** A user's mail client on submission (587): EHLO, STARTTLS, EHLO, AUTH PLAIN. Returns the AUTH reply too. */
export async function loggedInSubmission(ctx: ScenarioContext, host: LabHost, user: string): Promise<{ c: LabSmtp; auth: SmtpReply; tlsVerified: boolean }> {
  const c = await smtpFrom(ctx, 'client', host, 'submission');
  await c.cmd(`EHLO laptop.${host.spec.domain}`);
  const { reply, tls } = await c.starttls({ servername: host.hostname, ca: ctx.lab.ca });
  if (reply.code !== 220 || !tls) throw new Error(`STARTTLS refused: ${reply.text}`);
  await c.cmd(`EHLO laptop.${host.spec.domain}`);
  const auth = await c.authPlain(user, ctx.lab.password(user));
  return { c, auth, tlsVerified: tls.authorized };
}

/** An RFC 5322 message with CRLF line ends. */
export function buildMessage(h: { from: string; to: string; subject: string; extra?: string[] }, body: string[]): string {
  const id = `${randomBytes(8).toString('hex')}@lab.mailwarden`;
  return [`From: ${h.from}`, `To: ${h.to}`, `Subject: ${h.subject}`, `Date: ${rfc5322Date(new Date())}`, `Message-ID: <${id}>`, ...(h.extra ?? []), '', ...body, ''].join('\r\n');
}

/** Where a message was found, and its header section as stored. */
export interface Found {
  folder: string;
  uid: number;
  header: string;
  /** The whole message, when asked for. */
  raw?: string;
}

/**
 * Logs in as `user` over IMAPS from the user's device and looks for a message whose Subject
 * contains `subject` in each of `folders`; polls until `waitMs` (mail that crosses servers takes a
 * moment). Only the last look is recorded in the transcript.
 */
export async function findMessage(ctx: ScenarioContext, host: LabHost, user: string, subject: string, opts: { folders?: string[]; waitMs?: number; whole?: boolean } = {}): Promise<Found | null> {
  const folders = opts.folders ?? ['INBOX', 'Junk'];
  const deadline = Date.now() + (opts.waitMs ?? 0);
  const look = async (): Promise<Found | null> => {
    const c = await LabImap.open({ ...host.endpoint('imaps'), localAddress: CLIENT_IP, tls: { servername: host.hostname, ca: ctx.lab.ca }, t: ctx.t, channel: channel(user.split('@')[0]!, CLIENT_IP, host, 'imaps') });
    try {
      if (!(await c.login(user, ctx.lab.password(user)))) throw new Error(`IMAP login as ${user} failed`);
      for (const folder of folders) {
        if (!(await c.examine(folder))) continue;
        const [uid] = await c.searchSubject(subject);
        if (uid === undefined) continue;
        const header = (await c.fetch(uid, 'HEADER'))?.toString('utf8') ?? '';
        const raw = opts.whole ? (await c.fetch(uid))?.toString('utf8') : undefined;
        return { folder, uid, header, ...(raw !== undefined ? { raw } : {}) };
      }
      return null;
    } finally {
      await c.logout();
    }
  };
  for (;;) {
    const last = Date.now() >= deadline;
    const found = last ? await look() : await ctx.t.quiet(look);
    if (found) {
      // record the successful look when it happened quietly
      return last ? found : look();
    }
    if (last) return null;
    await new Promise((r) => setTimeout(r, 300));
  }
}

/** Header fields named `name` (unfolded), from a header section. */
export function headerFields(header: string, name: string): string[] {
  const unfolded = header.replace(/\r?\n[ \t]+/g, ' ');
  const re = new RegExp(`^${name}:[ \\t]*(.*)$`, 'gim');
  return [...unfolded.matchAll(re)].map((m) => m[1]!.trim());
}

/** The Authentication-Results field a lab host added (its authserv-id is its host name). */
export function authResults(header: string, host: LabHost): string | null {
  return headerFields(header, 'Authentication-Results').find((v) => v.toLowerCase().startsWith(`${host.hostname};`)) ?? null;
}

/** "550 5.7.1 ..." as one line for the scorecard. */
export function oneLine(r: SmtpReply): string {
  return `${r.code} ${r.lines.map((l) => l.replace(/^\d{3}[ -]/, '')).join(' ')}`;
}
