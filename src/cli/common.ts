/** Shared by the CLI commands: config loading, store opening, output, password input. */
import { loadConfig, ConfigError, type Config } from '../config/load.ts';
import { openStore } from '../app/app.ts';
import { openJunkStatistics, StatisticsError } from '../app/statistics.ts';
import type { JunkStore } from '../junk/ports.ts';
import { silentLogger } from '../lib/logger.ts';
import type { Store } from '../store/ports.ts';
import { StoreConflict } from '../store/ports.ts';
import { AccountError } from '../directory/accounts.ts';

export interface GlobalOptions {
  config?: string;
}

export function config(opts: GlobalOptions): Config {
  return loadConfig(opts.config).config;
}

/** Runs `fn` with an open store and closes it; known errors become one readable line and exit 1. */
export async function withStore<T>(opts: GlobalOptions, fn: (store: Store, cfg: Config) => Promise<T>): Promise<T> {
  const cfg = config(opts);
  const store = openStore(cfg);
  try {
    return await fn(store, cfg);
  } finally {
    await store.close();
  }
}

/**
 * Runs `fn` with an open store and the spam filter's statistics ([spam] statistics: the store's
 * own tables or a PostgreSQL database), and closes both.
 */
export async function withStatistics<T>(opts: GlobalOptions, fn: (store: Store, junk: JunkStore, cfg: Config) => Promise<T>): Promise<T> {
  return withStore(opts, async (store, cfg) => {
    const statistics = await openJunkStatistics(cfg, store, silentLogger());
    try {
      return await fn(store, statistics.junk, cfg);
    } finally {
      await statistics.close();
    }
  });
}

export function fail(e: unknown): never {
  if (e instanceof ConfigError || e instanceof StoreConflict || e instanceof AccountError || e instanceof UsageError || e instanceof StatisticsError) {
    process.stderr.write(`mailwarden: ${e.message}\n`);
    process.exit(1);
  }
  throw e;
}

export class UsageError extends Error {}

export function printJson(v: unknown): void {
  process.stdout.write(`${JSON.stringify(v, null, 2)}\n`);
}

export function printTable(rows: string[][], header: string[]): void {
  const all = [header, ...rows];
  const widths = header.map((_, i) => Math.max(...all.map((r) => (r[i] ?? '').length)));
  for (const r of all) process.stdout.write(`${r.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd()}\n`);
}

/** Reads a password from standard input (first line), for --password-stdin. */
export async function readPasswordStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  const pw = Buffer.concat(chunks).toString('utf8').split(/\r?\n/)[0] ?? '';
  if (!pw) throw new UsageError('no password on standard input');
  return pw;
}
