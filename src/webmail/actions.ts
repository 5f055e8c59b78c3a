/**
 * The message actions (POST, behind the session gate and the CSRF check): Spam, Not spam, delete,
 * read/unread, flag/unflag. All go through UserMailboxes (mailbox/user-mailboxes.ts), like IMAP:
 * ownership checked, the change published on the event bus (IMAP IDLE clients see it), and a move
 * into or out of Junk trains the spam filter exactly as IMAP MOVE does (the `junkTraining` hook
 * wired in app/app.ts): Spam trains spam, Not spam relabels the same message as ham (the training
 * record makes it count once, junk/train.ts).
 */
import type { Mailbox } from '../store/ports.ts';
import { INBOX } from '../mailbox/names.ts';
import type { UserMailboxes } from '../mailbox/user-mailboxes.ts';

export type Action = 'spam' | 'notspam' | 'delete' | 'seen' | 'unseen' | 'flag' | 'unflag';
export const ACTIONS: readonly Action[] = ['spam', 'notspam', 'delete', 'seen', 'unseen', 'flag', 'unflag'];

/** What the page says after an action (fixed texts: nothing from the request is reflected). */
export const DONE_TEXT: Record<string, string> = {
  spam: 'Moved to Junk; the spam filter learned it as spam.',
  notspam: 'Moved to INBOX; the spam filter learned it as not spam.',
  trash: 'Moved to Trash.',
  expunged: 'Deleted for good.',
  unread: 'Marked as unread.',
  gone: 'That message is no longer there.',
};

const special = (mb: Mailbox, use: string, name: string) => mb.specialUse?.toLowerCase() === use || mb.name.toLowerCase() === name;
/** As UserMailboxes decides what trains: special-use \Junk (RFC 6154), or named Junk. */
export const isJunk = (mb: Mailbox) => special(mb, '\\junk', 'junk');
const isTrash = (mb: Mailbox) => special(mb, '\\trash', 'trash');

/** The user's mailbox with this special use (RFC 6154), created when missing. */
async function specialMailbox(ux: UserMailboxes, use: '\\Junk' | '\\Trash', name: string): Promise<Mailbox> {
  const all = await ux.list();
  const found = all.find((m) => m.specialUse?.toLowerCase() === use.toLowerCase()) ?? all.find((m) => m.name.toLowerCase() === name.toLowerCase());
  if (found) return found;
  const r = await ux.create(name, [use]);
  if (r.ok) return r.value;
  const again = await ux.find(name);
  if (!again) throw new Error(`cannot create ${name}: ${r.text}`);
  return again;
}

/** Where the browser goes next: the mailbox (with a notice) after a move, the message after a flag change. */
export type ActionResult = { to: 'box'; done: keyof typeof DONE_TEXT } | { to: 'message' };

export async function runAction(ux: UserMailboxes, mb: Mailbox, uid: number, action: Action): Promise<ActionResult> {
  const range = [[uid, uid]] as const;
  const moved = (r: { pairs: unknown[] }, done: keyof typeof DONE_TEXT): ActionResult => ({ to: 'box', done: r.pairs.length ? done : 'gone' });
  switch (action) {
    case 'spam': {
      if (isJunk(mb)) return { to: 'message' };
      return moved(await ux.copy(mb, [uid], await specialMailbox(ux, '\\Junk', 'Junk'), true), 'spam');
    }
    case 'notspam': {
      if (!isJunk(mb)) return { to: 'message' };
      const inbox = await ux.find(INBOX);
      if (!inbox) throw new Error('the user has no INBOX');
      return moved(await ux.copy(mb, [uid], inbox, true), 'notspam');
    }
    case 'delete': {
      if (isTrash(mb)) {
        // Already in Trash: \Deleted, then expunge just this message (RFC 9051 §6.4.9 UID EXPUNGE).
        await ux.setFlags(mb, range, 'add', ['\\Deleted']);
        return { to: 'box', done: (await ux.expungeDeleted(mb, range)).length ? 'expunged' : 'gone' };
      }
      return moved(await ux.copy(mb, [uid], await specialMailbox(ux, '\\Trash', 'Trash'), true), 'trash');
    }
    case 'seen':
      await ux.setFlags(mb, range, 'add', ['\\Seen']);
      return { to: 'message' };
    case 'unseen':
      // Back to the list: opening the message again would set \Seen again.
      await ux.setFlags(mb, range, 'remove', ['\\Seen']);
      return { to: 'box', done: 'unread' };
    case 'flag':
    case 'unflag':
      await ux.setFlags(mb, range, action === 'flag' ? 'add' : 'remove', ['\\Flagged']);
      return { to: 'message' };
  }
}
