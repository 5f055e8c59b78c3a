/**
 * FETCH and UID FETCH: RFC 9051 §6.4.5 and §6.4.9, RFC 7162 §3.1.4 (CHANGEDSINCE) and §3.2.6
 * (VANISHED).
 *
 * Pages through the addressed messages (PAGE at a time: one store query for the rows, with the
 * stored structure only when an item needs it), sets \Seen for non-PEEK body fetches in one
 * store call per page (RFC 9051 §6.4.5; the new FLAGS are returned with the data), and writes
 * each message's response as it is built, bodies streamed.
 *
 * A message expunged by another session but not yet announced to this one has no data left: it
 * is skipped and the command completes with OK [EXPUNGEISSUED] (RFC 9051 §7.1).
 */
import type { MessageRow } from '../../store/ports.ts';
import type { FetchAttribute } from '../../imap/parser/types.ts';
import { coalesce, encodeFetch, type WirePart } from '../../imap/encoder.ts';
import { mergeIntervals } from '../../imap/sequence.ts';
import { SEEN, hasFlag } from '../../mailbox/flags.ts';
import { parseStructure } from '../../mailbox/user-mailboxes.ts';
import { bad, no, ok, type Cmd, type Ctx, type Done } from '../context.ts';
import { planFetch, renderItems, type RenderContext } from '../fetch-items.ts';
import { fetchVanished } from '../qresync.ts';

const PAGE = 250;

/** The rows of these UIDs (ascending), by UID. */
async function loadRows(ctx: Ctx, uids: readonly number[], withStructure: boolean, withEnvelope: boolean): Promise<Map<number, MessageRow>> {
  const sel = ctx.selected!;
  const rows = new Map<number, MessageRow>();
  for (const [lo, hi] of mergeIntervals(uids.map((u) => [u, u] as const))) {
    for (const r of await ctx.mail!.messages(sel.mailbox, lo, hi, hi - lo + 1, withStructure, withEnvelope)) rows.set(r.uid, r);
  }
  return rows;
}

/** RFC 9051 §6.4.5: the first non-PEEK body fetch sets \Seen; returns the UIDs that changed. */
async function markSeen(ctx: Ctx, rows: Map<number, MessageRow>): Promise<Set<number>> {
  const unseen = [...rows.values()].filter((r) => !hasFlag(r.flags, SEEN)).map((r) => r.uid);
  if (!unseen.length) return new Set();
  const r = await ctx.mail!.setFlags(ctx.selected!.mailbox, mergeIntervals(unseen.map((u) => [u, u] as const)), 'add', [SEEN]);
  const changed = new Set<number>();
  if (!r.ok) return changed;
  for (const m of r.value.messages) {
    const row = rows.get(m.uid);
    if (!row) continue;
    row.flags = m.flags;
    row.modseq = m.modseq;
    if (m.changed) changed.add(m.uid);
  }
  return changed;
}

export async function fetch(ctx: Ctx, cmd: Cmd<'FETCH'>): Promise<Done> {
  const sel = ctx.selected!;
  // RFC 7162 §3.2.6: VANISHED needs QRESYNC enabled (the parser made sure of UID and CHANGEDSINCE).
  if (cmd.vanished && !ctx.enabled.has('QRESYNC')) return bad('VANISHED needs ENABLE QRESYNC first');
  const resolved = sel.resolve(cmd.set, cmd.uid);
  if (!resolved.ok) return bad(resolved.text);
  const items: FetchAttribute[] = [...cmd.items];
  // RFC 9051 §6.4.9: UID FETCH always returns UID; RFC 7162 §3.1.4.1: CHANGEDSINCE implies MODSEQ.
  if (cmd.uid && !items.some((a) => a.name === 'UID')) items.unshift({ name: 'UID' });
  if (cmd.changedSince !== null || items.some((a) => a.name === 'MODSEQ')) ctx.enable('CONDSTORE');
  if (cmd.changedSince !== null && !items.some((a) => a.name === 'MODSEQ')) items.push({ name: 'MODSEQ' });
  // RFC 7162 §3.2.6: VANISHED (EARLIER) before any FETCH response.
  if (cmd.vanished && cmd.changedSince !== null) await fetchVanished(ctx, sel, cmd.set, cmd.changedSince);
  const plan = planFetch(items);
  const setsSeen = plan.setsSeen && !sel.readOnly;
  const rc: RenderContext = { mail: ctx.mail!, selected: sel, rev1: !ctx.enabled.has('IMAP4REV2'), strings: ctx.stringOptions };
  let expunged = false;
  const seqs = resolved.seqs;
  const withFlags: FetchAttribute[] = items.some((a) => a.name === 'FLAGS') ? items : [...items, { name: 'FLAGS' }];
  // Responses without streamed bodies are collected and written once per page.
  let out: WirePart[] = [];
  for (let i = 0; i < seqs.length; i += PAGE) {
    const page = seqs.slice(i, i + PAGE).map((seq) => ({ seq, uid: sel.uidAt(seq) }));
    const rows = await loadRows(ctx, page.map((p) => p.uid), plan.structure, plan.envelope);
    const seenNow = setsSeen ? await markSeen(ctx, rows) : new Set<number>();
    for (const { seq, uid } of page) {
      const row = rows.get(uid);
      if (!row) {
        expunged = true;
        continue;
      }
      if (cmd.changedSince !== null && BigInt(row.modseq) <= cmd.changedSince) continue;
      let st = plan.structure ? (parseStructure(row.structure) ?? (await ctx.mail!.structure(row))) : null;
      if (plan.envelope && row.envelope == null) {
        // Not derived yet (stored before) or client-dependent: render from the structure.
        st ??= await ctx.mail!.structure(row);
        if (row.derived === false) await ctx.mail!.saveDerived(row.blobId, st);
      }
      out.push(...sel.noteKeywords(row.flags));
      const rendered = await renderItems(rc, row, st, seenNow.has(uid) ? withFlags : items);
      if (rendered === null) {
        await ctx.send(out);
        return no('A body part has an unknown Content-Transfer-Encoding', { code: 'UNKNOWN-CTE' });
      }
      const parts = encodeFetch(seq, rendered, ctx.stringOptions);
      out.push(...parts);
      if (parts.length > 1 || out.length > 250) {
        await ctx.send(coalesce(out));
        out = [];
      }
    }
  }
  await ctx.send(coalesce(out));
  return expunged ? ok('Some messages were expunged by another session and were skipped', { code: 'EXPUNGEISSUED' }) : ok(`${cmd.uid ? 'UID FETCH' : 'FETCH'} completed`);
}
