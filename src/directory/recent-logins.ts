/**
 * POP-before-SMTP (legacy, off by default): remembers, per client IP, the last user who logged in
 * over POP3 or IMAP, for `auth.pop_before_smtp_minutes`. The submission listeners then let that IP
 * send without SMTP AUTH, as that user, with the sender-address restriction still applied.
 *
 * Why SMTP AUTH is better: an IP is not a person. Behind NAT, a shared Wi-Fi or a carrier-grade
 * NAT, everyone on the same address can send as the last user who checked mail, for minutes; and
 * nothing ties the SMTP session to the mailbox login. Use it only for old clients that cannot AUTH.
 */
import { normalizeIp } from '../lib/net.ts';

export class RecentLogins {
  private readonly entries = new Map<string, { address: string; until: number }>();
  private readonly ttlMs: number;
  private readonly clock: () => number;

  constructor(minutes: number, clock: () => number = Date.now) {
    this.ttlMs = minutes * 60_000;
    this.clock = clock;
  }

  get enabled(): boolean {
    return this.ttlMs > 0;
  }

  /** Called by POP3 and IMAP after a successful login. */
  note(ip: string, address: string): void {
    if (!this.enabled) return;
    const now = this.clock();
    if (this.entries.size > 100_000) for (const [k, v] of this.entries) if (v.until <= now) this.entries.delete(k);
    this.entries.set(normalizeIp(ip), { address, until: now + this.ttlMs });
  }

  /** The user who logged in from `ip` within the window, if any. */
  lookup(ip: string): string | null {
    const e = this.entries.get(normalizeIp(ip));
    if (!e) return null;
    if (e.until <= this.clock()) {
      this.entries.delete(normalizeIp(ip));
      return null;
    }
    return e.address;
  }
}
