/**
 * One IMAP session (RFC 9051 IMAP4rev2, RFC 3501 IMAP4rev1) on one socket: the wire and the state.
 *
 * Reads with the sans-I/O CommandReader (imap/reader.ts: lines, literals, limits), runs one
 * command at a time from the typed table (commands/index.ts) in the state it requires (RFC 9051
 * §3), tells pending mailbox changes before each tagged response where RFC 9051 §7.5.1 allows,
 * and owns everything that touches the socket: output with backpressure (output.ts), "+"
 * continuation requests for synchronizing literals (§7.5), APPEND's message literal as the
 * reader streams it (into an AppendSpool, mailbox/append-spool.ts), STARTTLS (§6.2.1), IDLE
 * (RFC 2177), the SASL exchange lines, timeouts, the error limit, shutdown.
 *
 * Never: accept credentials before TLS (unless the loopback teaching option), act on bytes
 * pipelined before a STARTTLS handshake, read a literal it has refused, or let one command's
 * failure take the server down (the one catch below answers NO [SERVERBUG]).
 */
import type { Socket } from 'node:net';
import { TLSSocket, type SecureContext } from 'node:tls';
import { randomBytes } from 'node:crypto';
import type { Logger } from '../lib/logger.ts';
import { isLoopback, normalizeIp } from '../lib/net.ts';
import type { Mailbox, User } from '../store/ports.ts';
import { CommandReader, isIdleDone, type ReaderEvent } from '../imap/reader.ts';
import type { ImapCommand } from '../imap/parser/types.ts';
import { continuation, tagged, untaggedStatus, type StringOptions, type WirePart } from '../imap/encoder.ts';
import { decodeMailboxName, encodeMailboxName } from '../imap/mutf7.ts';
import { UserMailboxes } from '../mailbox/user-mailboxes.ts';
import { AppendSpool } from '../mailbox/append-spool.ts';
import { normalizeName } from '../mailbox/names.ts';
import { bad, no, type CommandState, type Ctx, type Done, type Enableable, type ImapDeps, type SharedState } from './context.ts';
import { COMMANDS } from './commands/index.ts';
import { mechanisms } from './commands/auth.ts';
import { SelectedMailbox } from './selected.ts';
import { WireBroken, writeParts } from './output.ts';

export interface ImapSessionOptions extends ImapDeps {
  secureContext: SecureContext | null;
  shared: SharedState;
}

type Phase = 'open' | 'tls' | 'closed';

/** Pause reading when this much pipelined input waits. */
const INPUT_HIGH_WATER = 256 * 1024;
/** Before login, literals are for LOGIN's strings only. */
const PREAUTH_LITERAL_MAX = 8 * 1024;

type AnyRun = { state: CommandState; run(ctx: Ctx, cmd: ImapCommand): Promise<Done> };

export class ImapSession implements Ctx {
  readonly id = randomBytes(9).toString('base64url');
  readonly log: Logger;
  readonly deps: ImapDeps;
  readonly shared: SharedState;
  readonly ip: string;
  tls = false;
  user: User | null = null;
  mail: UserMailboxes | null = null;
  selected: SelectedMailbox | null = null;
  readonly enabled = new Set<Enableable>();
  /** APPEND's message literal while it arrives and until its command is over. */
  upload: AppendSpool | null = null;
  private socket: Socket;
  private readonly secureContext: SecureContext | null;
  private reader: CommandReader;
  private phase: Phase = 'open';
  private processing = false;
  private stopping = false;
  private errors = 0;
  private waiter: (() => void) | null = null;
  private afterTagged: (() => void) | null = null;

  /** The session's own close handler (removed at STARTTLS without touching the listener group's). */
  private readonly onSocketClose = (): void => {
    this.close(false);
  };

  constructor(socket: Socket, opts: ImapSessionOptions) {
    this.socket = socket;
    this.deps = opts;
    this.shared = opts.shared;
    this.secureContext = opts.secureContext;
    this.ip = normalizeIp(socket.remoteAddress ?? '?');
    this.log = opts.logger.child({ session: this.id, ip: this.ip, proto: 'imap' });
    this.reader = this.newReader();
  }

  private newReader(): CommandReader {
    const l = this.deps.limits;
    return new CommandReader({
      maxLineLength: l.max_line_length,
      maxLiteralSize: l.max_literal_size,
      maxAppendSize: l.max_message_size,
      maxCommandSize: Math.max(1024 * 1024, l.max_literal_size + l.max_line_length),
    });
  }

  start(): void {
    if (this.socket instanceof TLSSocket) this.tls = true;
    this.attach(this.socket);
    this.log.info({ port: this.socket.localPort, tls: this.tls }, 'connect');
    void this.send(untaggedStatus('OK', `${this.deps.hostname} IMAP4rev2 mailwarden ready`, { code: 'CAPABILITY', capabilities: this.capabilities() })).catch(() => undefined);
  }

  private attach(socket: Socket): void {
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (err) => {
      this.log.debug({ err: err.message }, 'socket error');
      this.close(false);
    });
    socket.on('close', this.onSocketClose);
    this.armTimer();
  }

  /** RFC 9051 §5.4: at least 30 minutes once logged in; a short login window before. */
  private armTimer(): void {
    const l = this.deps.limits;
    this.socket.setTimeout((this.user ? l.idle_timeout_seconds : l.login_timeout_seconds) * 1000, () => {
      this.log.info({ user: this.user?.address }, 'idle timeout');
      this.bye('Autologout; idle for too long');
    });
  }

  // ---- Ctx: state the commands read and change -----------------------------------------

  get stringOptions(): StringOptions {
    return { utf8: this.enabled.has('IMAP4REV2') || this.enabled.has('UTF8=ACCEPT') };
  }

  enable(ext: Enableable): void {
    this.enabled.add(ext);
  }

  authAllowed(): boolean {
    return this.tls || (this.deps.plaintextAuth === 'loopback' && isLoopback(this.ip));
  }

  capabilities(): string[] {
    const caps = ['IMAP4rev1', 'IMAP4rev2'];
    if (!this.tls && this.secureContext && !this.user) caps.push('STARTTLS');
    if (!this.user) caps.push(...(this.authAllowed() ? mechanisms(this).map((m) => `AUTH=${m}`) : ['LOGINDISABLED']));
    caps.push('SASL-IR', 'LITERAL+', 'ID', 'ENABLE', 'IDLE', 'NAMESPACE', 'UNSELECT', 'UIDPLUS', 'MOVE', 'CHILDREN');
    caps.push('LIST-EXTENDED', 'LIST-STATUS', 'SPECIAL-USE', 'CREATE-SPECIAL-USE', 'ESEARCH', 'SEARCHRES', 'BINARY');
    caps.push('UTF8=ACCEPT', 'CONDSTORE', 'QRESYNC', 'STATUS=SIZE', `APPENDLIMIT=${this.deps.limits.max_message_size}`);
    return caps;
  }

  /** RFC 3501 §5.1.3 modified UTF-7 for IMAP4rev1 clients; UTF-8 after ENABLE (RFC 9051 §5.1, RFC 6855 §3). */
  mailboxName(wire: string): string | null {
    const name = this.stringOptions.utf8 ? wire : decodeMailboxName(wire);
    return name === null ? null : normalizeName(name);
  }

  wireName(name: string): string {
    return this.stringOptions.utf8 ? name : encodeMailboxName(name);
  }

  login(user: User): void {
    this.user = user;
    this.mail = new UserMailboxes(this.deps.mailboxes, user.id, this.id);
    this.armTimer();
  }

  logout(): void {
    this.afterTagged = () => this.close(true);
  }

  openMailbox(mb: Mailbox, readOnly: boolean): Promise<SelectedMailbox> {
    return SelectedMailbox.open(this.mail!, mb, {
      readOnly,
      tracker: this.shared.recent,
      sessionId: this.id,
      subscribe: (id, fn) => this.deps.mailboxes.events.subscribe(id, fn),
      wake: () => this.wake(),
    });
  }

  // ---- output -----------------------------------------------------------------------------

  async send(data: WirePart | readonly WirePart[]): Promise<void> {
    if (this.phase === 'closed') throw new WireBroken('connection closed');
    const parts = typeof data === 'string' || Buffer.isBuffer(data) || !Array.isArray(data) ? [data as WirePart] : (data as readonly WirePart[]);
    if (parts.length) await writeParts(this.socket, parts);
  }

  private flush(): void {
    while (this.socket.writableCorked) this.socket.uncork();
  }

  /** Untagged BYE, then close (RFC 9051 §7.1.5). */
  private bye(text: string): void {
    if (this.phase !== 'open') return this.close(false);
    this.socket.write(untaggedStatus('BYE', text));
    this.close(true);
  }

  private close(graceful: boolean): void {
    if (this.phase === 'closed') return;
    this.phase = 'closed';
    this.selected?.close();
    this.selected = null;
    void this.dropUpload();
    if (this.user) this.shared.releaseUser(this.user.id);
    this.log.info({ user: this.user?.address }, 'disconnect');
    this.wake();
    if (graceful) {
      this.flush();
      this.socket.end();
      setTimeout(() => this.socket.destroy(), 2000).unref();
    } else {
      this.socket.destroy();
    }
  }

  /** Server shutdown: an idle session gets BYE now; a busy one after its command. */
  shutdown(): void {
    this.stopping = true;
    if (!this.processing) this.bye('Server shutting down');
    else this.wake();
  }

  // ---- input ------------------------------------------------------------------------------

  private wake(): void {
    const w = this.waiter;
    this.waiter = null;
    w?.();
  }

  /** Waits for input, a mailbox event, close or shutdown; output is flushed first. */
  private waitWake(): Promise<void> {
    this.flush();
    if (this.socket.isPaused()) this.socket.resume();
    return new Promise((resolve) => (this.waiter = resolve));
  }

  private onData(chunk: Buffer): void {
    if (this.phase !== 'open') return;
    this.reader.push(chunk);
    if (this.reader.bufferedBytes > INPUT_HIGH_WATER) this.socket.pause();
    this.wake();
    void this.kick();
  }

  private async kick(): Promise<void> {
    if (this.processing) return;
    this.processing = true;
    this.socket.cork();
    try {
      while (this.phase === 'open' && !this.stopping) {
        const ev = this.reader.next();
        if (ev.kind === 'need-more') break;
        await this.handle(ev);
      }
    } catch (e) {
      if (!(e instanceof WireBroken) || this.phase === 'open') this.log.error({ err: e }, 'imap session failure');
      this.bye('Internal server error');
    } finally {
      this.processing = false;
      if (this.stopping) this.bye('Server shutting down');
      if (!this.socket.destroyed) {
        this.flush();
        if (this.reader.bufferedBytes <= INPUT_HIGH_WATER && this.phase === 'open') this.socket.resume();
      }
    }
  }

  private async handle(ev: Exclude<ReaderEvent, { kind: 'need-more' }>): Promise<void> {
    switch (ev.kind) {
      case 'command':
        return this.execute(ev.command);
      case 'literal-data':
        return this.receive(ev.data);
      case 'bad': {
        await this.dropUpload(); // a streamed APPEND literal of a command that failed to parse
        const { tag, reason, code } = ev.error;
        // RFC 7889 §3 / RFC 4469: an APPEND over the size limit is NO [TOOBIG]; other parse errors BAD.
        const status = code === 'TOOBIG' ? 'NO' : 'BAD';
        const rc = code === 'TOOBIG' || code === 'LIMIT' || code === 'SERVERBUG' || code === 'PARSE' ? ({ code } as const) : undefined;
        await this.send(tag === undefined ? untaggedStatus('BAD', reason, rc) : tagged(tag, status, reason, rc));
        if (status === 'BAD') this.countError();
        return;
      }
      case 'literal': {
        // RFC 9051 §7.5: "+" only for literals we mean to read; a refused one is never sent.
        if (!this.user && (ev.command === 'APPEND' || ev.size > PREAUTH_LITERAL_MAX)) {
          this.reader.refuseLiteral();
          await this.send(tagged(ev.tag ?? '*', 'BAD', 'Log in first (literals before login are for LOGIN only)', { code: 'TOOBIG' }));
          this.countError();
          return;
        }
        return this.send(continuation('Ready for literal data'));
      }
      case 'line':
        return; // only expected inside IDLE or AUTHENTICATE, which read it themselves
    }
  }

  /**
   * APPEND's message octets as the reader streams them (RFC 9051 §6.3.12; imap/tokenizer.ts):
   * into the spool, awaited, so a fast client is slowed to the disk's pace by the socket pause in
   * onData rather than buffered. Before login they are dropped unread (the APPEND is refused).
   */
  private async receive(data: Buffer): Promise<void> {
    if (!this.user) return;
    this.upload ??= new AppendSpool(this.deps.spool);
    await this.upload.write(data);
  }

  private async dropUpload(): Promise<void> {
    const u = this.upload;
    this.upload = null;
    if (u) await u.discard();
  }

  private stateError(state: CommandState): Done | null {
    if (state === 'unauth' && this.user) return bad('Already logged in');
    if ((state === 'auth' || state === 'selected') && !this.user) return bad('Log in first');
    if (state === 'selected' && !this.selected) return bad('No mailbox selected (SELECT or EXAMINE first)');
    return null;
  }

  private async execute(cmd: ImapCommand): Promise<void> {
    const spec = COMMANDS[cmd.name] as AnyRun;
    let done = this.stateError(spec.state);
    if (done === null) {
      try {
        done = await spec.run(this, cmd);
      } catch (e) {
        if (e instanceof WireBroken) throw e;
        this.log.error({ err: e, command: cmd.name }, 'imap command failed');
        done = no('Internal server error; the command may not have completed', { code: 'SERVERBUG' });
      }
    }
    await this.dropUpload();
    if (this.phase !== 'open') return;
    await this.announce(!((cmd.name === 'FETCH' || cmd.name === 'STORE' || cmd.name === 'SEARCH') && !cmd.uid));
    await this.send(tagged(cmd.tag, done.status, done.text, done.code));
    if (done.status === 'BAD' || done.code?.code === 'AUTHENTICATIONFAILED') this.countError();
    const after = this.afterTagged;
    this.afterTagged = null;
    after?.();
  }

  /** Pending EXISTS/EXPUNGE/FETCH for the selected mailbox (RFC 9051 §7.5.1 decides `expunges`). */
  private async announce(expunges: boolean): Promise<void> {
    const sel = this.selected;
    if (!sel?.hasPending) return;
    try {
      await this.send(await sel.announce({ expunges, rev1: !this.enabled.has('IMAP4REV2'), condstore: this.enabled.has('CONDSTORE'), qresync: this.enabled.has('QRESYNC') }));
    } catch (e) {
      if (e instanceof WireBroken) throw e;
      this.log.error({ err: e }, 'imap update failed');
    }
  }

  private countError(): void {
    if (++this.errors < this.deps.limits.max_errors) return;
    this.log.info({ errors: this.errors }, 'too many errors');
    this.bye('Too many errors');
  }

  // ---- continuation-driven commands --------------------------------------------------------

  async readLine(): Promise<string | null> {
    this.reader.expectLine();
    for (;;) {
      if (this.phase !== 'open' || this.stopping) return null;
      const ev = this.reader.next();
      if (ev.kind === 'line') return ev.text;
      if (ev.kind !== 'need-more') return '*'; // an overlong line cancels the exchange
      await this.waitWake();
    }
  }

  /** RFC 2177 §3: "+ idling"; untagged updates as they happen; DONE ends it. */
  async idle(): Promise<'done' | 'bad' | 'closed'> {
    await this.send(continuation('idling'));
    this.reader.expectLine();
    for (;;) {
      if (this.phase !== 'open' || this.stopping) return 'closed';
      await this.announce(true);
      const ev = this.reader.next();
      if (ev.kind === 'line') return isIdleDone(ev.text) ? 'done' : 'bad';
      if (ev.kind !== 'need-more') return 'bad';
      await this.waitWake();
    }
  }

  /** RFC 9051 §6.2.1; CVE-2011-0411 / RFC 2595 §4: input pipelined after STARTTLS is refused. */
  startTls(): Done | null {
    if (!this.secureContext) return no('TLS is not available on this server');
    if (this.reader.bufferedBytes > 0) {
      this.reader = this.newReader();
      return bad('Nothing may follow STARTTLS before the TLS handshake; the pipelined input was discarded');
    }
    this.afterTagged = () => this.upgrade();
    return null;
  }

  private upgrade(): void {
    this.phase = 'tls';
    const raw = this.socket;
    this.flush();
    raw.removeAllListeners('data');
    raw.removeAllListeners('error');
    raw.off('close', this.onSocketClose); // only ours: the listener group's close handler releases the connection slot
    raw.removeAllListeners('timeout');
    raw.setTimeout(0);
    const secure = new TLSSocket(raw, { isServer: true, secureContext: this.secureContext! });
    this.socket = secure;
    secure.once('secure', () => {
      this.tls = true;
      this.reader = this.newReader(); // RFC 9051 §6.2.1: forget everything said before TLS
      this.phase = 'open';
      this.log.info({ protocol: secure.getProtocol() }, 'starttls');
      if (this.stopping) this.bye('Server shutting down');
    });
    this.attach(secure);
  }
}
