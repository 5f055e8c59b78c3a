/**
 * STORE and UID STORE: RFC 9051 §6.4.6 (+FLAGS, -FLAGS, FLAGS, .SILENT), RFC 7162 §3.1.3
 * (UNCHANGEDSINCE, MODIFIED). Flags are checked (mailbox/flags.ts), changed in one store
 * transaction (each changed message gets a new modseq) and published to the other sessions.
 * Untagged FETCH answers carry the flags after the change (not with .SILENT); a keyword the client
 * has not seen yet first gets new FLAGS / PERMANENTFLAGS lines (RFC 9051 §7.3.5).
 */
import { compactNumbers } from '../../imap/sequence.ts';
import { checkFlags } from '../../mailbox/flags.ts';
import { bad, no, ok, type Cmd, type Ctx, type Done } from '../context.ts';
import { failure } from './errors.ts';

export async function store(ctx: Ctx, cmd: Cmd<'STORE'>): Promise<Done> {
  const sel = ctx.selected!;
  const resolved = sel.resolve(cmd.set, cmd.uid);
  if (!resolved.ok) return bad(resolved.text);
  const checked = checkFlags(cmd.flags);
  if (!checked.ok) return bad(checked.reason);
  if (sel.readOnly) return no('The mailbox is open read-only (EXAMINE)', { code: 'READ-ONLY' });
  if (cmd.unchangedSince !== null) ctx.enable('CONDSTORE');
  if (!resolved.seqs.length) return ok('STORE completed (no messages)');
  const r = await ctx.mail!.setFlags(sel.mailbox, sel.uidRanges(resolved.seqs), cmd.action, checked.flags, cmd.unchangedSince === null ? null : Number(cmd.unchangedSince));
  if (!r.ok) return failure(r);
  const condstore = ctx.enabled.has('CONDSTORE');
  const rev1 = !ctx.enabled.has('IMAP4REV2');
  const lines: string[] = [];
  for (const m of r.value.messages) {
    lines.push(...sel.noteKeywords(m.flags));
    const seq = sel.seqOf(m.uid);
    if (!seq || cmd.silent) continue;
    const uid = cmd.uid ? ` UID ${m.uid}` : '';
    const modseq = condstore ? ` MODSEQ (${m.modseq})` : '';
    lines.push(`* ${seq} FETCH (FLAGS ${sel.flagsFor(m.uid, m.flags, rev1)}${uid}${modseq})\r\n`);
  }
  await ctx.send(lines);
  if (r.value.modified.length) {
    const set = cmd.uid ? r.value.modified : r.value.modified.map((u) => sel.seqOf(u)).filter((s) => s > 0);
    return ok('Conditional STORE failed for some messages', { code: 'MODIFIED', set: compactNumbers(set) });
  }
  return ok(`${cmd.uid ? 'UID STORE' : 'STORE'} completed`);
}
