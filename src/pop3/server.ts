/**
 * POP3 listeners: plain TCP with STLS (RFC 2595) and implicit TLS (RFC 8314, port 995).
 * Enforces the connection limits before a session starts (-ERR [SYS/TEMP] and close), holds the
 * maildrop locks every session of this server shares, and drains sessions on shutdown.
 */
import { ListenerGroup, type BoundListener, type ListenerSpec, type TlsServerOptions } from '../lib/listeners.ts';
import { formatReply, replies } from './replies.ts';
import { MaildropLocks } from './maildrop.ts';
import { Pop3Session, type Pop3SessionOptions } from './session.ts';

export type Pop3ListenerSpec = ListenerSpec;
export type BoundPop3Listener = BoundListener<Pop3ListenerSpec>;

export interface Pop3ServerOptions extends Omit<Pop3SessionOptions, 'secureContext' | 'locks'> {
  tls: TlsServerOptions | null;
}

export class Pop3Server {
  private readonly group: ListenerGroup<Pop3ListenerSpec, Pop3Session>;
  /** Maildrop locks shared by every session of this server (RFC 1939 §8 exclusive access). */
  private readonly locks = new MaildropLocks();

  constructor(opts: Pop3ServerOptions) {
    this.group = new ListenerGroup({
      protocol: 'pop3',
      logger: opts.logger,
      tls: opts.tls,
      limits: opts.limits,
      refusal: { total: formatReply(replies.tooManyConnections(opts.hostname)), perIp: formatReply(replies.tooManyConnectionsFromIp(opts.hostname)) },
      createSession: (socket, _spec, secureContext) => new Pop3Session(socket, { ...opts, secureContext, locks: this.locks }),
    });
  }

  get listeners(): BoundPop3Listener[] {
    return this.group.listeners;
  }

  listen(spec: Pop3ListenerSpec): Promise<BoundPop3Listener> {
    return this.group.listen(spec);
  }

  /**
   * Stops accepting; idle sessions are told at once, a session in the middle of a command (a RETR,
   * or the UPDATE of a QUIT) gets `graceMs` to finish; the rest are closed. Nothing is deleted for
   * a session that did not QUIT.
   */
  close(graceMs = 5000): Promise<void> {
    return this.group.close(graceMs);
  }
}
