/**
 * EXPUNGE and UID EXPUNGE: RFC 9051 §6.4.3 and §6.4.9, RFC 4315 §2.1. Removes the \Deleted
 * messages (of the UID set, for UID EXPUNGE) the client knows about, in one store transaction,
 * and answers an EXPUNGE for each, highest sequence number first, together with expunges other
 * sessions made meanwhile; once QRESYNC is enabled, one VANISHED with their UIDs (RFC 7162 §3.2.10).
 */
import { no, ok, bad, type Cmd, type Ctx, type Done } from '../context.ts';

export async function expunge(ctx: Ctx, cmd: Cmd<'EXPUNGE' | 'UID EXPUNGE'>): Promise<Done> {
  const sel = ctx.selected!;
  if (sel.readOnly) return no('The mailbox is open read-only (EXAMINE)', { code: 'READ-ONLY' });
  let ranges = sel.allRanges();
  if (cmd.name === 'UID EXPUNGE') {
    const r = sel.resolve(cmd.set, true);
    if (!r.ok) return bad(r.text);
    ranges = sel.uidRanges(r.seqs);
  }
  const removed = ranges.length ? await ctx.mail!.expungeDeleted(sel.mailbox, ranges) : [];
  await ctx.send(sel.expungeNow(removed, ctx.enabled.has('QRESYNC')));
  return ok(`${cmd.name} completed`);
}
