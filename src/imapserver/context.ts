/**
 * What a command sees of its session (RFC 9051 §3 states: not authenticated, authenticated,
 * selected) and how it answers. Commands (commands/*.ts) are `(ctx, command) => Done`: they write
 * untagged data with ctx.send and return the tagged completion; the session announces pending
 * mailbox updates and writes the tagged line (RFC 9051 §7.1). Nothing here touches a socket.
 */
import type { Logger } from '../lib/logger.ts';
import type { Config } from '../config/schema.ts';
import type { Mailbox, User } from '../store/ports.ts';
import type { ResponseCode, Status, StringOptions, WirePart } from '../imap/encoder.ts';
import type { CommandName, ImapCommand } from '../imap/parser/types.ts';
import type { LoginDeps } from '../directory/login-attempt.ts';
import type { RecentLogins } from '../directory/recent-logins.ts';
import type { MailboxDeps, UserMailboxes } from '../mailbox/user-mailboxes.ts';
import type { AppendSpool, AppendSpoolOptions } from '../mailbox/append-spool.ts';
import type { SelectedMailbox } from './selected.ts';
import type { RecentTracker } from './recent.ts';

export type ImapLimits = Config['imap'];

export interface ImapDeps {
  hostname: string;
  limits: ImapLimits;
  plaintextAuth: 'never' | 'loopback';
  auth: LoginDeps & { recentLogins?: RecentLogins };
  mailboxes: MailboxDeps;
  /** Where APPEND's message literal goes while it arrives (data_dir/spool, in memory up to a limit). */
  spool: AppendSpoolOptions;
  logger: Logger;
}

/** Server-wide state the sessions share. */
export interface SharedState {
  recent: RecentTracker;
  /** Counts a login against the per-user connection limit; false when over it. */
  claimUser(userId: number): boolean;
  releaseUser(userId: number): void;
}

/** The tagged completion of a command. */
export interface Done {
  status: Status;
  text: string;
  code?: ResponseCode;
}

export const ok = (text: string, code?: ResponseCode): Done => ({ status: 'OK', text, ...(code ? { code } : {}) });
export const no = (text: string, code?: ResponseCode): Done => ({ status: 'NO', text, ...(code ? { code } : {}) });
export const bad = (text: string, code?: ResponseCode): Done => ({ status: 'BAD', text, ...(code ? { code } : {}) });

/** Extensions a client can ENABLE (RFC 5161) that change what we send. */
export type Enableable = 'IMAP4REV2' | 'UTF8=ACCEPT' | 'CONDSTORE' | 'QRESYNC';

export interface Ctx {
  readonly id: string;
  readonly log: Logger;
  readonly deps: ImapDeps;
  readonly shared: SharedState;
  readonly ip: string;
  readonly tls: boolean;
  readonly user: User | null;
  readonly mail: UserMailboxes | null;
  selected: SelectedMailbox | null;
  readonly enabled: ReadonlySet<Enableable>;
  enable(ext: Enableable): void;
  /**
   * APPEND: the message literal of the command being executed, spooled by the session as the
   * reader streamed it (null for an empty literal). The session discards it after the command.
   */
  readonly upload: AppendSpool | null;
  /** RFC 9051 (IMAP4rev2 enabled) or RFC 6855 UTF8=ACCEPT: UTF-8 names and quoted strings. */
  readonly stringOptions: StringOptions;
  /** The capability list for this connection's current state (RFC 9051 §7.2.2). */
  capabilities(): string[];
  /** Whether LOGIN/AUTHENTICATE may be used here (TLS, or the loopback teaching option). */
  authAllowed(): boolean;
  send(data: WirePart | readonly WirePart[]): Promise<void>;
  /** The next raw client line (AUTHENTICATE responses), or null when the connection is gone. */
  readLine(): Promise<string | null>;
  /** IDLE (RFC 2177): streams updates until DONE; resolves with the outcome. */
  idle(): Promise<'done' | 'bad' | 'closed'>;
  /** SELECT/EXAMINE: a view of the mailbox wired to the event bus and the \Recent tracker. */
  openMailbox(mb: Mailbox, readOnly: boolean): Promise<SelectedMailbox>;
  /** Arranges STARTTLS right after the tagged OK; a Done when it cannot happen here. */
  startTls(): Done | null;
  /** Records a successful login: the session enters the authenticated state. */
  login(user: User): void;
  /** LOGOUT: BYE, then close after the tagged OK. */
  logout(): void;
  /** The mailbox name as the client writes it → our name; null when not valid modified UTF-7. */
  mailboxName(wire: string): string | null;
  /** Our mailbox name → the client's wire form. */
  wireName(name: string): string;
}

type ByName<C, N> = C extends { name: infer M } ? (N extends M ? C : never) : never;
/** The command type(s) for a name (some commands share one shape: DELETE/SUBSCRIBE/UNSUBSCRIBE). */
export type Cmd<N extends CommandName> = ByName<ImapCommand, N>;

/** Which state a command needs (RFC 9051 §6.1-6.4). "auth" includes the selected state. */
export type CommandState = 'any' | 'unauth' | 'auth' | 'selected';

export interface CommandSpec<N extends CommandName> {
  state: CommandState;
  run(ctx: Ctx, cmd: Cmd<N>): Promise<Done>;
}

export type CommandTable = { [N in CommandName]: CommandSpec<N> };
