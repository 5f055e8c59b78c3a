/**
 * The selected mailbox of one session: RFC 9051 §2.3.1.2 message sequence numbers, kept as the
 * ascending list of the UIDs this client has been told about (4-8 octets per message; message
 * data itself is always read from the store in pages).
 *
 * Changes made elsewhere (event bus, mailbox/events.ts) are only recorded on arrival and told at
 * the points the RFC allows (RFC 9051 §7.4.1, §7.5.1): EXPUNGE never while a FETCH, STORE or
 * SEARCH (sequence-number forms) is answered nor when no command is in progress, so numbers never
 * shift behind the client's back; EXPUNGEs go out in descending order so each number is valid
 * when sent; EXISTS and flag FETCHes may go out after any command (and at once during IDLE).
 * With QRESYNC enabled, expunges are told as one VANISHED line at those same points.
 */
import type { Mailbox } from '../store/ports.ts';
import type { MailboxEvent } from '../mailbox/events.ts';
import type { UserMailboxes } from '../mailbox/user-mailboxes.ts';
import { SYSTEM_FLAGS } from '../mailbox/flags.ts';
import { encodeFlags, untaggedStatus, type WirePart } from '../imap/encoder.ts';
import { existsResponse, expungeResponse, flagsResponse, recentResponse, vanishedResponse } from '../imap/responses.ts';
import { compactNumbers, maxExplicitNumber, mergeIntervals, resolveSequenceSet, selectSorted, usesStar, type Interval, type SequenceSet } from '../imap/sequence.ts';
import type { RecentTracker } from './recent.ts';

/** UIDs loaded per store call. */
const PAGE = 5000;

export interface AnnounceOptions {
  /** EXPUNGE responses may be sent (RFC 9051 §7.5.1). */
  expunges: boolean;
  /** IMAP4rev1 clients get RECENT and \Recent. */
  rev1: boolean;
  /** CONDSTORE enabled: flag FETCHes carry MODSEQ (RFC 7162 §3.1.4). */
  condstore: boolean;
  /** QRESYNC enabled: expunges are told as VANISHED uid-set, not EXPUNGE n (RFC 7162 §3.2.10). */
  qresync: boolean;
}

export type Resolved = { ok: true; seqs: number[] } | { ok: false; text: string };

export class SelectedMailbox {
  mailbox: Mailbox;
  readonly readOnly: boolean;
  private uids: number[] = [];
  private readonly recent = new Set<number>();
  private readonly pendingExpunge = new Set<number>();
  private readonly pendingFlags = new Set<number>();
  private pendingNew = false;
  /** Keywords the client has been told about (FLAGS response), by lower case. */
  private readonly keywords = new Map<string, string>();
  /** RFC 5182 SEARCHRES: the UIDs saved by SEARCH RETURN (SAVE). */
  saved: number[] = [];
  private readonly mail: UserMailboxes;
  private readonly tracker: RecentTracker;
  private readonly sessionId: string;
  private unsubscribe: (() => void) | null = null;

  private constructor(mail: UserMailboxes, mailbox: Mailbox, readOnly: boolean, tracker: RecentTracker, sessionId: string) {
    this.mail = mail;
    this.mailbox = mailbox;
    this.readOnly = readOnly;
    this.tracker = tracker;
    this.sessionId = sessionId;
  }

  /** SELECT/EXAMINE: listens first, then loads, so nothing that happens meanwhile is missed. */
  static async open(
    mail: UserMailboxes,
    mailbox: Mailbox,
    opts: { readOnly: boolean; tracker: RecentTracker; sessionId: string; subscribe: (id: number, fn: (ev: MailboxEvent) => void) => () => void; wake: () => void },
  ): Promise<SelectedMailbox> {
    const s = new SelectedMailbox(mail, mailbox, opts.readOnly, opts.tracker, opts.sessionId);
    s.unsubscribe = opts.subscribe(mailbox.id, (ev) => {
      s.record(ev);
      opts.wake();
    });
    for (let page = await mail.uids(mailbox, 0, PAGE); page.length; page = await mail.uids(mailbox, page[page.length - 1]!, PAGE)) {
      s.uids.push(...page);
      if (page.length < PAGE) break;
    }
    const fresh = await mail.refresh(mailbox);
    if (fresh) s.mailbox = fresh;
    if (opts.readOnly) {
      // EXAMINE does not claim \Recent; it only reports how many are unclaimed.
      for (const u of s.uids.slice(s.uids.length - opts.tracker.peek(mailbox.id, s.mailbox.uidNext, s.uids))) s.recent.add(u);
    } else {
      for (const u of opts.tracker.claim(mailbox.id, s.mailbox.uidNext, s.uids)) s.recent.add(u);
    }
    for (const k of await mail.keywords(mailbox)) s.keywords.set(k.toLowerCase(), k);
    s.pendingNew = false;
    return s;
  }

  close(): void {
    this.unsubscribe?.();
    this.unsubscribe = null;
  }

  /** An event from another session or from delivery: recorded only, told later. */
  private record(ev: MailboxEvent): void {
    switch (ev.kind) {
      case 'exists':
        this.pendingNew = true;
        break;
      case 'expunge':
        for (const u of ev.uids) this.pendingExpunge.add(u);
        break;
      case 'flags':
        if (ev.origin !== this.sessionId) for (const u of ev.uids) this.pendingFlags.add(u);
        break;
      case 'deleted':
        for (const u of this.uids) this.pendingExpunge.add(u);
        break;
    }
  }

  get exists(): number {
    return this.uids.length;
  }

  get recentCount(): number {
    return this.recent.size;
  }

  isRecent(uid: number): boolean {
    return this.recent.has(uid);
  }

  uidAt(seq: number): number {
    return this.uids[seq - 1]!;
  }

  /** The largest UID the client knows (for "*" in UID sets), 0 when empty. */
  get maxUid(): number {
    return this.uids[this.uids.length - 1] ?? 0;
  }

  /**
   * The messages of the view among `sorted` (ascending UIDs, e.g. a store query's answer): their
   * sequence numbers and UIDs, in one merge walk (no search per UID).
   */
  inView(sorted: readonly number[]): { seqs: number[]; uids: number[] } {
    const seqs: number[] = [];
    const uids: number[] = [];
    const view = this.uids;
    let i = 0;
    for (const uid of sorted) {
      while (i < view.length && view[i]! < uid) i++;
      if (i === view.length) break;
      if (view[i] === uid) {
        seqs.push(i + 1);
        uids.push(uid);
      }
    }
    return { seqs, uids };
  }

  /** Sequence number of a UID in this view, or 0. */
  seqOf(uid: number): number {
    let lo = 0;
    let hi = this.uids.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const v = this.uids[mid]!;
      if (v === uid) return mid + 1;
      if (v < uid) lo = mid + 1;
      else hi = mid - 1;
    }
    return 0;
  }

  /**
   * The messages a set addresses, as ascending sequence numbers. By number: an explicit number
   * above EXISTS is an error (RFC 9051 §9 seq-number), "*" is the last message. By UID: UIDs not
   * in the mailbox are ignored (RFC 9051 §6.4.9). "$" is the saved search result (RFC 5182).
   */
  resolve(set: SequenceSet, byUid: boolean): Resolved {
    if (set.kind === 'saved') return { ok: true, seqs: this.saved.map((u) => this.seqOf(u)).filter((s) => s > 0) };
    if (byUid) return { ok: true, seqs: selectSorted(this.uids, resolveSequenceSet(set, this.maxUid)).map((i) => i + 1) };
    const n = this.uids.length;
    if (!usesStar(set) && maxExplicitNumber(set) > n) return { ok: false, text: `Invalid message sequence number: the mailbox has ${n} messages` };
    const out: number[] = [];
    for (const [a, b] of resolveSequenceSet(set, n)) for (let s = a; s <= Math.min(b, n); s++) out.push(s);
    return { ok: true, seqs: out };
  }

  /** UIDs for sequence numbers, as merged ranges for the store. */
  uidRanges(seqs: readonly number[]): Interval[] {
    return mergeIntervals(seqs.map((s) => [this.uidAt(s), this.uidAt(s)] as const));
  }

  /** Every UID in this view as merged ranges. */
  allRanges(): Interval[] {
    return this.uidRanges(this.uids.map((_, i) => i + 1));
  }

  /** FLAGS and PERMANENTFLAGS for SELECT and whenever new keywords appear (RFC 9051 §7.3.5). */
  flagLines(): string[] {
    const flags = [...SYSTEM_FLAGS, ...this.keywords.values()];
    const perm = this.readOnly ? [] : [...flags, '\\*'];
    return [flagsResponse(flags), untaggedStatus('OK', this.readOnly ? 'No permanent flags permitted' : 'Flags permitted', { code: 'PERMANENTFLAGS', flags: perm })];
  }

  /** Notes keywords seen in flags; returns FLAGS lines when any were new to the client. */
  noteKeywords(flags: readonly string[]): string[] {
    let fresh = false;
    for (const f of flags) {
      if (f.startsWith('\\') || this.keywords.has(f.toLowerCase())) continue;
      this.keywords.set(f.toLowerCase(), f);
      fresh = true;
    }
    return fresh ? this.flagLines() : [];
  }

  /** Flags as a client sees them: plus \Recent for IMAP4rev1 clients (RFC 3501 §2.3.2). */
  flagsFor(uid: number, flags: readonly string[], rev1: boolean): string {
    return encodeFlags(rev1 && this.recent.has(uid) ? [...flags, '\\Recent'] : flags);
  }

  /**
   * Removes UIDs from the view now (own EXPUNGE/MOVE); returns EXPUNGE lines, highest first, or
   * with QRESYNC one VANISHED line (RFC 7162 §3.2.10).
   */
  expungeNow(uids: readonly number[], vanished = false): string[] {
    for (const u of uids) this.pendingExpunge.add(u);
    return this.takeExpunges(vanished);
  }

  private takeExpunges(vanished: boolean): string[] {
    if (!this.pendingExpunge.size) return [];
    let lines: string[] = [];
    const gone: number[] = [];
    for (let i = this.uids.length - 1; i >= 0; i--) {
      const u = this.uids[i]!;
      if (this.pendingExpunge.has(u)) {
        lines.push(expungeResponse(i + 1));
        gone.push(u);
        this.recent.delete(u);
        this.pendingFlags.delete(u);
      }
    }
    // RFC 7162 §3.2.10: once QRESYNC is enabled, VANISHED (UIDs) replaces EXPUNGE; like EXPUNGE it
    // shrinks the mailbox, so it is sent only where EXPUNGE may be.
    if (vanished && gone.length) lines = [vanishedResponse(compactNumbers(gone), false)];
    if (lines.length) {
      this.uids = this.uids.filter((u) => !this.pendingExpunge.has(u));
      this.saved = this.saved.filter((u) => !this.pendingExpunge.has(u));
    }
    this.pendingExpunge.clear();
    return lines;
  }

  /** Removes every message without telling (CLOSE: RFC 9051 §6.4.1 sends no EXPUNGE). */
  forget(uids: readonly number[]): void {
    const gone = new Set(uids);
    this.uids = this.uids.filter((u) => !gone.has(u));
  }

  get hasPending(): boolean {
    return this.pendingNew || this.pendingExpunge.size > 0 || this.pendingFlags.size > 0;
  }

  /** Everything that may be told now, as response lines/parts, in RFC order (EXPUNGE, EXISTS, FETCH). */
  async announce(opts: AnnounceOptions): Promise<WirePart[]> {
    const out: WirePart[] = [];
    if (opts.expunges) out.push(...this.takeExpunges(opts.qresync));
    if (this.pendingNew) {
      this.pendingNew = false;
      const fresh: number[] = [];
      for (let page = await this.mail.uids(this.mailbox, this.maxUid, PAGE); page.length; page = await this.mail.uids(this.mailbox, page[page.length - 1]!, PAGE)) {
        fresh.push(...page.filter((u) => !this.pendingExpunge.has(u)));
        if (page.length < PAGE) break;
      }
      if (fresh.length) {
        const mb = await this.mail.refresh(this.mailbox);
        if (mb) this.mailbox = mb;
        this.uids.push(...fresh);
        if (!this.readOnly) for (const u of this.tracker.claim(this.mailbox.id, this.mailbox.uidNext, fresh)) this.recent.add(u);
        out.push(existsResponse(this.uids.length));
        if (opts.rev1) out.push(recentResponse(this.recent.size));
      }
    }
    if (this.pendingFlags.size) {
      const seqs = [...this.pendingFlags].map((u) => this.seqOf(u)).filter((s) => s > 0).sort((a, b) => a - b);
      this.pendingFlags.clear();
      for (const [lo, hi] of this.uidRanges(seqs)) {
        for (const row of await this.mail.messages(this.mailbox, lo, hi, hi - lo + 1)) {
          const seq = this.seqOf(row.uid);
          if (!seq) continue;
          out.push(...this.noteKeywords(row.flags));
          const modseq = opts.condstore ? ` MODSEQ (${row.modseq})` : '';
          out.push(`* ${seq} FETCH (UID ${row.uid} FLAGS ${this.flagsFor(row.uid, row.flags, opts.rev1)}${modseq})\r\n`);
        }
      }
    }
    return out;
  }
}
