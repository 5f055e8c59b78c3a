/**
 * COPY, MOVE and UID EXPUNGE: RFC 9051 §6.4.7 (COPY), §6.4.8 (MOVE, RFC 6851 §3),
 * §6.4.9 (UID prefix, UID EXPUNGE from RFC 4315 §2.1).
 *
 *   copy = "COPY" SP sequence-set SP mailbox
 *   move = "MOVE" SP sequence-set SP mailbox
 *   uid-expunge = "EXPUNGE" SP sequence-set     ; only after "UID"
 */
import type { ImapCommand } from './types.ts';
import type { Scanner } from './scanner.ts';

export function parseCopy(name: 'COPY' | 'MOVE') {
  return (s: Scanner, tag: string, uid: boolean): ImapCommand => {
    s.sp();
    const set = s.sequenceSet();
    s.sp();
    const mailbox = s.mailbox();
    s.end();
    return { tag, name, uid, set, mailbox };
  };
}

export function parseUidExpunge(s: Scanner, tag: string): ImapCommand {
  s.sp();
  const set = s.sequenceSet();
  s.end();
  return { tag, name: 'UID EXPUNGE', set };
}
