/**
 * "Nothing lost": kill -9 the server while 200 messages are being sent, restart it, and check that
 * every message that got 250 is in the store exactly once and that nothing is stored twice.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { SqliteStore } from '../../src/store/sqlite/store.ts';
import { addDomain, addUser } from '../../src/directory/accounts.ts';
import { RawSmtp, message } from '../helpers/smtp-client.ts';

const MAIN = new URL('../../src/cli/main.ts', import.meta.url).pathname;

async function startServer(config: string): Promise<{ proc: ChildProcess; port: number }> {
  const proc = spawn(process.execPath, [MAIN, '--config', config, 'serve'], { stdio: ['ignore', 'pipe', 'pipe'] });
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('server did not start')), 20000);
    createInterface({ input: proc.stdout! }).on('line', (line) => {
      try {
        const j = JSON.parse(line) as { msg?: string; listener?: string; port?: number };
        if (j.msg === 'listening' && j.listener === 'mx') {
          clearTimeout(timer);
          resolve(j.port!);
        }
      } catch {
        /* not JSON */
      }
    });
    proc.once('exit', (code) => reject(new Error(`server exited ${code}`)));
  });
  return { proc, port };
}

/** Sends messages `ids` over one connection; records each id that got 250. Stops at the first failure. */
async function sender(port: number, ids: number[], acked: Set<number>): Promise<void> {
  let c: RawSmtp;
  try {
    c = await RawSmtp.open(port);
    await c.cmd('EHLO loadgen.test');
  } catch {
    return;
  }
  try {
    for (const id of ids) {
      if ((await c.cmd('MAIL FROM:<load@gen.test>')).code !== 250) return;
      if ((await c.cmd('RCPT TO:<alice@example.test>')).code !== 250) return;
      if ((await c.cmd('DATA')).code !== 354) return;
      const r = await c.cmd(`${message('load@gen.test', 'alice@example.test', `crash-${id}`, `${'body line\r\n'.repeat(40)}`)}.`);
      if (r.code === 250) acked.add(id);
      else return;
    }
  } catch {
    /* connection killed */
  } finally {
    c.close();
  }
}

test('kill -9 during 200 messages, restart: every 250 is stored, none twice', { timeout: 120_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'mailwarden-crash-'));
  try {
    const config = join(dir, 'mailwarden.toml');
    writeFileSync(config, `hostname = "mx.example.test"\ndata_dir = "${dir}/data"\n[listen]\nmx = ["127.0.0.1:0"]\nsubmission = []\nsubmissions = []\npop3 = []\npop3s = []\nhttps = []\n[log]\nlevel = "info"\n`);
    const setup = new SqliteStore({ dataDir: join(dir, 'data') });
    await addDomain(setup, 'example.test');
    await addUser(setup, 'alice@example.test', 'a long password', { cramMd5: false });
    await setup.close();

    const acked = new Set<number>();
    const first = await startServer(config);
    // 200 messages over 10 connections; kill -9 once about 60 have been acknowledged
    const batches = Array.from({ length: 10 }, (_, b) => Array.from({ length: 20 }, (_, i) => b * 20 + i));
    const senders = batches.map((ids) => sender(first.port, ids, acked));
    while (acked.size < 60) await new Promise((r) => setTimeout(r, 5));
    first.proc.kill('SIGKILL');
    await Promise.all(senders);
    await new Promise((r) => first.proc.exitCode !== null || first.proc.signalCode !== null ? r(null) : first.proc.once('exit', r));
    const ackedBeforeKill = new Set(acked);
    assert.ok(ackedBeforeKill.size >= 60 && ackedBeforeKill.size < 200, `killed mid-run (${ackedBeforeKill.size} acked)`);

    // restart and send the ones that were not acknowledged
    const second = await startServer(config);
    const rest = Array.from({ length: 200 }, (_, i) => i).filter((i) => !acked.has(i));
    await Promise.all(Array.from({ length: 5 }, (_, k) => sender(second.port, rest.filter((_, j) => j % 5 === k), acked)));
    second.proc.kill('SIGTERM');
    await new Promise((r) => second.proc.once('exit', r));
    assert.equal(acked.size, 200, 'all 200 acknowledged in the end');

    const store = new SqliteStore({ dataDir: join(dir, 'data') });
    const user = (await store.getUser('alice@example.test'))!;
    const inbox = (await store.getMailbox(user.id, 'INBOX'))!;
    const counts = new Map<number, number>();
    for (let after = 0; ; ) {
      const page = await store.listMessages(inbox.id, after, 100);
      if (!page.length) break;
      for (const m of page) {
        const id = Number(/Subject: crash-(\d+)/.exec((await store.readBlob(m.blobId)).toString())![1]);
        counts.set(id, (counts.get(id) ?? 0) + 1);
      }
      after = page.at(-1)!.uid;
    }
    await store.close();
    const missing = [...acked].filter((id) => !counts.has(id));
    assert.deepEqual(missing, [], 'every acknowledged message is stored');
    const dupAcked = [...ackedBeforeKill].filter((id) => counts.get(id) !== 1);
    assert.deepEqual(dupAcked, [], 'a message acknowledged before the crash is stored exactly once');
    // A message in flight at the kill may have been committed without its 250 reaching the client;
    // the client then sends it again after the restart (RFC 5321 §6.1 allows that duplicate). That
    // can happen at most once per open connection, and never more than twice.
    t.diagnostic(`acked before kill: ${ackedBeforeKill.size}, stored: ${counts.size} distinct`);
    const resent = [...counts].filter(([id, n]) => !ackedBeforeKill.has(id) && n > 1);
    assert.ok(resent.every(([, n]) => n === 2) && resent.length <= batches.length, `in-flight duplicates: ${JSON.stringify(resent)}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
