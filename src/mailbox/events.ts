/**
 * The in-process mailbox event bus: every change to a mailbox's messages is published here, so
 * IMAP sessions with that mailbox selected can tell their clients (RFC 9051 §7.4 EXISTS/EXPUNGE,
 * §7.5.2 unsolicited FETCH; RFC 2177 IDLE) without polling the store.
 *
 * Who publishes: observeStore() wraps the store so its generic writers — ingest (SMTP delivery,
 * local delivery, APPEND) and expunge (POP3 UPDATE) — publish whoever calls them; the mailbox
 * operations of mailbox/folders.ts publish their own changes (flags with the originating session,
 * so that session does not hear about its own STORE twice). One process, no persistence: a
 * session that misses nothing while connected is all IMAP requires.
 *
 * Listeners run synchronously inside publish(); they must only record the change and wake their
 * session, never await. A throwing listener is isolated from the publisher and from the others.
 */
import type { MessageStore } from '../store/ports.ts';

export type MailboxEvent =
  /** New messages (UIDs above what a session knows). */
  | { kind: 'exists'; mailboxId: number }
  | { kind: 'expunge'; mailboxId: number; uids: readonly number[] }
  /** Flags changed; `origin` is the session that changed them, if any. */
  | { kind: 'flags'; mailboxId: number; uids: readonly number[]; origin: string | null }
  /** The mailbox itself was deleted. */
  | { kind: 'deleted'; mailboxId: number };

export type MailboxListener = (ev: MailboxEvent) => void;

export class MailboxEvents {
  private readonly listeners = new Map<number, Set<MailboxListener>>();
  private readonly onError: (err: unknown) => void;

  constructor(onError: (err: unknown) => void = () => undefined) {
    this.onError = onError;
  }

  /** Listen to one mailbox; returns the function that stops listening. */
  subscribe(mailboxId: number, fn: MailboxListener): () => void {
    let set = this.listeners.get(mailboxId);
    if (!set) {
      set = new Set();
      this.listeners.set(mailboxId, set);
    }
    set.add(fn);
    return () => {
      const s = this.listeners.get(mailboxId);
      if (!s) return;
      s.delete(fn);
      if (s.size === 0) this.listeners.delete(mailboxId);
    };
  }

  publish(ev: MailboxEvent): void {
    const set = this.listeners.get(ev.mailboxId);
    if (!set) return;
    for (const fn of [...set]) {
      try {
        fn(ev);
      } catch (err) {
        this.onError(err);
      }
    }
  }

  /** Listeners currently registered (for tests and shutdown checks). */
  get size(): number {
    let n = 0;
    for (const s of this.listeners.values()) n += s.size;
    return n;
  }
}

/**
 * The same store, with `ingest` and `expunge` publishing their effects on `events`. Every other
 * member is the store's own (bound to it), so the wrapper follows the port as it grows.
 */
export function observeStore<S extends MessageStore>(store: S, events: MailboxEvents): S {
  const ingest: MessageStore['ingest'] = async (req) => {
    const res = await store.ingest(req);
    for (const id of new Set(res.messages.map((m) => m.mailboxId))) events.publish({ kind: 'exists', mailboxId: id });
    return res;
  };
  const expunge: MessageStore['expunge'] = async (mailboxId, uids) => {
    const n = await store.expunge(mailboxId, uids);
    if (n > 0) events.publish({ kind: 'expunge', mailboxId, uids: [...uids] });
    return n;
  };
  return new Proxy(store, {
    get(target, prop) {
      if (prop === 'ingest') return ingest;
      if (prop === 'expunge') return expunge;
      const v: unknown = Reflect.get(target, prop, target);
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
}
