/**
 * Test harness: a private, temporary PostgreSQL server for one test file (no mocks, no shared
 * cluster). initdb into a fresh temporary directory, listen on 127.0.0.1 only on a free ephemeral
 * port (the unix socket in the same directory), a created non-superuser role that logs in over TCP
 * with scram-sha-256 and owns its database (what docs/spam.md tells operators to create), and on
 * teardown `pg_ctl stop -m immediate` and the directory removed. Every step is bounded in time.
 *
 * The binaries come from the Debian package `postgresql` (/usr/lib/postgresql/<major>/bin). They
 * are required: a missing install fails the test with the package's name, it is never skipped.
 * PostgreSQL refuses to run as root, so under root the directory belongs to the `postgres` system
 * user (created by that package) and initdb/pg_ctl run through `runuser -u postgres --`.
 */
import { execFile, execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { after, before } from 'node:test';
import pg from 'pg';

/** Every server command (initdb, pg_ctl start/stop) must finish within this. */
const STEP_TIMEOUT_MS = 60_000;

export interface TestPostgres {
  /** postgresql://ROLE:PASSWORD@127.0.0.1:PORT/DATABASE: the created role, over TCP, scram-sha-256. */
  url: string;
  role: string;
  password: string;
  database: string;
  port: number;
  /** A query as the superuser over the unix socket, in `database` (default: the role's). */
  admin(sql: string, params?: unknown[], database?: string): Promise<pg.QueryResult>;
  /** Stops the server (an outage); start() brings it back on the same port with the same data. */
  stop(): Promise<void>;
  start(): Promise<void>;
  /** Stops the server and removes its directory. */
  close(): Promise<void>;
}

/** The newest PostgreSQL server binaries installed by Debian's packages. */
export function postgresBin(): string {
  const root = '/usr/lib/postgresql';
  const majors = existsSync(root) ? readdirSync(root).filter((v) => /^\d+$/.test(v)).sort((a, b) => Number(b) - Number(a)) : [];
  for (const m of majors) {
    const bin = join(root, m, 'bin');
    if (existsSync(join(bin, 'initdb')) && existsSync(join(bin, 'pg_ctl'))) return bin;
  }
  throw new Error('PostgreSQL server binaries not found (/usr/lib/postgresql/*/bin/initdb and pg_ctl): install the Debian package "postgresql" (apt-get install --no-install-recommends postgresql)');
}

function run(cmd: string, args: string[], asPostgres: boolean): Promise<string> {
  const [file, argv] = asPostgres ? ['runuser', ['-u', 'postgres', '--', cmd, ...args]] : [cmd, args];
  return new Promise((resolve, reject) => {
    execFile(file, argv, { timeout: STEP_TIMEOUT_MS, killSignal: 'SIGKILL' }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${cmd} ${args[0] ?? ''} failed: ${err.message}\n${stderr}`));
      else resolve(stdout);
    });
  });
}

/** A port nobody listens on right now (the kernel's choice of an ephemeral one). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => (a && typeof a === 'object' ? resolve(a.port) : reject(new Error('no port'))));
    });
  });
}

export async function startTestPostgres(): Promise<TestPostgres> {
  const bin = postgresBin();
  const asPostgres = process.getuid?.() === 0;
  const dir = mkdtempSync(join(tmpdir(), 'mw-pg-'));
  const data = join(dir, 'data');
  if (asPostgres) {
    const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
    if (!Number.isInteger(uid) || !Number.isInteger(gid)) throw new Error('no "postgres" system user: install the Debian package "postgresql"');
    chownSync(dir, uid, gid);
  }
  await run(join(bin, 'initdb'), ['-D', data, '-U', 'postgres', '--auth-local=trust', '--auth-host=scram-sha-256', '--encoding=UTF8', '--locale=C', '--no-sync'], asPostgres);
  const port = await freePort();
  // A throwaway server: durability off (fsync, full pages) for speed; listen on loopback only.
  const opts = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=60`;
  let running = false;
  const start = async () => {
    await run(join(bin, 'pg_ctl'), ['start', '-D', data, '-w', '-t', '30', '-l', join(dir, 'server.log'), '-o', opts], asPostgres);
    running = true;
  };
  const stop = async () => {
    if (!running) return;
    await run(join(bin, 'pg_ctl'), ['stop', '-D', data, '-m', 'immediate', '-w', '-t', '30'], asPostgres);
    running = false;
  };
  // A test that dies before its teardown must not leave a server behind.
  const onExit = () => {
    if (!running) return;
    try {
      execFileSync(asPostgres ? 'runuser' : join(bin, 'pg_ctl'), [...(asPostgres ? ['-u', 'postgres', '--', join(bin, 'pg_ctl')] : []), 'stop', '-D', data, '-m', 'immediate'], { timeout: STEP_TIMEOUT_MS, stdio: 'ignore' });
      rmSync(dir, { recursive: true, force: true });
    } catch {
      /* best effort at exit */
    }
  };
  process.once('exit', onExit);
  try {
    await start();
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
  const role = 'mailwarden';
  const database = 'mailwarden_stats';
  const admin = async (sql: string, params: unknown[] = [], db = database) => {
    const c = new pg.Client({ host: dir, port, user: 'postgres', database: db, connectionTimeoutMillis: 10_000 });
    await c.connect();
    try {
      return await c.query(sql, params);
    } finally {
      await c.end();
    }
  };
  const password = randomBytes(12).toString('base64url');
  await admin(`CREATE ROLE ${role} LOGIN PASSWORD '${password}'`, [], 'postgres');
  await admin(`CREATE DATABASE ${database} OWNER ${role}`, [], 'postgres');
  return {
    url: `postgresql://${role}:${password}@127.0.0.1:${port}/${database}`,
    role,
    password,
    database,
    port,
    admin,
    stop,
    start,
    async close() {
      process.removeListener('exit', onExit);
      try {
        await stop();
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

/**
 * For one test file: a private server started before its tests (`startTestPostgres`), and
 * temporary directories; both removed after its tests.
 */
export function postgresForFile(): { readonly pg: TestPostgres; tempDir(prefix: string): string } {
  let server: TestPostgres | undefined;
  const dirs: string[] = [];
  before(async () => {
    server = await startTestPostgres();
  });
  after(async () => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
    await server?.close();
  });
  return {
    get pg(): TestPostgres {
      if (server === undefined) throw new Error('the test PostgreSQL is not started yet (use it inside a test)');
      return server;
    },
    tempDir(prefix: string): string {
      const dir = mkdtempSync(join(tmpdir(), prefix));
      dirs.push(dir);
      return dir;
    },
  };
}
