/**
 * Mailbox management: RFC 9051 §6.3.4 CREATE (with RFC 6154 §3 USE), §6.3.5 DELETE, §6.3.6
 * RENAME, §6.3.7 SUBSCRIBE, §6.3.8 UNSUBSCRIBE, §6.3.11 STATUS (RFC 8438 SIZE, RFC 7162
 * HIGHESTMODSEQ, RFC 7889 APPENDLIMIT). The rules live in mailbox/user-mailboxes.ts; this file
 * maps names and results to the wire.
 */
import type { Mailbox } from '../../store/ports.ts';
import type { StatusItem } from '../../imap/parser/types.ts';
import { statusResponse } from '../../imap/responses.ts';
import { bad, ok, type Cmd, type Ctx, type Done } from '../context.ts';
import { failure, nameOrBad, NO_SUCH_MAILBOX } from './errors.ts';

export async function create(ctx: Ctx, cmd: Cmd<'CREATE'>): Promise<Done> {
  const n = nameOrBad(ctx, cmd.mailbox);
  if ('done' in n) return n.done;
  // RFC 6154 §3: \All and \Flagged are virtual views we do not offer.
  const unsupported = cmd.specialUse.find((u) => !/^\\(Archive|Drafts|Junk|Sent|Trash)$/.test(u));
  if (unsupported) return bad(`Special-use attribute ${unsupported.slice(0, 40)} is not supported here`, { code: 'USEATTR' });
  const r = await ctx.mail!.create(n.name.replace(/\/$/, ''), cmd.specialUse);
  return r.ok ? ok('CREATE completed') : failure(r);
}

export async function remove(ctx: Ctx, cmd: Cmd<'DELETE'>): Promise<Done> {
  const n = nameOrBad(ctx, cmd.mailbox);
  if ('done' in n) return n.done;
  const r = await ctx.mail!.delete(n.name);
  return r.ok ? ok('DELETE completed') : failure(r);
}

export async function rename(ctx: Ctx, cmd: Cmd<'RENAME'>): Promise<Done> {
  const from = nameOrBad(ctx, cmd.from);
  if ('done' in from) return from.done;
  const to = nameOrBad(ctx, cmd.to);
  if ('done' in to) return to.done;
  const r = await ctx.mail!.rename(from.name, to.name);
  return r.ok ? ok('RENAME completed') : failure(r);
}

export async function subscribe(ctx: Ctx, cmd: Cmd<'SUBSCRIBE' | 'UNSUBSCRIBE'>): Promise<Done> {
  const n = nameOrBad(ctx, cmd.mailbox);
  if ('done' in n) return n.done;
  const r = await ctx.mail!.subscribe(n.name, cmd.name === 'SUBSCRIBE');
  return r.ok ? ok(`${cmd.name} completed`) : failure(r);
}

/** STATUS values for one mailbox (also LIST RETURN (STATUS), RFC 5819). */
export async function statusValues(ctx: Ctx, mb: Mailbox, items: readonly StatusItem[]): Promise<Array<[StatusItem, number | string]> | string> {
  const mail = ctx.mail!;
  const needCounts = items.some((i) => i === 'MESSAGES' || i === 'UNSEEN' || i === 'DELETED' || i === 'SIZE');
  const counts = needCounts ? await mail.counts(mb) : null;
  const out: Array<[StatusItem, number | string]> = [];
  for (const item of new Set(items)) {
    switch (item) {
      case 'MESSAGES':
        out.push([item, counts!.messages]);
        break;
      case 'UNSEEN':
        out.push([item, counts!.unseen]);
        break;
      case 'DELETED':
        out.push([item, counts!.deleted]);
        break;
      case 'SIZE':
        out.push([item, counts!.size]);
        break;
      case 'UIDNEXT':
        out.push([item, mb.uidNext]);
        break;
      case 'UIDVALIDITY':
        out.push([item, mb.uidValidity]);
        break;
      case 'HIGHESTMODSEQ':
        out.push([item, mb.highestModseq]);
        break;
      case 'APPENDLIMIT':
        out.push([item, ctx.deps.limits.max_message_size]);
        break;
      case 'RECENT': {
        const from = ctx.shared.recent.unclaimedFrom(mb.id, mb.uidNext);
        out.push([item, from >= mb.uidNext ? 0 : (await mail.uids(mb, from - 1, 100_000)).length]);
        break;
      }
      case 'MAILBOXID':
        return 'MAILBOXID needs OBJECTID (RFC 8474), which this server does not offer';
    }
  }
  return out;
}

export async function status(ctx: Ctx, cmd: Cmd<'STATUS'>): Promise<Done> {
  const n = nameOrBad(ctx, cmd.mailbox);
  if ('done' in n) return n.done;
  const mb = await ctx.mail!.find(n.name);
  if (!mb) return NO_SUCH_MAILBOX();
  const values = await statusValues(ctx, mb, cmd.items);
  if (typeof values === 'string') return bad(values);
  await ctx.send(statusResponse(ctx.wireName(mb.name), values, ctx.stringOptions));
  return ok('STATUS completed');
}
