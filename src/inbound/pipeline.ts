/**
 * THE inbound pipeline: named stages, each `(ctx, ...) => Promise<Verdict>`, run in order for every
 * message on every listener:
 *
 *   mail-from -> rcpt (per recipient) -> [DATA received] -> headers -> route/commit
 *
 * Later stages (SPF, DKIM, DMARC, ARC, spam) slot in between "headers" and "route". Every verdict
 * is logged with the session id. The route stage commits the message durably (store.ingest) before
 * the caller may answer 250.
 */
import type { Logger } from '../lib/logger.ts';
import type { Directory } from '../directory/directory.ts';
import type { Store } from '../store/ports.ts';
import type { MailboxAddress } from '../mail/address.ts';
import { canonical } from '../mail/address.ts';
import { parseHeaderSection } from '../mail/headers.ts';
import { replies } from '../smtp/replies.ts';
import { mailFromStage } from './stages/mail-from.ts';
import { rcptStage } from './stages/rcpt.ts';
import { headersStage } from './stages/headers.ts';
import { dkimSignStage } from './stages/dkim-sign.ts';
import type { SigningKey } from '../standards/dkim/sign.ts';
import { receivedHeader } from './received.ts';
import { authenticateStage, type AuthenticateOptions } from './stages/authenticate.ts';
import type { AuthVerdicts } from './stages/authenticate.ts';
import { recordDmarcEvaluation } from './dmarc-record.ts';
import { classifyStage, stripSpamFields, type ClassifyOptions } from './stages/classify.ts';
import { stripAuthResults } from '../standards/authresults/authresults.ts';
import type { MessageSpool } from './spool.ts';
import { cont, tempfail, type AcceptedRecipient, type SessionContext, type Transaction, type Verdict } from './types.ts';

export interface InboundDeps {
  directory: Directory;
  store: Store;
  logger: Logger;
  hostname: string;
  /** Signing keys of a local domain (stage dkim-sign); without it submitted mail is not signed. */
  dkimKeys?: (domain: string) => Promise<SigningKey[]>;
  /** Called after a commit that queued outbound mail (wakes the queue runner). */
  onQueued?: () => void;
  /** Stage "authenticate" on the MX (SPF, DKIM, ARC, DMARC); without it nothing is checked. */
  authenticate?: Omit<AuthenticateOptions, 'authservId'>;
  /** Stage "classify" on the MX (Bayesian spam filter, [spam]); without it nothing is scored. */
  classify?: Omit<ClassifyOptions, 'authservId'>;
}

export class InboundPipeline {
  private readonly deps: InboundDeps;

  constructor(deps: InboundDeps) {
    this.deps = deps;
  }

  private log<T>(ctx: SessionContext, stage: string, v: Verdict<T>, extra: Record<string, unknown> = {}): Verdict<T> {
    const base = { session: ctx.id, ip: ctx.remoteIp, mode: ctx.mode, user: ctx.user?.address, stage, verdict: v.kind, ...extra };
    // Rejections are logged at every stage; an accepted message is logged once, by "route", with
    // its sender and recipients (the intermediate accepts are debug detail).
    if (v.kind === 'continue') this.deps.logger[stage === 'route' || stage === 'authenticate' || stage === 'classify' ? 'info' : 'debug'](base, `${stage}: accepted`);
    else this.deps.logger.warn({ ...base, code: v.reply.code, enhanced: v.reply.enhanced }, `${stage}: ${Array.isArray(v.reply.text) ? v.reply.text.join(' ') : v.reply.text}`);
    return v;
  }

  async mailFrom(ctx: SessionContext, from: MailboxAddress | null): Promise<Verdict> {
    return this.log(ctx, 'mail-from', await mailFromStage(this.deps.directory, ctx, from), { from: from ? canonical(from) : '<>' });
  }

  async rcpt(ctx: SessionContext, to: MailboxAddress): Promise<Verdict<AcceptedRecipient>> {
    return this.log(ctx, 'rcpt', await rcptStage(this.deps.directory, ctx, to), { to: canonical(to) });
  }

  /** Runs the post-DATA stages and commits. Resolves with the message id once durable. */
  async data(ctx: SessionContext, tx: Transaction, messageId: string, spool: MessageSpool): Promise<Verdict<{ id: string }>> {
    const { fields } = parseHeaderSection(spool.headerSection());
    const h = this.log(ctx, 'headers', await headersStage(this.deps.directory, ctx, fields));
    if (h.kind !== 'continue') return h;
    // authenticate (MX): SPF, DKIM, ARC, DMARC -> reject, tempfail, Junk, or deliver with results
    let authHeaders = '';
    let mailbox: 'INBOX' | 'Junk' = 'INBOX';
    if (ctx.mode === 'mx' && this.deps.authenticate) {
      // onEvaluated: record the DMARC evaluation (delivered or rejected) for the aggregate report
      const onEvaluated = (v: AuthVerdicts) => recordDmarcEvaluation(this.deps.store, this.deps.logger, ctx, tx, v);
      const a = await authenticateStage({ ...this.deps.authenticate, authservId: this.deps.hostname, onEvaluated }, ctx, tx, () => spool.content(), fields);
      if (a.kind === 'continue') {
        const v = a.value.verdicts;
        this.log(ctx, 'authenticate', a, { spf: v.spf.result, dkim: v.dkim.map((s) => `${s.result}:${s.domain}`), arc: v.arc.chain, dmarc: v.dmarc.result, disposition: 'disposition' in v.dmarc ? v.dmarc.disposition : 'none', override: v.override, mailbox: a.value.mailbox });
        authHeaders = a.value.headers;
        mailbox = a.value.mailbox;
      } else {
        this.log(ctx, 'authenticate', a);
        return a;
      }
    }
    // classify (MX): Bayesian filter -> X-Mailwarden-Spam, Junk above junk_threshold, 550 above reject_threshold
    if (ctx.mode === 'mx' && this.deps.classify) {
      const c = await classifyStage({ ...this.deps.classify, authservId: this.deps.hostname }, tx, () => spool.content(), authHeaders);
      this.log(ctx, 'classify', c.verdict, { ...c.summary });
      if (c.verdict.kind !== 'continue') return c.verdict;
      authHeaders += c.verdict.value.header;
      if (c.verdict.value.mailbox === 'Junk') mailbox = 'Junk';
    }
    let signatures = '';
    const keysFor = this.deps.dkimKeys;
    if (keysFor) {
      const d = this.log(ctx, 'dkim-sign', await dkimSignStage({ isLocalDomain: (dom) => this.deps.directory.isLocalDomain(dom), keysFor, logger: this.deps.logger }, ctx, fields, () => spool.content()));
      if (d.kind !== 'continue') return d;
      signatures = d.value;
    }

    // route: local deliveries (each user once) and the outbound queue
    const userIds = new Set<number>();
    const outbound: string[] = [];
    for (const r of tx.recipients) {
      if (r.kind === 'local') r.userIds.forEach((u) => userIds.add(u));
      else outbound.push(r.address);
    }
    const now = new Date();
    const prefix = Buffer.from(authHeaders + receivedHeader(ctx, messageId, this.deps.hostname, tx.recipients.map((r) => r.address), now) + signatures);
    try {
      // RFC 8601 §5: Authentication-Results claiming our authserv-id that the message brought are forgeries
      const blob = await spool.finish(prefix, (head) => {
        const r = stripAuthResults(head, this.deps.hostname);
        if (r.removed.length) this.deps.logger.warn({ session: ctx.id, removed: r.removed }, 'removed Authentication-Results forged with our authserv-id');
        return stripSpamFields(r.removed.length ? r.message : head);
      });
      const res = await this.deps.store.ingest({
        blob,
        mailFrom: tx.mailFrom ? canonical(tx.mailFrom) : '',
        internalDate: now.getTime(),
        deliveries: [...userIds].map((userId) => ({ userId, mailbox })),
        outbound: outbound.map((address) => ({ address })),
      });
      if (res.queueIds.length) this.deps.onQueued?.();
      return this.log(ctx, 'route', cont({ id: messageId }), {
        messageId,
        size: spool.size,
        from: tx.mailFrom ? canonical(tx.mailFrom) : '<>',
        to: tx.recipients.map((r) => r.address),
        localDeliveries: res.messages.length,
        queued: res.queueIds,
      });
    } catch (e) {
      this.deps.logger.error({ session: ctx.id, err: e }, 'commit failed');
      return this.log(ctx, 'route', tempfail(replies.localError()));
    }
  }
}
