/**
 * Test harness: a real mailwarden (startApp) on ephemeral loopback ports with a temporary data
 * directory and a fresh SQLite store, plus a few accounts.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { validateConfig } from '../../src/config/load.ts';
import type { Config } from '../../src/config/schema.ts';
import { startApp, type RunningApp } from '../../src/app/app.ts';
import { silentLogger, createLogger } from '../../src/lib/logger.ts';
import { addAlias, addDomain, addUser } from '../../src/directory/accounts.ts';

export const PASSWORD = 'correct horse battery';

export interface TestServer {
  app: RunningApp;
  dir: string;
  port(name: RunningApp['endpoints'][number]['name']): number;
  /** Raw messages in a user's mailbox, in UID order. */
  mailbox(address: string, name?: string): Promise<string[]>;
  close(): Promise<void>;
}

type DeepPartial<T> = { [K in keyof T]?: T[K] extends object ? (T[K] extends unknown[] ? T[K] : DeepPartial<T[K]>) : T[K] };

/** Writes the test's lab zone (RFC 1035 master file; names outside it are NXDOMAIN). */
function writeLabZone(dir: string, records: string): string {
  const file = join(dir, 'lab.zone');
  writeFileSync(file, `$TTL 300\n${records}\n`);
  return file;
}

export async function startTestServer(overrides: DeepPartial<Config> & Record<string, unknown> = {}, opts: { cramMd5?: boolean } = {}): Promise<TestServer> {
  const dir = mkdtempSync(join(tmpdir(), 'mailwarden-test-'));
  const raw: Record<string, unknown> = {
    hostname: 'mx.example.test',
    data_dir: dir,
    ...overrides,
    listen: { mx: ['127.0.0.1:0'], submission: ['127.0.0.1:0'], submissions: ['127.0.0.1:0'], pop3: ['127.0.0.1:0'], pop3s: ['127.0.0.1:0'], imap: ['127.0.0.1:0'], imaps: ['127.0.0.1:0'], https: ['127.0.0.1:0'], ...(overrides.listen as object) },
    log: { level: 'silent', ...(overrides.log as object) },
    // No delivery to the outside world from tests unless a test asks for it (test/outbound/).
    outbound: { enabled: false, ...(overrides.outbound as object) },
    // DNS never leaves the machine: a lab zone (empty unless the test writes records into it).
    dns: { zone_file: writeLabZone(dir, (overrides as { zone?: string }).zone ?? ''), ...(overrides.dns as object) },
  };
  delete raw.zone;
  const config = validateConfig(raw, 'test', dir, {});
  const logger = process.env.TEST_LOG ? createLogger('debug') : silentLogger();
  const app = await startApp(config, logger);
  const s = app.store;
  const cred = { cramMd5: opts.cramMd5 ?? config.auth.cram_md5 };
  await addDomain(s, 'example.test');
  await addDomain(s, 'other.test');
  await addUser(s, 'alice@example.test', PASSWORD, { ...cred, displayName: 'Alice' });
  await addUser(s, 'bob@example.test', PASSWORD, cred);
  await addUser(s, 'carol@other.test', PASSWORD, cred);
  await addAlias(s, 'sales@example.test', ['alice@example.test', 'bob@example.test']);
  return runningServer(app, dir);
}

/** The test view of a running app: its ports, a user's mailbox contents, and a close that cleans up. */
export function runningServer(app: RunningApp, dir: string): TestServer {
  const s = app.store;
  return {
    app,
    dir,
    port(name) {
      const e = app.endpoints.find((x) => x.name === name);
      if (!e) throw new Error(`no ${name} listener`);
      return e.address.port;
    },
    async mailbox(address, name = 'INBOX') {
      const u = await s.getUser(address);
      if (!u) throw new Error(`no user ${address}`);
      const mb = await s.getMailbox(u.id, name);
      const out: string[] = [];
      for (const m of await s.listMessages(mb!.id)) out.push((await s.readBlob(m.blobId)).toString('utf8'));
      return out;
    },
    async close() {
      await app.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
