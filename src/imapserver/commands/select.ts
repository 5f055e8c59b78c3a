/**
 * Entering and leaving the selected state: RFC 9051 §6.3.2 SELECT, §6.3.3 EXAMINE (with RFC 7162
 * §3.1.8 CONDSTORE, §3.2.5 QRESYNC), §6.4.1 CLOSE, §6.4.2 UNSELECT (RFC 3691).
 *
 * SELECT's untagged data: FLAGS, EXISTS, OK [PERMANENTFLAGS], OK [UIDVALIDITY], OK [UIDNEXT],
 * plus RECENT and OK [UNSEEN n] for IMAP4rev1 clients (RFC 3501 §6.3.1), OK [HIGHESTMODSEQ]
 * under CONDSTORE, and the mailbox's LIST line for IMAP4rev2 clients (RFC 9051 §6.3.2); with
 * (QRESYNC ...) then what vanished and changed since the client's modseq (qresync.ts).
 */
import { untaggedStatus } from '../../imap/encoder.ts';
import { existsResponse, listResponse, recentResponse } from '../../imap/responses.ts';
import { DELIMITER } from '../../mailbox/names.ts';
import { bad, ok, type Cmd, type Ctx, type Done } from '../context.ts';
import { nameOrBad, NO_SUCH_MAILBOX } from './errors.ts';
import { selectResync } from '../qresync.ts';

/** Leaves the selected state; RFC 7162 §3.2.11 / RFC 9051 §7.1: tell the client with [CLOSED]. */
async function deselect(ctx: Ctx, announce: boolean): Promise<void> {
  if (!ctx.selected) return;
  ctx.selected.close();
  ctx.selected = null;
  if (announce) await ctx.send(untaggedStatus('OK', 'Previous mailbox closed', { code: 'CLOSED' }));
}

export async function select(ctx: Ctx, cmd: Cmd<'SELECT' | 'EXAMINE'>): Promise<Done> {
  // RFC 7162 §3.2.5: the QRESYNC parameter is BAD unless the client enabled QRESYNC first.
  if (cmd.qresync && !ctx.enabled.has('QRESYNC')) return bad('The QRESYNC parameter needs ENABLE QRESYNC first');
  const n = nameOrBad(ctx, cmd.mailbox);
  if ('done' in n) return n.done;
  // RFC 9051 §6.3.2: a SELECT leaves the current mailbox even when it fails.
  await deselect(ctx, true);
  const mail = ctx.mail!;
  const mb = await mail.find(n.name);
  if (!mb) return NO_SUCH_MAILBOX();
  if (cmd.condstore) ctx.enable('CONDSTORE');
  const readOnly = cmd.name === 'EXAMINE';
  const sel = await ctx.openMailbox(mb, readOnly);
  const rev1 = !ctx.enabled.has('IMAP4REV2');
  const lines: string[] = [...sel.flagLines(), existsResponse(sel.exists)];
  if (rev1) {
    lines.push(recentResponse(sel.recentCount));
    const first = (await mail.counts(sel.mailbox)).firstUnseenUid;
    const seq = first === null ? 0 : sel.seqOf(first);
    if (seq) lines.push(untaggedStatus('OK', `Message ${seq} is first unseen`, { code: 'UNSEEN', value: seq }));
  }
  lines.push(untaggedStatus('OK', 'UIDs valid', { code: 'UIDVALIDITY', value: sel.mailbox.uidValidity }));
  lines.push(untaggedStatus('OK', 'Predicted next UID', { code: 'UIDNEXT', value: sel.mailbox.uidNext }));
  if (ctx.enabled.has('CONDSTORE')) lines.push(untaggedStatus('OK', 'Highest', { code: 'HIGHESTMODSEQ', value: sel.mailbox.highestModseq }));
  if (!rev1) lines.push(listResponse({ attributes: [], delimiter: DELIMITER, name: ctx.wireName(sel.mailbox.name) }, ctx.stringOptions));
  await ctx.send(lines);
  if (cmd.qresync) await selectResync(ctx, sel, cmd.qresync);
  ctx.selected = sel;
  return ok(`${cmd.name} completed`, { code: readOnly ? 'READ-ONLY' : 'READ-WRITE' });
}

/** RFC 9051 §6.4.1: expunges \Deleted messages silently (read-write only), then deselects. */
export async function close(ctx: Ctx): Promise<Done> {
  const sel = ctx.selected!;
  if (!sel.readOnly) sel.forget(await ctx.mail!.expungeDeleted(sel.mailbox, sel.allRanges()));
  await deselect(ctx, false);
  return ok('CLOSE completed');
}

export async function unselect(ctx: Ctx): Promise<Done> {
  await deselect(ctx, false);
  return ok('UNSELECT completed');
}
