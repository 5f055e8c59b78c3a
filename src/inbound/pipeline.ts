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
import { classifyStage, perUserCopies, stripSpamFields, type ClassifyOptions, type GroupOutcome } from './stages/classify.ts';
import { dmarcReportsStage, type DmarcReportsOptions } from './stages/dmarc-reports.ts';
import { stripAuthResults } from '../standards/authresults/authresults.ts';
import { readBlobSource, type MessageSpool } from './spool.ts';
import { redistributeStage, type Copies, type RedistributeOptions } from './stages/redistribute.ts';
import { unlink } from 'node:fs/promises';
import { attachmentsStage, type AttachmentsOptions } from './stages/attachments.ts';
import { phishingStage, correspondentsFor, type PhishingOptions } from './stages/phishing.ts';
import { stripFields } from '../mail/strip-fields.ts';
import { PHISHING_HEADER } from '../phishing/header.ts';
import { combinedScore } from '../phishing/score.ts';
import { ATTACHMENTS_HEADER } from '../attachments/header.ts';
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
  /** Stage "dmarc-reports" on the MX ([dmarc] report_mailbox): incoming aggregate reports stored; without it none are. */
  dmarcReports?: DmarcReportsOptions;
  /** Stage "redistribute": forwarding aliases (SRS + ARC) and mailing lists; without it neither is sent. */
  redistribute?: Omit<RedistributeOptions, 'authservId' | 'store' | 'directory' | 'logger'>;
  /** Stage "attachments" (MX and submission, [attachments]); without it attachments are not checked. */
  attachments?: AttachmentsOptions;
  /** Stage "phishing" (MX, [phishing]); without it no signals, and no correspondents are recorded. */
  phishing?: PhishingOptions;
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
    if (v.kind === 'continue') this.deps.logger[stage === 'route' || stage === 'authenticate' || stage === 'classify' || stage === 'redistribute' || stage === 'attachments' || stage === 'phishing' ? 'info' : 'debug'](base, `${stage}: accepted`);
    else this.deps.logger.warn({ ...base, code: v.reply.code, enhanced: v.reply.enhanced }, `${stage}: ${Array.isArray(v.reply.text) ? v.reply.text.join(' ') : v.reply.text}`);
    return v;
  }

  async mailFrom(ctx: SessionContext, from: MailboxAddress | null): Promise<Verdict> {
    return this.log(ctx, 'mail-from', await mailFromStage(this.deps.directory, ctx, from), { from: from ? canonical(from) : '<>' });
  }

  async rcpt(ctx: SessionContext, to: MailboxAddress, mailFrom: MailboxAddress | null = null): Promise<Verdict<AcceptedRecipient>> {
    return this.log(ctx, 'rcpt', await rcptStage(this.deps.directory, ctx, to, mailFrom), { to: canonical(to) });
  }

  /** Runs the post-DATA stages and commits. Resolves with the message id once durable. */
  async data(ctx: SessionContext, tx: Transaction, messageId: string, spool: MessageSpool): Promise<Verdict<{ id: string }>> {
    const { fields } = parseHeaderSection(spool.headerSection());
    const h = this.log(ctx, 'headers', await headersStage(this.deps.directory, ctx, fields));
    if (h.kind !== 'continue') return h;
    // authenticate (MX): SPF, DKIM, ARC, DMARC -> reject, tempfail, Junk, or deliver with results
    let authHeaders = '';
    let mailbox: 'INBOX' | 'Junk' = 'INBOX';
    let verdicts: AuthVerdicts | null = null;
    const stored: Record<string, unknown> = {};
    if (ctx.mode === 'mx' && this.deps.authenticate) {
      // onEvaluated: record the DMARC evaluation (delivered or rejected) for the aggregate report
      const onEvaluated = (v: AuthVerdicts) => recordDmarcEvaluation(this.deps.store, this.deps.logger, ctx, tx, v);
      const a = await authenticateStage({ ...this.deps.authenticate, authservId: this.deps.hostname, onEvaluated }, ctx, tx, () => spool.content(), fields);
      if (a.kind === 'continue') {
        const v = a.value.verdicts;
        this.log(ctx, 'authenticate', a, { spf: v.spf.result, dkim: v.dkim.map((s) => `${s.result}:${s.domain}`), arc: v.arc.chain, dmarc: v.dmarc.result, disposition: 'disposition' in v.dmarc ? v.dmarc.disposition : 'none', override: v.override, mailbox: a.value.mailbox });
        authHeaders = a.value.headers;
        mailbox = a.value.mailbox;
        verdicts = v;
        stored.auth = {
          spf: { result: v.spf.result, domain: v.spf.domain },
          dkim: v.dkim.map((s) => ({ result: s.result, domain: s.domain, selector: s.selector })),
          dmarc: { result: v.dmarc.result, fromDomain: v.dmarc.fromDomain, ...('disposition' in v.dmarc ? { policy: v.dmarc.policy, disposition: v.dmarc.disposition } : {}) },
          arc: v.arc.chain,
          override: v.override,
        };
      } else {
        this.log(ctx, 'authenticate', a);
        return a;
      }
    }
    // attachments (MX and submission): blocked files 550 5.7.1 naming the file (or Junk), macros flagged, optional clamd
    let policyHeaders = '';
    let html: string[] | null = null;
    if (this.deps.attachments) {
      const at = await attachmentsStage(this.deps.attachments, ctx, fields, () => spool.content(), ctx.mode === 'mx' && this.deps.phishing !== undefined);
      if (at.summary.scanned > 0 || at.summary.clamd !== undefined || at.verdict.kind !== 'continue') this.log(ctx, 'attachments', at.verdict, { ...at.summary });
      if (at.verdict.kind !== 'continue') return at.verdict;
      policyHeaders += at.verdict.value.header;
      html = at.html;
      if (at.summary.outcome !== 'clean') stored.attachments = at.summary;
      if (at.verdict.value.mailbox === 'Junk') mailbox = 'Junk';
    }
    // classify (MX): Bayesian filter -> X-Mailwarden-Spam, Junk above junk_threshold, 550 above reject_threshold
    // (recipients whose own statistics give another verdict get a copy with their header: spamPerUser)
    let spamPerUser: GroupOutcome[] = [];
    const junkBeforeSpam = mailbox === 'Junk';
    if (ctx.mode === 'mx' && this.deps.classify) {
      const c = await classifyStage({ ...this.deps.classify, authservId: this.deps.hostname }, tx, () => spool.content(), authHeaders);
      this.log(ctx, 'classify', c.verdict, { ...c.summary });
      if (c.verdict.kind === 'continue') spamPerUser = c.verdict.value.perUser;
      if (c.verdict.kind !== 'continue') return c.verdict;
      authHeaders += c.verdict.value.header;
      stored.spam = c.summary;
      if (c.verdict.value.mailbox === 'Junk') mailbox = 'Junk';
    }
    // phishing (MX): display-name tricks, look-alike domains, link mismatches, first contact -> X-Mailwarden-Phishing, score raised, Junk when strong
    let recordSender = false;
    // whether the phishing signals would junk a copy scored with another Bayes score (per-recipient verdicts)
    let phishingJunkWith = (_bayes: number | null): boolean => false;
    let phishingFieldFor: ((bayes: number) => string) | null = null;
    if (ctx.mode === 'mx' && this.deps.phishing) {
      const ph = await phishingStage(this.deps.phishing, tx, fields, () => spool.content(), { html, spam: stored.spam as { spam: string; score?: number } | undefined, mailbox });
      this.log(ctx, 'phishing', ph.verdict, { ...ph.summary });
      if (ph.verdict.kind !== 'continue') return ph.verdict;
      policyHeaders += ph.verdict.value.header;
      recordSender = ph.verdict.value.recordSender;
      phishingFieldFor = ph.verdict.value.headerFor;
      if (ph.summary.phishing !== 'none') stored.phishing = ph.summary;
      mailbox = ph.verdict.value.mailbox;
      const p = ph.summary.phishingScore;
      const phishing = this.deps.phishing;
      if (ph.summary.phishing !== 'none' && phishing.junk) phishingJunkWith = (bayes) => combinedScore(bayes, p) >= phishing.junkThreshold;
    }
    // dmarc-reports (MX): a report sent to a [dmarc] report_mailbox is parsed and stored (malformed: flagged); delivery goes on
    if (ctx.mode === 'mx' && this.deps.dmarcReports) {
      const deps = { ...this.deps.dmarcReports, store: this.deps.store.dmarcIncoming, logger: this.deps.logger, authservId: this.deps.hostname };
      const r = await dmarcReportsStage(deps, tx, fields, () => spool.content(), authHeaders);
      if (r.summary || r.verdict.kind !== 'continue') this.log(ctx, 'dmarc-reports', r.verdict, { ...r.summary });
      if (r.verdict.kind !== 'continue') return r.verdict;
    }
    let signatures = '';
    const keysFor = this.deps.dkimKeys;
    if (keysFor) {
      const d = this.log(ctx, 'dkim-sign', await dkimSignStage({ isLocalDomain: (dom) => this.deps.directory.isLocalDomain(dom), keysFor, logger: this.deps.logger }, ctx, fields, () => spool.content()));
      if (d.kind !== 'continue') return d;
      signatures = d.value;
    }

    // route: local deliveries (each user once) and the outbound queue; forwards and lists are
    // copies made by "redistribute"; a bounce to an SRS address goes back to the original sender
    const userIds = new Set<number>();
    const outbound: string[] = [];
    for (const r of tx.recipients) {
      if (r.kind === 'local') r.userIds.forEach((u) => userIds.add(u));
      else if (r.kind === 'remote') outbound.push(r.address);
      else if (r.kind === 'bounce') outbound.push(r.to);
    }
    // who the users exchanged mail with (first-contact signal): recorded with the message
    const correspondents = this.deps.phishing?.firstContact ? correspondentsFor(ctx, tx, fields, mailbox, recordSender) : [];
    const now = new Date();
    const prefix = Buffer.from(authHeaders + policyHeaders + receivedHeader(ctx, messageId, this.deps.hostname, tx.recipients.map((r) => r.address), now) + signatures);
    try {
      // RFC 8601 §5: Authentication-Results claiming our authserv-id that the message brought are forgeries
      const blob = await spool.finish(prefix, (head) => {
        const r = stripAuthResults(head, this.deps.hostname);
        if (r.removed.length) this.deps.logger.warn({ session: ctx.id, removed: r.removed }, 'removed Authentication-Results forged with our authserv-id');
        return stripFields(stripSpamFields(r.removed.length ? r.message : head), [PHISHING_HEADER, ATTACHMENTS_HEADER]);
      });
      let copies: Copies = [];
      if (this.deps.redistribute && tx.recipients.some((r) => r.kind === 'list' || (r.kind === 'local' && r.forwards?.length))) {
        const rd = await redistributeStage(
          { ...this.deps.redistribute, authservId: this.deps.hostname, store: this.deps.store, directory: this.deps.directory, logger: this.deps.logger },
          ctx, tx, { message: await readBlobSource(blob), verdicts, mailbox },
        );
        if (rd.kind !== 'continue') {
          if (blob.kind === 'file') await unlink(blob.path).catch(() => undefined);
          return this.log(ctx, 'redistribute', rd);
        }
        this.log(ctx, 'redistribute', cont(undefined), rd.value.summary);
        copies = rd.value.copies;
      }
      if (spamPerUser.length) {
        // per-recipient spam verdicts: their own copy (own X-Mailwarden-Spam), not the main delivery
        const junk = (g: GroupOutcome) => junkBeforeSpam || g.mailbox === 'Junk' || phishingJunkWith(g.summary.score ?? null);
        const own = await perUserCopies(spamPerUser, await readBlobSource(blob), { mailFrom: tx.mailFrom ? canonical(tx.mailFrom) : '', deliverTo: userIds, junk, spool: this.deps.classify?.spool, ...(phishingFieldFor ? { scoredField: { name: PHISHING_HEADER, value: phishingFieldFor } } : {}) });
        for (const c of own) for (const d of c.deliveries ?? []) userIds.delete(d.userId);
        copies = [...copies, ...own];
      }
      const res = await this.deps.store.ingest({
        blob,
        mailFrom: tx.mailFrom ? canonical(tx.mailFrom) : '',
        internalDate: now.getTime(),
        deliveries: [...userIds].map((userId) => ({ userId, mailbox })),
        outbound: outbound.map((address) => ({ address })),
        ...(copies.length ? { copies } : {}),
        ...(Object.keys(stored).length ? { verdicts: { ...stored, mailbox } } : {}),
        ...(correspondents.length ? { correspondents } : {}),
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
