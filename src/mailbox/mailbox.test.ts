// The shared mailbox operations over a real SQLite store in a scratch directory.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteStore } from '../store/sqlite/store.ts';
import { deleteMessages, iterateMessages, openMailbox, readMessage } from './mailbox.ts';

async function fixture(messages: number) {
  const dir = mkdtempSync(join(tmpdir(), 'mw-mailbox-'));
  const store = new SqliteStore({ dataDir: dir });
  await store.addDomain('a.test');
  const u = await store.addUser({ address: 'u@a.test', passwordHash: 'x' });
  await Promise.all(
    Array.from({ length: messages }, (_, i) =>
      store.ingest({ blob: { kind: 'buffer', data: Buffer.from(`Subject: ${i + 1}\r\n\r\nbody ${i + 1}\r\n`) }, mailFrom: '', internalDate: i, deliveries: [{ userId: u.id, mailbox: 'INBOX' }], outbound: [] }),
    ),
  );
  return { store, user: u, done: async () => (await store.close(), rmSync(dir, { recursive: true, force: true })) };
}

test('openMailbox: INBOX in any case, other names exactly, unknown is null', async () => {
  const f = await fixture(0);
  assert.equal((await openMailbox(f.store, f.user.id))?.name, 'INBOX');
  assert.equal((await openMailbox(f.store, f.user.id, 'inbox'))?.name, 'INBOX');
  assert.equal((await openMailbox(f.store, f.user.id, 'Sent'))?.specialUse, '\\Sent');
  assert.equal(await openMailbox(f.store, f.user.id, 'Nope'), null);
  await f.done();
});

test('iterateMessages walks every message in UID order across page boundaries', async () => {
  const f = await fixture(23);
  const inbox = (await openMailbox(f.store, f.user.id))!;
  for (const page of [1, 5, 23, 100]) {
    const uids: number[] = [];
    for await (const m of iterateMessages(f.store, inbox.id, page)) uids.push(m.uid);
    assert.deepEqual(uids, Array.from({ length: 23 }, (_, i) => i + 1), `page size ${page}`);
  }
  await f.done();
});

test('readMessage streams the bytes; deleteMessages removes them; a deleted message reads as null', async () => {
  const f = await fixture(3);
  const inbox = (await openMailbox(f.store, f.user.id))!;
  const r = await readMessage(f.store, inbox.id, 2);
  const chunks: Buffer[] = [];
  for await (const c of r!.chunks) chunks.push(c);
  assert.equal(Buffer.concat(chunks).toString(), 'Subject: 2\r\n\r\nbody 2\r\n');
  assert.equal(r!.message.size, chunks.reduce((n, c) => n + c.length, 0));
  assert.equal(await deleteMessages(f.store, inbox.id, []), 0);
  assert.equal(await deleteMessages(f.store, inbox.id, [2, 3, 42]), 2);
  assert.equal(await readMessage(f.store, inbox.id, 2), null);
  assert.equal(await f.store.countMessages(inbox.id), 1);
  await f.done();
});
