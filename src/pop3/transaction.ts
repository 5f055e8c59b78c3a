/**
 * The TRANSACTION-state commands of RFC 1939 §5 and §7 against a session's Maildrop snapshot:
 * STAT, LIST, UIDL, RETR, TOP, DELE, RSET, NOOP. (QUIT and CAPA belong to the session.)
 *
 * Listings are written in batches and messages in chunks through `Pop3Output`, which waits for
 * the socket to drain, so neither a huge maildrop nor a huge message is built up in memory.
 */
import type { Pop3Command } from './parser.ts';
import type { Maildrop } from './maildrop.ts';
import { MessageEncoder } from './encoder.ts';
import { replies, type Pop3Reply } from './replies.ts';

/** What the session offers the commands: status lines, raw bytes, and an emergency stop. */
export interface Pop3Output {
  reply(r: Pop3Reply): Promise<void>;
  /** A -ERR that counts towards the session's error limit. */
  error(r: Pop3Reply): Promise<void>;
  raw(data: string | Buffer): Promise<void>;
  /** The connection is gone (timeout, drop): stop producing output. */
  closed(): boolean;
  /** A multi-line response broke off half-way (storage failure): the connection must close. */
  abort(why: unknown): void;
}

export type TransactionCommand = Extract<Pop3Command, { verb: 'STAT' | 'LIST' | 'UIDL' | 'RETR' | 'TOP' | 'DELE' | 'RSET' | 'NOOP' }>;

/** Lines per write while listing. */
const BATCH = 512;

/** Looks up a message number, answering -ERR for one that does not exist or is marked deleted. */
async function existing(drop: Maildrop, msg: number, out: Pop3Output): Promise<{ uid: number; size: number } | null> {
  const l = drop.lookup(msg);
  if (l.kind === 'ok') return l;
  // RFC 1939 §5: a message marked as deleted may not be referred to again
  await out.error(l.kind === 'deleted' ? replies.alreadyDeleted(msg) : replies.noSuchMessage(msg, drop.count));
  return null;
}

async function listing(drop: Maildrop, out: Pop3Output, line: (e: { msg: number; uid: number; size: number }) => string): Promise<void> {
  let batch: string[] = [];
  for (const e of drop.entries()) {
    if (out.closed()) return;
    batch.push(`${line(e)}\r\n`);
    if (batch.length >= BATCH) {
      await out.raw(batch.join(''));
      batch = [];
    }
  }
  batch.push('.\r\n');
  await out.raw(batch.join(''));
}

/** RETR (bodyLines undefined) and TOP: the message, dot-stuffed, streamed from the store. */
async function sendMessage(drop: Maildrop, msg: number, out: Pop3Output, bodyLines: number | undefined): Promise<void> {
  const m = await existing(drop, msg, out);
  if (!m) return;
  const chunks = await drop.read(m.uid);
  if (!chunks) return out.error(replies.messageGone(msg));
  const it = chunks[Symbol.asyncIterator]();
  let next: IteratorResult<Buffer>;
  try {
    next = await it.next(); // opens the blob before "+OK" is promised
  } catch {
    return out.error(replies.messageGone(msg));
  }
  await out.reply(bodyLines === undefined ? replies.retr(m.size) : replies.top());
  const enc = new MessageEncoder({ bodyLines });
  try {
    // Stops early when TOP has what it needs or the connection is gone.
    while (!next.done && !enc.done && !out.closed()) {
      const b = enc.push(next.value);
      if (b.length) await out.raw(b);
      if (!enc.done) next = await it.next();
    }
  } catch (e) {
    return out.abort(e);
  } finally {
    if (!next.done) await it.return?.().catch(() => undefined); // closes the blob file
  }
  await out.raw(enc.end());
}

export async function runTransaction(c: TransactionCommand, drop: Maildrop, out: Pop3Output): Promise<void> {
  switch (c.verb) {
    case 'STAT': {
      const s = drop.stat();
      return out.reply(replies.stat(s.count, s.size));
    }
    case 'LIST': {
      if (c.msg !== null) {
        const m = await existing(drop, c.msg, out);
        return m ? out.reply(replies.listOne(c.msg, m.size)) : undefined;
      }
      const s = drop.stat();
      await out.reply(replies.listAll(s.count, s.size));
      return listing(drop, out, (e) => `${e.msg} ${e.size}`);
    }
    case 'UIDL': {
      if (c.msg !== null) {
        const m = await existing(drop, c.msg, out);
        return m ? out.reply(replies.uidlOne(c.msg, drop.uniqueId(m.uid))) : undefined;
      }
      await out.reply(replies.uidlAll());
      return listing(drop, out, (e) => `${e.msg} ${drop.uniqueId(e.uid)}`);
    }
    case 'RETR':
      return sendMessage(drop, c.msg, out, undefined);
    case 'TOP':
      return sendMessage(drop, c.msg, out, c.lines);
    case 'DELE': {
      if (!(await existing(drop, c.msg, out))) return;
      drop.markDeleted(c.msg);
      return out.reply(replies.deleted(c.msg));
    }
    case 'RSET': {
      drop.reset();
      const s = drop.stat();
      return out.reply(replies.reset(s.count, s.size));
    }
    case 'NOOP':
      return out.reply(replies.noop());
  }
}
