/**
 * QRESYNC (RFC 7162 §3.2): quick mailbox resynchronisation for a client that keeps a cache.
 *
 * - SELECT/EXAMINE mailbox (QRESYNC (uidvalidity modseq [known-uids [seq-match-data]]))
 *   (§3.2.5): when the UIDVALIDITY is still the client's, `* VANISHED (EARLIER) uids` for what was
 *   expunged since its modseq, then `* n FETCH (UID u FLAGS (..) MODSEQ (m))` for every message
 *   changed since, both limited to the known UIDs when given (§3.2.5.2).
 * - UID FETCH set items (CHANGEDSINCE n VANISHED) (§3.2.6): `* VANISHED (EARLIER)` for the UIDs
 *   of the set expunged since n, before any FETCH response.
 * - Later expunges are told as `* VANISHED uids` instead of EXPUNGE (§3.2.10, selected.ts).
 *
 * What vanished comes from the store's record of expunged UIDs with the modseq of each expunge
 * (store listVanished), complete except for expunges made before the record existed, for which
 * every missing UID of the known set is reported (allowed: the client ignores UIDs it does not
 * have). With that record the server does not need seq-match-data, which it reads and ignores.
 */
import type { QresyncParams } from '../imap/parser/types.ts';
import { vanishedResponse } from '../imap/responses.ts';
import { formatIntervals, mergeIntervals, resolveSequenceSet, type Interval, type SequenceSet } from '../imap/sequence.ts';
import type { Ctx } from './context.ts';
import type { SelectedMailbox } from './selected.ts';

/** Messages read per store call while looking for changed ones. */
const PAGE = 1000;

/** A mod-sequence-value from the client (63-bit) as ours (below 2^53): larger ones mean "none newer". */
function modseqOf(v: bigint): number {
  return v > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(v);
}

/** The highest UID the mailbox ever gave out: "*" in a set the client remembers (it may know expunged UIDs above our view). */
async function topUid(ctx: Ctx, sel: SelectedMailbox): Promise<number> {
  const mb = (await ctx.mail!.refresh(sel.mailbox)) ?? sel.mailbox;
  return Math.max(mb.uidNext - 1, sel.maxUid);
}

/** RFC 7162 §3.2.5.2: the resynchronisation data of SELECT/EXAMINE (QRESYNC ...), sent before its tagged OK. */
export async function selectResync(ctx: Ctx, sel: SelectedMailbox, p: QresyncParams): Promise<void> {
  // A different UIDVALIDITY voids the client's cache: it resynchronises from scratch.
  if (p.uidValidity !== sel.mailbox.uidValidity) return;
  const since = modseqOf(p.modseq);
  // Every change (flags, expunge) raises HIGHESTMODSEQ: nothing above it, nothing to say.
  if (since >= sel.mailbox.highestModseq) return;
  const top = await topUid(ctx, sel);
  const known: Interval[] = p.knownUids?.kind === 'set' ? resolveSequenceSet(p.knownUids, top) : top > 0 ? [[1, top]] : [];
  const gone = await ctx.mail!.vanished(sel.mailbox, since, known);
  if (gone.length) await ctx.send(vanishedResponse(formatIntervals(gone), true));
  await sendChanged(ctx, sel, since, known);
}

/** FETCH (UID FLAGS MODSEQ) for the messages of the view within `known` whose modseq is above `since`. */
async function sendChanged(ctx: Ctx, sel: SelectedMailbox, since: number, known: readonly Interval[]): Promise<void> {
  const rev1 = !ctx.enabled.has('IMAP4REV2');
  let out: string[] = [];
  for (const [lo, hi] of known) {
    for (let from = lo; from <= hi; ) {
      const rows = await ctx.mail!.messages(sel.mailbox, from, hi, PAGE);
      for (const row of rows) {
        const seq = sel.seqOf(row.uid);
        if (row.modseq <= since || seq === 0) continue;
        out.push(...sel.noteKeywords(row.flags));
        out.push(`* ${seq} FETCH (UID ${row.uid} FLAGS ${sel.flagsFor(row.uid, row.flags, rev1)} MODSEQ (${row.modseq}))\r\n`);
      }
      if (out.length >= 250) {
        await ctx.send(out);
        out = [];
      }
      if (rows.length < PAGE) break;
      from = rows[rows.length - 1]!.uid + 1;
    }
  }
  if (out.length) await ctx.send(out);
}

/**
 * RFC 7162 §3.2.6: UID FETCH ... (CHANGEDSINCE n VANISHED): the set's UIDs expunged since n, as
 * one VANISHED (EARLIER) line, to be sent before any FETCH response of the command.
 */
export async function fetchVanished(ctx: Ctx, sel: SelectedMailbox, set: SequenceSet, changedSince: bigint): Promise<void> {
  const ranges = set.kind === 'saved' ? mergeIntervals(sel.saved.map((u) => [u, u] as const)) : resolveSequenceSet(set, await topUid(ctx, sel));
  const gone = await ctx.mail!.vanished(sel.mailbox, modseqOf(changedSince), ranges);
  if (gone.length) await ctx.send(vanishedResponse(formatIntervals(gone), true));
}
