/**
 * One user's mailboxes and messages, as IMAP (and later the web UI) manipulates them: create,
 * delete, rename with the RFC 9051 §6.3.4-6.3.6 rules, subscriptions, flags, copy/move, expunge,
 * append, the stored MIME structure.
 *
 * Scoped by construction: every name is resolved for `userId` and every Mailbox handed back is
 * checked to belong to it, so a command can only ever act on its own user's mail. Publishes every
 * change it makes on the event bus (events.ts). Returns typed results; throws only on store
 * failures (the session's one catch turns those into NO [SERVERBUG]).
 */
import type { BlobSource, FlagAction, Mailbox, MailboxCounts, MessageRow, Store, UidRange } from '../store/ports.ts';
import { StoreConflict } from '../store/ports.ts';
import type { MessageStructure } from '../mail/mime/structure.ts';
import { STRUCTURE_VERSION } from '../mail/mime/structure.ts';
import { parseMessageStructureStream } from '../mail/mime/walker.ts';
import type { MailboxEvents } from './events.ts';
import { deriveFields, type SearchField } from '../store/derived.ts';
import { INBOX, isWithin, normalizeName, parentNames, validateName } from './names.ts';
import { MAX_KEYWORDS, isKeyword } from './flags.ts';

export interface MailboxDeps {
  store: Store;
  events: MailboxEvents;
  /** Mailboxes one user may have. */
  maxMailboxes: number;
  /**
   * The spam filter's training (docs/spam.md): called with the blobs of messages copied or moved
   * into the Junk mailbox ('spam') or out of it into another ('ham'). Its failure never fails the
   * COPY/MOVE (it is reported to `onTrainingError`).
   */
  junkTraining?: (userId: number, blobIds: readonly number[], label: 'ham' | 'spam') => Promise<void>;
  onTrainingError?: (err: unknown) => void;
}

/** The Junk mailbox: special-use \Junk (RFC 6154), or named Junk. */
const isJunk = (mb: Mailbox): boolean => mb.specialUse?.toLowerCase() === '\\junk' || mb.name.toLowerCase() === 'junk';

export type OpFailure = {
  ok: false;
  reason: 'nonexistent' | 'exists' | 'invalid' | 'inbox' | 'haschildren' | 'limit';
  text: string;
};
export type OpValue<T> = { ok: true; value: T } | OpFailure;
export type OpDone = { ok: true } | OpFailure;

const fail = (reason: OpFailure['reason'], text: string): OpFailure => ({ ok: false, reason, text });

export class UserMailboxes {
  private readonly deps: MailboxDeps;
  readonly userId: number;
  /** The session id stamped on published flag changes. */
  private readonly origin: string;

  constructor(deps: MailboxDeps, userId: number, origin: string) {
    this.deps = deps;
    this.userId = userId;
    this.origin = origin;
  }

  private get store(): Store {
    return this.deps.store;
  }

  /** Every Mailbox reaching a write must be this user's (defence in depth). */
  private own(mb: Mailbox): Mailbox {
    if (mb.userId !== this.userId) throw new Error(`mailbox ${mb.id} does not belong to user ${this.userId}`);
    return mb;
  }

  list(): Promise<Mailbox[]> {
    return this.store.listMailboxes(this.userId);
  }

  find(name: string): Promise<Mailbox | null> {
    return this.store.getMailbox(this.userId, normalizeName(name));
  }

  /** The current row of a mailbox this session holds (UIDNEXT, HIGHESTMODSEQ move on). */
  async refresh(mb: Mailbox): Promise<Mailbox | null> {
    const r = await this.store.getMailboxById(this.own(mb).id);
    return r && r.userId === this.userId ? r : null;
  }

  /** RFC 9051 §6.3.4: creates the missing superior names too; RFC 6154 §3 USE attributes. */
  async create(rawName: string, specialUse: readonly string[] = []): Promise<OpValue<Mailbox>> {
    const name = normalizeName(rawName);
    const invalid = validateName(name);
    if (invalid !== null) return fail('invalid', invalid);
    if (name === INBOX) return fail('exists', 'INBOX always exists');
    if (specialUse.length > 1) return fail('invalid', 'At most one special-use attribute per mailbox');
    const existing = await this.list();
    const names = new Set(existing.map((m) => m.name));
    if (names.has(name)) return fail('exists', 'Mailbox already exists');
    const missing = [...parentNames(name).filter((p) => !names.has(p)), name];
    if (existing.length + missing.length > this.deps.maxMailboxes) return fail('limit', `At most ${this.deps.maxMailboxes} mailboxes per user`);
    let created: Mailbox | null = null;
    for (const n of missing) {
      try {
        created = await this.store.createMailbox(this.userId, n, n === name ? (specialUse[0] ?? null) : null);
      } catch (e) {
        if (!(e instanceof StoreConflict)) throw e;
        if (n === name) return fail('exists', 'Mailbox already exists');
      }
    }
    return { ok: true, value: created! };
  }

  /**
   * RFC 9051 §6.3.5: INBOX cannot be deleted. A mailbox with inferiors is refused (HASCHILDREN)
   * rather than turned into a \Noselect placeholder.
   */
  async delete(rawName: string): Promise<OpDone> {
    const name = normalizeName(rawName);
    if (name === INBOX) return fail('inbox', 'INBOX cannot be deleted');
    const all = await this.list();
    const mb = all.find((m) => m.name === name);
    if (!mb) return fail('nonexistent', 'No such mailbox');
    if (all.some((m) => isWithin(m.name, name))) return fail('haschildren', 'Mailbox has inferior mailboxes; delete them first');
    await this.store.deleteMailbox(mb.id);
    this.deps.events.publish({ kind: 'deleted', mailboxId: mb.id });
    return { ok: true };
  }

  /**
   * RFC 9051 §6.3.6: inferiors are renamed with it; missing superiors of the new name are
   * created; renaming INBOX moves all its messages to a new mailbox and leaves INBOX empty (its
   * inferiors stay where they are).
   */
  async rename(rawFrom: string, rawTo: string): Promise<OpDone> {
    const from = normalizeName(rawFrom);
    const to = normalizeName(rawTo);
    const invalid = validateName(to);
    if (invalid !== null) return fail('invalid', invalid);
    if (to === INBOX) return fail('exists', 'INBOX already exists');
    const all = await this.list();
    const src = all.find((m) => m.name === from);
    if (!src) return fail('nonexistent', 'No such mailbox');
    if (all.some((m) => m.name === to)) return fail('exists', 'A mailbox with the new name already exists');
    if (isWithin(to, from)) return fail('invalid', 'A mailbox cannot be moved inside itself');
    const names = new Set(all.map((m) => m.name));
    const parents = parentNames(to).filter((p) => !names.has(p) && p !== from && !isWithin(p, from));
    if (all.length + parents.length + (from === INBOX ? 1 : 0) > this.deps.maxMailboxes) return fail('limit', `At most ${this.deps.maxMailboxes} mailboxes per user`);
    for (const p of parents) {
      const r = await this.create(p);
      if (!r.ok && r.reason !== 'exists') return r;
    }
    if (from === INBOX) return this.renameInbox(src, to);
    const renames: Array<[string, string]> = [[from, to]];
    for (const m of all) if (isWithin(m.name, from)) renames.push([m.name, to + m.name.slice(from.length)]);
    try {
      await this.store.renameMailboxes(this.userId, renames);
    } catch (e) {
      if (e instanceof StoreConflict) return fail('exists', 'A mailbox with the new name already exists');
      throw e;
    }
    return { ok: true };
  }

  private async renameInbox(inbox: Mailbox, to: string): Promise<OpDone> {
    const created = await this.create(to);
    if (!created.ok) return created;
    for (;;) {
      const uids = await this.store.listUids(inbox.id, 0, 1000);
      if (!uids.length) break;
      await this.copy(inbox, uids, created.value, true);
    }
    return { ok: true };
  }

  /** RFC 9051 §6.3.7-8. Only existing mailboxes can be subscribed (the server may check, §6.3.7). */
  async subscribe(rawName: string, subscribed: boolean): Promise<OpDone> {
    const mb = await this.find(rawName);
    if (!mb) return subscribed ? fail('nonexistent', 'No such mailbox') : { ok: true };
    await this.store.setSubscribed(mb.id, subscribed);
    return { ok: true };
  }

  counts(mb: Mailbox): Promise<MailboxCounts> {
    return this.store.mailboxCounts(this.own(mb).id);
  }

  keywords(mb: Mailbox): Promise<string[]> {
    return this.store.mailboxKeywords(this.own(mb).id);
  }

  /** UIDs with (or without) every one of these flags: SEARCH's flag-only fast path. */
  uidsByFlags(mb: Mailbox, flags: ReadonlyArray<{ flag: string; set: boolean }>): Promise<number[]> {
    return this.store.uidsByFlags(this.own(mb).id, flags);
  }

  uids(mb: Mailbox, afterUid: number, limit: number): Promise<number[]> {
    return this.store.listUids(this.own(mb).id, afterUid, limit);
  }

  /** A page of UIDs, newest first (the webmail's lists). */
  uidsNewestFirst(mb: Mailbox, offset: number, limit: number): Promise<number[]> {
    return this.store.listUidsNewestFirst(this.own(mb).id, offset, limit);
  }

  messages(mb: Mailbox, fromUid: number, toUid: number, limit: number, withStructure = false, withEnvelope = false): Promise<MessageRow[]> {
    return this.store.listMessageRange(this.own(mb).id, fromUid, toUid, limit, withStructure, withEnvelope);
  }

  /** SEARCH SUBJECT/FROM/TO/CC/BCC from the derived fields; `unknown`: blobs not derived yet. */
  uidsByField(mb: Mailbox, field: SearchField, needle: string): Promise<{ uids: number[]; unknown: number[] }> {
    return this.store.uidsByField(this.own(mb).id, field, needle);
  }

  /** Lazy backfill of a blob's derived fields (store/derived.ts) from its structure. */
  saveDerived(blobId: number, st: MessageStructure): Promise<void> {
    return this.store.setDerived(blobId, deriveFields(st));
  }

  /**
   * STORE: changes flags and publishes the change. New keywords beyond MAX_KEYWORDS per mailbox
   * are refused ('limit') before anything changes.
   */
  async setFlags(mb: Mailbox, uids: readonly UidRange[], action: FlagAction, flags: readonly string[], unchangedSince: number | null = null) {
    this.own(mb);
    const added = flags.filter(isKeyword);
    if (action !== 'remove' && added.length) {
      const have = new Set((await this.keywords(mb)).map((k) => k.toLowerCase()));
      const fresh = added.filter((k) => !have.has(k.toLowerCase()));
      if (fresh.length && have.size + fresh.length > MAX_KEYWORDS) return fail('limit', `At most ${MAX_KEYWORDS} keywords per mailbox`);
    }
    const r = await this.store.updateFlags(mb.id, uids, action, flags, unchangedSince);
    const changed = r.messages.filter((m) => m.changed).map((m) => m.uid);
    if (changed.length) this.deps.events.publish({ kind: 'flags', mailboxId: mb.id, uids: changed, origin: this.origin });
    return { ok: true as const, value: r };
  }

  /** COPY / MOVE (RFC 6851): both mailboxes this user's; publishes arrivals and removals. */
  async copy(src: Mailbox, uids: readonly number[], dst: Mailbox, move: boolean) {
    const r = await this.store.copyMessages(this.own(src).id, uids, this.own(dst).id, move);
    if (r.pairs.length) {
      this.deps.events.publish({ kind: 'exists', mailboxId: dst.id });
      if (move) this.deps.events.publish({ kind: 'expunge', mailboxId: src.id, uids: r.pairs.map(([s]) => s) });
    }
    const training = this.deps.junkTraining;
    if (training && r.pairs.length && isJunk(src) !== isJunk(dst)) {
      try {
        const blobIds: number[] = [];
        for (const [, d] of r.pairs) {
          const m = await this.store.getMessage(dst.id, d);
          if (m) blobIds.push(m.blobId);
        }
        await training(this.userId, blobIds, isJunk(dst) ? 'spam' : 'ham');
      } catch (e) {
        this.deps.onTrainingError?.(e);
      }
    }
    return r;
  }

  /** EXPUNGE / UID EXPUNGE / CLOSE: removes the \Deleted messages among `uids`. */
  async expungeDeleted(mb: Mailbox, uids: readonly UidRange[]): Promise<number[]> {
    const removed = await this.store.expungeDeleted(this.own(mb).id, uids);
    if (removed.length) this.deps.events.publish({ kind: 'expunge', mailboxId: mb.id, uids: removed });
    return removed;
  }

  /** QRESYNC (RFC 7162 §3.2): UIDs within `uids` expunged at a modseq above `sinceModseq`, as ranges. */
  vanished(mb: Mailbox, sinceModseq: number, uids: readonly UidRange[]): Promise<UidRange[]> {
    return this.store.listVanished(this.own(mb).id, sinceModseq, uids);
  }

  /**
   * APPEND: through the ingest path (durable, structure computed, EXISTS published). The body is
   * in memory or a spooled file (append-spool.ts), which the store takes over.
   */
  async append(mb: Mailbox, message: BlobSource, flags: readonly string[], internalDate: number): Promise<number> {
    const r = await this.store.ingest({
      blob: message,
      mailFrom: '',
      internalDate,
      deliveries: [{ userId: this.userId, mailbox: this.own(mb).name, flags: [...flags] }],
      outbound: [],
    });
    const m = r.messages[0];
    if (!m) throw new Error('append committed no message');
    return m.uid;
  }

  /**
   * The MIME structure of a message: the stored one, or (rows from before it was stored at
   * delivery, or of an older shape) computed once now by streaming the message, and saved.
   */
  async structure(row: Pick<MessageRow, 'blobId' | 'structure'>): Promise<MessageStructure> {
    const stored = parseStructure(row.structure ?? (await this.store.getStructure(row.blobId)));
    if (stored !== null) return stored;
    const computed = await parseMessageStructureStream(this.store.streamBlob(row.blobId));
    await this.store.setStructure(row.blobId, JSON.stringify(computed));
    return computed;
  }

  /** Octets [start, end) of a message, in chunks. */
  range(blobId: number, start: number, end: number): AsyncIterable<Buffer> {
    return this.store.streamBlobRange(blobId, start, end);
  }

  /** Octets [start, end) of a message in one Buffer: for header blocks and small parts only. */
  async readRange(blobId: number, start: number, end: number): Promise<Buffer> {
    const chunks: Buffer[] = [];
    for await (const c of this.store.streamBlobRange(blobId, start, end)) chunks.push(c);
    return Buffer.concat(chunks);
  }

  /** The whole message, in chunks. */
  stream(blobId: number): AsyncIterable<Buffer> {
    return this.store.streamBlob(blobId);
  }
}

/** A stored structure of the current shape, or null (absent, or written by an older version). */
export function parseStructure(json: string | null): MessageStructure | null {
  if (json === null) return null;
  const parsed = JSON.parse(json) as MessageStructure;
  return parsed.version === STRUCTURE_VERSION ? parsed : null;
}
