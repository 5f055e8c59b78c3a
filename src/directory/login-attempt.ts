/**
 * One login attempt, as SASL sees the directory: every credential lookup first asks the
 * LoginThrottle (a locked-out account/IP gets no answer at all, a slowed-down one waits), and the
 * attempt remembers which account was tried, for the throttle and the logs. Shared by SMTP AUTH,
 * POP3 and IMAP.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { SaslCredentials, SaslMechanismName, ScramStoredKeys } from '../sasl/index.ts';
import type { Directory } from './directory.ts';
import type { LoginThrottle } from './throttle.ts';
import type { Store } from '../store/ports.ts';

export interface LoginDeps {
  directory: Directory;
  store: Store;
  throttle: LoginThrottle;
  cramMd5: boolean;
}

/** The mechanisms a server offers (once TLS is up), strongest first after PLAIN for client compatibility. */
export function offeredMechanisms(cramMd5: boolean): SaslMechanismName[] {
  return ['PLAIN', 'LOGIN', 'SCRAM-SHA-256', ...(cramMd5 ? (['CRAM-MD5'] as const) : [])];
}

export class LoginAttempt {
  /** The account name the client tried (lower-cased), once known. */
  username: string | undefined;
  /** Set when the throttle refused the attempt: milliseconds until it may be retried. */
  lockedMs: number | null = null;
  private readonly deps: LoginDeps;
  private readonly ip: string;

  constructor(deps: LoginDeps, ip: string) {
    this.deps = deps;
    this.ip = ip;
  }

  private async gate(username: string): Promise<boolean> {
    this.username = username.trim().toLowerCase();
    const d = this.deps.throttle.check(this.ip, this.username);
    if (d.kind === 'locked') {
      this.lockedMs = d.retryAfterMs;
      return false;
    }
    if (d.delayMs) await sleep(d.delayMs);
    return true;
  }

  credentials(): SaslCredentials {
    const { directory, store } = this.deps;
    return {
      verifyPassword: async (username, password) => ((await this.gate(username)) ? ((await directory.authenticate(username, password))?.address ?? null) : null),
      cramSecret: this.deps.cramMd5 ? async (username) => ((await this.gate(username)) ? ((await store.getUser(this.username!))?.cramSecret ?? null) : null) : undefined,
      scramKeys: async (username) => {
        if (!(await this.gate(username))) return null;
        const raw = (await store.getUser(this.username!))?.scram;
        if (!raw) return null;
        const j = JSON.parse(raw) as { salt: string; iterations: number; storedKey: string; serverKey: string };
        return { salt: Buffer.from(j.salt, 'base64'), iterations: j.iterations, storedKey: Buffer.from(j.storedKey, 'base64'), serverKey: Buffer.from(j.serverKey, 'base64') } satisfies ScramStoredKeys;
      },
    };
  }
}
