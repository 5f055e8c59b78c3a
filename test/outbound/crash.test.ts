/**
 * kill -9 of a delivering server mid-queue, then restart: no queued message is lost, and no
 * recipient whose 250 was recorded before the kill gets the message again. (A message whose 250
 * arrived in the instant before the kill, not yet recorded, may arrive twice: RFC 5321 §6.1's
 * window, at most one per open connection.)
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { SqliteStore } from '../../src/store/sqlite/store.ts';
import { prepareData, startInstance, waitFor } from './helpers.ts';

const MAIN = new URL('../../src/cli/main.ts', import.meta.url).pathname;
const N = 150;

function startServe(config: string): Promise<ChildProcess> {
  const proc = spawn(process.execPath, [MAIN, '--config', config, 'serve'], { stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('server did not start')), 20000);
    createInterface({ input: proc.stdout! }).on('line', (line) => {
      if (process.env.TEST_LOG) process.stderr.write(`${line}\n`);
      if (line.includes('"queue runner started"')) {
        clearTimeout(timer);
        resolve(proc);
      }
    });
    if (process.env.TEST_LOG) proc.stderr!.on('data', (d: Buffer) => process.stderr.write(d));
    proc.once('exit', (code) => reject(new Error(`server exited ${code}`)));
  });
}

const subjects = (msgs: string[]) => msgs.map((m) => Number(/Subject: crash-(\d+)/.exec(m)?.[1] ?? -1));

test('kill -9 while delivering, restart: every message arrives, none recorded as delivered arrives twice', { timeout: 120_000 }, async (t) => {
  const a = await prepareData(['a.test'], ['alice@a.test']);
  const b = await prepareData(['b.test'], ['bob@b.test']);
  const B = await startInstance(b.dir, { hostname: 'mx.b.test', listen: { mx: ['127.0.0.2:0'] }, outbound: { enabled: false } });
  t.after(async () => {
    await B.close();
    rmSync(a.dir, { recursive: true, force: true });
  });
  // N messages queued on A before it starts
  const s = new SqliteStore({ dataDir: a.dir });
  const queueOf = new Map<number, number>();
  for (let i = 0; i < N; i++) {
    const r = await s.ingest({ blob: { kind: 'buffer', data: Buffer.from(`From: alice@a.test\r\nTo: bob@b.test\r\nSubject: crash-${i}\r\n\r\n${'body line\r\n'.repeat(20)}`) }, mailFrom: 'alice@a.test', internalDate: Date.now(), deliveries: [], outbound: [{ address: 'bob@b.test' }] });
    queueOf.set(r.queueIds[0]!, i);
  }
  await s.close();
  writeFileSync(join(a.dir, 'lab.zone'), '$TTL 300\nb.test. IN MX 10 mx.b.test.\nmx.b.test. IN A 127.0.0.2\n');
  const config = join(a.dir, 'mailwarden.toml');
  writeFileSync(config, [
    'hostname = "mx.a.test"',
    `data_dir = "${a.dir}"`,
    '[listen]', 'mx = []', 'submission = []', 'submissions = []', 'pop3 = []', 'pop3s = []', 'imap = []', 'imaps = []', 'https = []',
    '[log]', 'level = "info"',
    '[dns]', `zone_file = "${join(a.dir, 'lab.zone')}"`,
    '[outbound]', `port_map = { "127.0.0.2" = ${B.port('mx')} }`, 'lease = "1s"', 'poll_interval = "200ms"', 'retry_schedule = ["1s"]', 'per_domain_concurrency = 2',
    '',
  ].join('\n'));

  const first = await startServe(config);
  await waitFor(async () => (await B.mailbox('bob@b.test')).length >= 30, 30000, '30 deliveries');
  first.kill('SIGKILL');
  await new Promise((r) => (first.exitCode !== null || first.signalCode !== null ? r(null) : first.once('exit', r)));
  const atKill = (await B.mailbox('bob@b.test')).length;
  assert.ok(atKill < N, `killed mid-queue (${atKill} of ${N} delivered)`);

  // what the store recorded as delivered before the kill
  const st = new SqliteStore({ dataDir: a.dir });
  const recorded = new Set((await st.listDeliveryLog(undefined, 10_000)).filter((l) => l.result === 'delivered').map((l) => queueOf.get(l.queueId)!));
  const stillPending = (await st.listQueue()).filter((e) => e.recipients.some((r) => r.status === 'pending')).length;
  await st.close();
  assert.ok(recorded.size >= 30 - 2 && recorded.size <= atKill, `recorded ${recorded.size}, B has ${atKill}`);
  assert.equal(stillPending + recorded.size, N, 'every message not recorded as delivered is still queued, pending');

  const second = await startServe(config);
  await waitFor(async () => {
    const st2 = new SqliteStore({ dataDir: a.dir });
    try {
      const q = await st2.listQueue();
      return q.length === 0;
    } finally {
      await st2.close();
    }
  }, 30000, 'queue empty');
  second.kill('SIGTERM');
  await new Promise((r) => second.once('exit', r));

  const counts = new Map<number, number>();
  for (const i of subjects(await B.mailbox('bob@b.test'))) counts.set(i, (counts.get(i) ?? 0) + 1);
  const missing = Array.from({ length: N }, (_, i) => i).filter((i) => !counts.has(i));
  assert.deepEqual(missing, [], 'no loss');
  const dupRecorded = [...recorded].filter((i) => counts.get(i) !== 1);
  assert.deepEqual(dupRecorded, [], 'a recipient recorded as delivered never gets it twice');
  const dups = [...counts].filter(([, n]) => n > 1);
  assert.ok(dups.length <= 2 && dups.every(([, n]) => n === 2), `in-flight duplicates at most one per connection: ${JSON.stringify(dups)}`);
  t.diagnostic(`delivered before kill: ${atKill}, recorded: ${recorded.size}, in-flight duplicates: ${dups.length}`);
});
