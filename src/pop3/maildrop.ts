/**
 * The POP3 maildrop of one session (RFC 1939 §5-6): a snapshot of the user's INBOX taken at login,
 * so message numbers stay stable for the whole session and mail arriving meanwhile waits for the
 * next one. DELE only marks; RSET unmarks; the marked messages are removed in the UPDATE state
 * (QUIT) and never otherwise: a dropped connection or a timeout deletes nothing.
 *
 * The snapshot keeps two numbers per message (UID and size); bodies are read from the store only
 * when asked for, as a stream, through mailbox/.
 * Also: the exclusive-access lock of RFC 1939 §8 ("-ERR [IN-USE]", RFC 2449 §8.1.1).
 */
import type { MessageStore } from '../store/ports.ts';
import { deleteMessages, iterateMessages, openMailbox, readMessage } from '../mailbox/mailbox.ts';

/** One lock per user's maildrop, shared by every POP3 listener of a server. In memory: one process. */
export class MaildropLocks {
  private readonly held = new Set<number>();

  tryLock(userId: number): boolean {
    if (this.held.has(userId)) return false;
    this.held.add(userId);
    return true;
  }

  unlock(userId: number): void {
    this.held.delete(userId);
  }
}

export type Lookup = { kind: 'ok'; uid: number; size: number } | { kind: 'no-such' } | { kind: 'deleted' };

export class Maildrop {
  readonly mailboxId: number;
  private readonly uidValidity: number;
  private readonly uids: number[];
  private readonly sizes: number[];
  private readonly deleted = new Set<number>();
  private readonly store: MessageStore;

  private constructor(store: MessageStore, mailboxId: number, uidValidity: number, uids: number[], sizes: number[]) {
    this.store = store;
    this.mailboxId = mailboxId;
    this.uidValidity = uidValidity;
    this.uids = uids;
    this.sizes = sizes;
  }

  /** Snapshots the user's INBOX; null when the user has none. */
  static async open(store: MessageStore, userId: number): Promise<Maildrop | null> {
    const inbox = await openMailbox(store, userId);
    if (!inbox) return null;
    const uids: number[] = [];
    const sizes: number[] = [];
    for await (const m of iterateMessages(store, inbox.id)) {
      uids.push(m.uid);
      sizes.push(m.size);
    }
    return new Maildrop(store, inbox.id, inbox.uidValidity, uids, sizes);
  }

  /** Message numbers run from 1 to this, deleted ones included (RFC 1939 §5). */
  get count(): number {
    return this.uids.length;
  }

  /** STAT: messages not marked deleted, and their total size. */
  stat(): { count: number; size: number } {
    let size = 0;
    for (let i = 0; i < this.sizes.length; i++) if (!this.deleted.has(i)) size += this.sizes[i]!;
    return { count: this.uids.length - this.deleted.size, size };
  }

  lookup(msg: number): Lookup {
    const i = msg - 1;
    if (!Number.isInteger(msg) || i < 0 || i >= this.uids.length) return { kind: 'no-such' };
    if (this.deleted.has(i)) return { kind: 'deleted' };
    return { kind: 'ok', uid: this.uids[i]!, size: this.sizes[i]! };
  }

  /** RFC 1939 §7 UIDL: 1 to 70 characters 0x21-0x7E, the same for a message in every session. */
  uniqueId(uid: number): string {
    return `${this.uidValidity}.${uid}`;
  }

  /** Messages not marked deleted, in message-number order. */
  *entries(): Generator<{ msg: number; uid: number; size: number }> {
    for (let i = 0; i < this.uids.length; i++) if (!this.deleted.has(i)) yield { msg: i + 1, uid: this.uids[i]!, size: this.sizes[i]! };
  }

  /** DELE: marks only; the caller has checked `lookup(msg)` is 'ok'. */
  markDeleted(msg: number): void {
    this.deleted.add(msg - 1);
  }

  /** RSET: unmarks everything. */
  reset(): void {
    this.deleted.clear();
  }

  get markedCount(): number {
    return this.deleted.size;
  }

  /** The message body as a stream, or null when another session (IMAP) removed it meanwhile. */
  async read(uid: number): Promise<AsyncIterable<Buffer> | null> {
    return (await readMessage(this.store, this.mailboxId, uid))?.chunks ?? null;
  }

  /** The UPDATE state: removes the marked messages; resolves to how many were removed. */
  async commit(): Promise<number> {
    const uids = [...this.deleted].sort((a, b) => a - b).map((i) => this.uids[i]!);
    const n = await deleteMessages(this.store, this.mailboxId, uids);
    this.deleted.clear();
    return n;
  }
}
