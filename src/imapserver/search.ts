/**
 * Evaluating SEARCH keys: RFC 9051 §6.4.4 (ALL, flags, FROM/TO/CC/BCC/SUBJECT/HEADER, BODY,
 * TEXT, BEFORE/ON/SINCE, SENTBEFORE/SENTON/SENTSINCE, LARGER/SMALLER, UID, sequence sets, NOT,
 * OR, AND), RFC 3501 §6.4.4 (RECENT, NEW, OLD), RFC 7162 §3.1.5 (MODSEQ), RFC 5032 (OLDER,
 * YOUNGER), RFC 5182 ("$").
 *
 * Messages are walked in pages; what a key needs is loaded lazily per message and only once:
 * flags, size and dates come with the row, header fields from the header's byte range, body
 * text from the text parts (transfer encoding and charset decoded, RFC 9051 §6.4.4: matching is
 * on decoded text, case-insensitive substring). Keys of an AND are tried cheapest first, so
 * "UNSEEN BODY x" reads no body of a seen message.
 */
import type { MessageRow } from '../store/ports.ts';
import type { BodyNode, MessageStructure } from '../mail/mime/structure.ts';
import { parseHeaderBlock, param, type HeaderField } from '../mail/mime/header.ts';
import { decodeCharset, decodeHeaderValue, decodeTransfer } from '../mail/mime/decode.ts';
import { parseStructure, type UserMailboxes } from '../mailbox/user-mailboxes.ts';
import { SEEN, hasFlag } from '../mailbox/flags.ts';
import type { SearchKey } from '../imap/parser/types.ts';
import { compareImapDates, dateAtOffset, MONTHS, type ImapDate } from '../imap/datetime.ts';
import { intervalsContain, mergeIntervals, resolveSequenceSet, type Interval, type SequenceSet } from '../imap/sequence.ts';
import type { SelectedMailbox } from './selected.ts';
import { SEARCH_FIELDS, searchFieldText, type SearchField } from '../store/derived.ts';

/** Messages per store page. */
const PAGE = 500;
/** Decoded body text kept per message for BODY/TEXT (bigger bodies are searched in their first part). */
const MAX_TEXT = 8 * 1024 * 1024;

export interface SearchResult {
  seqs: number[];
  uids: number[];
  /** Highest modseq of the matches, when the search used MODSEQ (RFC 7162 §3.1.5). */
  modseq: number | null;
}

/** Header fields the stored ENVELOPE holds (first occurrence), so no header block is read. */
const ENVELOPE_FIELDS = new Set(['subject', 'from', 'to', 'cc', 'bcc']);

/** 0: the row alone; 1: + structure; 2: + header fields; 3: + body text. */
function cost(k: SearchKey): number {
  switch (k.type) {
    case 'header':
      return ENVELOPE_FIELDS.has(k.field.toLowerCase()) ? 1 : 2;
    case 'date':
      return k.field === 'internal' ? 0 : 2;
    case 'body':
    case 'text':
      return 3;
    case 'not':
      return cost(k.key);
    case 'or':
      return Math.max(cost(k.left), cost(k.right));
    case 'and':
      return Math.max(0, ...k.keys.map(cost));
    default:
      return 0;
  }
}

function usesModseq(k: SearchKey): boolean {
  if (k.type === 'modseq') return true;
  if (k.type === 'not') return usesModseq(k.key);
  if (k.type === 'or') return usesModseq(k.left) || usesModseq(k.right);
  if (k.type === 'and') return k.keys.some(usesModseq);
  return false;
}

/** One message under evaluation, with lazily loaded parts. */
class Candidate {
  readonly row: MessageRow;
  readonly seq: number;
  private readonly mail: UserMailboxes;
  private st: MessageStructure | null = null;
  private fields: HeaderField[] | null = null;
  private text: string | null = null;
  private headerText: string | null = null;

  constructor(mail: UserMailboxes, row: MessageRow, seq: number) {
    this.mail = mail;
    this.row = row;
    this.seq = seq;
  }

  async structure(): Promise<MessageStructure> {
    this.st ??= parseStructure(this.row.structure) ?? (await this.mail.structure(this.row));
    return this.st;
  }

  /** FROM/TO/CC/BCC/SUBJECT from the stored ENVELOPE, decoded and lower-cased; null when absent. */
  async envelopeField(name: string): Promise<string | null> {
    return searchFieldText(await this.structure(), name as SearchField);
  }

  async headers(): Promise<HeaderField[]> {
    if (this.fields === null) {
      const o = (await this.structure()).body.offsets;
      const block = await this.mail.readRange(this.row.blobId, o.headerStart, o.bodyStart);
      this.headerText = decodeHeaderValue(block.toString('utf8')).toLowerCase();
      this.fields = parseHeaderBlock(block);
    }
    return this.fields;
  }

  async rawHeaderText(): Promise<string> {
    await this.headers();
    return this.headerText!;
  }

  /** The decoded text of the text/* parts, lower-cased. */
  async bodyText(): Promise<string> {
    if (this.text !== null) return this.text;
    const parts: string[] = [];
    let budget = MAX_TEXT;
    const walk = async (n: BodyNode): Promise<void> => {
      if (budget <= 0) return;
      if (n.kind === 'multipart') for (const p of n.parts) await walk(p);
      else if (n.kind === 'message') await walk(n.body);
      else if (n.type.toLowerCase() === 'text') {
        const end = Math.min(n.offsets.end, n.offsets.bodyStart + budget);
        const raw = await this.mail.readRange(this.row.blobId, n.offsets.bodyStart, end);
        budget -= raw.length;
        const decoded = decodeTransfer(raw, n.encoding) ?? raw;
        parts.push(decodeCharset(decoded, param(n.params, 'charset')).toLowerCase());
      }
    };
    await walk((await this.structure()).body);
    this.text = parts.join('\n');
    return this.text;
  }
}

/** The calendar date of a Date: header, in the zone it was written in (RFC 9051 §6.4.4). */
function sentDate(value: string): ImapDate | null {
  const m = /(\d{1,2})\s+([A-Za-z]{3})\w*\s+(\d{2,4})/.exec(value);
  if (m) {
    const month = MONTHS.findIndex((x) => x.toLowerCase() === m[2]!.toLowerCase()) + 1;
    let year = Number(m[3]);
    if (year < 100) year += year < 50 ? 2000 : 1900; // RFC 5322 §4.3 obsolete two-digit years
    if (month > 0) return { year, month, day: Number(m[1]) };
  }
  const t = Date.parse(value);
  return Number.isNaN(t) ? null : dateAtOffset(new Date(t), 0);
}

function dateMatches(d: ImapDate, op: 'before' | 'on' | 'since', ref: ImapDate): boolean {
  const c = compareImapDates(d, ref);
  return op === 'before' ? c < 0 : op === 'on' ? c === 0 : c >= 0;
}

export class SearchRun {
  private readonly mail: UserMailboxes;
  private readonly sel: SelectedMailbox;
  private readonly sets = new Map<SequenceSet, Interval[]>();
  private readonly now = Date.now();

  constructor(mail: UserMailboxes, sel: SelectedMailbox) {
    this.mail = mail;
    this.sel = sel;
  }

  /** UID or sequence-number intervals of a set, resolved once per search. */
  private intervals(set: SequenceSet, byUid: boolean): Interval[] {
    let iv = this.sets.get(set);
    if (iv === undefined) {
      if (set.kind === 'saved') {
        const nums = byUid ? this.sel.saved : this.sel.saved.map((u) => this.sel.seqOf(u)).filter((s) => s > 0);
        iv = mergeIntervals(nums.map((n) => [n, n] as const));
      } else {
        iv = resolveSequenceSet(set, byUid ? this.sel.maxUid : this.sel.exists);
      }
      this.sets.set(set, iv);
    }
    return iv;
  }

  private async match(k: SearchKey, c: Candidate): Promise<boolean> {
    const row = c.row;
    switch (k.type) {
      case 'all':
        return true;
      case 'flag':
        return hasFlag(row.flags, k.flag) === k.set;
      case 'recent':
        return this.sel.isRecent(row.uid);
      case 'new':
        return this.sel.isRecent(row.uid) && !hasFlag(row.flags, SEEN);
      case 'old':
        return !this.sel.isRecent(row.uid);
      case 'size':
        return k.op === 'larger' ? row.size > k.size : row.size < k.size;
      case 'uid':
        return intervalsContain(this.intervals(k.set, true), row.uid);
      case 'seq':
        return intervalsContain(this.intervals(k.set, false), c.seq);
      case 'modseq':
        return BigInt(row.modseq) >= k.modseq;
      case 'age': {
        const age = (this.now - row.internalDate) / 1000;
        return k.op === 'older' ? age >= k.seconds : age < k.seconds;
      }
      case 'date': {
        if (k.field === 'internal') return dateMatches(dateAtOffset(new Date(row.internalDate), 0), k.op, k.date);
        const v = (await c.headers()).find((f) => f.name.toLowerCase() === 'date');
        const d = v ? sentDate(v.value) : null;
        return d !== null && dateMatches(d, k.op, k.date);
      }
      case 'header': {
        const name = k.field.toLowerCase();
        const needle = k.value.toLowerCase();
        if (ENVELOPE_FIELDS.has(name)) {
          const v = await c.envelopeField(name);
          return v !== null && v.includes(needle);
        }
        for (const f of await c.headers()) {
          if (f.name.toLowerCase() !== name) continue;
          if (needle === '' || decodeHeaderValue(f.value).toLowerCase().includes(needle)) return true;
        }
        return false;
      }
      case 'body':
        return (await c.bodyText()).includes(k.value.toLowerCase());
      case 'text': {
        const needle = k.value.toLowerCase();
        return (await c.rawHeaderText()).includes(needle) || (await c.bodyText()).includes(needle);
      }
      case 'not':
        return !(await this.match(k.key, c));
      case 'or': {
        const [a, b] = cost(k.left) <= cost(k.right) ? [k.left, k.right] : [k.right, k.left];
        return (await this.match(a, c)) || this.match(b, c);
      }
      case 'and': {
        for (const sub of [...k.keys].sort((x, y) => cost(x) - cost(y))) if (!(await this.match(sub, c))) return false;
        return true;
      }
    }
  }

  /**
   * Flag-only searches (UNSEEN, DELETED, FLAGGED KEYWORD x ...) are answered by the store in one
   * query, without loading rows; sequence numbers come from the view.
   */
  private async byFlags(key: SearchKey): Promise<SearchResult | null> {
    const keys = key.type === 'and' ? key.keys : [key];
    if (!keys.every((k) => k.type === 'flag')) return null;
    const flags = keys.map((k) => ({ flag: (k as Extract<SearchKey, { type: 'flag' }>).flag, set: (k as Extract<SearchKey, { type: 'flag' }>).set }));
    return { ...this.sel.inView(await this.mail.uidsByFlags(this.sel.mailbox, flags)), modseq: null };
  }

  /**
   * SUBJECT/FROM/TO/CC/BCC alone: answered by the store from the derived fields in one query;
   * messages whose fields are not derived yet are matched here from their structure (and their
   * fields saved, so the next search finds them derived).
   */
  private async byField(key: SearchKey): Promise<SearchResult | null> {
    if (key.type !== 'header') return null;
    const name = key.field.toLowerCase();
    if (!(SEARCH_FIELDS as readonly string[]).includes(name)) return null;
    const r = await this.mail.uidsByField(this.sel.mailbox, name as SearchField, key.value.toLowerCase());
    let uids = r.uids;
    if (r.unknown.length) {
      const extra: number[] = [];
      for (const [lo, hi] of mergeIntervals(r.unknown.map((u) => [u, u] as const))) {
        for (let from = lo; from <= hi; ) {
          const rows = await this.mail.messages(this.sel.mailbox, from, hi, PAGE, true);
          if (!rows.length) break;
          for (const row of rows) {
            const c = new Candidate(this.mail, row, 0);
            const st = await c.structure();
            await this.mail.saveDerived(row.blobId, st);
            if (await this.match(key, c)) extra.push(row.uid);
          }
          from = rows[rows.length - 1]!.uid + 1;
        }
      }
      uids = [...uids, ...extra].sort((a, b) => a - b);
    }
    const out: SearchResult = { seqs: [], uids: [], modseq: null };
    for (const uid of uids) {
      const seq = this.sel.seqOf(uid);
      if (!seq) continue;
      out.seqs.push(seq);
      out.uids.push(uid);
    }
    return out;
  }

  /** Every message of the view that matches, in sequence order. */
  async run(key: SearchKey): Promise<SearchResult> {
    const fast = (await this.byFlags(key)) ?? (await this.byField(key));
    if (fast) return fast;
    const out: SearchResult = { seqs: [], uids: [], modseq: usesModseq(key) ? 0 : null };
    const withStructure = cost(key) > 0;
    for (let first = 1; first <= this.sel.exists; first += PAGE) {
      const last = Math.min(this.sel.exists, first + PAGE - 1);
      const lo = this.sel.uidAt(first);
      const hi = this.sel.uidAt(last);
      const rows = await this.mail.messages(this.sel.mailbox, lo, hi, hi - lo + 1, withStructure);
      for (const row of rows) {
        const seq = this.sel.seqOf(row.uid);
        if (!seq) continue;
        if (!(await this.match(key, new Candidate(this.mail, row, seq)))) continue;
        out.seqs.push(seq);
        out.uids.push(row.uid);
        if (out.modseq !== null && row.modseq > out.modseq) out.modseq = row.modseq;
      }
    }
    return out;
  }
}
