/**
 * Stage "headers": checks on the header section once DATA is complete.
 * Submission: every From: and Sender: address must belong to the authenticated user
 * (RFC 5322 §3.6.2 originator fields; our sender-address restriction). A display name is free
 * text and allowed, but an address hidden in it is not what is checked: the angle-addr is.
 */
import { getFields, parseAddressList, type HeaderField } from '../../mail/headers.ts';
import { replies } from '../../smtp/replies.ts';
import type { Directory } from '../../directory/directory.ts';
import { cont, reject, type SessionContext, type Verdict } from '../types.ts';

export async function headersStage(dir: Directory, ctx: SessionContext, fields: HeaderField[]): Promise<Verdict> {
  if (ctx.mode !== 'submission' || !ctx.user) return cont(undefined);
  for (const name of ['From', 'Sender'] as const) {
    for (const f of getFields(fields, name)) {
      const addrs = parseAddressList(f.value);
      if (!addrs.length || addrs.some((a) => !a.address)) return reject(replies.badHeader(`${name}: has no valid address`));
      for (const a of addrs) {
        if (!(await dir.owns(ctx.user, a.address))) return reject(replies.headerSenderNotOwned(name, a.address, ctx.user.address));
      }
    }
  }
  return cont(undefined);
}
