/**
 * Login throttling against online password guessing, shared by SMTP AUTH, IMAP and POP3.
 *
 * Three counters over a sliding window:
 *  - per client IP: too many failures locks that IP out (any account);
 *  - per (account, IP): too many failures locks that pair out, so the real user on another IP
 *    is never locked out by an attacker;
 *  - per account from all IPs: past a threshold, attempts are slowed (delayed), never locked.
 * In memory by design: a restart forgets the counters, which errs towards availability.
 */

export interface ThrottleOptions {
  maxFailuresPerIp: number;
  maxFailuresPerAccountIp: number;
  maxFailuresPerAccount: number;
  windowMs: number;
  lockoutMs: number;
  /** Delay added per attempt on an account under distributed attack. */
  slowdownMs?: number;
  clock?: () => number;
  /** Bound on tracked keys, so a flood of distinct IPs cannot exhaust memory. */
  maxKeys?: number;
}

export type ThrottleDecision = { kind: 'allow'; delayMs: number } | { kind: 'locked'; scope: 'ip' | 'account-ip'; retryAfterMs: number };

interface Counter {
  failures: number[];
  lockedUntil: number;
}

export class LoginThrottle {
  private readonly counters = new Map<string, Counter>();
  private readonly opts: Required<ThrottleOptions>;

  constructor(opts: ThrottleOptions) {
    this.opts = { slowdownMs: 2000, clock: Date.now, maxKeys: 100_000, ...opts };
  }

  private counter(key: string): Counter | undefined {
    const c = this.counters.get(key);
    if (!c) return undefined;
    const cutoff = this.opts.clock() - this.opts.windowMs;
    c.failures = c.failures.filter((t) => t > cutoff);
    if (!c.failures.length && c.lockedUntil <= this.opts.clock()) {
      this.counters.delete(key);
      return undefined;
    }
    return c;
  }

  /** Asked before checking credentials. `account` may be unknown yet (e.g. before the SASL exchange). */
  check(ip: string, account?: string): ThrottleDecision {
    const t = this.opts.clock();
    const byIp = this.counter(`ip:${ip}`);
    if (byIp && byIp.lockedUntil > t) return { kind: 'locked', scope: 'ip', retryAfterMs: byIp.lockedUntil - t };
    if (account) {
      const pair = this.counter(`pair:${account}|${ip}`);
      if (pair && pair.lockedUntil > t) return { kind: 'locked', scope: 'account-ip', retryAfterMs: pair.lockedUntil - t };
      const acct = this.counter(`acct:${account}`);
      if (acct && acct.failures.length >= this.opts.maxFailuresPerAccount) return { kind: 'allow', delayMs: this.opts.slowdownMs };
    }
    return { kind: 'allow', delayMs: 0 };
  }

  private bump(key: string, limit: number | undefined): void {
    let c = this.counter(key);
    if (!c) {
      if (this.counters.size >= this.opts.maxKeys) {
        const oldest = this.counters.keys().next().value;
        if (oldest !== undefined) this.counters.delete(oldest);
      }
      c = { failures: [], lockedUntil: 0 };
      this.counters.set(key, c);
    }
    c.failures.push(this.opts.clock());
    if (limit !== undefined && c.failures.length >= limit) c.lockedUntil = this.opts.clock() + this.opts.lockoutMs;
  }

  recordFailure(ip: string, account?: string): void {
    this.bump(`ip:${ip}`, this.opts.maxFailuresPerIp);
    if (account) {
      this.bump(`pair:${account}|${ip}`, this.opts.maxFailuresPerAccountIp);
      this.bump(`acct:${account}`, undefined);
    }
  }

  /** A success clears the pair counter (the user remembered the password), not the IP counter. */
  recordSuccess(ip: string, account: string): void {
    this.counters.delete(`pair:${account}|${ip}`);
  }
}
