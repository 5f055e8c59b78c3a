/**
 * SEARCH and UID SEARCH: RFC 9051 §6.4.4 (keys, CHARSET, RETURN), RFC 3501 §7.2.5 (the SEARCH
 * response), RFC 4731 ESEARCH (MIN, MAX, COUNT, ALL), RFC 5182 SEARCHRES (SAVE, "$").
 *
 * IMAP4rev1 clients get "* SEARCH n..." unless they ask for RETURN options; IMAP4rev2 clients
 * always get ESEARCH (RFC 9051 §7.3.4). Charsets: UTF-8 and US-ASCII (RFC 9051 §6.4.4 requires
 * both); anything else is NO [BADCHARSET (UTF-8 US-ASCII)].
 */
import { searchResponse, esearchResponse, type EsearchResult } from '../../imap/responses.ts';
import { compactNumbers } from '../../imap/sequence.ts';
import { no, ok, type Cmd, type Ctx, type Done } from '../context.ts';
import { SearchRun } from '../search.ts';

const CHARSETS = ['UTF-8', 'US-ASCII'];

export async function search(ctx: Ctx, cmd: Cmd<'SEARCH'>): Promise<Done> {
  const sel = ctx.selected!;
  if (cmd.charset !== null && !CHARSETS.includes(cmd.charset.toUpperCase())) {
    return no(`Charset ${cmd.charset.slice(0, 40)} is not supported`, { code: 'BADCHARSET', charsets: CHARSETS });
  }
  const r = await new SearchRun(ctx.mail!, sel).run(cmd.criteria);
  if (r.modseq !== null) ctx.enable('CONDSTORE');
  const numbers = cmd.uid ? r.uids : r.seqs;
  const label = `${cmd.uid ? 'UID ' : ''}SEARCH completed`;
  const esearch = cmd.returns !== null || ctx.enabled.has('IMAP4REV2');
  if (!esearch) {
    await ctx.send(searchResponse(numbers, r.modseq === null ? null : BigInt(r.modseq)));
    return ok(label);
  }
  const opts = cmd.returns ?? [];
  const shown = opts.filter((o) => o !== 'SAVE');
  const all = opts.length === 0 || shown.includes('ALL');
  if (opts.includes('SAVE')) {
    // RFC 5182 §2.4: with MIN and/or MAX only, only those are saved.
    const minMaxOnly = shown.length > 0 && shown.every((o) => o === 'MIN' || o === 'MAX');
    sel.saved = minMaxOnly ? [...new Set([...(shown.includes('MIN') ? r.uids.slice(0, 1) : []), ...(shown.includes('MAX') ? r.uids.slice(-1) : [])])] : [...r.uids];
    if (shown.length === 0) return ok(`${label}, result saved`);
  }
  const res: EsearchResult = {};
  if (shown.includes('MIN') && numbers.length) res.min = numbers[0]!;
  if (shown.includes('MAX') && numbers.length) res.max = numbers[numbers.length - 1]!;
  if (shown.includes('COUNT')) res.count = numbers.length;
  if (all) res.all = compactNumbers(numbers);
  if (r.modseq !== null && numbers.length) res.modseq = BigInt(r.modseq);
  await ctx.send(esearchResponse(cmd.tag, cmd.uid, res));
  return ok(label);
}
