/**
 * Stage "redistribute": mail that leaves again because of where it was addressed — aliases that
 * forward to external addresses, and mailing lists (docs/forwarding.md, docs/lists.md). Runs on
 * the finished message (our Authentication-Results and Received included) and returns further
 * copies for the store to commit in the same transaction as the local deliveries.
 *
 * Forwarding (RFC 7960 §3.2.1 "alias"): the message is unchanged, so the author's DKIM signature
 * survives; the envelope sender is rewritten with SRS (standards/srs) so the next hop's SPF
 * checks *our* record and bounces come back to us; an ARC set (RFC 8617 §5.1) signed with the
 * alias domain's key records what we saw.
 * Lists (RFC 7960 §3.2.3 "mailing list"): a subject tag and List-* fields change the message, so
 * the author's DKIM breaks: each member's copy gets an ARC set and the list domain's DKIM
 * signature (which also covers the RFC 8058 one-click fields), the envelope sender is the list's
 * `-bounces` address, and From is rewritten where the list says so.
 *
 * Verdicts: continue with the copies; reject when a list refuses the post (not a member, a loop,
 * suspected spam); tempfail when keys cannot be loaded.
 */
import { canonical, parseMailbox } from '../../mail/address.ts';
import { getFields, parseAddressList, parseHeaderSection, headerEnd, type HeaderField } from '../../mail/headers.ts';
import { replies } from '../../smtp/replies.ts';
import { srsForward, type SrsOptions } from '../../standards/srs/srs.ts';
import { sealArc } from '../../standards/arc/seal.ts';
import { validateArc, type ArcChainStatus } from '../../standards/arc/validate.ts';
import { collectAuthResults } from '../../standards/authresults/authresults.ts';
import { dkimSign, SIGNED_FIELDS, type SigningKey } from '../../standards/dkim/sign.ts';
import type { DmarcPolicy } from '../../standards/dmarc/record.ts';
import { listHead, listIdOf, parseListId } from '../../lists/headers.ts';
import { unsubscribeUrl, type UnsubscribeKey } from '../../lists/unsubscribe.ts';
import type { Directory } from '../../directory/directory.ts';
import type { Resolver } from '../../dns/index.ts';
import type { Logger } from '../../lib/logger.ts';
import type { IngestRequest, MailingList, Store } from '../../store/ports.ts';
import { deriveBlob } from '../spool.ts';
import type { AuthVerdicts } from './authenticate.ts';
import { cont, reject, tempfail, type SessionContext, type Transaction, type Verdict } from '../types.ts';

export interface RedistributeOptions {
  authservId: string;
  store: Store;
  directory: Directory;
  /** The signing keys of a local domain (made on first use). */
  keysFor(domain: string): Promise<SigningKey[]>;
  srs: SrsOptions;
  spool: { spoolDir: string; memoryLimit: number };
  /** One-click unsubscribe links; null: List-Unsubscribe is a mailto to the owner. */
  unsubscribe: UnsubscribeKey | null;
  /** The DMARC policy an author domain publishes (for From rewriting), null if none. */
  dmarcPolicyOf(domain: string): Promise<DmarcPolicy | null>;
  /** For validating an ARC chain a submitted message brings (the MX passes its verdicts instead). */
  resolver: Resolver | null;
  logger: Logger;
}

export type Copies = NonNullable<IngestRequest['copies']>;

export interface RedistributeInput {
  /** The finished message, as stored. */
  message: Buffer;
  verdicts: AuthVerdicts | null;
  /** Where local recipients get the message (Junk: spam or DMARC quarantine). */
  mailbox: 'INBOX' | 'Junk';
}

/** Fields a list's own DKIM signature covers: the usual ones plus the list's (RFC 8058 §4). */
const LIST_SIGNED = [...SIGNED_FIELDS, 'list-id', 'list-post', 'list-owner'];

const domainOf = (address: string) => address.slice(address.lastIndexOf('@') + 1).toLowerCase();

export async function redistributeStage(o: RedistributeOptions, ctx: SessionContext, tx: Transaction, input: RedistributeInput): Promise<Verdict<{ copies: Copies; summary: Record<string, unknown> }>> {
  const forwardsByDomain = new Map<string, string[]>();
  const lists: Array<{ address: string; listId: number }> = [];
  for (const r of tx.recipients) {
    if (r.kind === 'local' && r.forwards?.length) forwardsByDomain.set(domainOf(r.address), [...(forwardsByDomain.get(domainOf(r.address)) ?? []), ...r.forwards]);
    if (r.kind === 'list') lists.push(r);
  }
  if (!forwardsByDomain.size && !lists.length) return cont({ copies: [], summary: {} });

  const { message } = input;
  const end = headerEnd(message);
  const fields = parseHeaderSection(end < 0 ? message : message.subarray(0, end)).fields;
  const chain: ArcChainStatus = input.verdicts?.arc.chain ?? (o.resolver && getFields(fields, 'ARC-Seal').length ? (await validateArc(message, o.resolver)).chain : 'none');
  const aar = ctx.user ? `${o.authservId}; auth=pass smtp.auth=${ctx.user.address}` : collectAuthResults(message, o.authservId);
  // one key lookup per domain for the whole message (a list signs and seals a copy per member)
  const keyCache = new Map<string, Promise<SigningKey[]>>();
  const keysFor = (domain: string): Promise<SigningKey[]> => {
    let k = keyCache.get(domain);
    if (!k) keyCache.set(domain, (k = o.keysFor(domain)));
    return k;
  };
  const seal = async (domain: string, msg: Buffer): Promise<string> => {
    const rsa = (await keysFor(domain)).find((k) => k.algorithm === 'rsa-sha256');
    if (!rsa) {
      o.logger.warn({ session: ctx.id, domain }, 'redistribute: no RSA key to ARC-seal with; sent without a seal');
      return '';
    }
    const r = await sealArc({ message: msg, chain, authResults: aar, signingDomain: domain, selector: rsa.selector, privateKey: rsa.privateKey });
    if (!r.ok) {
      // RFC 8617 §5.1.2: a chain that already failed gets no further sets.
      o.logger.warn({ session: ctx.id, domain, code: r.code, reason: r.reason }, 'redistribute: not ARC-sealed');
      return '';
    }
    return r.headers;
  };

  const copies: Copies = [];
  const summary: Record<string, unknown> = {};
  try {
    // Forwarding: the message as is, with an ARC set; the sender rewritten with SRS.
    const sender = tx.mailFrom ? canonical(tx.mailFrom) : '';
    for (const [domain, targets] of forwardsByDomain) {
      const arc = await seal(domain, message);
      const mailFrom = srsForward(sender, domain, o.srs);
      copies.push({ blob: await deriveBlob(message, o.spool, Buffer.from(arc, 'latin1')), mailFrom, outbound: [...new Set(targets)].map((address) => ({ address })) });
      summary.forwarded = [...((summary.forwarded as string[]) ?? []), ...targets];
      summary.srs = mailFrom;
      summary.arcSealed = arc !== '';
    }
    // Lists: one copy per member (each carries its own one-click unsubscribe link).
    for (const l of lists) {
      const list = await o.store.lists.get(l.address);
      if (!list) continue; // deleted between RCPT and now: nothing to distribute
      const v = await distributeList({ ...o, keysFor }, ctx, tx, input, fields, list, seal);
      if (v.kind !== 'continue') return v;
      copies.push(...v.value);
      summary.lists = [...((summary.lists as string[]) ?? []), `${list.address}:${v.value.length}`];
    }
  } catch (e) {
    o.logger.error({ session: ctx.id, err: e }, 'redistribute: cannot prepare copies');
    return tempfail(replies.localError());
  }
  return cont({ copies, summary });
}

async function distributeList(
  o: RedistributeOptions,
  ctx: SessionContext,
  tx: Transaction,
  input: RedistributeInput,
  fields: HeaderField[],
  list: MailingList,
  seal: (domain: string, msg: Buffer) => Promise<string>,
): Promise<Verdict<Copies>> {
  const id = listIdOf(list.address);
  if (getFields(fields, 'List-Id').some((f) => parseListId(f.value) === id)) return reject(replies.listLoop(list.address));
  if (input.mailbox === 'Junk') return reject(replies.listNoSpam(list.address));
  const author = getFields(fields, 'From').flatMap((f) => parseAddressList(f.value))[0];
  const authorAddress = author?.address.toLowerCase() ?? '';
  if (list.posting === 'members') {
    const sender = tx.mailFrom ? canonical(tx.mailFrom) : '';
    const member = (authorAddress && (await o.store.lists.isMember(list.id, authorAddress))) || (sender && (await o.store.lists.isMember(list.id, sender)));
    if (!member) return reject(replies.listPostingRefused(list.address, authorAddress || sender || '<>'));
  }
  let rewriteFrom = list.fromRewrite === 'always';
  if (list.fromRewrite === 'dmarc' && authorAddress) {
    const d = input.verdicts?.dmarc;
    const policy = d && 'policy' in d && d.record ? d.policy : await o.dmarcPolicyOf(domainOf(authorAddress));
    rewriteFrom = policy === 'quarantine' || policy === 'reject';
  }
  const domain = domainOf(list.address);
  const keys = await o.keysFor(domain);
  const end = headerEnd(input.message);
  const head = end < 0 ? input.message : input.message.subarray(0, end);
  const body = end < 0 ? Buffer.alloc(0) : input.message.subarray(end);
  const local = list.address.slice(0, list.address.lastIndexOf('@'));
  const mailFrom = `${local}-bounces@${domain}`;
  const copies: Copies = [];
  for (const member of await o.store.lists.members(list.id)) {
    const newHead = listHead(head, { list, unsubscribeUrl: o.unsubscribe ? unsubscribeUrl(o.unsubscribe, list.address, member) : null, rewriteFrom, author: { name: author?.name ?? '', address: authorAddress } });
    const copy = Buffer.concat([newHead, body]);
    const arc = await seal(domain, copy);
    const signed = await dkimSign(Buffer.concat([Buffer.from(arc, 'latin1'), copy]), keys, { signed: LIST_SIGNED });
    if (!signed.ok) o.logger.warn({ session: ctx.id, list: list.address, error: signed.error }, 'list: copy not DKIM-signed');
    const prefix = Buffer.from((signed.ok ? signed.headers : '') + arc, 'latin1');
    const blob = await deriveBlob(copy, o.spool, prefix);
    const parsed = parseMailbox(member, true);
    const res = 'error' in parsed ? null : await o.directory.resolveRecipient(parsed);
    if (res?.kind === 'local') {
      copies.push({ blob, mailFrom, outbound: [], deliveries: res.users.map((u) => ({ userId: u.id, mailbox: 'INBOX' })) });
    } else if (res?.kind === 'not-local') {
      copies.push({ blob, mailFrom, outbound: [{ address: member }] });
    } else {
      o.logger.warn({ session: ctx.id, list: list.address, member, resolution: res?.kind ?? 'invalid address' }, 'list: member is not deliverable here; skipped');
    }
  }
  o.logger.info({ session: ctx.id, list: list.address, copies: copies.length, rewriteFrom }, 'list: distributed');
  return cont(copies);
}
