/**
 * Where the Bayesian filter's statistics live ([spam] statistics): chosen once, here, for the
 * server (MX scoring, IMAP and webmail training) and for the CLI (`mailwarden spam ...`, and
 * `user del` / `domain del --force`, which forget deleted users' statistics).
 *
 *   "store" (default)        the main store's tables (SQLite, store/sqlite/junk.ts)
 *   postgresql://... URL     a PostgreSQL database several nodes share (store/postgres/junk.ts);
 *                            user scopes are namespaced by statistics_namespace (default: hostname)
 *
 * The password: the URL's own, else statistics_password_file's first line, else what pg reads
 * from the environment (PGPASSWORD). Never logged: logs and errors carry the URL redacted.
 */
import { readFileSync } from 'node:fs';
import type { Config } from '../config/schema.ts';
import type { Logger } from '../lib/logger.ts';
import type { JunkStore } from '../junk/ports.ts';
import type { Store } from '../store/ports.ts';
import { openPostgresJunkStore } from '../store/postgres/junk.ts';
import { describePgError, redactUrl, withPassword } from '../store/postgres/pool.ts';

/** The statistics could not be opened: one line for the operator, no password in it. */
export class StatisticsError extends Error {}

export interface JunkStatistics {
  junk: JunkStore;
  /** For logs and the start banner: "store" or the URL with the password redacted. */
  where: string;
  /** Closes what was opened for the statistics (the PostgreSQL pool); the store stays open. */
  close(): Promise<void>;
}

/** The statistics in the main store's own tables. */
export function storeStatistics(store: Store): JunkStatistics {
  return { junk: store.junk, where: 'store', close: async () => undefined };
}

/** True when [spam] statistics names a database of its own (not the main store). */
export function separateStatistics(config: Config): boolean {
  return config.spam.statistics !== 'store';
}

function passwordFrom(file: string): string | null {
  if (!file) return null;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new StatisticsError(`cannot read [spam] statistics_password_file ${file}: ${(e as Error).message}`);
  }
  const first = text.split(/\r?\n/)[0] ?? '';
  if (!first) throw new StatisticsError(`[spam] statistics_password_file ${file} is empty`);
  return first;
}

/**
 * Opens the statistics [spam] statistics names. With PostgreSQL: connects, brings the schema up
 * to date, and fails with a StatisticsError when that is impossible (nothing is started then).
 */
export async function openJunkStatistics(config: Config, store: Store, logger: Logger): Promise<JunkStatistics> {
  const s = config.spam;
  if (!separateStatistics(config)) return storeStatistics(store);
  const url = withPassword(s.statistics, passwordFrom(s.statistics_password_file));
  const where = redactUrl(url);
  try {
    const opened = await openPostgresJunkStore({
      url,
      namespace: s.statistics_namespace || config.hostname,
      onIdleError: (err) => logger.warn({ statistics: where, error: describePgError(err) }, 'spam filter statistics: a PostgreSQL connection failed'),
    });
    logger.info({ statistics: where, namespace: s.statistics_namespace || config.hostname }, 'spam filter statistics in PostgreSQL');
    return opened;
  } catch (e) {
    throw new StatisticsError(e instanceof Error ? e.message : String(e));
  }
}
