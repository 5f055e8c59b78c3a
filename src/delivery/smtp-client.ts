/**
 * One outbound SMTP connection to one MX address, on nodemailer's SMTPConnection (EHLO, STARTTLS,
 * PIPELINING per RFC 2920, SIZE per RFC 1870, BODY=8BITMIME per RFC 6152, SMTPUTF8 per RFC 6531,
 * dot-stuffing and CRLF normalization of DATA). We open the TCP connection ourselves (no DNS
 * inside the library: addresses come from our resolver) and hand it over pre-connected.
 *
 * TLS (RFC 3207, RFC 7435 opportunistic): STARTTLS whenever offered; the certificate is checked
 * (chain against the system CAs plus `ca`, and the MX host name) and the outcome recorded as
 * verified / unverified / none. An unverified certificate fails the host only with
 * verify = 'require'; no STARTTLS fails it only with requireTls. A TLS handshake that fails is
 * retried once in plaintext unless TLS is required (what Postfix does for opportunistic TLS).
 *
 * Replies are mapped to per-recipient outcomes here; what to do with them (record, retry,
 * bounce) is the queue's business.
 */
import { connect as netConnect, type Socket } from 'node:net';
import { rootCertificates, type TLSSocket } from 'node:tls';
import SMTPConnection from 'nodemailer/lib/smtp-connection';
import type { Readable } from 'node:stream';
import type { TlsOutcome } from '../store/ports.ts';

export interface SessionOptions {
  ip: string;
  port: number;
  /** MX host name: TLS SNI and the name the certificate must match. */
  hostname: string;
  helo: string;
  connectTimeoutMs: number;
  commandTimeoutMs: number;
  requireTls: boolean;
  verify: 'record' | 'require';
  /** Extra trusted CA certificates (PEM). */
  ca: string[];
  /** Local address to connect from ('' or absent: the system chooses). */
  sourceAddress?: string;
}

/** The outcome for one recipient of one transaction. */
export interface RcptOutcome {
  address: string;
  result: 'delivered' | 'deferred' | 'failed';
  /** The SMTP reply (or our explanation when there was none). */
  reply: string;
  /** RFC 3463 code. */
  statusCode: string;
}

export type SendResult =
  | { kind: 'done'; outcomes: RcptOutcome[] }
  /** The connection broke (or the server said 421) before the message was accepted: try another host. */
  | { kind: 'connection'; reply: string; statusCode: string };

export type OpenResult = { kind: 'open'; session: SmtpSession } | { kind: 'error'; reply: string; statusCode: string; tlsFailed: boolean };

/** The error shape nodemailer produces (errors.d.ts). */
interface SmtpError extends Error {
  code?: string;
  response?: string;
  responseCode?: number;
  command?: string;
  recipient?: string;
  rejectedErrors?: SmtpError[];
}

/**
 * The few internals of SMTPConnection we read, in one place: the EHLO extensions and SIZE limit
 * (to refuse a message the server cannot take before sending it), and the envelope's per-recipient
 * rejections when the transaction fails after RCPT (nodemailer reports only the final error).
 */
interface ConnectionInternals {
  _supportedExtensions?: string[];
  _maxAllowedSize?: number;
  _envelope?: { rejectedErrors?: SmtpError[]; accepted?: string[] };
  _socket?: Socket | TLSSocket | false | null;
}

const ENHANCED = /^\d{3}[ -]([245]\.\d{1,3}\.\d{1,3})\b/;

/** RFC 3463 code of a reply, or the class default. */
export function statusOf(reply: string, fallback: string): string {
  const m = ENHANCED.exec(reply);
  if (m) return m[1]!;
  if (/^5/.test(reply)) return '5.0.0';
  if (/^4/.test(reply)) return '4.0.0';
  return fallback;
}

function oneLine(s: string): string {
  return s.replace(/\s*\r?\n\s*/g, ' ').trim().slice(0, 900);
}

function openSocket(opts: SessionOptions): Promise<Socket | { error: string }> {
  return new Promise((resolve) => {
    const s = netConnect({ host: opts.ip, port: opts.port, ...(opts.sourceAddress ? { localAddress: opts.sourceAddress } : {}) });
    const timer = setTimeout(() => {
      s.destroy();
      resolve({ error: `connection to ${opts.ip}:${opts.port} timed out` });
    }, opts.connectTimeoutMs);
    s.once('connect', () => {
      clearTimeout(timer);
      s.removeAllListeners('error');
      resolve(s);
    });
    s.once('error', (e: Error) => {
      clearTimeout(timer);
      resolve({ error: `connection to ${opts.ip}:${opts.port} failed: ${e.message}` });
    });
  });
}

export class SmtpSession {
  readonly tls: TlsOutcome;
  /** Why the certificate did not verify (tls = 'unverified'), as Node's TLS layer says it. */
  readonly tlsError: string | null;
  readonly host: string;
  private readonly conn: SMTPConnection;
  private dirty = false;
  private closed = false;

  private constructor(conn: SMTPConnection, tls: TlsOutcome, host: string, tlsError: string | null = null) {
    this.conn = conn;
    this.tls = tls;
    this.tlsError = tlsError;
    this.host = host;
    conn.on('end', () => (this.closed = true));
  }

  get alive(): boolean {
    return !this.closed;
  }

  /** Connects, reads the greeting, EHLO, STARTTLS (when offered), EHLO again. */
  static async open(opts: SessionOptions, plaintext = false): Promise<OpenResult> {
    const sock = await openSocket(opts);
    if ('error' in sock) return { kind: 'error', reply: sock.error, statusCode: '4.4.1', tlsFailed: false };
    const conn = new SMTPConnection({
      connection: sock,
      host: opts.ip,
      port: opts.port,
      name: opts.helo,
      ignoreTLS: plaintext,
      requireTLS: opts.requireTls,
      // RFC 7435: a certificate we cannot verify still gives encryption; we record the result.
      tls: { rejectUnauthorized: false, servername: opts.hostname, ca: opts.ca.length ? [...rootCertificates, ...opts.ca] : undefined },
      greetingTimeout: opts.connectTimeoutMs,
      connectionTimeout: opts.connectTimeoutMs,
      socketTimeout: opts.commandTimeoutMs,
      socketCloseTimeout: 1000,
      logger: false,
    });
    conn.on('error', () => undefined); // reported through the callbacks below
    const err = await new Promise<SmtpError | undefined>((resolve) => conn.connect((e) => resolve(e as SmtpError | undefined)));
    if (err) {
      conn.close();
      const tlsFailed = err.code === 'ETLS' || /TLS/i.test(err.message);
      const reply = err.response ? oneLine(err.response) : oneLine(err.message);
      // RFC 3463: X.4.1 no answer, X.4.2 bad connection, X.7.10 encryption needed.
      const statusCode = err.response ? statusOf(err.response, '4.4.2') : tlsFailed && opts.requireTls ? '4.7.10' : /timed? ?out/i.test(err.message) ? '4.4.1' : '4.4.2';
      return { kind: 'error', reply, statusCode: statusCode.startsWith('5') ? '4' + statusCode.slice(1) : statusCode, tlsFailed };
    }
    const internals = conn as unknown as ConnectionInternals;
    const socket = internals._socket;
    let tls: TlsOutcome = 'none';
    if (conn.secure && socket && 'authorized' in socket) tls = socket.authorized ? 'verified' : 'unverified';
    if (opts.requireTls && tls === 'none') {
      conn.close();
      return { kind: 'error', reply: `${opts.hostname} does not offer STARTTLS and require_tls is set`, statusCode: '4.7.10', tlsFailed: false };
    }
    if (opts.verify === 'require' && tls !== 'verified') {
      const why = socket && 'authorizationError' in socket ? String(socket.authorizationError) : 'no TLS';
      conn.quit();
      return { kind: 'error', reply: `certificate of ${opts.hostname} not verified (${why}) and verify_certificates = "require"`, statusCode: '4.7.5', tlsFailed: false };
    }
    const tlsError = tls === 'unverified' && socket && 'authorizationError' in socket ? String(socket.authorizationError) : null;
    return { kind: 'open', session: new SmtpSession(conn, tls, opts.hostname, tlsError) };
  }

  /** Extensions announced in the last EHLO (upper case keywords). */
  private get extensions(): string[] {
    return (this.conn as unknown as ConnectionInternals)._supportedExtensions ?? [];
  }

  /**
   * One transaction. Recipients come back delivered (250 after DATA), deferred (4xx) or failed
   * (5xx); a broken connection before the final reply is `connection`.
   */
  async send(env: { from: string; to: string[]; size: number }, message: () => Readable): Promise<SendResult> {
    const fail = (result: 'deferred' | 'failed', reply: string, statusCode: string, who = env.to): SendResult => ({
      kind: 'done',
      outcomes: who.map((address) => ({ address, result, reply, statusCode })),
    });
    // RFC 6531 §3.2: an internationalized address must not go to a server without SMTPUTF8.
    const utf8 = [env.from, ...env.to].some((a) => /[^\x00-\x7f]/.test(a));
    if (utf8 && !this.extensions.includes('SMTPUTF8')) return fail('failed', `${this.host} does not support SMTPUTF8 (RFC 6531), needed for an internationalized address`, '5.6.7');
    // RFC 1870 §6: a message larger than the announced SIZE is a permanent failure.
    const max = (this.conn as unknown as ConnectionInternals)._maxAllowedSize ?? 0;
    if (max && env.size > max) return fail('failed', `message size ${env.size} exceeds the ${max} bytes ${this.host} accepts (RFC 1870)`, '5.3.4');
    if (this.dirty) {
      const ok = await new Promise<boolean>((resolve) => this.conn.reset((e) => resolve(!e)));
      if (!ok) return { kind: 'connection', reply: `${this.host}: RSET failed`, statusCode: '4.4.2' };
    }
    this.dirty = true;
    const r = await new Promise<{ err: SmtpError | null; info?: SMTPConnection.SentMessageInfo }>((resolve) =>
      this.conn.send({ from: env.from, to: env.to, size: env.size, use8BitMime: true }, message(), (err, info) => resolve({ err: (err as SmtpError | null) ?? null, info })),
    );
    const rejected = new Map<string, SmtpError>();
    const recordRejections = (list: SmtpError[] | undefined) => {
      for (const e of list ?? []) if (e.recipient) rejected.set(e.recipient, e);
    };
    const perRecipient = (address: string): RcptOutcome | null => {
      const e = rejected.get(address);
      if (!e?.response) return null;
      const code = e.responseCode ?? 450;
      return { address, result: code >= 500 ? 'failed' : 'deferred', reply: oneLine(e.response), statusCode: statusOf(e.response, code >= 500 ? '5.0.0' : '4.0.0') };
    };
    if (!r.err && r.info) {
      recordRejections(r.info.rejectedErrors as SmtpError[] | undefined);
      this.dirty = false;
      const reply = oneLine(r.info.response);
      return {
        kind: 'done',
        outcomes: env.to.map((address) => perRecipient(address) ?? (r.info!.accepted.includes(address) ? { address, result: 'delivered', reply, statusCode: statusOf(reply, '2.0.0') } : { address, result: 'deferred', reply: 'no reply for this recipient', statusCode: '4.4.2' })),
      };
    }
    const err = r.err as SmtpError;
    recordRejections(err.rejectedErrors);
    recordRejections((this.conn as unknown as ConnectionInternals)._envelope?.rejectedErrors);
    const code = err.responseCode;
    if (!code || code === 421 || !this.alive) {
      // No reply, or the server is closing (RFC 5321 §3.8): another host may do better.
      return { kind: 'connection', reply: oneLine(err.response ?? err.message), statusCode: code === 421 ? statusOf(err.response ?? '', '4.3.2') : '4.4.2' };
    }
    const reply = oneLine(err.response ?? err.message);
    const result = code >= 500 ? 'failed' : 'deferred';
    const statusCode = statusOf(reply, code >= 500 ? '5.0.0' : '4.0.0');
    return { kind: 'done', outcomes: env.to.map((address) => perRecipient(address) ?? { address, result, reply, statusCode }) };
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    try {
      this.conn.quit();
    } catch {
      this.conn.close();
    }
  }
}
