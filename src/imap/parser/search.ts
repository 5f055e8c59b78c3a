/**
 * SEARCH / UID SEARCH: RFC 9051 §6.4.4 (search keys, RETURN options, CHARSET), RFC 3501 §6.4.4
 * (RECENT, NEW, OLD, UNANSWERED...), RFC 4731 §3.1 (ESEARCH return options), RFC 5182 (SAVE and
 * "$"), RFC 7162 §3.1.5 (MODSEQ), RFC 5032 (OLDER / YOUNGER).
 *
 *   search = "SEARCH" [search-return-opts] SP search-program
 *   search-return-opts = SP "RETURN" SP "(" [search-return-opt *(SP search-return-opt)] ")"
 *   search-program = ["CHARSET" SP charset SP] search-key *(SP search-key)
 *
 * Nesting (NOT, OR, parentheses) is bounded by MAX_SEARCH_DEPTH so a hostile command cannot
 * exhaust the stack.
 */
import { parseImapDate, type ImapDate } from '../datetime.ts';
import type { ImapCommand, SearchKey, SearchReturnOption } from './types.ts';
import type { Scanner } from './scanner.ts';

export const MAX_SEARCH_DEPTH = 64;

const RETURN_OPTIONS: readonly SearchReturnOption[] = ['MIN', 'MAX', 'COUNT', 'ALL', 'SAVE'];

/** Keys that are a flag test: name → [flag, set]. */
const FLAG_KEYS: Record<string, [string, boolean]> = {
  ANSWERED: ['\\Answered', true],
  DELETED: ['\\Deleted', true],
  DRAFT: ['\\Draft', true],
  FLAGGED: ['\\Flagged', true],
  SEEN: ['\\Seen', true],
  UNANSWERED: ['\\Answered', false],
  UNDELETED: ['\\Deleted', false],
  UNDRAFT: ['\\Draft', false],
  UNFLAGGED: ['\\Flagged', false],
  UNSEEN: ['\\Seen', false],
};

/** Keys that search a header field for a string. */
const HEADER_KEYS: Record<string, string> = { FROM: 'From', TO: 'To', CC: 'Cc', BCC: 'Bcc', SUBJECT: 'Subject' };

const DATE_KEYS: Record<string, ['internal' | 'sent', 'before' | 'on' | 'since']> = {
  BEFORE: ['internal', 'before'],
  ON: ['internal', 'on'],
  SINCE: ['internal', 'since'],
  SENTBEFORE: ['sent', 'before'],
  SENTON: ['sent', 'on'],
  SENTSINCE: ['sent', 'since'],
};

/** date = date-text / DQUOTE date-text DQUOTE */
function date(s: Scanner): ImapDate {
  const text = s.peek() === 0x22 ? s.quoted() : s.atom('date');
  const d = parseImapDate(text);
  if (d === null) s.fail(`Invalid date "${text.slice(0, 40)}"`);
  return d;
}

/** "(" search-key *(SP search-key) ")" or the top-level key list: AND of the keys. */
function andOf(keys: SearchKey[]): SearchKey {
  return keys.length === 1 ? keys[0]! : { type: 'and', keys };
}

function searchKey(s: Scanner, depth: number): SearchKey {
  if (depth > MAX_SEARCH_DEPTH) s.fail('Search criteria nested too deeply');
  if (s.peek() === 0x28) return andOf(s.list(() => searchKey(s, depth + 1)));
  if (s.atSequenceSet()) return { type: 'seq', set: s.sequenceSet() };
  const name = s.atom('search key').toUpperCase();
  const flagKey = FLAG_KEYS[name];
  if (flagKey !== undefined) return { type: 'flag', flag: flagKey[0], set: flagKey[1] };
  const header = HEADER_KEYS[name];
  if (header !== undefined) {
    s.sp();
    return { type: 'header', field: header, value: s.astring() };
  }
  const dateKey = DATE_KEYS[name];
  if (dateKey !== undefined) {
    s.sp();
    return { type: 'date', field: dateKey[0], op: dateKey[1], date: date(s) };
  }
  switch (name) {
    case 'ALL':
      return { type: 'all' };
    case 'NEW':
      return { type: 'new' };
    case 'OLD':
      return { type: 'old' };
    case 'RECENT':
      return { type: 'recent' };
    case 'KEYWORD':
    case 'UNKEYWORD':
      s.sp();
      return { type: 'flag', flag: s.atom('keyword'), set: name === 'KEYWORD' };
    case 'HEADER': {
      s.sp();
      const field = s.astring('header field name');
      s.sp();
      return { type: 'header', field, value: s.astring() };
    }
    case 'BODY':
    case 'TEXT':
      s.sp();
      return { type: name === 'BODY' ? 'body' : 'text', value: s.astring() };
    case 'LARGER':
    case 'SMALLER': {
      s.sp();
      const size = s.number64();
      if (size > BigInt(Number.MAX_SAFE_INTEGER)) s.fail('Size out of range');
      return { type: 'size', op: name === 'LARGER' ? 'larger' : 'smaller', size: Number(size) };
    }
    case 'OLDER':
    case 'YOUNGER':
      s.sp();
      return { type: 'age', op: name === 'OLDER' ? 'older' : 'younger', seconds: s.nzNumber() };
    case 'UID':
      s.sp();
      return { type: 'uid', set: s.sequenceSet() };
    case 'NOT':
      s.sp();
      return { type: 'not', key: searchKey(s, depth + 1) };
    case 'OR': {
      s.sp();
      const left = searchKey(s, depth + 1);
      s.sp();
      return { type: 'or', left, right: searchKey(s, depth + 1) };
    }
    case 'MODSEQ':
      return modseqKey(s);
    default:
      return s.fail(`Unknown search key ${name.slice(0, 40)}`);
  }
}

/**
 * RFC 7162 §3.1.5: "MODSEQ" [SP entry-name SP entry-type-req] SP mod-sequence-valzer
 * entry-name = DQUOTE "/flags/" attr-flag DQUOTE ; entry-type-req = "priv" / "shared" / "all"
 */
function modseqKey(s: Scanner): SearchKey {
  s.sp();
  let entry: { flag: string; kind: 'priv' | 'shared' | 'all' } | null = null;
  if (s.peek() === 0x22) {
    const name = s.quoted();
    if (!name.toLowerCase().startsWith('/flags/') || name.length === 7) s.fail('Invalid MODSEQ entry name');
    s.sp();
    const kind = s.atom('entry type').toLowerCase();
    if (kind !== 'priv' && kind !== 'shared' && kind !== 'all') s.fail('Invalid MODSEQ entry type');
    entry = { flag: name.slice(7), kind };
    s.sp();
  }
  return { type: 'modseq', modseq: s.number64(), entry };
}

export function parseSearch(s: Scanner, tag: string, uid: boolean): ImapCommand {
  s.sp();
  let returns: SearchReturnOption[] | null = null;
  if (s.tryKeyword('RETURN')) {
    s.sp();
    returns = s.list(() => {
      const opt = s.atom('return option').toUpperCase();
      const known = RETURN_OPTIONS.find((o) => o === opt);
      // RFC 4731 §3.1: unknown return options are a BAD.
      if (known === undefined) s.fail(`Unknown SEARCH return option ${opt}`);
      return known;
    }, true);
    s.sp();
  }
  let charset: string | null = null;
  if (s.tryKeyword('CHARSET')) {
    s.sp();
    charset = s.astring('charset');
    s.sp();
  }
  const keys: SearchKey[] = [searchKey(s, 0)];
  while (s.trySp()) keys.push(searchKey(s, 0));
  s.end();
  return { tag, name: 'SEARCH', uid, charset, criteria: andOf(keys), returns };
}
