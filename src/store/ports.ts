/**
 * The store port: everything mailwarden keeps, behind one small engine-neutral interface.
 * SQLite (node:sqlite) is the embedded default; a PostgreSQL engine implements the same port and
 * passes the same contract suite (src/store/contract). Protocol code never sees SQL.
 *
 * Durability contract: a method that returns has committed durably (fsync'd), so a 250 reply sent
 * after `ingest` resolves can never be lost by a crash.
 */

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
  /** Local user addresses. */
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
  recipients: Array<{ address: string; status: 'pending' | 'delivered' | 'failed'; lastReply: string | null }>;
}

export interface DirectoryStore {
  addDomain(name: string): Promise<Domain>;
  getDomain(name: string): Promise<Domain | null>;
  listDomains(): Promise<Domain[]>;
  /** Refuses (throws StoreConflict) while users or aliases still use the domain, unless `force`. */
  deleteDomain(name: string, force?: boolean): Promise<boolean>;

  addUser(u: { address: string; passwordHash: string; displayName?: string; cramSecret?: string | null; scram?: string | null }): Promise<User>;
  getUser(address: string): Promise<User | null>;
  getUserById(id: number): Promise<User | null>;
  listUsers(domain?: string): Promise<User[]>;
  setPassword(address: string, passwordHash: string, cramSecret: string | null, scram: string | null): Promise<boolean>;
  deleteUser(address: string): Promise<boolean>;

  addAlias(source: string, targets: string[]): Promise<Alias>;
  getAlias(source: string): Promise<Alias | null>;
  listAliases(domain?: string): Promise<Alias[]>;
  /** Aliases that list `address` among their targets (what a user may also send as). */
  aliasesTargeting(address: string): Promise<Alias[]>;
  deleteAlias(source: string): Promise<boolean>;
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
}

export interface QueueStore {
  listQueue(): Promise<QueueEntry[]>;
  getQueueEntry(id: number): Promise<QueueEntry | null>;
}

export interface Store extends DirectoryStore, MessageStore, QueueStore {
  readonly engine: string;
  close(): Promise<void>;
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
