/**
 * LIST and LSUB: RFC 9051 §6.3.9 (LIST, with RFC 5258 LIST-EXTENDED selection and return
 * options), RFC 5819 LIST-STATUS, RFC 6154 SPECIAL-USE, RFC 3348 CHILDREN, RFC 3501 §6.3.9 LSUB.
 *
 * Patterns: "*" matches anything, "%" anything but the delimiter; the reference is prefixed to
 * the pattern; INBOX matches case-insensitively (RFC 9051 §6.3.9). Special-use attributes are
 * returned always (RFC 6154 §2 allows it for plain LIST; clients use them to find Sent/Trash).
 * A superior level with no mailbox of its own (left by a RENAME) is listed \NonExistent
 * (IMAP4rev2) or \Noselect (IMAP4rev1).
 */
import type { Mailbox } from '../../store/ports.ts';
import type { ListReturn, ListSelection } from '../../imap/parser/types.ts';
import { listResponse, statusResponse } from '../../imap/responses.ts';
import { DELIMITER, INBOX, normalizeName, parentNames } from '../../mailbox/names.ts';
import { ok, type Cmd, type Ctx, type Done } from '../context.ts';
import { statusValues } from './mailboxes.ts';

interface Entry {
  name: string;
  mailbox: Mailbox | null;
  hasChildren: boolean;
  subscribedChild: boolean;
}

/** The user's hierarchy, with placeholder entries for missing superiors; INBOX first. */
function tree(mailboxes: readonly Mailbox[]): Entry[] {
  const byName = new Map<string, Entry>();
  for (const m of mailboxes) byName.set(m.name, { name: m.name, mailbox: m, hasChildren: false, subscribedChild: false });
  for (const m of mailboxes) {
    for (const p of parentNames(m.name)) {
      let e = byName.get(p);
      if (!e) {
        e = { name: p, mailbox: null, hasChildren: false, subscribedChild: false };
        byName.set(p, e);
      }
      e.hasChildren = true;
      if (m.subscribed) e.subscribedChild = true;
    }
  }
  return [...byName.values()].sort((a, b) => (a.name === INBOX ? -1 : b.name === INBOX ? 1 : a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** RFC 9051 §6.3.9 wildcards as a RegExp over our (decoded) names. */
export function patternMatcher(reference: string, pattern: string): (name: string) => boolean {
  const full = normalizeName(reference + pattern);
  const source = full.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/%/g, `[^${DELIMITER}]*`);
  const exact = new RegExp(`^${source}$`, 'u');
  const inboxish = new RegExp(`^${source}$`, 'iu');
  return (name) => exact.test(name) || ((name === INBOX || name.startsWith(INBOX + DELIMITER)) && inboxish.test(name));
}

function attributes(ctx: Ctx, e: Entry, sel: ListSelection, ret: ListReturn): string[] {
  const attrs: string[] = [];
  const rev2 = ctx.enabled.has('IMAP4REV2');
  if (!e.mailbox) attrs.push(rev2 ? '\\NonExistent' : '\\Noselect');
  attrs.push(e.hasChildren ? '\\HasChildren' : '\\HasNoChildren');
  if (e.mailbox?.specialUse) attrs.push(e.mailbox.specialUse);
  if ((sel.subscribed || ret.subscribed) && e.mailbox?.subscribed) attrs.push('\\Subscribed');
  return attrs;
}

export async function list(ctx: Ctx, cmd: Cmd<'LIST'>): Promise<Done> {
  // RFC 9051 §6.3.9: an empty pattern asks for the delimiter and the root.
  if (cmd.patterns.length === 1 && cmd.patterns[0] === '' && !cmd.extended) {
    await ctx.send(listResponse({ attributes: ['\\Noselect'], delimiter: DELIMITER, name: '' }, ctx.stringOptions));
    return ok('LIST completed');
  }
  const matchers = cmd.patterns.map((p) => patternMatcher(ctx.mailboxName(cmd.reference) ?? cmd.reference, ctx.mailboxName(p) ?? p));
  const matches = (name: string) => matchers.some((m) => m(name));
  const { selection: sel, returns: ret } = cmd;
  for (const e of tree(await ctx.mail!.list())) {
    if (!matches(e.name)) continue;
    let childInfo: string[] | undefined;
    if (sel.subscribed && !e.mailbox?.subscribed) {
      // RFC 5258 §3.5: with RECURSIVEMATCH, a parent of subscribed mailboxes is listed with CHILDINFO.
      if (!(sel.recursiveMatch && e.subscribedChild)) continue;
      childInfo = ['SUBSCRIBED'];
    }
    if (sel.specialUse && !e.mailbox?.specialUse) continue;
    await ctx.send(listResponse({ attributes: attributes(ctx, e, sel, ret), delimiter: DELIMITER, name: ctx.wireName(e.name), ...(childInfo ? { childInfo } : {}) }, ctx.stringOptions));
    if (ret.status && e.mailbox) {
      const values = await statusValues(ctx, e.mailbox, ret.status.filter((i) => i !== 'MAILBOXID'));
      if (typeof values !== 'string') await ctx.send(statusResponse(ctx.wireName(e.name), values, ctx.stringOptions));
    }
  }
  return ok('LIST completed');
}

/** RFC 3501 §6.3.9: LSUB lists subscribed names; a matching unsubscribed parent is \Noselect. */
export async function lsub(ctx: Ctx, cmd: Cmd<'LSUB'>): Promise<Done> {
  const match = patternMatcher(ctx.mailboxName(cmd.reference) ?? cmd.reference, ctx.mailboxName(cmd.pattern) ?? cmd.pattern);
  for (const e of tree(await ctx.mail!.list())) {
    if (!match(e.name)) continue;
    const subscribed = e.mailbox?.subscribed === true;
    // "%" stops at a level: a parent whose children are subscribed shows as \Noselect.
    if (!subscribed && !(e.subscribedChild && cmd.pattern.endsWith('%'))) continue;
    await ctx.send(listResponse({ attributes: subscribed ? [] : ['\\Noselect'], delimiter: DELIMITER, name: ctx.wireName(e.name) }, ctx.stringOptions, 'LSUB'));
  }
  return ok('LSUB completed');
}
