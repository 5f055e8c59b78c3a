// The mailbox event bus and the observed store (ingest/expunge publish whoever calls them).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteStore } from '../store/sqlite/store.ts';
import { MailboxEvents, observeStore, type MailboxEvent } from './events.ts';

test('subscribe per mailbox, unsubscribe, a throwing listener is isolated', () => {
  const errors: unknown[] = [];
  const bus = new MailboxEvents((e) => errors.push(e));
  const seen: MailboxEvent[] = [];
  const off = bus.subscribe(1, (e) => seen.push(e));
  bus.subscribe(1, () => {
    throw new Error('listener bug');
  });
  bus.publish({ kind: 'exists', mailboxId: 1 });
  bus.publish({ kind: 'exists', mailboxId: 2 });
  assert.deepEqual(seen, [{ kind: 'exists', mailboxId: 1 }]);
  assert.equal(errors.length, 1);
  off();
  bus.publish({ kind: 'exists', mailboxId: 1 });
  assert.equal(seen.length, 1);
  assert.equal(bus.size, 1);
});

test('observeStore: ingest publishes EXISTS per mailbox, expunge publishes the UIDs; other members are the store’s own', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'mw-events-'));
  const bus = new MailboxEvents();
  const store = observeStore(new SqliteStore({ dataDir: dir }), bus);
  try {
    await store.addDomain('a.test');
    const u = await store.addUser({ address: 'u@a.test', passwordHash: 'x' });
    const inbox = (await store.getMailbox(u.id, 'INBOX'))!;
    const seen: MailboxEvent[] = [];
    bus.subscribe(inbox.id, (e) => seen.push(e));
    const r = await store.ingest({ blob: { kind: 'buffer', data: Buffer.from('Subject: x\r\n\r\nx\r\n') }, mailFrom: '', internalDate: 1, deliveries: [{ userId: u.id, mailbox: 'INBOX' }], outbound: [] });
    assert.deepEqual(seen, [{ kind: 'exists', mailboxId: inbox.id }]);
    assert.equal(await store.expunge(inbox.id, [r.messages[0]!.uid, 99]), 1);
    assert.deepEqual(seen[1], { kind: 'expunge', mailboxId: inbox.id, uids: [1, 99] });
    assert.equal(await store.expunge(inbox.id, [42]), 0);
    assert.equal(seen.length, 2, 'nothing removed, nothing published');
    assert.equal(store.engine, 'sqlite');
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
