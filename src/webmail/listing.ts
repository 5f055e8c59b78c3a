/**
 * A page of a mailbox, newest first, without loading the mailbox: the store lists the page's
 * UIDs backwards through its (mailbox, uid) index (page k costs k·PAGE_SIZE index steps, page 0
 * the same whatever the mailbox size), then only those rows are fetched and only their header
 * blocks read (message.ts readHeader). Memory per request is O(PAGE_SIZE).
 */
import type { Mailbox, StoredMessage } from '../store/ports.ts';
import type { UserMailboxes } from '../mailbox/user-mailboxes.ts';
import { readHeader, summarize, type HeaderSummary } from './message.ts';

export const PAGE_SIZE = 50;

export interface ListRow extends HeaderSummary {
  uid: number;
  size: number;
  internalDate: number;
  seen: boolean;
  flagged: boolean;
}

export interface ListPage {
  rows: ListRow[];
  /** 0-based, newest first. */
  page: number;
  pages: number;
  total: number;
}

export async function listPage(ux: UserMailboxes, mb: Mailbox, requested: number): Promise<ListPage> {
  const total = (await ux.counts(mb)).messages;
  const pages = Math.max(1, Math.ceil(total / PAGE_SIZE));
  const page = Math.min(Math.max(0, requested), pages - 1);
  // Newest first: the page's UIDs are consecutive in the mailbox, so one range fetch gets them.
  const uids = await ux.uidsNewestFirst(mb, page * PAGE_SIZE, PAGE_SIZE);
  const rows: ListRow[] = [];
  if (uids.length) {
    const found: StoredMessage[] = await ux.messages(mb, uids[uids.length - 1]!, uids[0]!, PAGE_SIZE);
    for (const m of found.reverse()) {
      const summary = summarize(await readHeader(ux, m));
      rows.push({ ...summary, uid: m.uid, size: m.size, internalDate: m.internalDate, seen: m.flags.includes('\\Seen'), flagged: m.flags.includes('\\Flagged') });
    }
  }
  return { rows, page, pages, total };
}
