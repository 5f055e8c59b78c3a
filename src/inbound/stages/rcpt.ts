/**
 * Stage "rcpt": where a recipient goes, and whether this client may send there.
 * Closed relay by default (RFC 5321 §3.6.2, RFC 2505): without authentication only local
 * recipients are accepted, and no address trick (%-hack, !-path, quoted "@", address literal,
 * source route to a foreign host) is ever routed.
 */
import { canonical, routingTrick, type MailboxAddress } from '../../mail/address.ts';
import { replies } from '../../smtp/replies.ts';
import type { Directory } from '../../directory/directory.ts';
import { cont, reject, type AcceptedRecipient, type SessionContext, type Verdict } from '../types.ts';

export async function rcptStage(dir: Directory, ctx: SessionContext, to: MailboxAddress): Promise<Verdict<AcceptedRecipient>> {
  const addr = canonical(to);
  const trick = routingTrick(to);
  if (trick) return reject(replies.relayTrick(addr, trick));
  const res = await dir.resolveRecipient(to);
  switch (res.kind) {
    case 'local':
      if (!res.users.length) return reject(replies.mailboxUnknown(addr));
      return cont({ kind: 'local', address: addr, userIds: res.users.map((u) => u.id) });
    case 'unknown-user':
      return reject(replies.mailboxUnknown(addr));
    case 'not-local':
      // Only an authenticated submission client may relay; the MX never does.
      if (ctx.mode === 'submission' && ctx.user) return cont({ kind: 'remote', address: addr });
      return reject(replies.relayDenied(addr));
  }
}
