/**
 * One SMTP session (RFC 5321) on one socket, for the MX and submission listeners.
 *
 * The session owns the wire: line framing with a length limit, pipelining (RFC 2920: replies are
 * corked and flushed when the input runs dry), STARTTLS (RFC 3207), AUTH (RFC 4954, SASL from
 * sasl/), DATA through the sans-I/O DataDecoder, timeouts and error limits. Every policy decision
 * is asked of the inbound pipeline; every reply comes from the smtp/replies catalogue.
 * Never: accept AUTH before TLS (unless the loopback teaching option), act on bytes pipelined
 * after STARTTLS, or answer 250 to DATA before the store has committed.
 */
import type { Socket } from 'node:net';
import { TLSSocket, type SecureContext } from 'node:tls';
import { randomBytes } from 'node:crypto';
import type { Logger } from '../lib/logger.ts';
import { isLoopback, normalizeIp } from '../lib/net.ts';
import { formatReply, replies, type Reply } from '../smtp/replies.ts';
import { DataDecoder } from '../smtp/data.ts';
import { parsePathArgument, type MailboxAddress, type ParsedPath } from '../mail/address.ts';
import type { InboundPipeline } from '../inbound/pipeline.ts';
import { MessageSpool } from '../inbound/spool.ts';
import type { ListenerMode, SessionContext, Transaction } from '../inbound/types.ts';
import type { Config } from '../config/schema.ts';
import { SmtpAuth, type AuthDeps } from './auth.ts';
import type { RecentLogins } from '../directory/recent-logins.ts';
import { InputPump } from '../lib/input-pump.ts';

export interface SessionOptions {
  mode: ListenerMode;
  implicitTls: boolean;
  hostname: string;
  secureContext: SecureContext | null;
  limits: Config['limits'];
  plaintextAuth: 'never' | 'loopback';
  pipeline: InboundPipeline;
  auth: AuthDeps;
  /** Legacy POP-before-SMTP (submission only), or null when off. */
  popBeforeSmtp: RecentLogins | null;
  spoolDir: string;
  logger: Logger;
}

type State = 'command' | 'data' | 'auth' | 'tls' | 'closed';

/** Pause reading when this much unprocessed input is buffered (pipelined commands or data). */
const INPUT_HIGH_WATER = 256 * 1024;

export function newId(): string {
  return randomBytes(9).toString('base64url');
}

export class SmtpSession {
  private socket: Socket;
  private readonly opts: SessionOptions;
  private readonly log: Logger;
  readonly ctx: SessionContext;
  private state: State = 'command';
  private buf: Buffer = Buffer.alloc(0);
  private discardingLine = false;
  private errors = 0;
  private tx: (Transaction & { rcptAttempts: number }) | null = null;
  private decoder: DataDecoder | null = null;
  private spool: MessageSpool | null = null;
  private spoolFailed = false;
  private readonly auth: SmtpAuth;
  private greeted = false;
  private messages = 0;
  private stopping = false;

  /** The session's own close handler (removed at STARTTLS without touching the listener group's). */
  private readonly onSocketClose = (): void => {
    this.abort();
  };

  constructor(socket: Socket, opts: SessionOptions) {
    this.socket = socket;
    this.opts = opts;
    const id = newId();
    this.ctx = {
      id,
      mode: opts.mode,
      remoteIp: normalizeIp(socket.remoteAddress ?? '?'),
      remotePort: socket.remotePort ?? 0,
      localPort: socket.localPort ?? 0,
      helo: null,
      esmtp: false,
      tls: null,
      user: null,
    };
    this.log = opts.logger.child({ session: id, ip: this.ctx.remoteIp });
    this.auth = new SmtpAuth(opts.auth, this.ctx, opts.hostname, (r) => this.reply(r));
  }

  start(): void {
    if (this.socket instanceof TLSSocket) this.noteTls(this.socket);
    this.attach(this.socket);
    this.log.info({ mode: this.ctx.mode, port: this.ctx.localPort, tls: !!this.ctx.tls }, 'connect');
    const delay = this.opts.limits.greeting_delay_ms;
    if (delay > 0) setTimeout(() => this.greet(), delay).unref();
    else this.greet();
  }

  private greet(): void {
    if (this.state === 'closed') return;
    if (this.buf.length) {
      // RFC 5321 §4.3.1: the client must wait for the greeting (early talker).
      this.reply(replies.earlyTalker());
      this.close();
      return;
    }
    this.greeted = true;
    this.reply(replies.greeting(this.opts.hostname));
  }

  private attach(socket: Socket): void {
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (err) => {
      this.log.debug({ err: err.message }, 'socket error');
      this.abort();
    });
    socket.on('close', this.onSocketClose);
    this.armTimeout();
  }

  /** The socket the idle-timeout listener is on: one listener per socket (setTimeout(ms, cb) would add one per call). */
  private timeoutOn: unknown = null;

  private armTimeout(): void {
    const secs = this.state === 'data' ? this.opts.limits.data_timeout_seconds : this.opts.limits.command_timeout_seconds;
    if (this.timeoutOn !== this.socket) {
      this.timeoutOn = this.socket;
      this.socket.on('timeout', () => {
        this.log.info({ state: this.state }, 'timeout');
        this.reply(replies.timeout(this.opts.hostname));
        this.close();
      });
    }
    this.socket.setTimeout(secs * 1000);
  }

  private noteTls(s: TLSSocket): void {
    const c = s.getCipher();
    this.ctx.tls = { protocol: s.getProtocol() ?? 'TLS', cipher: c?.standardName ?? c?.name ?? 'unknown' };
  }

  reply(r: Reply): void {
    if (this.state === 'closed' || this.socket.destroyed) return;
    this.socket.write(formatReply(r));
  }

  /** Replies with an error and counts it; too many errors end the session (§4.3.2 leaves this to the server). */
  private error(r: Reply): void {
    this.reply(r);
    this.countError();
  }

  private countError(): void {
    if (++this.errors >= this.opts.limits.max_errors) {
      this.reply(replies.tooManyErrors(this.opts.hostname));
      this.close();
    }
  }

  /** Server shutdown: an idle session is told 421 now; a busy one finishes its command first. */
  shutdown(): void {
    this.stopping = true;
    if (!this.pump.busy && this.state !== 'data') this.closeWith421();
  }

  private closeWith421(): void {
    this.reply(replies.shuttingDown(this.opts.hostname));
    this.close();
  }

  private close(): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    this.socket.end();
    setTimeout(() => this.socket.destroy(), 2000).unref();
    void this.spool?.discard();
  }

  private abort(): void {
    if (this.state !== 'closed') {
      this.state = 'closed';
      this.log.info({ messages: this.messages }, 'disconnect');
    }
    void this.spool?.discard();
    this.spool = null;
    this.socket.destroy();
  }

  private onData(chunk: Buffer): void {
    if (this.state === 'closed' || this.state === 'tls') return;
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    if (!this.greeted) return; // judged in greet()
    this.pump.fed();
  }

  private readonly pump = new InputPump(
    {
      socket: () => this.socket,
      accepting: () => this.state !== 'closed' && this.state !== 'tls',
      readable: () => this.state !== 'closed',
      pending: () => this.buf.length,
      step: () => this.step(),
      failed: (e) => {
        this.log.error({ err: e }, 'session failure');
        this.reply(replies.localError());
        this.close();
      },
      settled: () => {
        if (this.stopping && this.state === 'command') this.closeWith421();
      },
    },
    INPUT_HIGH_WATER,
  );

  /** Consumes one unit of input; false when more bytes are needed. */
  private async step(): Promise<boolean> {
    if (this.state === 'data') return this.stepData();
    const lf = this.buf.indexOf(10);
    const max = this.opts.limits.max_line_length;
    if (lf < 0) {
      if (this.buf.length > max) {
        // §4.5.3.1.4: reject, and skip the rest of the overlong line when it arrives
        this.buf = Buffer.alloc(0);
        this.discardingLine = true;
        this.error(replies.lineTooLong(max));
      }
      return false;
    }
    const raw = this.buf.subarray(0, lf);
    this.buf = this.buf.subarray(lf + 1);
    if (this.discardingLine) {
      this.discardingLine = false;
      return true;
    }
    if (raw.length + 1 > max) {
      this.error(replies.lineTooLong(max));
      return true;
    }
    const line = raw.length && raw[raw.length - 1] === 13 ? raw.subarray(0, raw.length - 1) : raw;
    this.armTimeout();
    if (this.state === 'auth') {
      const r = await this.auth.respond(line.toString('latin1'));
      if (r !== 'continue') this.state = 'command';
      if (r === 'failed') this.countError();
    } else await this.command(line);
    return true;
  }

  private async stepData(): Promise<boolean> {
    if (!this.buf.length) return false;
    const input = this.buf;
    const r = this.decoder!.push(input);
    this.buf = r.done ? input.subarray(r.consumed) : Buffer.alloc(0);
    for (const b of r.out) {
      if (this.spoolFailed) break;
      try {
        await this.spool!.write(b);
      } catch (e) {
        this.spoolFailed = true;
        this.log.error({ err: e }, 'spool write failed');
      }
    }
    // bytes that arrived while the spool was writing are in this.buf: go round again
    if (!r.done) return this.buf.length > 0;
    this.state = 'command';
    this.armTimeout();
    await this.endData();
    return true;
  }

  // ---- commands ------------------------------------------------------------------------

  private async command(line: Buffer): Promise<void> {
    // Commands are ASCII text (§2.4); UTF-8 is allowed only inside SMTPUTF8 addresses.
    if (line.includes(0) || /[\x00-\x08\x0a-\x1f\x7f]/.test(line.toString('latin1'))) return this.error(replies.binaryGarbage());
    const text = line.toString('utf8');
    const sp = text.indexOf(' ');
    const verb = (sp < 0 ? text : text.slice(0, sp)).toUpperCase();
    const args = sp < 0 ? '' : text.slice(sp + 1);
    const handler = this.handlers[verb];
    if (!handler) return this.error(replies.unknownCommand(verb.replace(/[^\x20-\x7e]/g, '?').slice(0, 20)));
    await handler(args);
  }

  private readonly handlers: Record<string, (args: string) => void | Promise<void>> = {
    EHLO: (a) => this.hello(a, true),
    HELO: (a) => this.hello(a, false),
    MAIL: (a) => this.mail(a),
    RCPT: (a) => this.rcpt(a),
    DATA: (a) => this.data(a),
    RSET: () => {
      this.tx = null;
      this.reply(replies.resetOk());
    },
    NOOP: () => this.reply(replies.noop()),
    QUIT: () => {
      this.reply(replies.bye(this.opts.hostname));
      this.close();
    },
    VRFY: () => this.reply(replies.vrfy()),
    EXPN: () => this.error(replies.notImplemented('EXPN')),
    HELP: () => this.reply(replies.help()),
    STARTTLS: (a) => this.startTls(a),
    AUTH: (a) => this.authCommand(a),
    BDAT: () => this.error(replies.notImplemented('BDAT (CHUNKING)')),
  };

  private tlsOffered(): boolean {
    return !this.ctx.tls && this.opts.secureContext !== null;
  }

  private authAllowedHere(): boolean {
    return !!this.ctx.tls || (this.opts.plaintextAuth === 'loopback' && isLoopback(this.ctx.remoteIp));
  }

  private hello(arg: string, esmtp: boolean): void {
    const name = arg.trim();
    if (!name || /\s/.test(name)) return this.error(replies.badHeloArgument());
    this.ctx.helo = name;
    this.ctx.esmtp = esmtp;
    this.tx = null; // §4.1.4: EHLO/HELO resets the transaction
    if (!esmtp) return this.reply(replies.helo(this.opts.hostname, name));
    const lines = [`${this.opts.hostname} hello ${name} [${this.ctx.remoteIp}]`, 'PIPELINING', `SIZE ${this.opts.limits.max_message_size}`, '8BITMIME', 'SMTPUTF8', 'ENHANCEDSTATUSCODES'];
    if (this.tlsOffered()) lines.push('STARTTLS');
    // RFC 4954 §4 / RFC 8314 §3.3: advertise AUTH only where it may be used (never on the MX, never in clear text)
    if (this.ctx.mode === 'submission' && !this.ctx.user && this.authAllowedHere()) lines.push(`AUTH ${this.auth.mechanisms().join(' ')}`);
    this.reply(replies.ehlo(lines));
  }

  private async mail(args: string): Promise<void> {
    if (!this.ctx.helo) return this.error(replies.heloRequired());
    if (this.ctx.mode === 'submission' && !this.ctx.user) await this.popBeforeSmtp();
    if (this.ctx.mode === 'submission' && !this.ctx.user) return this.error(replies.authRequired());
    if (this.tx) return this.error(replies.nestedMail());
    const m = /^FROM:(.*)$/i.exec(args);
    if (!m) return this.error(replies.syntax('expected MAIL FROM:<address>'));
    const parsedParams = this.mailParams(m[1]!);
    if ('reply' in parsedParams) return this.error(parsedParams.reply);
    const { path, smtpUtf8, body8bit, size } = parsedParams;
    const from: MailboxAddress | null = path.kind === 'null' ? null : path.address;
    const v = await this.opts.pipeline.mailFrom(this.ctx, from);
    if (v.kind !== 'continue') return this.verdictReply(v);
    this.tx = { mailFrom: from, smtpUtf8, body8bit, declaredSize: size, recipients: [], rcptAttempts: 0 };
    this.reply(replies.senderOk(from ? `${from.local}@${from.domain}` : ''));
  }

  /** Legacy POP-before-SMTP: a recent POP3/IMAP login from this IP stands in for AUTH, as that user. */
  private async popBeforeSmtp(): Promise<void> {
    const address = this.opts.popBeforeSmtp?.lookup(this.ctx.remoteIp);
    if (!address) return;
    const user = await this.opts.auth.store.getUser(address);
    if (!user) return;
    this.ctx.user = user;
    this.log.info({ user: address }, 'pop-before-smtp: sending as the user who recently logged in from this IP');
  }

  /** MAIL FROM parameters: SIZE (RFC 1870), BODY (RFC 6152), SMTPUTF8 (RFC 6531), AUTH= (RFC 4954 §5, ignored). */
  private mailParams(arg: string): { reply: Reply } | { path: ParsedPath; smtpUtf8: boolean; body8bit: boolean; size: number | null } {
    const utf8Requested = /(^|\s)SMTPUTF8(\s|$)/i.test(arg.slice(arg.lastIndexOf('>') + 1));
    const parsed = parsePathArgument(arg, utf8Requested);
    if ('error' in parsed) {
      if (!utf8Requested && /[^\x00-\x7f]/.test(arg)) return { reply: replies.needsSmtpUtf8() };
      return { reply: replies.badAddress(parsed.error) };
    }
    let size: number | null = null;
    let body8bit = false;
    for (const p of parsed.params.split(/\s+/).filter(Boolean)) {
      const [k, v] = p.split('=', 2) as [string, string | undefined];
      switch (k.toUpperCase()) {
        case 'SIZE':
          if (!v || !/^\d{1,15}$/.test(v)) return { reply: replies.syntax('SIZE=<number>') };
          size = Number(v);
          if (size > this.opts.limits.max_message_size) return { reply: replies.sizeExceeded(this.opts.limits.max_message_size) };
          break;
        case 'BODY':
          if (v?.toUpperCase() === '8BITMIME') body8bit = true;
          else if (v?.toUpperCase() !== '7BIT') return { reply: replies.badParameter(`BODY=${v ?? ''}`) };
          break;
        case 'SMTPUTF8':
          if (v !== undefined) return { reply: replies.syntax('SMTPUTF8 takes no value') };
          break;
        case 'AUTH':
          break;
        default:
          return { reply: replies.badParameter(k.slice(0, 30)) };
      }
    }
    return { path: parsed.path, smtpUtf8: utf8Requested, body8bit, size };
  }

  private async rcpt(args: string): Promise<void> {
    if (!this.tx) return this.error(replies.needMail());
    const m = /^TO:(.*)$/i.exec(args);
    if (!m) return this.error(replies.syntax('expected RCPT TO:<address>'));
    const parsed = parsePathArgument(m[1]!, this.tx.smtpUtf8);
    if ('error' in parsed) return this.error(!this.tx.smtpUtf8 && /[^\x00-\x7f]/.test(m[1]!) ? replies.needsSmtpUtf8() : replies.badAddress(parsed.error));
    if (parsed.path.kind === 'null') return this.error(replies.badAddress('an empty recipient <> is not allowed'));
    if (parsed.params) return this.error(replies.badParameter(parsed.params.split(/\s+/)[0]!.slice(0, 30)));
    this.tx.rcptAttempts++;
    if (this.tx.recipients.length >= this.opts.limits.max_recipients) return this.reply(replies.tooManyRecipients(this.opts.limits.max_recipients));
    const v = await this.opts.pipeline.rcpt(this.ctx, parsed.path.address, this.tx.mailFrom);
    if (v.kind !== 'continue') return this.verdictReply(v);
    if (!this.tx.recipients.some((r) => r.address === v.value.address)) this.tx.recipients.push(v.value);
    this.reply(replies.recipientOk(v.value.address));
  }

  private data(args: string): void {
    if (args.trim()) return this.error(replies.syntax('DATA takes no arguments'));
    if (!this.tx) return this.error(replies.needMail());
    // RFC 2920 §3.1: with all recipients refused, DATA gets 554 (or 503 when none were tried)
    if (!this.tx.recipients.length) return this.error(this.tx.rcptAttempts ? replies.noRecipientsAccepted() : replies.needRcpt());
    this.decoder = new DataDecoder({ maxSize: this.opts.limits.max_message_size, maxLineLength: this.opts.limits.max_line_length });
    this.spool = new MessageSpool({ spoolDir: this.opts.spoolDir, memoryLimit: this.opts.limits.memory_spool_bytes, maxHeaderSize: this.opts.limits.max_header_size });
    this.spoolFailed = false;
    this.state = 'data';
    this.armTimeout();
    this.reply(replies.dataGo());
  }

  private async endData(): Promise<void> {
    const tx = this.tx!;
    const spool = this.spool!;
    const flags = this.decoder!.flags;
    this.tx = null;
    this.decoder = null;
    this.spool = null;
    const limits = this.opts.limits;
    let problem: Reply | null = null;
    if (flags.sizeExceeded) problem = replies.sizeExceeded(limits.max_message_size);
    else if (flags.bareCr || flags.bareLf) problem = replies.bareLineEnding();
    else if (flags.nul) problem = replies.nulInMessage();
    else if (flags.longLine) problem = replies.messageLineTooLong(limits.max_line_length);
    else if (spool.headerTooBig) problem = replies.headerTooBig(limits.max_header_size);
    else if (this.spoolFailed) problem = replies.localError();
    if (problem) {
      await spool.discard();
      this.log.warn({ stage: 'data', code: problem.code, enhanced: problem.enhanced, size: spool.size }, `data: ${String(problem.text)}`);
      return this.reply(problem);
    }
    const id = `${this.ctx.id}.${++this.messages}`;
    const v = await this.opts.pipeline.data(this.ctx, tx, id, spool);
    if (v.kind !== 'continue') {
      await spool.discard();
      return this.verdictReply(v);
    }
    this.reply(replies.queued(v.value.id));
  }

  private verdictReply(v: { kind: 'reject' | 'tempfail' | 'disconnect'; reply: Reply }): void {
    this.reply(v.reply);
    if (v.kind === 'disconnect') this.close();
  }

  // ---- STARTTLS (RFC 3207) -------------------------------------------------------------

  private startTls(args: string): void {
    if (args.trim()) return this.error(replies.syntax('STARTTLS takes no arguments'));
    if (this.ctx.tls) return this.error(replies.alreadyTls());
    if (!this.opts.secureContext) return this.reply(replies.tlsUnavailable());
    // §4.2 / CVE-2011-0411: anything pipelined after STARTTLS would be injected plaintext
    if (this.buf.length) {
      this.buf = Buffer.alloc(0);
      return this.error(replies.startTlsPipelined());
    }
    this.reply(replies.startTls());
    this.state = 'tls';
    const raw = this.socket;
    raw.uncork();
    raw.removeAllListeners('data');
    raw.removeAllListeners('error');
    raw.off('close', this.onSocketClose); // only ours: the listener group's close handler releases the connection slot
    raw.removeAllListeners('timeout');
    raw.setTimeout(0);
    const secure = new TLSSocket(raw, { isServer: true, secureContext: this.opts.secureContext });
    this.socket = secure;
    const handshakeTimer = setTimeout(() => secure.destroy(), this.opts.limits.command_timeout_seconds * 1000).unref();
    secure.once('secure', () => {
      clearTimeout(handshakeTimer);
      this.noteTls(secure);
      // §4.2: discard all knowledge obtained from the client before TLS
      this.ctx.helo = null;
      this.ctx.esmtp = false;
      this.ctx.user = null;
      this.tx = null;
      this.state = 'command';
      this.log.info({ tls: this.ctx.tls }, 'starttls');
      this.armTimeout();
    });
    secure.on('data', (chunk: Buffer) => this.onData(chunk));
    secure.on('error', (err) => {
      this.log.info({ err: err.message }, 'TLS handshake or socket error');
      this.abort();
    });
    secure.on('close', () => this.abort());
  }

  // ---- AUTH (RFC 4954) -----------------------------------------------------------------

  private async authCommand(args: string): Promise<void> {
    if (this.ctx.mode === 'mx') return this.error(replies.authNotOnMx());
    if (!this.ctx.helo) return this.error(replies.heloRequired());
    if (this.ctx.user) return this.error(replies.authAlready());
    if (this.tx) return this.error(replies.authInTransaction());
    if (!this.authAllowedHere()) return this.error(replies.authNeedsTls());
    const r = await this.auth.begin(args);
    if (r === 'continue') this.state = 'auth';
    else if (r === 'failed') this.countError();
  }
}
