/**
 * The portable form of the Bayesian filter's statistics: what `mailwarden spam export` writes and
 * `mailwarden spam import` reads, for a backup and for moving the statistics between engines (the
 * store's SQLite tables, PostgreSQL) or between nodes.
 *
 * Sources: JSON Lines (jsonlines.org: UTF-8, one JSON value per line, lines ended by "\n");
 * RFC 8259 (JSON; §8.1 UTF-8 without a byte order mark); the port's TrainingRecord (ports.ts).
 *
 *   {"format":"mailwarden-spam-statistics","version":1}                              the header
 *   {"scope":"global","key":"sha256:…","label":"spam","tokens":["…"],"trainedAt":1700000000000}
 *   {"scope":"user","user":"alice@example.org","key":"…","label":"ham","tokens":[…],"trainedAt":…}
 *   {"end":true,"records":2}                                                         the trailer
 *
 * One line per training record, not per token: the counts are exactly the sum of the records, so
 * replaying the records rebuilds them, and each record keeps what makes a later relabel or untrain
 * exact. Users are named by address, never by the store's numeric id (which names a person only
 * within one store). Tokens are written sorted, so the file does not depend on the engine it came
 * from. The trailer carries the record count: a file cut short (a broken pipe, a full disk) is an
 * error, not a smaller import.
 *
 * Reading is strict and bounded: a line over MAX_LINE_BYTES, bytes that are not UTF-8, a line
 * that is not a JSON object, an unknown format or version, a missing or unknown field, a bad label,
 * tokens that are not distinct strings, a size past EXPORT_LIMITS, anything after the trailer or
 * no trailer at all: an ExportFormatError naming the line. Writing checks the same rules, so an
 * export that succeeds can be imported. This module never touches a store.
 */
import type { Label, TrainingRecord } from './ports.ts';

export const EXPORT_FORMAT = 'mailwarden-spam-statistics';
export const EXPORT_VERSION = 1;

/** Sizes no real record comes near (the tokenizer keeps 3,000 tokens of at most 64 characters). */
export const EXPORT_LIMITS = {
  /** One line, in bytes, without its "\n". */
  maxLineBytes: 8 * 1024 * 1024,
  maxKeyLength: 1024,
  maxTokens: 50_000,
  maxTokenLength: 4096,
  /** RFC 5321 §4.5.3.1.1/.2: 64 + 1 + 255. */
  maxAddressLength: 320,
} as const;

/** Whose statistics a record belongs to: the global ones, or a user's, by address. */
export type Owner = { kind: 'global' } | { kind: 'user'; address: string };

export interface PortableRecord {
  owner: Owner;
  record: TrainingRecord;
}

/** A file that is not a valid export; `line` is 1-based. */
export class ExportFormatError extends Error {
  readonly line: number;
  constructor(line: number, problem: string) {
    super(`line ${line}: ${problem}`);
    this.name = 'ExportFormatError';
    this.line = line;
  }
}

export function headerLine(): string {
  return `${JSON.stringify({ format: EXPORT_FORMAT, version: EXPORT_VERSION })}\n`;
}

/** The line of one record (tokens sorted); throws when the import could not read it back. */
export function recordLine(p: PortableRecord): string {
  const r = p.record;
  const line = JSON.stringify({
    scope: p.owner.kind,
    ...(p.owner.kind === 'user' ? { user: p.owner.address } : {}),
    key: r.key,
    label: r.label,
    tokens: [...r.tokens].sort(),
    trainedAt: r.trainedAt,
  });
  const problem = recordProblem(JSON.parse(line) as Record<string, unknown>) ?? (Buffer.byteLength(line) > EXPORT_LIMITS.maxLineBytes ? 'longer than the line limit' : null);
  if (problem !== null) throw new Error(`training record ${quote(r.key)} cannot be exported: ${problem}`);
  return `${line}\n`;
}

export function trailerLine(records: number): string {
  return `${JSON.stringify({ end: true, records })}\n`;
}

const RECORD_FIELDS = new Set(['scope', 'user', 'key', 'label', 'tokens', 'trainedAt']);
const quote = (s: string) => JSON.stringify(s.length > 40 ? `${s.slice(0, 40)}…` : s);

/** What is wrong with a record line's object, or null. */
function recordProblem(v: Record<string, unknown>): string | null {
  for (const f of Object.keys(v)) if (!RECORD_FIELDS.has(f)) return `unknown field ${quote(f)}`;
  if (v.scope === 'global') {
    if ('user' in v) return 'a global record has no "user"';
  } else if (v.scope === 'user') {
    const u = v.user;
    if (typeof u !== 'string') return '"user" must be the address of the user (a string)';
    const at = u.lastIndexOf('@');
    if (u.length > EXPORT_LIMITS.maxAddressLength || at < 1 || at === u.length - 1 || /[\s\u0000-\u001f\u007f]/.test(u)) return `"user" is not an address: ${quote(u)}`;
  } else {
    return '"scope" must be "global" or "user"';
  }
  if (typeof v.key !== 'string' || v.key.length === 0 || v.key.length > EXPORT_LIMITS.maxKeyLength) return `"key" must be a string of 1 to ${EXPORT_LIMITS.maxKeyLength} characters`;
  if (v.label !== 'ham' && v.label !== 'spam') return '"label" must be "ham" or "spam"';
  if (!Array.isArray(v.tokens)) return '"tokens" must be an array of strings';
  if (v.tokens.length > EXPORT_LIMITS.maxTokens) return `more than ${EXPORT_LIMITS.maxTokens} tokens`;
  const seen = new Set<string>();
  for (const t of v.tokens) {
    if (typeof t !== 'string') return '"tokens" must be an array of strings';
    if (t.length > EXPORT_LIMITS.maxTokenLength) return `a token longer than ${EXPORT_LIMITS.maxTokenLength} characters`;
    if (seen.has(t)) return `token ${quote(t)} twice (a record counts each token once)`;
    seen.add(t);
  }
  if (typeof v.trainedAt !== 'number' || !Number.isSafeInteger(v.trainedAt) || v.trainedAt < 0) return '"trainedAt" must be milliseconds since the epoch (an integer >= 0)';
  return null;
}

/** A record line's object, validated, as a PortableRecord. */
function parseRecord(v: Record<string, unknown>, line: number): PortableRecord {
  const problem = recordProblem(v);
  if (problem !== null) throw new ExportFormatError(line, problem);
  const owner: Owner = v.scope === 'global' ? { kind: 'global' } : { kind: 'user', address: v.user as string };
  return { owner, record: { key: v.key as string, label: v.label as Label, tokens: v.tokens as string[], trainedAt: v.trainedAt as number } };
}

function parseHeader(v: Record<string, unknown>): void {
  if (v.format !== EXPORT_FORMAT) throw new ExportFormatError(1, `not a mailwarden spam statistics file (expected the header ${headerLine().trim()})`);
  if (typeof v.version !== 'number' || !Number.isSafeInteger(v.version) || v.version < 1) throw new ExportFormatError(1, '"version" must be a positive integer');
  if (v.version !== EXPORT_VERSION) throw new ExportFormatError(1, `format version ${v.version} is ${v.version > EXPORT_VERSION ? 'newer than' : 'not'} the version this mailwarden reads (${EXPORT_VERSION})${v.version > EXPORT_VERSION ? ': upgrade mailwarden' : ''}`);
  for (const f of Object.keys(v)) if (f !== 'format' && f !== 'version') throw new ExportFormatError(1, `unknown field ${quote(f)} in the header`);
}

/** The lines of a byte stream, each at most `maxLineBytes` bytes (held, never more), strictly UTF-8. */
export async function* splitLines(chunks: AsyncIterable<Uint8Array | string> | Iterable<Uint8Array | string>, maxLineBytes: number = EXPORT_LIMITS.maxLineBytes): AsyncGenerator<{ line: number; text: string }> {
  // ignoreBOM: a byte order mark stays in the text, so JSON.parse rejects it (RFC 8259 §8.1).
  const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
  let parts: Buffer[] = [];
  let size = 0;
  let line = 0;
  const text = (): string => {
    try {
      return decoder.decode(parts.length === 1 ? parts[0] : Buffer.concat(parts));
    } catch {
      throw new ExportFormatError(line, 'not UTF-8');
    } finally {
      parts = [];
      size = 0;
    }
  };
  const tooLong = () => new ExportFormatError(line + 1, `longer than ${maxLineBytes} bytes`);
  for await (const chunk of chunks) {
    let buf = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    for (;;) {
      const nl = buf.indexOf(0x0a);
      if (nl < 0) {
        if (size + buf.length > maxLineBytes) throw tooLong();
        if (buf.length > 0) parts.push(buf);
        size += buf.length;
        break;
      }
      if (size + nl > maxLineBytes) throw tooLong();
      parts.push(buf.subarray(0, nl));
      line++;
      yield { line, text: text() };
      buf = buf.subarray(nl + 1);
    }
  }
  if (size > 0) {
    line++;
    yield { line, text: text() };
  }
}

function parseObject(text: string, line: number): Record<string, unknown> {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw new ExportFormatError(line, text.trim() === '' ? 'an empty line' : `not JSON (${(e as Error).message})`);
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new ExportFormatError(line, 'not a JSON object');
  return v as Record<string, unknown>;
}

/**
 * The records of an export, validated line by line as they stream in (one line held at a time).
 * Throws an ExportFormatError at the first bad line, so a caller that applies records as they
 * come has applied exactly those before it.
 */
export async function* readExport(chunks: AsyncIterable<Uint8Array | string> | Iterable<Uint8Array | string>, maxLineBytes: number = EXPORT_LIMITS.maxLineBytes): AsyncGenerator<PortableRecord> {
  let records = 0;
  let last = 0;
  let ended = false;
  for await (const { line, text } of splitLines(chunks, maxLineBytes)) {
    last = line;
    if (ended) throw new ExportFormatError(line, 'text after the end line');
    const v = parseObject(text, line);
    if (line === 1) {
      parseHeader(v);
      continue;
    }
    if ('end' in v) {
      if (v.end !== true || Object.keys(v).some((f) => f !== 'end' && f !== 'records')) throw new ExportFormatError(line, 'the end line must be {"end":true,"records":N}');
      if (v.records !== records) throw new ExportFormatError(line, `the end line counts ${JSON.stringify(v.records)} records, the file holds ${records}`);
      ended = true;
      continue;
    }
    yield parseRecord(v, line);
    records++;
  }
  if (last === 0) throw new ExportFormatError(1, 'the file is empty (no header)');
  if (!ended) throw new ExportFormatError(last + 1, 'the file ends without its end line: cut short?');
}
