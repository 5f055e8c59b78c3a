/**
 * Commands valid in any state, and the small authenticated-state ones: RFC 9051 §6.1.1
 * CAPABILITY, §6.1.2 NOOP, §6.1.3 LOGOUT, §6.3.1 ENABLE (RFC 5161), §6.3.10 NAMESPACE (RFC 2342),
 * §6.3.13 IDLE (RFC 2177), RFC 2971 ID, RFC 3501 §6.4.1 CHECK; ENABLE CONDSTORE / QRESYNC
 * (RFC 7162 §3.1, §3.2.3).
 */
import { capabilityResponse, enabledResponse, idResponse, namespaceResponse } from '../../imap/responses.ts';
import { untaggedStatus } from '../../imap/encoder.ts';
import { DELIMITER } from '../../mailbox/names.ts';
import { bad, ok, type Cmd, type Ctx, type Done, type Enableable } from '../context.ts';

export async function capability(ctx: Ctx): Promise<Done> {
  await ctx.send(capabilityResponse(ctx.capabilities()));
  return ok('CAPABILITY completed');
}

/** NOOP: the session announces pending updates after every command, so nothing else to do. */
export async function noop(): Promise<Done> {
  return ok('NOOP completed');
}

/** CHECK (IMAP4rev1; gone from IMAP4rev2): every change is already durable, so it is a NOOP. */
export async function check(): Promise<Done> {
  return ok('CHECK completed');
}

export async function logout(ctx: Ctx): Promise<Done> {
  await ctx.send(untaggedStatus('BYE', `${ctx.deps.hostname} IMAP server logging out`));
  ctx.logout();
  return ok('LOGOUT completed');
}

/** RFC 2971: we tell our name; the client's fields only go to the log (bounded by the parser). */
export async function id(ctx: Ctx, cmd: Cmd<'ID'>): Promise<Done> {
  if (cmd.params) ctx.log.info({ clientId: Object.fromEntries(cmd.params.slice(0, 10).map(([k, v]) => [k.slice(0, 30), (v ?? '').slice(0, 100)])) }, 'imap client id');
  await ctx.send(idResponse([['name', 'mailwarden'], ['vendor', 'mailwarden'], ['support-url', 'https://github.com/mailwarden']]));
  return ok('ID completed');
}

/** RFC 2342 / RFC 9051 §6.3.10: one personal namespace, no prefix, "/" as the delimiter. */
export async function namespace(ctx: Ctx): Promise<Done> {
  await ctx.send(namespaceResponse([{ prefix: '', delimiter: DELIMITER }], [], [], ctx.stringOptions));
  return ok('NAMESPACE completed');
}

/** What ENABLE accepts: RFC 9051 §6.3.1 IMAP4rev2, RFC 6855 UTF8=ACCEPT, RFC 7162 CONDSTORE and QRESYNC. */
const ENABLEABLE: readonly Enableable[] = ['IMAP4REV2', 'UTF8=ACCEPT', 'CONDSTORE', 'QRESYNC'];

/**
 * RFC 5161 §3.1: unknown names are ignored; ENABLED lists only what this command newly enabled.
 * RFC 6855 §3: UTF8=ACCEPT must come before SELECT (it changes how names are read).
 * RFC 7162 §3.2.3: QRESYNC implies CONDSTORE. RFC 7162 §3.1: the first CONDSTORE enabling
 * command issued with a mailbox selected reports that mailbox's HIGHESTMODSEQ.
 */
export async function enable(ctx: Ctx, cmd: Cmd<'ENABLE'>): Promise<Done> {
  const before = new Set(ctx.enabled);
  const fresh: string[] = [];
  for (const c of cmd.capabilities) {
    const ext = ENABLEABLE.find((e) => e === c);
    if (!ext || before.has(ext) || fresh.includes(ext === 'IMAP4REV2' ? 'IMAP4rev2' : ext)) continue;
    if (ext === 'UTF8=ACCEPT' && ctx.selected) return bad('ENABLE UTF8=ACCEPT must come before SELECT (RFC 6855 §3)');
    ctx.enable(ext);
    if (ext === 'QRESYNC') ctx.enable('CONDSTORE');
    fresh.push(ext === 'IMAP4REV2' ? 'IMAP4rev2' : ext);
  }
  await ctx.send(enabledResponse(fresh));
  const sel = ctx.selected;
  if (sel && !before.has('CONDSTORE') && ctx.enabled.has('CONDSTORE')) {
    const mb = (await ctx.mail!.refresh(sel.mailbox)) ?? sel.mailbox;
    await ctx.send(untaggedStatus('OK', 'Highest', { code: 'HIGHESTMODSEQ', value: mb.highestModseq }));
  }
  return ok('ENABLE completed');
}

/** RFC 2177: "+ idling", updates as they happen, until DONE. */
export async function idle(ctx: Ctx): Promise<Done> {
  const r = await ctx.idle();
  if (r === 'bad') return bad('Expected DONE to end IDLE');
  return ok(r === 'done' ? 'IDLE terminated' : 'IDLE ended');
}
