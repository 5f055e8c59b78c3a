/**
 * LIST and LSUB: RFC 9051 §6.3.9 (LIST with RFC 5258 LIST-EXTENDED selection and return options),
 * RFC 5819 (RETURN (STATUS (...))), RFC 6154 §5.3 (SPECIAL-USE selection and return option),
 * RFC 3501 §6.3.9 (LSUB, IMAP4rev1 only).
 *
 *   list = "LIST" [SP list-select-opts] SP mailbox SP mbox-or-pat [SP list-return-opts]
 *   list-select-opts = "(" [list-select-opt *(SP list-select-opt)] ")"
 *   mbox-or-pat = list-mailbox / patterns ; patterns = "(" list-mailbox *(SP list-mailbox) ")"
 *   list-return-opts = "RETURN" SP "(" [return-option *(SP return-option)] ")"
 *   return-option = "SUBSCRIBED" / "CHILDREN" / "SPECIAL-USE" / "STATUS" SP "(" status-att ... ")"
 */
import type { ImapCommand, ListReturn, ListSelection } from './types.ts';
import type { Scanner } from './scanner.ts';
import { statusItem } from './mailbox.ts';

function parseSelection(s: Scanner): ListSelection {
  const sel: ListSelection = { subscribed: false, remote: false, recursiveMatch: false, specialUse: false };
  s.list(() => {
    const opt = s.atom('selection option').toUpperCase();
    // RFC 5258 §3: unrecognised selection options MUST be answered with BAD.
    if (opt === 'SUBSCRIBED') sel.subscribed = true;
    else if (opt === 'REMOTE') sel.remote = true;
    else if (opt === 'RECURSIVEMATCH') sel.recursiveMatch = true;
    else if (opt === 'SPECIAL-USE') sel.specialUse = true;
    else s.fail(`Unknown LIST selection option ${opt}`);
  }, true);
  // RFC 5258 §3: RECURSIVEMATCH alone (or with only REMOTE) is a BAD.
  if (sel.recursiveMatch && !sel.subscribed && !sel.specialUse) s.fail('RECURSIVEMATCH needs another selection option');
  return sel;
}

function parseReturn(s: Scanner): ListReturn {
  const ret: ListReturn = { subscribed: false, children: false, specialUse: false, status: null };
  s.list(() => {
    const opt = s.atom('return option').toUpperCase();
    if (opt === 'SUBSCRIBED') ret.subscribed = true;
    else if (opt === 'CHILDREN') ret.children = true;
    else if (opt === 'SPECIAL-USE') ret.specialUse = true;
    else if (opt === 'STATUS' && ret.status === null) {
      // RFC 5819 §2
      s.sp();
      ret.status = s.list(() => statusItem(s));
    } else s.fail(`Unknown LIST return option ${opt}`);
  }, true);
  return ret;
}

export function parseList(s: Scanner, tag: string): ImapCommand {
  s.sp();
  let extended = false;
  let selection: ListSelection = { subscribed: false, remote: false, recursiveMatch: false, specialUse: false };
  if (s.peek() === 0x28) {
    selection = parseSelection(s);
    extended = true;
    s.sp();
  }
  const reference = s.mailbox();
  s.sp();
  let patterns: string[];
  if (s.peek() === 0x28) {
    patterns = s.list(() => s.listMailbox());
    extended = true;
  } else {
    patterns = [s.listMailbox()];
  }
  let returns: ListReturn = { subscribed: false, children: false, specialUse: false, status: null };
  if (s.trySp()) {
    if (!s.tryKeyword('RETURN')) s.fail('Expected RETURN');
    s.sp();
    returns = parseReturn(s);
    extended = true;
  }
  s.end();
  return { tag, name: 'LIST', reference, patterns, selection, returns, extended };
}

/** lsub = "LSUB" SP mailbox SP list-mailbox */
export function parseLsub(s: Scanner, tag: string): ImapCommand {
  s.sp();
  const reference = s.mailbox();
  s.sp();
  const pattern = s.listMailbox();
  s.end();
  return { tag, name: 'LSUB', reference, pattern };
}
