/**
 * A page of a mailbox, newest first, without loading the mailbox: the UIDs are walked in store
 * pages of UID_CHUNK (ascending, as the store keeps them) and only the PAGE_SIZE wanted are kept;
 * then only those rows are fetched and only their header blocks read (message.ts readHeader).
 * Memory per request is O(UID_CHUNK + PAGE_SIZE), whatever the mailbox size.
 */
import type { Mailbox, StoredMessage } from '../store/ports.ts';
import type { UserMailboxes } from '../mailbox/user-mailboxes.ts';
import { readHeader, summarize, type HeaderSummary } from './message.ts';

export const PAGE_SIZE = 50;
const UID_CHUNK = 1000;

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

/** The UIDs at ascending positions [from, to), walking the mailbox in chunks. */
async function uidsAt(ux: UserMailboxes, mb: Mailbox, from: number, to: number): Promise<number[]> {
  const out: number[] = [];
  let pos = 0;
  let after = 0;
  while (pos < to) {
    const chunk = await ux.uids(mb, after, UID_CHUNK);
    if (chunk.length === 0) break;
    for (const uid of chunk) {
      if (pos >= from && pos < to) out.push(uid);
      pos++;
    }
    after = chunk[chunk.length - 1]!;
    if (chunk.length < UID_CHUNK) break;
  }
  return out;
}

export async function listPage(ux: UserMailboxes, mb: Mailbox, requested: number): Promise<ListPage> {
  const total = (await ux.counts(mb)).messages;
  const pages = Math.max(1, Math.ceil(total / PAGE_SIZE));
  const page = Math.min(Math.max(0, requested), pages - 1);
  const end = total - page * PAGE_SIZE;
  const uids = await uidsAt(ux, mb, Math.max(0, end - PAGE_SIZE), end);
  const rows: ListRow[] = [];
  if (uids.length) {
    const found: StoredMessage[] = await ux.messages(mb, uids[0]!, uids[uids.length - 1]!, PAGE_SIZE);
    for (const m of found.reverse()) {
      const summary = summarize(await readHeader(ux, m));
      rows.push({ ...summary, uid: m.uid, size: m.size, internalDate: m.internalDate, seen: m.flags.includes('\\Seen'), flagged: m.flags.includes('\\Flagged') });
    }
  }
  return { rows, page, pages, total };
}
