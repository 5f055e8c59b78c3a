/**
 * Types of the inbound pipeline: the session context every stage reads, and the closed union of
 * verdicts a stage returns. One runner in smtpserver/ maps verdicts to replies; a stage never
 * writes to a socket.
 */
import type { Reply } from '../smtp/replies.ts';
import type { User } from '../store/ports.ts';
import type { MailboxAddress } from '../mail/address.ts';

export type ListenerMode = 'mx' | 'submission';

export interface SessionContext {
  /** Short random id shared by logs, the Received header and the 250 reply. */
  id: string;
  mode: ListenerMode;
  remoteIp: string;
  remotePort: number;
  localPort: number;
  helo: string | null;
  esmtp: boolean;
  tls: { protocol: string; cipher: string } | null;
  user: User | null;
}

export interface Transaction {
  mailFrom: MailboxAddress | null; // null = the null reverse-path <>
  smtpUtf8: boolean;
  body8bit: boolean;
  declaredSize: number | null;
  recipients: AcceptedRecipient[];
}

export type AcceptedRecipient =
  /** Local users; `forwards`: external targets of an alias (forwarded with SRS and an ARC seal). */
  | { kind: 'local'; address: string; userIds: number[]; forwards?: string[] }
  | { kind: 'remote'; address: string }
  /** A mailing list's posting address (expanded to its members at end of DATA). */
  | { kind: 'list'; address: string; listId: number }
  /** A bounce to one of our SRS addresses, going back to the original sender `to`. */
  | { kind: 'bounce'; address: string; to: string };

export type Verdict<T = void> =
  | { kind: 'continue'; value: T }
  | { kind: 'reject'; reply: Reply }
  | { kind: 'tempfail'; reply: Reply }
  | { kind: 'disconnect'; reply: Reply };

export const cont = <T>(value: T): Verdict<T> => ({ kind: 'continue', value });
export const reject = (reply: Reply): Verdict<never> => ({ kind: 'reject', reply });
export const tempfail = (reply: Reply): Verdict<never> => ({ kind: 'tempfail', reply });
