/**
 * POP3 authentication: USER/PASS (RFC 1939 §7) and AUTH (RFC 5034) on top of the shared SASL
 * mechanisms (sasl/), with the server-wide LoginThrottle (directory/throttle.ts) that SMTP AUTH
 * uses too, so guesses over POP3 and SMTP count against the same limits.
 *
 * RFC 5034 §4 framing: challenges are "+ " and base64, a client line "*" cancels with -ERR, an
 * undecodable response fails with -ERR, additional data with success (SCRAM server-final) goes in
 * one more "+ " challenge the client answers with an empty line.
 * Sans-I/O towards the session: every method returns what to send. Whether authentication may
 * happen on this connection at all (TLS) is the session's decision. Never logs a password.
 */
import { createSaslSession, type SaslCredentials, type SaslMechanismName, type SaslSession, type SaslStep } from '../sasl/index.ts';
import type { Directory } from '../directory/directory.ts';
import type { LoginThrottle } from '../directory/throttle.ts';
import { LoginAttempt, offeredMechanisms } from '../directory/login-attempt.ts';
import type { RecentLogins } from '../directory/recent-logins.ts';
import type { Store, User } from '../store/ports.ts';
import type { Logger } from '../lib/logger.ts';
import { replies, type Pop3Reply } from './replies.ts';

export interface Pop3AuthDeps {
  directory: Directory;
  store: Store;
  throttle: LoginThrottle;
  cramMd5: boolean;
  logger: Logger;
  /** POP-before-SMTP: told of every successful login (a no-op unless enabled). */
  recentLogins?: RecentLogins;
}

/** What the session sends next: a "+ " continuation, or the end of the exchange. */
export type AuthResult =
  | { kind: 'challenge'; line: string }
  | { kind: 'success'; user: User }
  | { kind: 'failed'; reply: Pop3Reply };

const B64 = /^[A-Za-z0-9+/]*={0,2}$/;

export class Pop3Auth {
  private readonly deps: Pop3AuthDeps;
  private readonly session: { id: string; ip: string };
  private readonly hostname: string;
  private sasl: SaslSession | null = null;
  private attempt: LoginAttempt | null = null;
  private mech: SaslMechanismName | 'USER' | null = null;

  constructor(deps: Pop3AuthDeps, session: { id: string; ip: string }, hostname: string) {
    this.deps = deps;
    this.session = session;
    this.hostname = hostname;
  }

  /** The SASL mechanisms offered in CAPA and accepted by AUTH. */
  mechanisms(): SaslMechanismName[] {
    return offeredMechanisms(this.deps.cramMd5);
  }

  /** True while a SASL exchange waits for the client's next line. */
  get inProgress(): boolean {
    return this.sasl !== null;
  }

  private credentials(): SaslCredentials {
    this.attempt = new LoginAttempt(this.deps, this.session.ip);
    return this.attempt.credentials();
  }

  private get attempted(): string | undefined {
    return this.attempt?.username;
  }

  private get locked(): number | null {
    return this.attempt?.lockedMs ?? null;
  }

  /** An IP already locked out gets refused before any credentials are looked at. */
  private ipLocked(): AuthResult | null {
    const d = this.deps.throttle.check(this.session.ip);
    if (d.kind !== 'locked') return null;
    this.deps.logger.warn({ session: this.session.id, ip: this.session.ip, scope: d.scope }, 'pop3 auth refused: locked out');
    return { kind: 'failed', reply: replies.authLocked(d.retryAfterMs / 1000) };
  }

  private reset(mech: SaslMechanismName | 'USER'): void {
    this.mech = mech;
    this.attempt = null;
  }

  /** USER name + PASS password (RFC 1939 §7). */
  async userPass(name: string, password: string): Promise<AuthResult> {
    const refused = this.ipLocked();
    if (refused) return refused;
    this.reset('USER');
    const username = await this.credentials().verifyPassword(name, password);
    return this.finish(username ? { kind: 'success', username } : { kind: 'failure', reason: 'credentials', message: 'bad credentials' });
  }

  /** `AUTH mechanism [initial-response]` (RFC 5034 §4); the parser has checked the syntax. */
  async begin(mechanism: string, initial: string | null): Promise<AuthResult> {
    const mech = this.mechanisms().find((m) => m === mechanism);
    if (!mech) return { kind: 'failed', reply: replies.authUnsupported(mechanism) };
    const refused = this.ipLocked();
    if (refused) return refused;
    this.reset(mech);
    this.sasl = createSaslSession(mech, this.credentials(), { hostname: this.hostname });
    // RFC 5034 §4: "=" is an empty initial response
    const first = initial === null ? undefined : initial === '=' ? Buffer.alloc(0) : Buffer.from(initial, 'base64');
    return this.handle(await this.sasl.start(first));
  }

  /** A client line during the exchange. */
  async respond(line: string): Promise<AuthResult> {
    const sasl = this.sasl;
    if (!sasl) return { kind: 'failed', reply: replies.authCancelled() };
    if (line === '*') {
      this.sasl = null;
      return { kind: 'failed', reply: replies.authCancelled() };
    }
    if (!B64.test(line)) {
      this.sasl = null;
      return { kind: 'failed', reply: replies.authMalformed('the response is not base64') };
    }
    return this.handle(await sasl.step(Buffer.from(line, 'base64')));
  }

  /** Abandons an exchange (overlong line, connection closing). */
  cancel(): void {
    this.sasl = null;
  }

  private async handle(step: SaslStep): Promise<AuthResult> {
    if (step.kind === 'challenge') return { kind: 'challenge', line: `+ ${step.data.toString('base64')}` };
    if (step.kind === 'success' && step.data && step.data.length && this.sasl) {
      // RFC 5034 §4: additional data with success is sent as a challenge; the client answers "".
      this.sasl = finalAck(step);
      return { kind: 'challenge', line: `+ ${step.data.toString('base64')}` };
    }
    this.sasl = null;
    return this.finish(step);
  }

  private async finish(step: Exclude<SaslStep, { kind: 'challenge' }>): Promise<AuthResult> {
    const log = { session: this.session.id, ip: this.session.ip, mechanism: this.mech, username: this.attempted };
    if (step.kind === 'success') {
      const user = await this.deps.store.getUser(step.username);
      if (!user) return { kind: 'failed', reply: replies.authFailed() };
      this.deps.throttle.recordSuccess(this.session.ip, user.address);
      this.deps.recentLogins?.note(this.session.ip, user.address);
      this.deps.logger.info({ ...log, username: user.address }, 'pop3 auth success');
      return { kind: 'success', user };
    }
    if (this.locked !== null) {
      this.deps.logger.warn(log, 'pop3 auth refused: locked out');
      return { kind: 'failed', reply: replies.authLocked(this.locked / 1000) };
    }
    this.deps.throttle.recordFailure(this.session.ip, this.attempted);
    this.deps.logger.warn({ ...log, reason: step.reason }, 'pop3 auth failure');
    return { kind: 'failed', reply: step.reason === 'malformed' ? replies.authMalformed(step.message) : replies.authFailed() };
  }
}

/** After SCRAM's server-final message, the client sends an empty response and authentication completes. */
function finalAck(success: Extract<SaslStep, { kind: 'success' }>): SaslSession {
  return {
    mechanism: 'SCRAM-SHA-256',
    start: async () => ({ ...success, data: undefined }),
    step: async (resp: Buffer) => (resp.length === 0 ? { ...success, data: undefined } : { kind: 'failure', reason: 'malformed', message: 'expected an empty response after server-final' }),
  };
}
