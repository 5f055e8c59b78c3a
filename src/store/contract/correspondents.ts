/**
 * Store contract, part: correspondents (the first-contact phishing signal): recorded directly and
 * with an ingest (same transaction), lower-cased, counted, looked up for any of several users,
 * kept across a reopen, removed with the user.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { EngineFactory } from './contract.ts';

const H = '$scrypt$ln=15,r=8,p=1$AAAA$BBBB';

export function correspondentsContract(engine: string, factory: EngineFactory): void {
  test(`[${engine}] correspondents: record, ingest, known to any of several users, reopen, deleted with the user`, async () => {
    const { store, reopen } = await factory.create();
    await store.addDomain('a.test');
    const u1 = await store.addUser({ address: 'u1@a.test', passwordHash: H });
    const u2 = await store.addUser({ address: 'u2@a.test', passwordHash: H });
    const c = store.correspondents;
    assert.equal(await c.knownToAny([u1.id, u2.id], 'x@ext.test'), false);
    await c.record([{ userId: u1.id, address: 'X@Ext.Test' }], 1000);
    assert.equal(await c.knownToAny([u1.id], 'x@ext.test'), true, 'stored lower case');
    assert.equal(await c.knownToAny([u2.id], 'x@ext.test'), false, 'per user');
    assert.equal(await c.knownToAny([u2.id, u1.id], 'X@EXT.TEST'), true, 'any of several users');
    assert.equal(await c.knownToAny([], 'x@ext.test'), false);
    await c.record([{ userId: u1.id, address: 'x@ext.test' }, { userId: 999_999, address: 'ghost@ext.test' }, { userId: u1.id, address: '' }], 2000);
    assert.deepEqual(await c.list(u1.id, 10), [{ address: 'x@ext.test', firstAt: 1000, lastAt: 2000, count: 2 }], 'refreshed and counted; unknown users and empty addresses skipped');
    // recorded together with an ingest
    await store.ingest({
      blob: { kind: 'buffer', data: Buffer.from('Subject: x\r\n\r\nhi\r\n') },
      mailFrom: 'y@ext.test',
      internalDate: 3000,
      deliveries: [{ userId: u2.id, mailbox: 'INBOX' }],
      outbound: [],
      correspondents: [{ userId: u2.id, address: 'y@ext.test' }],
    });
    assert.equal(await c.knownToAny([u2.id], 'y@ext.test'), true);
    await store.close();
    const again = await reopen();
    assert.equal(await again.correspondents.knownToAny([u1.id], 'x@ext.test'), true, 'durable');
    assert.equal(await again.deleteUser('u1@a.test'), true);
    assert.deepEqual(await again.correspondents.list(u1.id, 10), []);
    assert.equal(await again.correspondents.knownToAny([u2.id], 'y@ext.test'), true, 'other users keep theirs');
    await again.close();
  });
}
