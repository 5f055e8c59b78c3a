/**
 * COPY, MOVE and their UID forms: RFC 9051 §6.4.7-6.4.8, RFC 6851 (MOVE), RFC 4315 §3 (COPYUID).
 * Copies keep flags and internal dates and share the stored body. MOVE answers, in this order
 * (RFC 6851 §4.3): an untagged OK [COPYUID ...], the EXPUNGEs of the moved messages (highest
 * sequence number first; with QRESYNC one VANISHED, RFC 6851 §4.3 / RFC 7162 §3.2.10), the tagged OK. A missing target is NO [TRYCREATE] (RFC 9051 §6.4.7).
 */
import { untaggedStatus } from '../../imap/encoder.ts';
import { compactOrdered } from '../../imap/sequence.ts';
import { bad, no, ok, type Cmd, type Ctx, type Done } from '../context.ts';
import { nameOrBad } from './errors.ts';

export async function copy(ctx: Ctx, cmd: Cmd<'COPY' | 'MOVE'>): Promise<Done> {
  const sel = ctx.selected!;
  const resolved = sel.resolve(cmd.set, cmd.uid);
  if (!resolved.ok) return bad(resolved.text);
  const n = nameOrBad(ctx, cmd.mailbox);
  if ('done' in n) return n.done;
  const move = cmd.name === 'MOVE';
  const label = `${cmd.uid ? 'UID ' : ''}${cmd.name}`;
  if (move && sel.readOnly) return no('The mailbox is open read-only (EXAMINE)', { code: 'READ-ONLY' });
  const dst = await ctx.mail!.find(n.name);
  if (!dst) return no('No such mailbox', { code: 'TRYCREATE' });
  if (!resolved.seqs.length) return ok(`${label} completed (no messages)`);
  const r = await ctx.mail!.copy(sel.mailbox, resolved.seqs.map((s) => sel.uidAt(s)), dst, move);
  const code = r.pairs.length
    ? { code: 'COPYUID' as const, uidValidity: r.uidValidity, source: compactOrdered(r.pairs.map(([s]) => s)), destination: compactOrdered(r.pairs.map(([, d]) => d)) }
    : undefined;
  if (!move) return ok(`${label} completed`, code);
  if (code) await ctx.send(untaggedStatus('OK', 'Moved', code));
  await ctx.send(sel.expungeNow(r.pairs.map(([s]) => s), ctx.enabled.has('QRESYNC')));
  return ok(`${label} completed`);
}
