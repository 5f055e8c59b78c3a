/**
 * PostgreSQL connections for the engines under store/postgres: a bounded pg.Pool from a
 * postgresql:// URL, transactions with a bounded retry, and URLs fit to log.
 *
 * Sources: node-postgres (pg 8) Pool and connection-string parsing (the URL's sslmode, sslrootcert,
 * sslcert/sslkey and the PG* environment variables: PGPASSWORD, PGUSER, PGSSLMODE...); PostgreSQL
 * 15 manual: §13.2.1 Read Committed, §13.3.2 row-level locks, §13.3.4 deadlocks ("the best defense
 * against deadlocks is ... to acquire locks on multiple objects in a consistent order"),
 * Appendix A (SQLSTATE 40001 serialization_failure, 40P01 deadlock_detected: retry the
 * transaction); §20.3 statement_timeout, idle_in_transaction_session_timeout.
 *
 * Never: log or put a password into an error message (redactUrl), wait without bound for a
 * connection or a statement, or leave a transaction open on a pooled connection (a connection
 * whose ROLLBACK failed is destroyed, not reused).
 */
import pg from 'pg';
import { redactUrlPassword } from '../../lib/redact.ts';

/** The slice of a pooled pg connection the engines use. */
export interface PgClient {
  query(text: string, values?: unknown[]): Promise<{ rows: Array<Record<string, unknown>>; rowCount: number | null }>;
  release(err?: Error | boolean): void;
}

/** The slice of pg.Pool the engines use. */
export interface PgPool {
  query(text: string, values?: unknown[]): Promise<{ rows: Array<Record<string, unknown>>; rowCount: number | null }>;
  connect(): Promise<PgClient>;
  end(): Promise<void>;
}

/** Bounds on waiting: for a connection, for one statement (server side), for an idle transaction. */
export const PG_LIMITS = {
  connectTimeoutMs: 10_000,
  statementTimeoutMs: 30_000,
  /** Client-side bound for a network that stopped answering (statement_timeout cannot fire then). */
  queryTimeoutMs: 45_000,
  /** A node that died inside a transaction releases its locks after this. */
  idleInTransactionMs: 60_000,
  maxConnections: 10,
} as const;

/** Transactions that fail with these SQLSTATEs are retried (PostgreSQL manual, Appendix A). */
const RETRYABLE = new Set(['40001', '40P01']);
export const TX_ATTEMPTS = 5;

/**
 * The URL with its password (user-info and a `password` parameter) replaced by *** and the rest
 * as written, for logs and errors (lib/redact.ts, also what `config check` prints).
 */
export function redactUrl(s: string): string {
  try {
    new URL(s);
  } catch {
    return '(a PostgreSQL URL that does not parse)';
  }
  return redactUrlPassword(s);
}

/** The URL with `password` filled in when it carries none (the URL's own password wins). */
export function withPassword(s: string, password: string | null): string {
  if (password === null) return s;
  const u = new URL(s);
  if (u.password || u.searchParams.has('password')) return s;
  u.password = encodeURIComponent(password);
  return u.toString();
}

/** One line for an error of pg or of the network (Node's AggregateError of a multi-address connect has no message). */
export function describePgError(e: unknown): string {
  if (e instanceof AggregateError && e.errors.length) return [...new Set(e.errors.map(describePgError))].join('; ');
  if (e instanceof Error) {
    const code = (e as { code?: unknown }).code;
    return `${e.message || e.name}${typeof code === 'string' && !e.message.includes(code) ? ` (${code})` : ''}`;
  }
  return String(e);
}

/** The SQLSTATE of an error the server sent (pg's DatabaseError carries a severity too); null for others. */
export function sqlState(e: unknown): string | null {
  const x = e as { code?: unknown; severity?: unknown } | null;
  return typeof x?.code === 'string' && /^[0-9A-Z]{5}$/.test(x.code) && typeof x.severity === 'string' ? x.code : null;
}

/**
 * A pool for `url` (no connection is made yet). `onIdleError` receives errors of idle
 * connections (the server restarted, the network dropped): pg emits them on the pool, and an
 * unheard one would end the process.
 */
export function createPool(url: string, onIdleError: (err: Error) => void): PgPool {
  const pool = new pg.Pool({
    connectionString: url,
    max: PG_LIMITS.maxConnections,
    connectionTimeoutMillis: PG_LIMITS.connectTimeoutMs,
    statement_timeout: PG_LIMITS.statementTimeoutMs,
    query_timeout: PG_LIMITS.queryTimeoutMs,
    idle_in_transaction_session_timeout: PG_LIMITS.idleInTransactionMs,
    keepAlive: true,
    application_name: 'mailwarden',
  });
  pool.on('error', onIdleError);
  return pool as unknown as PgPool;
}

/**
 * Runs `fn` in one transaction (READ COMMITTED) on one pooled connection: COMMIT when it returns
 * true, ROLLBACK when it returns false or throws. A serialization failure or deadlock runs the
 * whole transaction again, up to TX_ATTEMPTS times, after a short random pause.
 */
export async function transaction(pool: PgPool, fn: (c: PgClient) => Promise<boolean>): Promise<boolean> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await once(pool, fn);
    } catch (e) {
      const state = sqlState(e);
      if (attempt >= TX_ATTEMPTS || state === null || !RETRYABLE.has(state)) throw e;
      await new Promise((r) => setTimeout(r, 5 * attempt + Math.floor(Math.random() * 20 * attempt)));
    }
  }
}

async function once(pool: PgPool, fn: (c: PgClient) => Promise<boolean>): Promise<boolean> {
  const c = await pool.connect();
  // A connection whose BEGIN, COMMIT or ROLLBACK failed (the network, a timeout) is in an unknown
  // state: it is destroyed, not returned to the pool.
  let destroy: Error | undefined;
  const control = (sql: string) => c.query(sql).catch((e: unknown) => {
    destroy = e instanceof Error ? e : new Error(String(e));
    throw e;
  });
  try {
    await control('BEGIN');
    let ok: boolean;
    try {
      ok = await fn(c);
    } catch (e) {
      await control('ROLLBACK').catch(() => undefined);
      throw e;
    }
    await control(ok ? 'COMMIT' : 'ROLLBACK');
    return ok;
  } finally {
    c.release(destroy ?? false);
  }
}
