/**
 * The store port: everything mailwarden keeps, behind one small engine-neutral interface.
 * SQLite (node:sqlite) is the embedded default; a PostgreSQL engine implements the same port and
 * passes the same contract suite (src/store/contract). Protocol code never sees SQL.
 *
 * Durability contract: a method that returns has committed durably (fsync'd), so a 250 reply sent
 * after `ingest` resolves can never be lost by a crash.
 */

import type { DerivedFields, SearchField } from './derived.ts';
import type { JunkStore } from '../junk/ports.ts';

export interface Domain {
  id: number;
  name: string;
  createdAt: number;
}

export interface User {
  id: number;
  /** Canonical lower-case address, e.g. alice@example.test. */
  address: string;
  domainId: number;
  displayName: string;
  passwordHash: string;
  /** Plaintext-equivalent CRAM-MD5 secret; only when auth.cram_md5 is enabled. */
  cramSecret: string | null;
  /** SCRAM-SHA-256 stored keys as JSON (salt, iterations, storedKey, serverKey in base64). */
  scram: string | null;
  createdAt: number;
}

export interface Alias {
  id: number;
  /** `local@domain`, or `@domain` for an explicit catch-all. */
  source: string;
  /**
   * Local user addresses, and external addresses the mail is forwarded to (with SRS and an ARC
   * seal, docs/forwarding.md).
   */
  targets: string[];
  createdAt: number;
}

export interface Mailbox {
  id: number;
  userId: number;
  name: string;
  specialUse: string | null;
  uidValidity: number;
  uidNext: number;
  highestModseq: number;
  subscribed: boolean;
}

/** A received message body, ready to be committed: in memory (small) or an fsync'd file (large). */
export type BlobSource = { kind: 'buffer'; data: Buffer } | { kind: 'file'; path: string; size: number };

export interface Delivery {
  userId: number;
  mailbox: string;
  flags?: string[];
}

export interface OutboundRecipient {
  address: string;
}

export interface IngestRequest {
  blob: BlobSource;
  /** Envelope sender ('' for the null reverse-path). */
  mailFrom: string;
  internalDate: number;
  deliveries: Delivery[];
  /** Remote recipients, grouped by the store into one queue entry per domain. */
  outbound: OutboundRecipient[];
  /**
   * This message is a delivery status notification about queue entry `queueId`: in the same
   * transaction, mark `addresses` as notified (final failure) or the entry as warned (delay),
   * so a crash can neither lose the DSN nor send it twice.
   */
  dsnFor?: { queueId: number; kind: 'failure' | 'delay'; addresses: string[] };
  /**
   * Further copies committed in the same transaction, each with its own bytes, envelope sender and
   * remote recipients: forwarded mail (ARC-sealed, SRS sender) and mailing-list copies.
   */
  copies?: Array<{ blob: BlobSource; mailFrom: string; outbound: OutboundRecipient[]; deliveries?: Delivery[] }>;
  /** The authentication and filter verdicts of this message, kept with its blob (JSON object). */
  verdicts?: Record<string, unknown>;
  /** This message is a DMARC aggregate report of these evaluations: mark them reported in the same transaction (never reported twice). */
  dmarcReportOf?: number[];
  /** This message is an SMTP TLS report (RFC 8460) of these session rows: mark them reported in the same transaction. */
  tlsReportOf?: number[];
  /** Who the recipients exchanged mail with (first-contact phishing signal): recorded in the same transaction. */
  correspondents?: Array<{ userId: number; address: string }>;
}

export interface IngestResult {
  blobId: number;
  messages: Array<{ userId: number; mailboxId: number; uid: number }>;
  queueIds: number[];
}

export interface StoredMessage {
  id: number;
  mailboxId: number;
  uid: number;
  flags: string[];
  internalDate: number;
  size: number;
  blobId: number;
}

export interface QueueEntry {
  id: number;
  blobId: number;
  mailFrom: string;
  domain: string;
  createdAt: number;
  nextAttemptAt: number;
  attempts: number;
  recipients: QueueRecipient[];
  /** Until when a queue runner holds this entry (ms since the epoch; 0 = nobody). */
  leaseUntil: number;
  /** Why the last attempt did not finish the entry (shown by `queue show`). */
  lastError: string | null;
  /** When the delay DSN was sent, or null. */
  warnedAt: number | null;
  /** Size of the message in bytes. */
  size: number;
}

/** How the connection that carried (or tried) a recipient was protected (docs/outbound.md). */
export type TlsOutcome = 'verified' | 'unverified' | 'none';

export interface QueueRecipient {
  address: string;
  status: 'pending' | 'delivered' | 'failed';
  lastReply: string | null;
  /** RFC 3463 enhanced status code of the last outcome (e.g. "5.1.1"). */
  statusCode: string | null;
  /** The MX host that gave the last reply. */
  remoteMta: string | null;
  tls: TlsOutcome | null;
  /** A failed recipient whose DSN has been committed (or that needs none: null sender). */
  notified: boolean;
}

/** One recipient outcome of one attempt, written before the runner moves on. */
export interface RecipientResult {
  address: string;
  /** 'deferred' keeps the recipient pending. */
  result: 'delivered' | 'deferred' | 'failed';
  reply: string;
  statusCode: string;
  remoteMta: string | null;
  tls: TlsOutcome | null;
}

/** A line of the delivery log (kept after the queue entry is retired). */
export interface DeliveryLogEntry extends RecipientResult {
  id: number;
  at: number;
  queueId: number;
  mailFrom: string;
}

export interface DkimKey {
  id: number;
  domain: string;
  /** e.g. "rsa20261128" (RFC 6376 §3.1). */
  selector: string;
  algorithm: 'rsa-sha256' | 'ed25519-sha256';
  /** PKCS#8 PEM. Never printed or logged. */
  privateKey: string;
  /** The base64 p= value of the DNS record (RFC 6376 §3.6.1). */
  publicKey: string;
  createdAt: number;
  active: boolean;
}

export type NewDkimKey = Pick<DkimKey, 'selector' | 'algorithm' | 'privateKey' | 'publicKey'>;

export interface DirectoryStore {
  addDomain(name: string): Promise<Domain>;
  getDomain(name: string): Promise<Domain | null>;
  listDomains(): Promise<Domain[]>;
  /**
   * Deletes a domain; false when there is no such domain. Refuses (throws StoreConflict) while
   * users, aliases or lists still use the domain, unless `force` (which deletes them, the users
   * with all their mail), and, even with `force`, while an alias of another domain targets one of
   * its users (as deleteUser). `beforeDelete` runs once the deletion is known to be allowed,
   * before it happens, with the users about to be deleted (what must go first: their spam
   * statistics, kept apart from the store); if it throws, nothing is deleted. Should the domain's
   * users or the aliases targeting them change between the hook and the deletion (another
   * process), the deletion is refused rather than done with users the hook did not see.
   */
  deleteDomain(name: string, force?: boolean, beforeDelete?: (users: readonly User[]) => Promise<void>): Promise<boolean>;

  addUser(u: { address: string; passwordHash: string; displayName?: string; cramSecret?: string | null; scram?: string | null }): Promise<User>;
  getUser(address: string): Promise<User | null>;
  getUserById(id: number): Promise<User | null>;
  listUsers(domain?: string): Promise<User[]>;
  setPassword(address: string, passwordHash: string, cramSecret: string | null, scram: string | null): Promise<boolean>;
  /**
   * Deletes a user and all their mail; false when there is no such user, StoreConflict while an
   * alias targets them. `beforeDelete` runs once the deletion is known to be allowed, before it
   * happens (what must go first: the spam statistics, kept apart from the store); if it throws,
   * nothing is deleted.
   */
  deleteUser(address: string, beforeDelete?: (user: User) => Promise<void>): Promise<boolean>;

  addAlias(source: string, targets: string[]): Promise<Alias>;
  getAlias(source: string): Promise<Alias | null>;
  listAliases(domain?: string): Promise<Alias[]>;
  /** Aliases that list `address` among their targets (what a user may also send as). */
  aliasesTargeting(address: string): Promise<Alias[]>;
  deleteAlias(source: string): Promise<boolean>;

  // --- added for DKIM signing (outbound) ----------------------------------------------------
  /** Stores new signing keys for a local domain; in the same transaction the domain's previously active keys become inactive. */
  addDkimKeys(domain: string, keys: NewDkimKey[]): Promise<DkimKey[]>;
  /** The domain's keys, newest first; only the active ones unless `all`. */
  listDkimKeys(domain: string, all?: boolean): Promise<DkimKey[]>;
}

export interface MessageStore {
  /** The user's mailboxes; the special-use set is created with the user. */
  listMailboxes(userId: number): Promise<Mailbox[]>;
  getMailbox(userId: number, name: string): Promise<Mailbox | null>;
  /** Messages of a mailbox in UID order, streamed in pages (never the whole mailbox at once). */
  listMessages(mailboxId: number, afterUid?: number, limit?: number): Promise<StoredMessage[]>;
  countMessages(mailboxId: number): Promise<number>;
  /** The raw RFC 5322 bytes of a stored message. */
  readBlob(blobId: number): Promise<Buffer>;
  /** The verdicts stored with a message at delivery (IngestRequest.verdicts), or null. */
  getVerdicts(blobId: number): Promise<Record<string, unknown> | null>;
  /**
   * Commits one received message atomically: the blob, a message row in each delivery mailbox
   * (UIDs allocated), and the outbound queue entries. Resolves only once durable.
   */
  ingest(req: IngestRequest): Promise<IngestResult>;

  // --- added for POP3 and IMAP (mailbox/) -------------------------------------------------
  /** One message by UID, or null when it does not exist (never did, or expunged meanwhile). */
  getMessage(mailboxId: number, uid: number): Promise<StoredMessage | null>;
  /**
   * The raw bytes of a stored message in chunks, so a large message is never held in memory
   * whole. Fails (on the first read) when the blob does not exist.
   */
  streamBlob(blobId: number): AsyncIterable<Buffer>;
  /**
   * Deletes the messages with these UIDs from a mailbox (UIDs not present are skipped), releases
   * their blob references (a blob is removed with its last reference) and bumps the mailbox's
   * highest_modseq once. Atomic and durable on return. Resolves to the number of messages removed.
   */
  expunge(mailboxId: number, uids: number[]): Promise<number>;

  // --- added for IMAP (mailbox/, imapserver/) ----------------------------------------------
  /** A mailbox by id (callers in mailbox/ only ever pass ids they resolved for the user). */
  getMailboxById(mailboxId: number): Promise<Mailbox | null>;
  /**
   * Creates a mailbox with a fresh UIDVALIDITY (never one an earlier mailbox of this name had:
   * RFC 9051 §2.3.1.1). Throws StoreConflict when the name exists.
   */
  createMailbox(userId: number, name: string, specialUse: string | null): Promise<Mailbox>;
  /** Deletes a mailbox and its messages (blob references released). Atomic and durable. */
  deleteMailbox(mailboxId: number): Promise<void>;
  /** Renames several mailboxes of one user in one transaction; StoreConflict if a new name exists. */
  renameMailboxes(userId: number, renames: ReadonlyArray<readonly [from: string, to: string]>): Promise<void>;
  setSubscribed(mailboxId: number, subscribed: boolean): Promise<void>;
  /** The UIDs of a mailbox after `afterUid`, ascending, at most `limit`. */
  listUids(mailboxId: number, afterUid: number, limit: number): Promise<number[]>;
  /** The UIDs of a mailbox newest (highest) first, skipping the `offset` newest, at most `limit`: a page of a list. */
  listUidsNewestFirst(mailboxId: number, offset: number, limit: number): Promise<number[]>;
  /**
   * Messages with fromUid <= uid <= toUid, ascending, at most `limit`; the structure only when
   * asked; with `withEnvelope`, `envelope` is the stored ENVELOPE wire form (null when not derived).
   */
  listMessageRange(mailboxId: number, fromUid: number, toUid: number, limit: number, withStructure?: boolean, withEnvelope?: boolean): Promise<MessageRow[]>;
  /** Counts for STATUS and SELECT. */
  mailboxCounts(mailboxId: number): Promise<MailboxCounts>;
  /** Keywords (flags without a backslash) in use on the mailbox's messages. */
  mailboxKeywords(mailboxId: number): Promise<string[]>;
  /** UIDs (ascending) of the messages that have (or, with set = false, lack) every one of `flags`. */
  uidsByFlags(mailboxId: number, flags: ReadonlyArray<{ flag: string; set: boolean }>): Promise<number[]>;
  /**
   * SEARCH SUBJECT/FROM/TO/CC/BCC from the derived fields (store/derived.ts): `uids` (ascending)
   * of the messages whose stored field contains `needle` (already lower-cased; a plain substring
   * test, an absent field never matches), and `unknown` (ascending): messages whose blob has no
   * derived fields yet, for the caller to decide itself.
   */
  uidsByField(mailboxId: number, field: SearchField, needle: string): Promise<{ uids: number[]; unknown: number[] }>;
  /** Saves the derived fields of a blob (lazy backfill for blobs stored before they existed). */
  setDerived(blobId: number, fields: DerivedFields): Promise<void>;
  /**
   * Changes the flags of the messages whose UIDs fall in `uids` (merged ranges), in one
   * transaction: each message whose flags change gets a new modseq (the mailbox's highest_modseq
   * + 1). With `unchangedSince` (RFC 7162 §3.1.3) a message whose modseq is higher is left alone
   * and reported in `modified`. Returns every matched message with its flags after the change.
   */
  updateFlags(mailboxId: number, uids: readonly UidRange[], action: FlagAction, flags: readonly string[], unchangedSince?: number | null): Promise<FlagUpdateResult>;
  /**
   * Copies (or moves) messages between two mailboxes of the same user in one transaction: new
   * UIDs in ascending source-UID order, flags and internal date kept, blobs shared. A move also
   * removes the sources and bumps the source's highest_modseq. Source UIDs not present are skipped.
   */
  copyMessages(fromMailboxId: number, uids: readonly number[], toMailboxId: number, move: boolean): Promise<CopyResult>;
  /** Removes the messages in `uids` that carry \Deleted (EXPUNGE, UID EXPUNGE); returns their UIDs. */
  expungeDeleted(mailboxId: number, uids: readonly UidRange[]): Promise<number[]>;
  /**
   * QRESYNC (RFC 7162 §3.2.5.2, §3.2.6): the UIDs within `uids` expunged from the mailbox (by
   * expunge, expungeDeleted or a move away) at a modseq above `sinceModseq`, as merged ascending
   * ranges. Every expunge gets one new modseq, recorded with its UIDs. Where the record does not
   * reach back to `sinceModseq` (expunges made before it was kept), every UID in `uids` below
   * UIDNEXT that is not in the mailbox is returned instead: more than vanished, never less.
   */
  listVanished(mailboxId: number, sinceModseq: number, uids: readonly UidRange[]): Promise<UidRange[]>;
  /** The stored MIME structure (JSON of mail/mime MessageStructure) of a blob, or null. */
  getStructure(blobId: number): Promise<string | null>;
  setStructure(blobId: number, json: string): Promise<void>;
  /** Octets [start, end) of a stored message, in chunks. */
  streamBlobRange(blobId: number, start: number, end: number): AsyncIterable<Buffer>;
}

/** A closed UID interval [lo, hi]. */
export type UidRange = readonly [number, number];

export type FlagAction = 'add' | 'remove' | 'replace';

/** A message row as IMAP needs it: the modseq (RFC 7162) and, when asked, the stored structure. */
export interface MessageRow extends StoredMessage {
  modseq: number;
  structure: string | null;
  /** The stored ENVELOPE wire form, when asked for (null: not derived, or client-dependent). */
  envelope?: string | null;
  /** With the envelope: whether the blob's derived fields (store/derived.ts) are stored. */
  derived?: boolean;
}

export interface MailboxCounts {
  messages: number;
  unseen: number;
  deleted: number;
  /** Total octets (RFC 8438 STATUS=SIZE). */
  size: number;
  /** The lowest UID without \Seen, or null. */
  firstUnseenUid: number | null;
}

export interface FlagUpdateResult {
  /** Every matched message (that was not refused by unchangedSince) with its flags now. */
  messages: Array<{ uid: number; flags: string[]; modseq: number; changed: boolean }>;
  /** UIDs not changed because their modseq was above unchangedSince. */
  modified: number[];
}

export interface CopyResult {
  /** The destination's UIDVALIDITY (RFC 4315 COPYUID). */
  uidValidity: number;
  /** [source UID, destination UID], ascending. */
  pairs: Array<[number, number]>;
}

export interface QueueStore {
  listQueue(): Promise<QueueEntry[]>;
  getQueueEntry(id: number): Promise<QueueEntry | null>;

  // --- added for the queue runner (src/queue) -----------------------------------------------
  /**
   * Takes up to `limit` due entries (next attempt ≤ now, no live lease) and leases them to
   * `owner` until `leaseUntil`, atomically: two runners never take the same entry.
   */
  claimQueue(opts: { now: number; limit: number; owner: string; leaseUntil: number }): Promise<QueueEntry[]>;
  /** Extends the leases `owner` holds on these entries. */
  renewQueueLeases(owner: string, ids: number[], leaseUntil: number): Promise<void>;
  /** Records recipient outcomes of one attempt durably (and appends them to the delivery log). */
  recordQueueResults(queueId: number, results: RecipientResult[], at: number): Promise<void>;
  /** Marks failed recipients as needing no DSN (null reverse-path: never bounce a bounce). */
  markQueueNotified(queueId: number, addresses: string[]): Promise<void>;
  /** Ends an attempt: schedules the next one, counts the attempt and releases the lease. */
  rescheduleQueueEntry(id: number, nextAttemptAt: number, lastError: string | null): Promise<void>;
  /** Makes an entry due now (`queue retry`). False when there is no such entry. */
  retryQueueEntry(id: number, now: number): Promise<boolean>;
  /** Removes an entry and releases its blob reference (retire when finished, or `queue delete`). */
  deleteQueueEntry(id: number): Promise<boolean>;
  /** The earliest time some entry becomes due (considering leases), or null when the queue is empty. */
  nextQueueDue(): Promise<number | null>;
  /** Delivery log lines, oldest first; of one entry when `queueId` is given. */
  listDeliveryLog(queueId?: number, limit?: number): Promise<DeliveryLogEntry[]>;
}

export interface Store extends DirectoryStore, MessageStore, QueueStore {
  readonly engine: string;
  /** The Bayesian filter's token statistics (src/junk/ports.ts). */
  readonly junk: JunkStore;
  /** Recorded DMARC evaluations for aggregate reports (RFC 7489 §7.2). */
  readonly dmarcReports: DmarcReportStore;
  /** DMARC aggregate reports other receivers sent to our rua= mailboxes (RFC 7489 §7.2), and malformed ones. */
  readonly dmarcIncoming: IncomingDmarcReportStore;
  /** Mailing lists and their members (docs/lists.md). */
  readonly lists: ListStore;
  /** Who each user has exchanged mail with (the first-contact phishing signal, docs/phishing.md). */
  readonly correspondents: CorrespondentStore;
  /** Cached MTA-STS policies of recipient domains (RFC 8461 §3.3, docs/outbound.md). */
  readonly mtaSts: MtaStsPolicyStore;
  /** Counted outbound TLS sessions per recipient domain, for SMTP TLS reports (RFC 8460, docs/outbound.md). */
  readonly tlsReports: TlsReportStore;
  close(): Promise<void>;
}

/** One DMARC evaluation of the MX, kept for the aggregate report to the policy domain. */
export interface DmarcEvaluationRecord {
  at: number;
  /** Where the applied DMARC record was published. */
  policyDomain: string;
  sourceIp: string;
  headerFrom: string;
  /** MAIL FROM ('' for the null reverse-path). */
  envelopeFrom: string;
  spf: { domain: string; scope: 'mfrom' | 'helo'; result: string; aligned: boolean };
  dkim: Array<{ domain: string; selector: string; result: string }>;
  dkimAligned: boolean;
  /** DMARC result (pass, fail, permerror). */
  result: string;
  /** What was done with the message (after any override). */
  disposition: 'none' | 'quarantine' | 'reject';
  /** The policy as published (Appendix C policy_published). */
  policy: { p: 'none' | 'quarantine' | 'reject'; sp?: 'none' | 'quarantine' | 'reject'; adkim: 'relaxed' | 'strict'; aspf: 'relaxed' | 'strict'; pct: number; fo?: string };
  /** Appendix C PolicyOverrideType reasons (trusted_forwarder, local_policy for ARC, sampled_out). */
  overrides: Array<{ type: 'forwarded' | 'sampled_out' | 'trusted_forwarder' | 'mailing_list' | 'local_policy' | 'other'; comment?: string }>;
  /** The record's rua= URIs at evaluation time. */
  rua: string[];
}

export interface StoredDmarcEvaluation extends DmarcEvaluationRecord {
  id: number;
  reportedAt: number | null;
}

export interface DmarcReportStore {
  recordEvaluation(e: DmarcEvaluationRecord): Promise<void>;
  /** Policy domains with unreported evaluations at `since` <= at < `before`. */
  pendingDomains(opts: { since: number; before: number }): Promise<string[]>;
  /** Unreported evaluations of a policy domain in that range, oldest first, at most `limit`. */
  pendingEvaluations(policyDomain: string, opts: { since: number; before: number; limit: number }): Promise<StoredDmarcEvaluation[]>;
  /** Marks evaluations reported (when no report was queued for them: no usable destination). */
  markReported(ids: number[], at: number): Promise<void>;
}

/** Message totals of an aggregate report (the sum of its rows' counts). */
export interface DmarcReportTotals {
  messages: number;
  /** Messages whose DMARC evaluation passed (an aligned DKIM or SPF pass). */
  dmarcPass: number;
  dmarcFail: number;
  disposition: { none: number; quarantine: number; reject: number };
}

/**
 * One incoming aggregate report as listed (src/inbound/dmarc-inbound.ts stores them): a parsed
 * report (`status` ok) or a part of a report message we could not read (`malformed`, with the reason).
 */
export interface IncomingDmarcReportSummary {
  id: number;
  receivedAt: number;
  /** The carrying message: its Message-ID field ('' if none), envelope sender, our recipients. */
  messageId: string;
  mailFrom: string;
  recipients: string[];
  /** DMARC result of the carrying message on our MX (pass, fail, none, ...), null when not checked. */
  authResult: string | null;
  /** The attachment (or XML entry) the row comes from; 'message' when the whole message is at fault. */
  part: string;
  status: 'ok' | 'malformed';
  reason: string | null;
  /** Report metadata (null when malformed). */
  orgName: string | null;
  email: string | null;
  reportId: string | null;
  policyDomain: string | null;
  /** date_range, seconds since the epoch. */
  begin: number | null;
  end: number | null;
  totals: DmarcReportTotals;
}

/** The whole of an incoming report: the parsed report (JSON) or, when malformed, the raw message. */
export interface IncomingDmarcReport extends IncomingDmarcReportSummary {
  /** The parsed report as a JSON object (policy, rows, warnings), null when malformed. */
  report: Record<string, unknown> | null;
  /** Malformed only: the raw message as received, up to the stored cap. */
  raw: Buffer | null;
  rawTruncated: boolean;
}

export type NewIncomingDmarcReport = Omit<IncomingDmarcReport, 'id'> & {
  /** SHA-256 (hex) of the received message: a malformed part of a message retried after a 4xx is kept once. */
  messageDigest: string;
};

export interface IncomingDmarcReportStore {
  /**
   * Stores a report durably. A report already stored (same reporter org, report id and policy
   * domain; for a malformed one, the same message digest and part) is not stored again:
   * `duplicate` is true and `id` names the stored one.
   */
  save(r: NewIncomingDmarcReport): Promise<{ id: number; duplicate: boolean }>;
  /**
   * Newest first, at most `limit` (default 1000). With `domain`: the reports about that policy
   * domain and the malformed ones sent to an address in it.
   */
  list(opts?: { domain?: string; limit?: number }): Promise<IncomingDmarcReportSummary[]>;
  get(id: number): Promise<IncomingDmarcReport | null>;
}

/** A simple mailing list (docs/lists.md): mail to `address` goes to every member. */
export interface MailingList {
  id: number;
  /** The list's posting address, in a local domain. */
  address: string;
  /** Human-readable name, used in List-Id (RFC 2919) and the subject tag default. */
  name: string;
  /** Prefixed to the Subject of list mail ("[name]"), or '' for none. */
  subjectTag: string;
  /** Who may post: only members (by envelope or header From), or anyone. */
  posting: 'members' | 'anyone';
  /**
   * Rewrite From to the list address (the original author goes to Reply-To):
   * never; only for authors whose domain publishes DMARC p=quarantine/reject; or always.
   */
  fromRewrite: 'never' | 'dmarc' | 'always';
  /** Local user who receives bounces and mail to <local>-owner@ (null: none). */
  owner: string | null;
  createdAt: number;
}

export type NewMailingList = Pick<MailingList, 'address' | 'name' | 'subjectTag' | 'posting' | 'fromRewrite' | 'owner'>;

export interface ListStore {
  /** StoreConflict when the address is a user, an alias or a list, or its domain is not local. */
  add(l: NewMailingList): Promise<MailingList>;
  get(address: string): Promise<MailingList | null>;
  all(domain?: string): Promise<MailingList[]>;
  /** Deletes the list and its members. */
  delete(address: string): Promise<boolean>;
  /** false when already a member. */
  addMember(listId: number, address: string): Promise<boolean>;
  /** false when not a member. */
  removeMember(listId: number, address: string): Promise<boolean>;
  /** Member addresses in order. */
  members(listId: number): Promise<string[]>;
  isMember(listId: number, address: string): Promise<boolean>;
}

/**
 * Per-user correspondents: addresses a user sent mail to (submission) and From addresses of mail
 * delivered to the user's INBOX without a phishing warning. Addresses are stored lower case.
 */
export interface CorrespondentStore {
  /** Records (or refreshes) these pairs at time `at`, durably. */
  record(entries: ReadonlyArray<{ userId: number; address: string }>, at: number): Promise<void>;
  /** Whether any of these users has exchanged mail with `address`. */
  knownToAny(userIds: readonly number[], address: string): Promise<boolean>;
  /** A user's correspondents, most recent first, at most `limit`. */
  list(userId: number, limit: number): Promise<Array<{ address: string; firstAt: number; lastAt: number; count: number }>>;
}

/** One cached MTA-STS policy (RFC 8461 §3.3): the text as fetched, for the TXT id it was fetched for. */
export interface MtaStsCachedPolicy {
  /** Recipient domain, lower case. */
  domain: string;
  /** The id= of the `_mta-sts` TXT record when the policy was fetched (RFC 8461 §3.1). */
  id: string;
  /** The policy file text (parsed again on use, standards/mtasts/policy.ts). */
  policy: string;
  fetchedAt: number;
  /** fetchedAt + max_age (ms since the epoch): not used after this (RFC 8461 §3.3). */
  expiresAt: number;
}

/** The MTA-STS policy cache, keyed by recipient domain. */
export interface MtaStsPolicyStore {
  get(domain: string): Promise<MtaStsCachedPolicy | null>;
  /** Inserts or replaces the domain's policy, durably. */
  put(p: MtaStsCachedPolicy): Promise<void>;
  delete(domain: string): Promise<boolean>;
  /** All cached policies, by domain. */
  list(): Promise<MtaStsCachedPolicy[]>;
}

/** Outbound TLS sessions of one kind to one recipient domain on one UTC day (RFC 8460 §4.4). */
export interface TlsSessionRecord {
  /** Recipient (policy) domain, lower case. */
  domain: string;
  /** UTC day, YYYY-MM-DD. */
  day: string;
  policyType: 'sts' | 'no-policy-found';
  /** The applied policy's lines (sts) or []. */
  policyString: string[];
  /** The policy's mx patterns (sts) or []. */
  policyMx: string[];
  /** The MX host connected to. */
  mxHost: string;
  receivingIp: string;
  /** 'success' or an RFC 8460 §4.3 result type. */
  result: string;
}

export interface StoredTlsSessions extends TlsSessionRecord {
  id: number;
  count: number;
}

/** Counted outbound TLS sessions, and which have been reported. */
export interface TlsReportStore {
  /** Adds `count` (default 1) sessions to the unreported row of this kind, durably. */
  record(s: TlsSessionRecord, count?: number): Promise<void>;
  /** Domains with unreported rows, by name. */
  pendingDomains(): Promise<string[]>;
  /** A domain's unreported rows, by day then id. */
  pending(domain: string): Promise<StoredTlsSessions[]>;
  /** Marks rows reported (also done by ingest with IngestRequest.tlsReportOf). */
  markReported(ids: number[], at: number): Promise<void>;
}

/** A uniqueness or reference conflict the caller can explain to the user. */
export class StoreConflict extends Error {}

/** The special-use mailboxes every user gets (RFC 6154). */
export const DEFAULT_MAILBOXES: ReadonlyArray<{ name: string; specialUse: string | null }> = [
  { name: 'INBOX', specialUse: null },
  { name: 'Sent', specialUse: '\\Sent' },
  { name: 'Drafts', specialUse: '\\Drafts' },
  { name: 'Junk', specialUse: '\\Junk' },
  { name: 'Trash', specialUse: '\\Trash' },
  { name: 'Archive', specialUse: '\\Archive' },
];
