/**
 * \Recent (RFC 3501 §2.3.2, dropped by IMAP4rev2): a message is recent in exactly one session —
 * the first that selects its mailbox (read-write) after it arrived. Kept per mailbox as "the
 * first UID no session has claimed yet", in memory: after a restart nothing is recent until new
 * mail arrives, which RFC 3501 allows (recency is a hint, not a guarantee).
 */
export class RecentTracker {
  private readonly firstUnclaimed = new Map<number, number>();

  /** The first mailbox sighting starts at its UIDNEXT: older messages are not recent. */
  private boundary(mailboxId: number, uidNext: number): number {
    let b = this.firstUnclaimed.get(mailboxId);
    if (b === undefined) {
      b = uidNext;
      this.firstUnclaimed.set(mailboxId, b);
    }
    return b;
  }

  /** Claims the unclaimed UIDs among `uids` (ascending) for the caller; returns them. */
  claim(mailboxId: number, uidNext: number, uids: readonly number[]): number[] {
    const b = this.boundary(mailboxId, uidNext);
    const mine = uids.filter((u) => u >= b);
    const last = uids[uids.length - 1];
    if (last !== undefined && last + 1 > b) this.firstUnclaimed.set(mailboxId, last + 1);
    return mine;
  }

  /** Without claiming (EXAMINE, STATUS): how many of `uids` nobody has claimed. */
  peek(mailboxId: number, uidNext: number, uids: readonly number[]): number {
    const b = this.firstUnclaimed.get(mailboxId) ?? uidNext;
    return uids.filter((u) => u >= b).length;
  }

  /** Unclaimed count from UIDNEXT alone (STATUS RECENT): messages at or above the boundary. */
  unclaimedFrom(mailboxId: number, uidNext: number): number {
    return this.firstUnclaimed.get(mailboxId) ?? uidNext;
  }
}
