/**
 * One POP3 session (RFC 1939) on one socket, with CAPA (RFC 2449), STLS (RFC 2595) and SASL AUTH
 * (RFC 5034).
 *
 * States (RFC 1939 §3): AUTHORIZATION until USER/PASS or AUTH succeeds and the maildrop is locked
 * and snapshotted; TRANSACTION; UPDATE only on QUIT, which is the one place messages marked with
 * DELE are removed. The session owns the wire: line framing with a length limit, pipelining
 * (RFC 2449 §6.6: replies are corked and flushed when the input runs dry), backpressure while
 * streaming messages, the idle timer, the error limit.
 * Never: accept credentials before TLS (unless the loopback teaching option), act on bytes
 * pipelined after STLS, or delete anything when the connection drops or times out.
 */
import type { Socket } from 'node:net';
import { TLSSocket, type SecureContext } from 'node:tls';
import { randomBytes } from 'node:crypto';
import type { Logger } from '../lib/logger.ts';
import { isLoopback, normalizeIp } from '../lib/net.ts';
import type { Config } from '../config/schema.ts';
import type { User } from '../store/ports.ts';
import { LineFramer } from './framer.ts';
import { parseCommand, type Pop3Command } from './parser.ts';
import { encodeLines } from './encoder.ts';
import { formatReply, replies, type Pop3Reply } from './replies.ts';
import { Pop3Auth, type AuthResult, type Pop3AuthDeps } from './auth.ts';
import { Maildrop, type MaildropLocks } from './maildrop.ts';
import { runTransaction, type Pop3Output, type TransactionCommand } from './transaction.ts';
import { writeDrained } from '../lib/backpressure.ts';
import { InputPump } from '../lib/input-pump.ts';

export interface Pop3SessionOptions {
  hostname: string;
  secureContext: SecureContext | null;
  limits: Config['pop3'];
  plaintextAuth: 'never' | 'loopback';
  auth: Pop3AuthDeps;
  locks: MaildropLocks;
  logger: Logger;
}

type State = 'authorization' | 'sasl' | 'transaction' | 'tls' | 'closed';

/** Pause reading when this much unprocessed (pipelined) input is buffered. */
const INPUT_HIGH_WATER = 64 * 1024;

export class Pop3Session {
  private socket: Socket;
  private readonly opts: Pop3SessionOptions;
  private readonly log: Logger;
  private readonly id = randomBytes(9).toString('base64url');
  private readonly ip: string;
  private readonly framer: LineFramer;
  private readonly auth: Pop3Auth;
  private state: State = 'authorization';
  private tls: { protocol: string; cipher: string } | null = null;
  private stopping = false;
  private errors = 0;
  /** The name given with USER, waiting for PASS. */
  private pendingUser: string | null = null;
  private user: User | null = null;
  private maildrop: Maildrop | null = null;
  /** The user whose maildrop lock this session holds. */
  private lockedUserId: number | null = null;
  /** QUIT is removing messages: the lock is kept until that is done, even if the socket drops. */
  private updating = false;
  private disconnected = false;
  private readonly out: Pop3Output;

  /** The session's own close handler (removed at STARTTLS without touching the listener group's). */
  private readonly onSocketClose = (): void => {
    this.abort();
  };

  constructor(socket: Socket, opts: Pop3SessionOptions) {
    this.socket = socket;
    this.opts = opts;
    this.ip = normalizeIp(socket.remoteAddress ?? '?');
    this.log = opts.logger.child({ session: this.id, ip: this.ip, proto: 'pop3' });
    this.framer = new LineFramer(opts.limits.max_line_length);
    this.auth = new Pop3Auth(opts.auth, { id: this.id, ip: this.ip }, opts.hostname);
    this.out = {
      reply: (r) => this.reply(r),
      error: (r) => this.error(r),
      raw: (d) => this.send(d),
      closed: () => this.state === 'closed',
      abort: (e) => {
        this.log.error({ err: e }, 'message stream failed; closing');
        this.close();
      },
    };
  }

  start(): void {
    if (this.socket instanceof TLSSocket) this.noteTls(this.socket);
    this.attach(this.socket);
    this.log.info({ port: this.socket.localPort, tls: !!this.tls }, 'connect');
    void this.reply(replies.greeting(this.opts.hostname));
  }

  private attach(socket: Socket): void {
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (err) => {
      this.log.debug({ err: err.message }, 'socket error');
      this.abort();
    });
    socket.on('close', this.onSocketClose);
    // RFC 1939 §3: an idle session is closed without entering UPDATE and without a response.
    socket.setTimeout(this.opts.limits.idle_timeout_seconds * 1000, () => {
      this.log.info({ state: this.state }, 'idle timeout');
      this.close();
    });
  }

  private noteTls(s: TLSSocket): void {
    const c = s.getCipher();
    this.tls = { protocol: s.getProtocol() ?? 'TLS', cipher: c?.standardName ?? c?.name ?? 'unknown' };
  }

  // ---- output ----------------------------------------------------------------------------

  private async send(data: string | Buffer): Promise<void> {
    if (this.state !== 'closed') await writeDrained(this.socket, data);
  }

  private reply(r: Pop3Reply): Promise<void> {
    return this.send(formatReply(r));
  }

  /** Replies with an error and counts it; too many errors end the session. */
  private async error(r: Pop3Reply): Promise<void> {
    await this.reply(r);
    if (++this.errors >= this.opts.limits.max_errors) {
      this.log.info({ errors: this.errors }, 'too many errors');
      await this.reply(replies.tooManyErrors());
      this.close();
    }
  }

  // ---- lifecycle -------------------------------------------------------------------------

  /** Server shutdown: an idle session is told now; a busy one finishes its command first. Nothing is deleted. */
  shutdown(): void {
    this.stopping = true;
    if (!this.pump.busy) this.closeForShutdown();
  }

  private closeForShutdown(): void {
    if (this.state === 'closed' || this.state === 'tls') return;
    void this.reply(replies.shuttingDown(this.opts.hostname));
    this.close();
  }

  private releaseLock(): void {
    if (this.lockedUserId !== null && !this.updating) {
      this.opts.locks.unlock(this.lockedUserId);
      this.lockedUserId = null;
    }
  }

  private close(): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    this.auth.cancel();
    this.releaseLock();
    this.socket.end();
    setTimeout(() => this.socket.destroy(), 2000).unref();
  }

  private abort(): void {
    if (this.state !== 'closed') this.state = 'closed';
    this.auth.cancel();
    if (!this.disconnected) {
      this.disconnected = true;
      // Marks left by a session that never reached UPDATE are simply forgotten (RFC 1939 §6).
      this.log.info({ user: this.user?.address, marked: this.maildrop?.markedCount ?? 0 }, 'disconnect');
    }
    this.releaseLock();
    this.socket.destroy();
  }

  // ---- input -----------------------------------------------------------------------------

  private onData(chunk: Buffer): void {
    if (this.state === 'closed' || this.state === 'tls') return;
    this.framer.push(chunk);
    this.pump.fed();
  }

  private readonly pump = new InputPump(
    {
      socket: () => this.socket,
      accepting: () => this.state !== 'closed' && this.state !== 'tls',
      readable: () => this.state !== 'closed',
      pending: () => this.framer.pending,
      step: () => this.step(),
      failed: async (e) => {
        this.log.error({ err: e }, 'pop3 session failure');
        await this.reply(replies.localError());
        this.close();
      },
      settled: () => {
        if (this.stopping) this.closeForShutdown();
      },
    },
    INPUT_HIGH_WATER,
  );

  /** Handles one line; false when more bytes are needed. */
  private async step(): Promise<boolean> {
    const f = this.framer.next();
    if (!f) return false;
    if (f.kind === 'too-long') {
      if (this.state === 'sasl') {
        this.auth.cancel();
        this.state = 'authorization';
      }
      await this.error(replies.lineTooLong(this.opts.limits.max_line_length));
      return true;
    }
    // Commands are ASCII; passwords may be UTF-8. Control bytes have no place in either.
    const text = f.line.toString('utf8');
    if (/[\x00-\x08\x0a-\x1f\x7f]/.test(text)) {
      if (this.state === 'sasl') {
        this.auth.cancel();
        this.state = 'authorization';
      }
      await this.error(replies.binaryGarbage());
      return true;
    }
    if (this.state === 'sasl') await this.authResult(await this.auth.respond(text));
    else await this.command(text);
    return true;
  }

  private async command(line: string): Promise<void> {
    const p = parseCommand(line);
    if (!p.ok) {
      if (p.kind === 'unknown') return this.error(replies.unknownCommand(p.verb));
      if (p.kind === 'unsupported') return this.error(replies.notSupported(p.verb, p.why));
      return this.error(replies.syntax(p.why));
    }
    const c = p.command;
    switch (c.verb) {
      case 'CAPA':
        return this.capa();
      case 'QUIT':
        return this.quit();
      case 'USER':
      case 'PASS':
      case 'AUTH':
      case 'STLS':
        // RFC 1939 §7, RFC 2595 §4, RFC 5034 §4: AUTHORIZATION state only
        if (this.state !== 'authorization') return this.error(c.verb === 'STLS' ? replies.notInTransaction(c.verb) : replies.alreadyLoggedIn());
        return this.authorization(c);
      default:
        if (this.state !== 'transaction' || !this.maildrop) return this.error(replies.notInAuthorization(c.verb));
        return runTransaction(c satisfies TransactionCommand, this.maildrop, this.out);
    }
  }

  // ---- AUTHORIZATION state ---------------------------------------------------------------

  private authAllowedHere(): boolean {
    return !!this.tls || (this.opts.plaintextAuth === 'loopback' && isLoopback(this.ip));
  }

  /** RFC 2449 §5: the same list in both states (AUTHORIZATION capabilities must show in both). */
  private async capa(): Promise<void> {
    const caps = ['TOP', 'UIDL', 'RESP-CODES', 'AUTH-RESP-CODE', 'PIPELINING'];
    // RFC 2595 §4 / RFC 8314 spirit: offer credentials only where they may be sent
    if (this.authAllowedHere()) caps.push('USER', `SASL ${this.auth.mechanisms().join(' ')}`);
    if (!this.tls && this.opts.secureContext) caps.push('STLS');
    caps.push('IMPLEMENTATION mailwarden');
    await this.reply(replies.capa());
    await this.send(encodeLines(caps));
  }

  private async authorization(c: Extract<Pop3Command, { verb: 'USER' | 'PASS' | 'AUTH' | 'STLS' }>): Promise<void> {
    if (c.verb === 'STLS') return this.stls();
    if (!this.authAllowedHere()) {
      this.pendingUser = null;
      return this.error(replies.authNeedsTls());
    }
    switch (c.verb) {
      case 'USER':
        this.pendingUser = c.name;
        return this.reply(replies.userOk());
      case 'PASS': {
        const name = this.pendingUser;
        // RFC 1939 §7: after PASS, successful or not, the client starts over with USER
        this.pendingUser = null;
        if (name === null) return this.error(replies.passWithoutUser());
        return this.authResult(await this.auth.userPass(name, c.password));
      }
      case 'AUTH': {
        this.pendingUser = null;
        if (c.mechanism === null) {
          await this.reply(replies.authMechanisms());
          return this.send(encodeLines(this.auth.mechanisms()));
        }
        return this.authResult(await this.auth.begin(c.mechanism, c.initial));
      }
    }
  }

  private async authResult(r: AuthResult): Promise<void> {
    if (this.state === 'closed') return;
    switch (r.kind) {
      case 'challenge':
        this.state = 'sasl';
        return this.send(`${r.line}\r\n`);
      case 'failed':
        this.state = 'authorization';
        return this.error(r.reply);
      case 'success':
        this.state = 'authorization';
        return this.login(r.user);
    }
  }

  /** Credentials are good: lock the maildrop (RFC 1939 §8), snapshot it, enter TRANSACTION. */
  private async login(user: User): Promise<void> {
    if (!this.opts.locks.tryLock(user.id)) {
      this.log.info({ user: user.address }, 'maildrop in use');
      return this.reply(replies.inUse());
    }
    this.lockedUserId = user.id;
    let drop: Maildrop | null;
    try {
      drop = await Maildrop.open(this.opts.auth.store, user.id);
    } catch (e) {
      this.log.error({ err: e, user: user.address }, 'cannot open maildrop');
      drop = null;
    }
    if (this.state === 'closed') return this.releaseLock();
    if (!drop) {
      this.releaseLock();
      return this.reply(replies.localError());
    }
    this.user = user;
    this.maildrop = drop;
    this.state = 'transaction';
    const s = drop.stat();
    this.log.info({ user: user.address, messages: s.count, size: s.size }, 'pop3 login');
    return this.reply(replies.loggedIn(s.count, s.size));
  }

  // ---- STLS (RFC 2595 §4) ----------------------------------------------------------------

  private async stls(): Promise<void> {
    if (this.tls) return this.error(replies.alreadyTls());
    if (!this.opts.secureContext) return this.error(replies.tlsUnavailable());
    // CVE-2011-0411 (and RFC 2595 §4): input pipelined after STLS would be injected plaintext
    if (this.framer.pending) {
      this.framer.clear();
      return this.error(replies.stlsPipelined());
    }
    await this.reply(replies.stls());
    this.state = 'tls';
    const raw = this.socket;
    while (raw.writableCorked) raw.uncork();
    raw.removeAllListeners('data');
    raw.removeAllListeners('error');
    raw.off('close', this.onSocketClose); // only ours: the listener group's close handler releases the connection slot
    raw.removeAllListeners('timeout');
    raw.setTimeout(0);
    const secure = new TLSSocket(raw, { isServer: true, secureContext: this.opts.secureContext });
    this.socket = secure;
    secure.once('secure', () => {
      this.noteTls(secure);
      // RFC 2595 §4: forget what the client said before TLS
      this.pendingUser = null;
      this.framer.clear();
      this.state = 'authorization';
      this.log.info({ tls: this.tls }, 'stls');
      if (this.stopping) this.closeForShutdown();
    });
    this.attach(secure);
  }

  // ---- QUIT and the UPDATE state (RFC 1939 §6) -------------------------------------------

  private async quit(): Promise<void> {
    const drop = this.maildrop;
    if (this.state !== 'transaction' || !drop) {
      await this.reply(replies.bye(this.opts.hostname));
      return this.close();
    }
    const marked = drop.markedCount;
    let deleted = 0;
    this.updating = true;
    try {
      deleted = marked ? await drop.commit() : 0;
    } catch (e) {
      this.log.error({ err: e, user: this.user?.address }, 'UPDATE failed: messages not removed');
      await this.reply(replies.updateFailed());
      return this.close();
    } finally {
      this.updating = false;
      this.releaseLock();
    }
    this.log.info({ user: this.user?.address, deleted }, 'pop3 quit');
    await this.reply(replies.byeUpdated(this.opts.hostname, deleted, drop.count - marked));
    this.close();
  }
}
