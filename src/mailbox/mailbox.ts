/**
 * Mailbox operations shared by IMAP, POP3, delivery and web: open a user's mailbox, walk its
 * messages in UID order a page at a time, read a message as a stream of chunks, delete a set.
 *
 * A thin layer over the store port (store/ports.ts): no SQL, no protocol knowledge. Never holds a
 * whole mailbox or a whole large message in memory; callers that need a per-message list (a POP3
 * maildrop snapshot) keep only the small metadata they ask for.
 */
import type { Mailbox, MessageStore, StoredMessage } from '../store/ports.ts';

/** The mailbox every user has (RFC 3501 §5.1: the name INBOX is case-insensitive). */
export const INBOX = 'INBOX';

/** Messages fetched per store call while iterating. */
export const DEFAULT_PAGE_SIZE = 500;

/** A user's mailbox by name, or null; "inbox" in any case means INBOX. */
export async function openMailbox(store: MessageStore, userId: number, name: string = INBOX): Promise<Mailbox | null> {
  return store.getMailbox(userId, name.toUpperCase() === INBOX ? INBOX : name);
}

/** Every message of a mailbox in UID order, fetched from the store in pages of `pageSize`. */
export async function* iterateMessages(store: MessageStore, mailboxId: number, pageSize = DEFAULT_PAGE_SIZE): AsyncGenerator<StoredMessage> {
  let after = 0;
  for (;;) {
    const page = await store.listMessages(mailboxId, after, pageSize);
    for (const m of page) yield m;
    if (page.length < pageSize) return;
    after = page[page.length - 1]!.uid;
  }
}

/**
 * The message with this UID as a stream of raw RFC 5322 chunks, or null when it is gone (expunged
 * by another session since the caller last looked).
 */
export async function readMessage(store: MessageStore, mailboxId: number, uid: number): Promise<{ message: StoredMessage; chunks: AsyncIterable<Buffer> } | null> {
  const message = await store.getMessage(mailboxId, uid);
  if (!message) return null;
  return { message, chunks: store.streamBlob(message.blobId) };
}

/** Deletes the messages with these UIDs for good; resolves to how many were still there. */
export async function deleteMessages(store: MessageStore, mailboxId: number, uids: readonly number[]): Promise<number> {
  return uids.length ? store.expunge(mailboxId, [...uids]) : 0;
}
