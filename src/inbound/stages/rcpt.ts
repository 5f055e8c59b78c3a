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

export async function rcptStage(dir: Directory, ctx: SessionContext, to: MailboxAddress, mailFrom: MailboxAddress | null = null): Promise<Verdict<AcceptedRecipient>> {
  const addr = canonical(to);
  const trick = routingTrick(to);
  if (trick) return reject(replies.relayTrick(addr, trick));
  const res = await dir.resolveRecipient(to);
  switch (res.kind) {
    case 'local':
      if (!res.users.length && !res.forwards.length) return reject(replies.mailboxUnknown(addr));
      return cont({ kind: 'local', address: addr, userIds: res.users.map((u) => u.id), forwards: res.forwards });
    case 'list':
      return cont({ kind: 'list', address: addr, listId: res.list.id });
    case 'srs':
      // The SRS paper §4: the reverse path only carries bounces back. A DSN has the null sender
      // (RFC 5321 §4.5.5); accepting others would turn a valid SRS address into a relay.
      if (mailFrom !== null) return reject(replies.srsBouncesOnly(addr));
      return cont({ kind: 'bounce', address: addr, to: res.address });
    case 'srs-invalid':
      return reject(replies.srsInvalid(addr, res.reason));
    case 'unknown-user':
      return reject(replies.mailboxUnknown(addr));
    case 'not-local':
      // Only an authenticated submission client may relay; the MX never does.
      if (ctx.mode === 'submission' && ctx.user) return cont({ kind: 'remote', address: addr });
      return reject(replies.relayDenied(addr));
  }
}
