/**
 * The incremental command reader: RFC 9051 §2.2 (client → server), §7.5 (continuation requests).
 * Bytes in, typed commands out; sans-I/O. Combines the framer (tokenizer.ts: lines, literals,
 * limits) and the grammar (parser/index.ts).
 *
 * The session drives it:
 *
 *   reader.push(chunk);
 *   for (let ev = reader.next(); ev.kind !== 'need-more'; ev = reader.next()) {
 *     'command' → execute;  'bad' → `tag BAD reason` (or `* BAD`);
 *     'literal' → write "+ Ready" (RFC 9051 §7.5), or refuseLiteral() and write `tag NO/BAD`;
 *     'literal-data' → octets of APPEND's message as they arrive (spool them; the APPEND follows);
 *     'line'    → the continuation line asked for with expectLine() (IDLE "DONE", SASL).
 *   }
 *
 * While a command executes asynchronously, stop calling next(); pause the socket when
 * `bufferedBytes` grows so pipelined input cannot pile up without bound.
 */
import { CommandFramer, type ReaderLimits } from './tokenizer.ts';
import { parseCommand } from './parser/index.ts';
import type { CommandError, ImapCommand } from './parser/types.ts';

export type ReaderEvent =
  | { kind: 'command'; command: ImapCommand }
  | { kind: 'bad'; error: CommandError }
  | { kind: 'literal'; tag: string | undefined; command: string | undefined; size: number; binary: boolean }
  | { kind: 'literal-data'; data: Buffer }
  | { kind: 'line'; text: string }
  | { kind: 'need-more' };

export class CommandReader {
  private readonly framer: CommandFramer;

  constructor(limits: Partial<ReaderLimits> = {}) {
    this.framer = new CommandFramer(limits);
  }

  get limits(): ReaderLimits {
    return this.framer.limits;
  }

  push(chunk: Uint8Array): void {
    this.framer.push(chunk);
  }

  get bufferedBytes(): number {
    return this.framer.bufferedBytes;
  }

  /** Return the next line raw (after "+ idling" for IDLE, or a SASL challenge). */
  expectLine(): void {
    this.framer.expectLine();
  }

  /** Refuse the synchronizing literal just announced (e.g. APPEND over quota). */
  refuseLiteral(): void {
    this.framer.refuseLiteral();
  }

  next(): ReaderEvent {
    const ev = this.framer.next();
    switch (ev.kind) {
      case 'frame': {
        const r = parseCommand(ev.frame);
        return r.ok ? { kind: 'command', command: r.command } : { kind: 'bad', error: r.error };
      }
      case 'error':
        return { kind: 'bad', error: { tag: ev.tag, reason: ev.reason, code: ev.code } };
      default:
        return ev;
    }
  }
}

/** RFC 2177 §3 / RFC 9051 §6.3.13: the line that ends IDLE. */
export function isIdleDone(line: string): boolean {
  return line.toUpperCase() === 'DONE';
}

/** RFC 9051 §6.2.2: a client response of "*" cancels AUTHENTICATE. */
export function isAuthCancel(line: string): boolean {
  return line === '*';
}
