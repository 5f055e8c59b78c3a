/**
 * The message actions (POST, behind the session gate and the CSRF check): Spam, Not spam, Forget
 * training, delete, read/unread, flag/unflag. All go through UserMailboxes
 * (mailbox/user-mailboxes.ts), like IMAP: ownership checked, the change published on the event bus
 * (IMAP IDLE clients see it), and a move into or out of Junk trains the spam filter exactly as IMAP
 * MOVE does (the `junkTraining` hook wired in app/app.ts): Spam trains spam, Not spam relabels the
 * same message as ham (the training record makes it count once, junk/train.ts). Forget training
 * untrains the message exactly (junk/message.ts forgetTraining) and moves nothing.
 */
import type { Mailbox } from '../store/ports.ts';
import { INBOX } from '../mailbox/names.ts';
import type { UserMailboxes } from '../mailbox/user-mailboxes.ts';

export type Action = 'spam' | 'notspam' | 'forget' | 'delete' | 'seen' | 'unseen' | 'flag' | 'unflag';
export const ACTIONS: readonly Action[] = ['spam', 'notspam', 'forget', 'delete', 'seen', 'unseen', 'flag', 'unflag'];

/** What the page says after an action (fixed texts: nothing from the request is reflected). */
export const DONE_TEXT: Record<string, string> = {
  spam: 'Moved to Junk; the spam filter learned it as spam.',
  notspam: 'Moved to INBOX; the spam filter learned it as not spam.',
  trash: 'Moved to Trash.',
  expunged: 'Deleted for good.',
  unread: 'Marked as unread.',
  gone: 'That message is no longer there.',
  forgotten: 'The spam filter forgot what it learned from this message, as if it had never been trained.',
  untrained: 'The spam filter had learned nothing from this message.',
  unforgotten: 'The spam filter could not be reached; nothing was forgotten. Try again later.',
};

/** The notices of Forget training, shown on the message page. */
export const FORGET_DONE = ['forgotten', 'untrained', 'unforgotten'] as const;
export type ForgetDone = (typeof FORGET_DONE)[number];

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

/** Where the browser goes next: the mailbox (with a notice) after a move, the message (with a notice, or none) after a flag change or Forget training. */
export type ActionResult = { to: 'box'; done: keyof typeof DONE_TEXT } | { to: 'message'; done?: keyof typeof DONE_TEXT };

/**
 * `forget` undoes this user's training of the message (present when the spam filter is on) and
 * says how that went.
 */
export async function runAction(ux: UserMailboxes, mb: Mailbox, uid: number, action: Action, forget?: () => Promise<ForgetDone>): Promise<ActionResult> {
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
    case 'forget':
      if (!forget) return { to: 'message' };
      return { to: 'message', done: await forget() };
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
