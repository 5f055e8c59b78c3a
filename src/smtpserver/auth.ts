/**
 * SMTP AUTH (RFC 4954) on top of the shared SASL mechanisms (sasl/): the command syntax, base64
 * framing, "*" cancel, 334 challenges, and login throttling. Every failure is logged with the IP.
 */
import { createSaslSession, parseMechanismName, type SaslCredentials, type SaslMechanismName, type SaslSession, type SaslStep } from '../sasl/index.ts';
import { replies, type Reply } from '../smtp/replies.ts';
import type { Directory } from '../directory/directory.ts';
import type { LoginThrottle } from '../directory/throttle.ts';
import { LoginAttempt, offeredMechanisms } from '../directory/login-attempt.ts';
import type { Store } from '../store/ports.ts';
import type { Logger } from '../lib/logger.ts';
import type { SessionContext } from '../inbound/types.ts';

export interface AuthDeps {
  directory: Directory;
  store: Store;
  throttle: LoginThrottle;
  cramMd5: boolean;
  logger: Logger;
}

export type AuthOutcome = 'continue' | 'success' | 'failed';

const B64 = /^[A-Za-z0-9+/]*={0,2}$/;

export class SmtpAuth {
  private readonly deps: AuthDeps;
  private readonly ctx: SessionContext;
  private readonly hostname: string;
  private readonly send: (r: Reply) => void;
  private sasl: SaslSession | null = null;
  private attempt: LoginAttempt | null = null;
  private mech: SaslMechanismName | null = null;

  constructor(deps: AuthDeps, ctx: SessionContext, hostname: string, send: (r: Reply) => void) {
    this.deps = deps;
    this.ctx = ctx;
    this.hostname = hostname;
    this.send = send;
  }

  mechanisms(): SaslMechanismName[] {
    return offeredMechanisms(this.deps.cramMd5);
  }

  private credentials(): SaslCredentials {
    this.attempt = new LoginAttempt(this.deps, this.ctx.remoteIp);
    return this.attempt.credentials();
  }

  private get attempted(): string | undefined {
    return this.attempt?.username;
  }

  private get locked(): number | null {
    return this.attempt?.lockedMs ?? null;
  }

  /** `AUTH mechanism [initial-response]` */
  async begin(args: string): Promise<AuthOutcome> {
    const [mechName = '', initial, extra] = args.trim().split(/\s+/);
    if (extra !== undefined) return this.fail(replies.syntax('AUTH mechanism [initial-response]'));
    const mech = parseMechanismName(mechName);
    if (!mech || !this.mechanisms().includes(mech)) return this.fail(replies.authUnsupported(mechName.slice(0, 20) || '(none)'));
    const ipCheck = this.deps.throttle.check(this.ctx.remoteIp);
    if (ipCheck.kind === 'locked') {
      this.deps.logger.warn({ session: this.ctx.id, ip: this.ctx.remoteIp, scope: ipCheck.scope }, 'auth refused: locked out');
      return this.fail(replies.authLocked(ipCheck.retryAfterMs / 1000));
    }
    this.mech = mech;
    this.attempt = null;
    this.sasl = createSaslSession(mech, this.credentials(), { hostname: this.hostname });
    let first: Buffer | undefined;
    if (initial !== undefined) {
      // RFC 4954 §4: "=" is an empty initial response
      if (initial === '=') first = Buffer.alloc(0);
      else if (B64.test(initial)) first = Buffer.from(initial, 'base64');
      else return this.fail(replies.authMalformed('initial response is not base64'));
    }
    return this.handle(await this.sasl.start(first));
  }

  /** A client line during the exchange. */
  async respond(line: string): Promise<AuthOutcome> {
    if (!this.sasl) return 'failed';
    if (line === '*') {
      this.sasl = null;
      return this.fail(replies.authCancelled());
    }
    if (!B64.test(line)) {
      this.sasl = null;
      return this.fail(replies.authMalformed('response is not base64'));
    }
    return this.handle(await this.sasl.step(Buffer.from(line, 'base64')));
  }

  private async handle(step: SaslStep): Promise<AuthOutcome> {
    const log = { session: this.ctx.id, ip: this.ctx.remoteIp, mechanism: this.mech, username: this.attempted };
    switch (step.kind) {
      case 'challenge':
        this.send(replies.authChallenge(step.data.toString('base64')));
        return 'continue';
      case 'success': {
        if (step.data && step.data.length && this.sasl) {
          // RFC 4954 §4: additional data with success goes in a 334 the client answers with an empty line
          this.send(replies.authChallenge(step.data.toString('base64')));
          this.sasl = finalAck(step);
          return 'continue';
        }
        this.sasl = null;
        const user = await this.deps.store.getUser(step.username);
        if (!user) return this.fail(replies.authFailed());
        this.ctx.user = user;
        this.deps.throttle.recordSuccess(this.ctx.remoteIp, user.address);
        this.deps.logger.info({ ...log, username: user.address }, 'auth success');
        this.send(replies.authOk());
        return 'success';
      }
      case 'failure': {
        this.sasl = null;
        if (this.locked !== null) {
          this.deps.logger.warn(log, 'auth refused: locked out');
          return this.fail(replies.authLocked(this.locked / 1000));
        }
        this.deps.throttle.recordFailure(this.ctx.remoteIp, this.attempted);
        this.deps.logger.warn({ ...log, reason: step.reason }, 'auth failure');
        return this.fail(step.reason === 'malformed' ? replies.authMalformed(step.message) : replies.authFailed());
      }
    }
  }

  private fail(r: Reply): AuthOutcome {
    this.send(r);
    return 'failed';
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
