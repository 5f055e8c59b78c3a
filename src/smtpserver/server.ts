/**
 * SMTP listeners: plain TCP (MX, submission with STARTTLS) and implicit TLS (submissions, RFC 8314),
 * on the shared ListenerGroup (connection limits answered with 421, graceful shutdown).
 */
import { ListenerGroup, type BoundListener, type ListenerSpec as BaseSpec, type TlsServerOptions } from '../lib/listeners.ts';
import { formatReply, replies } from '../smtp/replies.ts';
import type { ListenerMode } from '../inbound/types.ts';
import { SmtpSession, type SessionOptions } from './session.ts';

export type { TlsServerOptions };

export interface ListenerSpec extends BaseSpec {
  mode: ListenerMode;
}

export interface SmtpServerOptions extends Omit<SessionOptions, 'mode' | 'implicitTls' | 'secureContext'> {
  tls: TlsServerOptions | null;
}

export class SmtpServer {
  private readonly group: ListenerGroup<ListenerSpec, SmtpSession>;

  constructor(opts: SmtpServerOptions) {
    this.group = new ListenerGroup({
      protocol: 'smtp',
      logger: opts.logger,
      tls: opts.tls,
      limits: opts.limits,
      refusal: { total: formatReply(replies.tooManyConnections(opts.hostname)), perIp: formatReply(replies.tooManyConnectionsFromIp(opts.hostname)) },
      createSession: (socket, spec, secureContext) => new SmtpSession(socket, { ...opts, secureContext, mode: spec.mode, implicitTls: spec.implicitTls }),
    });
  }

  get listeners(): Array<BoundListener<ListenerSpec>> {
    return this.group.listeners;
  }

  listen(spec: ListenerSpec): Promise<BoundListener<ListenerSpec>> {
    return this.group.listen(spec);
  }

  /** Idle sessions get 421 at once; a session in a command or DATA gets `graceMs` to finish. */
  close(graceMs = 5000): Promise<void> {
    return this.group.close(graceMs);
  }
}
