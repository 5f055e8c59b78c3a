/**
 * IMAP listeners: plain TCP with STARTTLS (RFC 9051 §6.2.1, port 143) and implicit TLS (RFC 8314,
 * port 993), on the shared ListenerGroup (connection limits before a session starts, graceful
 * close). Holds what the sessions share: the \Recent tracker and the per-user session counts.
 */
import { ListenerGroup, type BoundListener, type ListenerSpec, type TlsServerOptions } from '../lib/listeners.ts';
import { untaggedStatus } from '../imap/encoder.ts';
import type { ImapDeps, SharedState } from './context.ts';
import { RecentTracker } from './recent.ts';
import { ImapSession } from './session.ts';

export interface ImapServerOptions extends ImapDeps {
  tls: TlsServerOptions | null;
}

export class ImapServer {
  private readonly group: ListenerGroup<ListenerSpec, ImapSession>;
  private readonly perUser = new Map<number, number>();
  readonly shared: SharedState;

  constructor(opts: ImapServerOptions) {
    const max = opts.limits.max_connections_per_user;
    this.shared = {
      recent: new RecentTracker(),
      claimUser: (userId) => {
        const n = this.perUser.get(userId) ?? 0;
        if (n >= max) return false;
        this.perUser.set(userId, n + 1);
        return true;
      },
      releaseUser: (userId) => {
        const n = (this.perUser.get(userId) ?? 1) - 1;
        if (n <= 0) this.perUser.delete(userId);
        else this.perUser.set(userId, n);
      },
    };
    const refuse = (what: string) => untaggedStatus('BYE', `${opts.hostname} ${what}; try again later`, { code: 'UNAVAILABLE' });
    this.group = new ListenerGroup({
      protocol: 'imap',
      logger: opts.logger,
      tls: opts.tls,
      limits: opts.limits,
      refusal: { total: refuse('has too many connections'), perIp: refuse('has too many connections from your address') },
      createSession: (socket, _spec, secureContext) => new ImapSession(socket, { ...opts, secureContext, shared: this.shared }),
    });
  }

  get listeners(): Array<BoundListener<ListenerSpec>> {
    return this.group.listeners;
  }

  listen(spec: ListenerSpec): Promise<BoundListener<ListenerSpec>> {
    return this.group.listen(spec);
  }

  /** Stops accepting; idle sessions get BYE at once, busy ones after their command (graceMs at most). */
  close(graceMs = 5000): Promise<void> {
    return this.group.close(graceMs);
  }
}
