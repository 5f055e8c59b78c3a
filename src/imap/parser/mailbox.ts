/**
 * Mailbox commands: RFC 9051 §6.3.2 SELECT, §6.3.3 EXAMINE, §6.3.4 CREATE, §6.3.5 DELETE,
 * §6.3.6 RENAME, §6.3.7 SUBSCRIBE, §6.3.8 UNSUBSCRIBE, §6.3.11 STATUS; RFC 7162 §3.1.8 / §3.2.5
 * (SELECT/EXAMINE CONDSTORE and QRESYNC parameters); RFC 6154 §3 (CREATE ... USE (...)).
 */
import type { ImapCommand, QresyncParams, StatusItem } from './types.ts';
import type { Scanner } from './scanner.ts';
import type { SequenceSet } from '../sequence.ts';

/**
 * select = "SELECT" SP mailbox [select-params]
 * select-params = SP "(" select-param *(SP select-param) ")"
 * select-param  = "CONDSTORE" / "QRESYNC" SP "(" uidvalidity SP mod-sequence-value
 *                 [SP known-uids] [SP seq-match-data] ")"            ; RFC 7162 §7
 */
export function parseSelect(name: 'SELECT' | 'EXAMINE') {
  return (s: Scanner, tag: string): ImapCommand => {
    s.sp();
    const mailbox = s.mailbox();
    let condstore = false;
    let qresync: QresyncParams | null = null;
    if (s.trySp()) {
      s.list(() => {
        const param = s.atom('select parameter').toUpperCase();
        if (param === 'CONDSTORE' && !condstore) condstore = true;
        else if (param === 'QRESYNC' && qresync === null) qresync = parseQresync(s);
        else s.fail(`Unknown or repeated select parameter ${param}`);
      });
    }
    s.end();
    return { tag, name, mailbox, condstore, qresync };
  };
}

function parseQresync(s: Scanner): QresyncParams {
  s.sp();
  s.expect('(');
  const uidValidity = s.nzNumber();
  s.sp();
  const modseq = s.number64();
  let knownUids: SequenceSet | null = null;
  let seqMatch: QresyncParams['seqMatch'] = null;
  if (s.trySp()) {
    if (s.peek() !== 0x28) {
      knownUids = s.sequenceSet();
      if (s.trySp()) seqMatch = parseSeqMatch(s);
    } else {
      seqMatch = parseSeqMatch(s);
    }
  }
  s.expect(')');
  if (knownUids?.kind === 'saved' || seqMatch?.seqs.kind === 'saved' || seqMatch?.uids.kind === 'saved') {
    s.fail('"$" is not allowed in QRESYNC');
  }
  return { uidValidity, modseq, knownUids, seqMatch };
}

/** seq-match-data = "(" known-sequence-set SP known-uid-set ")" */
function parseSeqMatch(s: Scanner): QresyncParams['seqMatch'] {
  s.expect('(');
  const seqs = s.sequenceSet();
  s.sp();
  const uids = s.sequenceSet();
  s.expect(')');
  return { seqs, uids };
}

/** RFC 6154 §3: use-attr = "\All" / "\Archive" / "\Drafts" / "\Flagged" / "\Junk" / "\Sent" / "\Trash" */
const USE_ATTRS = ['\\All', '\\Archive', '\\Drafts', '\\Flagged', '\\Junk', '\\Sent', '\\Trash'];

/** create = "CREATE" SP mailbox [create-params] ; create-param =/ "USE" SP "(" [use-attr *(SP use-attr)] ")" */
export function parseCreate(s: Scanner, tag: string): ImapCommand {
  s.sp();
  const mailbox = s.mailbox();
  const specialUse: string[] = [];
  if (s.trySp()) {
    let seenUse = false;
    s.list(() => {
      const param = s.atom('create parameter').toUpperCase();
      if (param !== 'USE' || seenUse) s.fail(`Unknown or repeated CREATE parameter ${param}`);
      seenUse = true;
      s.sp();
      const attrs = s.list(() => {
        s.expect('\\');
        const attr = `\\${s.atom('special-use attribute')}`;
        return USE_ATTRS.find((a) => a.toLowerCase() === attr.toLowerCase()) ?? attr;
      }, true);
      specialUse.push(...attrs);
    });
  }
  s.end();
  return { tag, name: 'CREATE', mailbox, specialUse };
}

/** delete / subscribe / unsubscribe = NAME SP mailbox */
export function parseMailboxOnly(name: 'DELETE' | 'SUBSCRIBE' | 'UNSUBSCRIBE') {
  return (s: Scanner, tag: string): ImapCommand => {
    s.sp();
    const mailbox = s.mailbox();
    s.end();
    return { tag, name, mailbox };
  };
}

/** rename = "RENAME" SP mailbox SP mailbox */
export function parseRename(s: Scanner, tag: string): ImapCommand {
  s.sp();
  const from = s.mailbox();
  s.sp();
  const to = s.mailbox();
  s.end();
  return { tag, name: 'RENAME', from, to };
}

const STATUS_ITEMS: readonly StatusItem[] = [
  'MESSAGES',
  'UIDNEXT',
  'UIDVALIDITY',
  'UNSEEN',
  'DELETED',
  'SIZE',
  'RECENT',
  'HIGHESTMODSEQ',
  'APPENDLIMIT',
  'MAILBOXID',
];

/** status-att (RFC 9051 §9; RECENT from RFC 3501; HIGHESTMODSEQ RFC 7162; APPENDLIMIT RFC 7889; MAILBOXID RFC 8474). */
export function statusItem(s: Scanner): StatusItem {
  const a = s.atom('status item').toUpperCase();
  const item = STATUS_ITEMS.find((x) => x === a);
  if (item === undefined) s.fail(`Unknown status item ${a}`);
  return item;
}

/** status = "STATUS" SP mailbox SP "(" status-att *(SP status-att) ")" */
export function parseStatus(s: Scanner, tag: string): ImapCommand {
  s.sp();
  const mailbox = s.mailbox();
  s.sp();
  const items = s.list(() => statusItem(s));
  s.end();
  return { tag, name: 'STATUS', mailbox, items };
}
