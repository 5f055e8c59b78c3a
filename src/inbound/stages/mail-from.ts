/**
 * Stage "mail-from": who may use this envelope sender (RFC 5321 §3.3).
 * MX: any sender (authentication of the sender domain is SPF/DMARC's job, a later stage).
 * Submission: the authenticated user must own the address (RFC 6409 §4.3 lets the MSA enforce
 * this; it is our sender-address restriction), and the null sender is refused.
 */
import { canonical, type MailboxAddress } from '../../mail/address.ts';
import { replies } from '../../smtp/replies.ts';
import type { Directory } from '../../directory/directory.ts';
import { cont, reject, type SessionContext, type Verdict } from '../types.ts';

export async function mailFromStage(dir: Directory, ctx: SessionContext, from: MailboxAddress | null): Promise<Verdict> {
  if (ctx.mode === 'mx') return cont(undefined);
  const user = ctx.user;
  if (!user) return reject(replies.authRequired());
  if (from === null) return reject(replies.nullSenderNotAllowed());
  const addr = canonical(from);
  if (!(await dir.owns(user, addr))) return reject(replies.senderNotOwned(addr, user.address));
  return cont(undefined);
}
