/**
 * Typed IMAP commands: RFC 9051 §6 (IMAP4rev2) with the IMAP4rev1 (RFC 3501 §6) commands and the
 * extensions we serve: RFC 2971 ID, RFC 5161 ENABLE, RFC 4959 SASL-IR, RFC 5258 LIST-EXTENDED,
 * RFC 5819 LIST-STATUS, RFC 6154 SPECIAL-USE, RFC 4731 ESEARCH, RFC 5182 SEARCHRES,
 * RFC 7162 CONDSTORE/QRESYNC, RFC 3516 BINARY, RFC 4315 UIDPLUS, RFC 6851 MOVE, RFC 6855 UTF8.
 *
 * Every command is `{ tag, name, ...args }`; `name` is the discriminant. UID-prefixed forms of
 * FETCH, STORE, SEARCH, COPY and MOVE carry `uid: true`; UID EXPUNGE is its own command.
 */
import type { ImapDate, ImapDateTime } from '../datetime.ts';
import type { SequenceSet } from '../sequence.ts';

interface Tagged {
  tag: string;
}

/** RFC 9051 §6.3.11 / RFC 3501 §6.3.10, RFC 7162 §3.1, RFC 7889, RFC 8474. */
export type StatusItem =
  | 'MESSAGES'
  | 'UIDNEXT'
  | 'UIDVALIDITY'
  | 'UNSEEN'
  | 'DELETED'
  | 'SIZE'
  | 'RECENT'
  | 'HIGHESTMODSEQ'
  | 'APPENDLIMIT'
  | 'MAILBOXID';

/** RFC 7162 §3.2.5: QRESYNC select parameter. */
export interface QresyncParams {
  uidValidity: number;
  modseq: bigint;
  knownUids: SequenceSet | null;
  /** seq-match-data: known sequence numbers and the UIDs they had. */
  seqMatch: { seqs: SequenceSet; uids: SequenceSet } | null;
}

/** RFC 5258 §3 selection options (+ RFC 6154 §5.3 SPECIAL-USE). */
export interface ListSelection {
  subscribed: boolean;
  remote: boolean;
  recursiveMatch: boolean;
  specialUse: boolean;
}

/** RFC 5258 §3 return options (+ RFC 6154 SPECIAL-USE, RFC 5819 STATUS). */
export interface ListReturn {
  subscribed: boolean;
  children: boolean;
  specialUse: boolean;
  status: StatusItem[] | null;
}

/** RFC 9051 §6.4.4 search keys as a tree. System flags are written canonically (`\Seen`). */
export type SearchKey =
  | { type: 'all' }
  /** ANSWERED/UNANSWERED, DELETED, DRAFT, FLAGGED, SEEN and KEYWORD/UNKEYWORD: `set` = has the flag. */
  | { type: 'flag'; flag: string; set: boolean }
  /** RFC 3501 only: NEW = RECENT UNSEEN, OLD = NOT RECENT. */
  | { type: 'recent' }
  | { type: 'new' }
  | { type: 'old' }
  /** FROM/TO/CC/BCC/SUBJECT are HEADER searches on that field; field names are as written. */
  | { type: 'header'; field: string; value: string }
  | { type: 'body'; value: string }
  | { type: 'text'; value: string }
  /** BEFORE/ON/SINCE (internal date) and SENTBEFORE/SENTON/SENTSINCE (Date: header). */
  | { type: 'date'; field: 'internal' | 'sent'; op: 'before' | 'on' | 'since'; date: ImapDate }
  /** RFC 5032 WITHIN: OLDER / YOUNGER interval in seconds. */
  | { type: 'age'; op: 'older' | 'younger'; seconds: number }
  | { type: 'size'; op: 'larger' | 'smaller'; size: number }
  | { type: 'uid'; set: SequenceSet }
  | { type: 'seq'; set: SequenceSet }
  /** RFC 7162 §3.1.5: MODSEQ [entry-name entry-type] value. */
  | { type: 'modseq'; modseq: bigint; entry: { flag: string; kind: 'priv' | 'shared' | 'all' } | null }
  | { type: 'not'; key: SearchKey }
  | { type: 'or'; left: SearchKey; right: SearchKey }
  | { type: 'and'; keys: SearchKey[] };

/** RFC 4731 §3.1 / RFC 9051 §6.4.4 return options; RFC 5182 SAVE. */
export type SearchReturnOption = 'MIN' | 'MAX' | 'COUNT' | 'ALL' | 'SAVE';

/** RFC 9051 §6.4.5 section-spec. `part` is empty for the top level. */
export interface Section {
  part: number[];
  /** section-msgtext / section-text; null means the whole part (or the whole message). */
  text: 'HEADER' | 'HEADER.FIELDS' | 'HEADER.FIELDS.NOT' | 'TEXT' | 'MIME' | null;
  /** Field names for HEADER.FIELDS[.NOT], upper-cased. */
  fields: string[];
}

/** `<origin.octets>` in the request; the response echoes only `<origin>`. */
export interface PartialRange {
  start: number;
  length: number;
}

/** Plain fetch attributes (RFC 9051 §6.4.5; RFC 3501 RFC822*, RFC 7162 MODSEQ). */
export type SimpleFetchName =
  | 'FLAGS'
  | 'INTERNALDATE'
  | 'RFC822.SIZE'
  | 'ENVELOPE'
  | 'BODY'
  | 'BODYSTRUCTURE'
  | 'UID'
  | 'MODSEQ'
  | 'RFC822'
  | 'RFC822.HEADER'
  | 'RFC822.TEXT';

export type FetchAttribute =
  | { name: SimpleFetchName }
  /** BODY[section]<partial> and BODY.PEEK[...] (peek: do not set \Seen). */
  | { name: 'BODY[]'; peek: boolean; section: Section; partial: PartialRange | null }
  /** RFC 3516 BINARY[part]<partial> / BINARY.PEEK[...]: the decoded content of a leaf part. */
  | { name: 'BINARY[]'; peek: boolean; part: number[]; partial: PartialRange | null }
  /** RFC 3516 BINARY.SIZE[part]. */
  | { name: 'BINARY.SIZE'; part: number[] };

export type FetchMacro = 'ALL' | 'FAST' | 'FULL';

export type ImapCommand =
  | (Tagged & { name: 'CAPABILITY' | 'NOOP' | 'LOGOUT' | 'STARTTLS' | 'NAMESPACE' | 'IDLE' })
  | (Tagged & { name: 'CHECK' | 'CLOSE' | 'UNSELECT' | 'EXPUNGE' })
  /** RFC 9051 §6.2.2; RFC 4959: initialResponse is base64 text, "" for the "=" empty response. */
  | (Tagged & { name: 'AUTHENTICATE'; mechanism: string; initialResponse: string | null })
  | (Tagged & { name: 'LOGIN'; username: string; password: string })
  /** RFC 2971: field/value pairs, or null for "ID NIL". */
  | (Tagged & { name: 'ID'; params: Array<[string, string | null]> | null })
  /** RFC 5161: capability names upper-cased. */
  | (Tagged & { name: 'ENABLE'; capabilities: string[] })
  | (Tagged & { name: 'SELECT' | 'EXAMINE'; mailbox: string; condstore: boolean; qresync: QresyncParams | null })
  /** RFC 6154 §3: CREATE mailbox (USE (\Drafts ...)). */
  | (Tagged & { name: 'CREATE'; mailbox: string; specialUse: string[] })
  | (Tagged & { name: 'DELETE' | 'SUBSCRIBE' | 'UNSUBSCRIBE'; mailbox: string })
  | (Tagged & { name: 'RENAME'; from: string; to: string })
  | (Tagged & {
      name: 'LIST';
      reference: string;
      patterns: string[];
      selection: ListSelection;
      returns: ListReturn;
      /** True when the command used RFC 5258 syntax (selection or return options, pattern list). */
      extended: boolean;
    })
  | (Tagged & { name: 'LSUB'; reference: string; pattern: string })
  | (Tagged & { name: 'STATUS'; mailbox: string; items: StatusItem[] })
  | (Tagged & {
      name: 'APPEND';
      mailbox: string;
      flags: string[];
      date: ImapDateTime | null;
      /**
       * The message literal's size. Its octets are not here: the reader streamed them to the
       * session as `literal-data` events (imap/reader.ts), which spools them (mailbox/append-spool.ts).
       */
      size: number;
      /** literal8 (RFC 3516 §4.4) or RFC 6855 UTF8 (~{n}): the message may hold binary. */
      binary: boolean;
      /** RFC 6855 §4: APPEND ... UTF8 (literal8). */
      utf8: boolean;
    })
  | (Tagged & { name: 'UID EXPUNGE'; set: SequenceSet })
  | (Tagged & {
      name: 'SEARCH';
      uid: boolean;
      charset: string | null;
      criteria: SearchKey;
      /** null: no RETURN (plain SEARCH response); [] means RETURN () = ALL (RFC 4731 §3.1). */
      returns: SearchReturnOption[] | null;
    })
  | (Tagged & {
      name: 'FETCH';
      uid: boolean;
      set: SequenceSet;
      /** Expanded attributes; UID FETCH implies UID (RFC 9051 §6.4.9) — not added here. */
      items: FetchAttribute[];
      macro: FetchMacro | null;
      /** RFC 7162 §3.1.4 CHANGEDSINCE. */
      changedSince: bigint | null;
      /** RFC 7162 §3.2.6 VANISHED (UID FETCH only, with CHANGEDSINCE). */
      vanished: boolean;
    })
  | (Tagged & {
      name: 'STORE';
      uid: boolean;
      set: SequenceSet;
      /** "+FLAGS" add, "-FLAGS" remove, "FLAGS" replace. */
      action: 'add' | 'remove' | 'replace';
      silent: boolean;
      flags: string[];
      /** RFC 7162 §3.1.3 UNCHANGEDSINCE. */
      unchangedSince: bigint | null;
    })
  | (Tagged & { name: 'COPY' | 'MOVE'; uid: boolean; set: SequenceSet; mailbox: string });

export type CommandName = ImapCommand['name'];

/** A command that could not be parsed: answer `tag BAD reason`, or `* BAD reason` without a tag. */
export interface CommandError {
  tag: string | undefined;
  reason: string;
  /** Optional response code: CLIENTBUG, TOOBIG, LIMIT, PARSE ... (RFC 9051 §7.1). */
  code: string | null;
}

export type ParseResult = { ok: true; command: ImapCommand } | { ok: false; error: CommandError };
