/**
 * Test support for the IMAP parser tables (RFC 9051 §9 grammar): feed text through the real
 * CommandReader, answering every synchronizing literal as a server would ("+ go ahead").
 * Imported by *.test.ts files only.
 */
import assert from 'node:assert/strict';
import { CommandReader, type ReaderEvent } from '../reader.ts';
import type { ReaderLimits } from '../tokenizer.ts';
import type { CommandError, ImapCommand } from './types.ts';

/** All events produced by `input` (CRLF appended when missing), fed in one chunk or byte by byte. */
export function events(input: string | Buffer, opts: { limits?: Partial<ReaderLimits>; byteByByte?: boolean } = {}): ReaderEvent[] {
  let buf = typeof input === 'string' ? Buffer.from(input) : input;
  if (!buf.subarray(-2).equals(Buffer.from('\r\n'))) buf = Buffer.concat([buf, Buffer.from('\r\n')]);
  const reader = new CommandReader(opts.limits);
  const out: ReaderEvent[] = [];
  const drain = () => {
    for (let ev = reader.next(); ev.kind !== 'need-more'; ev = reader.next()) out.push(ev);
  };
  if (opts.byteByByte === true) {
    for (let i = 0; i < buf.length; i++) {
      reader.push(buf.subarray(i, i + 1));
      drain();
    }
  } else {
    reader.push(buf);
    drain();
  }
  return out;
}

/** Events other than literal requests and streamed literal octets. */
const framed = (evs: ReaderEvent[]) => evs.filter((e) => e.kind !== 'literal' && e.kind !== 'literal-data');

/** The octets of the streamed literals (APPEND's message) among `evs`, joined. */
export function streamedOctets(evs: readonly ReaderEvent[]): Buffer {
  return Buffer.concat(evs.flatMap((e) => (e.kind === 'literal-data' ? [e.data] : [])));
}

/** The single command `input` parses to (literal requests and streamed octets skipped). */
export function parseOk(input: string | Buffer): ImapCommand {
  const evs = framed(events(input));
  assert.equal(evs.length, 1, `one event for ${JSON.stringify(String(input))}: ${JSON.stringify(evs, jsonSafe)}`);
  const ev = evs[0]!;
  if (ev.kind !== 'command') assert.fail(`expected a command for ${JSON.stringify(String(input))}, got ${JSON.stringify(ev, jsonSafe)}`);
  return ev.command;
}

/** The parse error `input` produces. */
export function parseBad(input: string | Buffer): CommandError {
  const evs = framed(events(input));
  const ev = evs[0];
  if (ev?.kind !== 'bad') assert.fail(`expected BAD for ${JSON.stringify(String(input))}, got ${JSON.stringify(evs, jsonSafe)}`);
  return ev.error;
}

/** JSON.stringify replacer for bigint and Buffer. */
export function jsonSafe(_key: string, value: unknown): unknown {
  if (typeof value === 'bigint') return `${value}n`;
  if (value !== null && typeof value === 'object' && (value as { type?: unknown }).type === 'Buffer') return '<Buffer>';
  return value;
}

/** Assert that every key of `expected` deep-equals the same key of `actual`. */
export function assertMatch(actual: object, expected: Record<string, unknown>, input: string): void {
  const a = actual as Record<string, unknown>;
  for (const [k, v] of Object.entries(expected)) {
    assert.deepStrictEqual(a[k], v, `${input}: field ${k}`);
  }
}

/** Run a good/bad table. */
export function runTable(good: ReadonlyArray<readonly [string, Record<string, unknown>]>, bad: ReadonlyArray<readonly [string, string]>): void {
  for (const [input, expected] of good) assertMatch(parseOk(input), expected, input);
  for (const [input] of bad) parseBad(input);
}
