/**
 * The retry schedule without waiting days: a queue runner with an injected clock against a real
 * store, a destination that refuses connections. Backoff follows the schedule, a delay warning
 * (Action: delayed) goes out once, and after expire_after the sender gets the final DSN.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer } from '../helpers/server.ts';
import { MockResolver } from '../../src/dns/index.ts';
import { Directory } from '../../src/directory/directory.ts';
import { createQueueRunner } from '../../src/app/outbound.ts';
import { silentLogger } from '../../src/lib/logger.ts';
import { closedPort } from './helpers.ts';

test('remote down: retries per schedule, one delay warning, DSN after expiry (fake clock)', async (t) => {
  const port = await closedPort('127.0.0.1');
  const srv = await startTestServer({ outbound: { enabled: false, port, retry_schedule: ['5m', '10m', '30m'], expire_after: '5d', delay_warning_after: '4h' } });
  t.after(() => srv.close());
  const store = srv.app.store;
  const resolver = new MockResolver({ 'down.test': { MX: [{ priority: 10, exchange: 'mx.down.test' }] }, 'mx.down.test': { A: ['127.0.0.1'] } });
  let now = Date.now();
  const runner = createQueueRunner({ config: srv.app.config, store, directory: new Directory(store, { subaddressSeparator: '+' }), resolver, logger: silentLogger(), clock: () => now });
  const alice = (await store.getUser('alice@example.test'))!;
  const t0 = now;
  const r = await store.ingest({ blob: { kind: 'buffer', data: Buffer.from('From: alice@example.test\r\nTo: zed@down.test\r\nSubject: into the void\r\n\r\nhi\r\n') }, mailFrom: 'alice@example.test', internalDate: t0, deliveries: [], outbound: [{ address: 'zed@down.test' }] });
  const id = r.queueIds[0]!;
  const inbox = async () => (await srv.mailbox('alice@example.test')).filter((m) => m.includes('zed@down.test'));

  const waits: number[] = [];
  for (let i = 0; i < 3; i++) {
    await runner.runOnce();
    const e = (await store.getQueueEntry(id))!;
    assert.equal(e.attempts, i + 1);
    assert.equal(e.recipients[0]!.status, 'pending');
    assert.match(e.recipients[0]!.lastReply ?? '', /ECONNREFUSED|refused/);
    waits.push(e.nextAttemptAt - now);
    await runner.runOnce(); // not due yet: nothing happens
    assert.equal((await store.getQueueEntry(id))!.attempts, i + 1, 'not retried before it is due');
    now = e.nextAttemptAt;
  }
  assert.deepEqual(waits, [5 * 60_000, 10 * 60_000, 30 * 60_000], 'waits follow the schedule');
  assert.equal((await inbox()).length, 0, 'no warning before delay_warning_after');

  now = t0 + 4 * 3600_000 + 1;
  await store.retryQueueEntry(id, now);
  await runner.runOnce();
  const warned = await inbox();
  assert.equal(warned.length, 1, 'one delay warning');
  assert.match(warned[0]!, /Subject: Delayed Mail \(still being retried\)/);
  assert.match(warned[0]!, /Action: delayed\r\nStatus: 4\.4\.\d/);
  assert.match(warned[0]!, /Will-Retry-Until: /);
  await store.retryQueueEntry(id, now);
  await runner.runOnce();
  assert.equal((await inbox()).length, 1, 'only one warning');

  now = t0 + 5 * 86400_000 + 1;
  await store.retryQueueEntry(id, now);
  await runner.runOnce();
  const all = await inbox();
  assert.equal(all.length, 2);
  assert.match(all[1]!, /Subject: Undelivered Mail Returned to Sender/);
  assert.match(all[1]!, /Action: failed\r\nStatus: 4\.4\.\d/);
  assert.match(all[1]!, /gave up after \d+ attempts/);
  assert.equal(await store.getQueueEntry(id), null, 'retired');
  assert.equal(alice.address, 'alice@example.test');
});
