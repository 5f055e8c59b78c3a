/**
 * Webmail sessions: server-side, in memory (a restart logs everybody out; nothing about a session
 * is ever written to disk). The browser holds only the session id, a random 256-bit value, in
 * the cookie `__Host-mw_session` (Secure, HttpOnly, SameSite=Strict, Path=/, no Domain: the
 * __Host- prefix makes browsers refuse it from plain HTTP or another host, RFC 6265bis §4.1.3.2).
 *
 * A session ends on logout, after `idleMs` without a request, after `maxMs` whatever the
 * activity, and when the account changes under it (deleted, or its password changed: the caller
 * compares `credential`). Each session has its own CSRF token (csrf.ts). Bounded: at most
 * `maxSessions` in all and `maxPerUser` per account; past that the oldest goes.
 */
import { createHash, randomBytes } from 'node:crypto';

export const SESSION_COOKIE = '__Host-mw_session';

export interface WebSession {
  /** 256 random bits, base64url: the cookie value. */
  readonly id: string;
  /** 256 random bits, base64url: the hidden field of every form. */
  readonly csrf: string;
  readonly userId: number;
  readonly address: string;
  /** What the account's credentials were at login (credentialOf): a change ends the session. */
  readonly credential: string;
  readonly createdAt: number;
  lastSeen: number;
}

export interface SessionOptions {
  idleMs: number;
  maxMs: number;
  maxSessions?: number;
  maxPerUser?: number;
  clock?: () => number;
}

/** A one-way fingerprint of an account's password hash (never the hash itself in a session). */
export const credentialOf = (passwordHash: string): string => createHash('sha256').update(passwordHash).digest('base64url');

export const randomToken = (): string => randomBytes(32).toString('base64url');

export class SessionStore {
  private readonly sessions = new Map<string, WebSession>();
  private readonly opts: Required<SessionOptions>;

  constructor(opts: SessionOptions) {
    this.opts = { maxSessions: 10_000, maxPerUser: 20, clock: Date.now, ...opts };
  }

  get size(): number {
    return this.sessions.size;
  }

  create(user: { id: number; address: string; passwordHash: string }): WebSession {
    const now = this.opts.clock();
    this.sweep();
    const mine = [...this.sessions.values()].filter((s) => s.userId === user.id);
    for (const s of mine.slice(0, Math.max(0, mine.length - this.opts.maxPerUser + 1))) this.sessions.delete(s.id);
    while (this.sessions.size >= this.opts.maxSessions) this.sessions.delete(this.sessions.keys().next().value!);
    const s: WebSession = { id: randomToken(), csrf: randomToken(), userId: user.id, address: user.address, credential: credentialOf(user.passwordHash), createdAt: now, lastSeen: now };
    this.sessions.set(s.id, s);
    return s;
  }

  /** The live session with this id (its idle clock restarted), or null; an expired one is removed. */
  get(id: string | undefined): WebSession | null {
    if (!id) return null;
    const s = this.sessions.get(id);
    if (!s) return null;
    const now = this.opts.clock();
    if (this.expired(s, now)) {
      this.sessions.delete(id);
      return null;
    }
    s.lastSeen = now;
    return s;
  }

  destroy(id: string): boolean {
    return this.sessions.delete(id);
  }

  private expired(s: WebSession, now: number): boolean {
    return now - s.lastSeen >= this.opts.idleMs || now - s.createdAt >= this.opts.maxMs;
  }

  /** Removes every expired session. */
  sweep(): void {
    const now = this.opts.clock();
    for (const s of this.sessions.values()) if (this.expired(s, now)) this.sessions.delete(s.id);
  }
}
