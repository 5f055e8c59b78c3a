/**
 * Authentication: RFC 9051 §6.2.1 STARTTLS, §6.2.2 AUTHENTICATE (with RFC 4959 SASL-IR), §6.2.3
 * LOGIN, on the shared SASL mechanisms (sasl/) and the server-wide LoginThrottle, so guesses over
 * IMAP, POP3 and SMTP count against the same limits (directory/login-attempt.ts).
 *
 * Credentials are refused before TLS (NO [PRIVACYREQUIRED]) unless auth.plaintext = "loopback"
 * and the client is on loopback; CAPABILITY then says LOGINDISABLED and offers no AUTH=.
 * SASL framing (RFC 9051 §6.2.2): challenges are "+ base64"; a "*" line cancels (BAD); data with
 * success (SCRAM server-final) goes in one more "+" challenge the client answers with an empty
 * line. Never logs a password.
 */
import { createSaslSession, type SaslMechanismName, type SaslStep } from '../../sasl/index.ts';
import { LoginAttempt, offeredMechanisms } from '../../directory/login-attempt.ts';
import { continuation } from '../../imap/encoder.ts';
import { isAuthCancel } from '../../imap/reader.ts';
import { bad, no, ok, type Cmd, type Ctx, type Done } from '../context.ts';

const B64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** The SASL mechanisms CAPABILITY lists as AUTH=... where authentication is allowed. */
export function mechanisms(ctx: Ctx): SaslMechanismName[] {
  return offeredMechanisms(ctx.deps.auth.cramMd5);
}

function privacyRequired(): Done {
  return no('Plaintext authentication is disabled here: use STARTTLS (or the implicit-TLS port) first', { code: 'PRIVACYREQUIRED' });
}

/** A locked-out IP is refused before any credentials are looked at. */
function ipLocked(ctx: Ctx): Done | null {
  const d = ctx.deps.auth.throttle.check(ctx.ip);
  if (d.kind !== 'locked') return null;
  ctx.log.warn({ scope: d.scope }, 'imap login refused: locked out');
  return no(`Too many failed logins; try again in ${Math.ceil(d.retryAfterMs / 1000)} seconds`, { code: 'UNAVAILABLE' });
}

async function finish(ctx: Ctx, attempt: LoginAttempt, mech: string, step: Exclude<SaslStep, { kind: 'challenge' }>): Promise<Done> {
  const log = { mechanism: mech, username: attempt.username };
  if (step.kind === 'success') {
    const user = await ctx.deps.auth.store.getUser(step.username);
    if (!user) return no('Authentication failed', { code: 'AUTHENTICATIONFAILED' });
    ctx.deps.auth.throttle.recordSuccess(ctx.ip, user.address);
    if (!ctx.shared.claimUser(user.id)) {
      ctx.log.warn({ user: user.address }, 'imap login refused: too many connections for this user');
      return no(`Too many connections for this user (at most ${ctx.deps.limits.max_connections_per_user})`, { code: 'LIMIT' });
    }
    ctx.deps.auth.recentLogins?.note(ctx.ip, user.address);
    ctx.login(user);
    ctx.log.info({ ...log, username: user.address }, 'imap login');
    return ok('Logged in', { code: 'CAPABILITY', capabilities: ctx.capabilities() });
  }
  if (attempt.lockedMs !== null) {
    ctx.log.warn(log, 'imap login refused: locked out');
    return no(`Too many failed logins; try again in ${Math.ceil(attempt.lockedMs / 1000)} seconds`, { code: 'UNAVAILABLE' });
  }
  ctx.deps.auth.throttle.recordFailure(ctx.ip, attempt.username);
  ctx.log.warn({ ...log, reason: step.reason }, 'imap login failure');
  if (step.reason === 'malformed') return bad(`Malformed authentication data: ${step.message}`);
  return no('Invalid credentials', { code: 'AUTHENTICATIONFAILED' });
}

export async function login(ctx: Ctx, cmd: Cmd<'LOGIN'>): Promise<Done> {
  if (!ctx.authAllowed()) return privacyRequired();
  const refused = ipLocked(ctx);
  if (refused) return refused;
  const attempt = new LoginAttempt(ctx.deps.auth, ctx.ip);
  const username = await attempt.credentials().verifyPassword(cmd.username, cmd.password);
  return finish(ctx, attempt, 'LOGIN', username ? { kind: 'success', username } : { kind: 'failure', reason: 'credentials', message: 'bad credentials' });
}

export async function authenticate(ctx: Ctx, cmd: Cmd<'AUTHENTICATE'>): Promise<Done> {
  if (!ctx.authAllowed()) return privacyRequired();
  const mech = mechanisms(ctx).find((m) => m === cmd.mechanism);
  if (!mech) return no(`Unsupported authentication mechanism ${cmd.mechanism.slice(0, 40)}`, { code: 'CANNOT' });
  const refused = ipLocked(ctx);
  if (refused) return refused;
  const attempt = new LoginAttempt(ctx.deps.auth, ctx.ip);
  const sasl = createSaslSession(mech, attempt.credentials(), { hostname: ctx.deps.hostname });
  let step = await sasl.start(cmd.initialResponse === null ? undefined : Buffer.from(cmd.initialResponse, 'base64'));
  for (;;) {
    const data = step.kind === 'challenge' ? step.data : step.kind === 'success' ? step.data : undefined;
    if (data === undefined || (step.kind === 'success' && data.length === 0)) break;
    await ctx.send(continuation(data.toString('base64')));
    const line = await ctx.readLine();
    if (line === null) return no('Connection closed');
    if (isAuthCancel(line)) return bad('Authentication cancelled');
    if (!B64.test(line)) return bad('The response is not base64');
    if (step.kind === 'success') {
      // RFC 9051 §6.2.2: after the server's final data the client sends an empty response.
      if (line !== '') return bad('Expected an empty response after the server-final message');
      step = { ...step, data: undefined };
      break;
    }
    step = await sasl.step(Buffer.from(line, 'base64'));
  }
  if (step.kind === 'challenge') return no('Authentication failed');
  return finish(ctx, attempt, mech, step);
}

export async function starttls(ctx: Ctx): Promise<Done> {
  if (ctx.tls) return bad('TLS is already active');
  return ctx.startTls() ?? ok('Begin TLS negotiation now');
}
