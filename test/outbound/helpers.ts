/**
 * Outbound test harness: mailwarden instances with their own domains and data directories on
 * loopback addresses (127.0.0.x), a static lab zone, and a scriptable fake SMTP server.
 */
import { mkdtempSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { validateConfig } from '../../src/config/load.ts';
import { startApp } from '../../src/app/app.ts';
import { runningServer, type TestServer } from '../helpers/server.ts';
import { SqliteStore } from '../../src/store/sqlite/store.ts';
import { createLogger, silentLogger } from '../../src/lib/logger.ts';
import { addDomain, addUser } from '../../src/directory/accounts.ts';
import { dkimTxtValue } from '../../src/standards/dkim/keys.ts';
import { formatZone, recordsToPublish } from '../../src/dns/publish.ts';

export const PASSWORD = 'correct horse battery';

/** A running instance: the same view as startTestServer's. */
export type Instance = TestServer;

/** A data directory with domains (DKIM keys made by addDomain) and users, not started yet. */
export async function prepareData(domains: string[], users: string[]): Promise<{ dir: string; dkimZone: (domain: string, mxHost: string, ip: string) => Promise<string> }> {
  const dir = mkdtempSync(join(tmpdir(), 'mailwarden-out-'));
  const s = new SqliteStore({ dataDir: dir });
  for (const d of domains) await addDomain(s, d);
  for (const u of users) await addUser(s, u, PASSWORD, { cramMd5: false });
  await s.close();
  return {
    dir,
    async dkimZone(domain, mxHost, ip) {
      const st = new SqliteStore({ dataDir: dir });
      const keys = await st.listDkimKeys(domain);
      await st.close();
      return formatZone(recordsToPublish({ domain, mxHost, ips: [ip], dkim: keys.map((k) => ({ selector: k.selector, txt: dkimTxtValue(k.algorithm, k.publicKey) })) }));
    },
  };
}

export async function startInstance(dir: string, config: Record<string, unknown>): Promise<Instance> {
  const raw = {
    data_dir: dir,
    ...config,
    listen: { mx: [], submission: [], submissions: [], pop3: [], pop3s: [], imap: [], imaps: [], https: [], ...(config.listen as object) },
    log: { level: 'silent', ...(config.log as object) },
  };
  const cfg = validateConfig(raw, 'test', dir, {});
  const app = await startApp(cfg, process.env.TEST_LOG ? createLogger('debug') : silentLogger());
  return runningServer(app, dir);
}

/** Polls `fn` until it returns a truthy value (or throws after `ms`). */
export async function waitFor<T>(fn: () => Promise<T | undefined | null | false>, ms = 15000, what = 'condition'): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A fake SMTP server: `rcptReply(n)` decides the reply to the n-th RCPT (0-based, over all connections). */
export interface FakeSmtp {
  port: number;
  messages: string[];
  rcpts: number;
  close(): Promise<void>;
}

export async function startFakeSmtp(host: string, rcptReply: (n: number) => string): Promise<FakeSmtp> {
  const state: FakeSmtp = { port: 0, messages: [], rcpts: 0, close: async () => undefined };
  const sockets = new Set<Socket>();
  const server: Server = createServer((sock) => {
    sockets.add(sock);
    sock.on('close', () => sockets.delete(sock));
    sock.on('error', () => undefined);
    let buf = '';
    let data: string | null = null;
    sock.write('220 fake.test ESMTP\r\n');
    sock.on('data', (chunk) => {
      buf += chunk.toString('latin1');
      for (;;) {
        if (data !== null) {
          const end = buf.indexOf('\r\n.\r\n');
          if (end < 0) return;
          state.messages.push(data + buf.slice(0, end + 2));
          buf = buf.slice(end + 5);
          data = null;
          sock.write('250 2.0.0 queued\r\n');
          continue;
        }
        const nl = buf.indexOf('\r\n');
        if (nl < 0) return;
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 2);
        const verb = line.slice(0, 4).toUpperCase();
        if (verb === 'EHLO') sock.write('250-fake.test\r\n250 8BITMIME\r\n');
        else if (verb === 'MAIL' || verb === 'RSET') sock.write('250 2.0.0 ok\r\n');
        else if (verb === 'RCPT') sock.write(`${rcptReply(state.rcpts++)}\r\n`);
        else if (verb === 'DATA') {
          data = '';
          sock.write('354 go ahead\r\n');
        } else if (verb === 'QUIT') {
          sock.write('221 bye\r\n');
          sock.end();
        } else sock.write('502 5.5.1 no\r\n');
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, host, () => r()));
  state.port = (server.address() as { port: number }).port;
  state.close = () =>
    new Promise<void>((r) => {
      for (const s of sockets) s.destroy();
      server.close(() => r());
    });
  return state;
}

/** A port nothing listens on (bound, then closed). */
export async function closedPort(host = '127.0.0.1'): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, host, () => r()));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}
