/**
 * Store contract, part: mailing lists, alias targets outside our domains (forwarding), ingest
 * copies (forwarded / list mail committed with the message) and stored verdicts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { StoreConflict } from '../ports.ts';
import type { EngineFactory } from './contract.ts';

const H = '$scrypt$ln=15,r=8,p=1$AAAA$BBBB';

export function listsContract(engine: string, factory: EngineFactory): void {
  test(`[${engine}] lists: add, members, conflicts with users and aliases, delete with the domain`, async () => {
    const { store, reopen } = await factory.create();
    await store.addDomain('a.test');
    await store.addUser({ address: 'owner@a.test', passwordHash: H });
    const base = { name: 'team', subjectTag: '[team]', posting: 'members' as const, fromRewrite: 'dmarc' as const, owner: 'owner@a.test' };
    await assert.rejects(store.lists.add({ ...base, address: 'team@b.test' }), StoreConflict, 'domain must be local');
    await assert.rejects(store.lists.add({ ...base, address: 'owner@a.test' }), StoreConflict, 'not over a user');
    await assert.rejects(store.lists.add({ ...base, address: 'x@a.test', owner: 'ghost@a.test' }), StoreConflict, 'owner must be a user');
    const l = await store.lists.add({ ...base, address: 'team@a.test' });
    assert.deepEqual({ ...l, id: 0, createdAt: 0 }, { ...base, address: 'team@a.test', id: 0, createdAt: 0 });
    await assert.rejects(store.lists.add({ ...base, address: 'team@a.test' }), StoreConflict);
    await assert.rejects(store.addUser({ address: 'team@a.test', passwordHash: H }), StoreConflict, 'a user cannot shadow a list');
    await assert.rejects(store.addAlias('team@a.test', ['owner@a.test']), StoreConflict, 'an alias cannot shadow a list');
    assert.equal(await store.lists.addMember(l.id, 'x@ext.test'), true);
    assert.equal(await store.lists.addMember(l.id, 'x@ext.test'), false);
    assert.equal(await store.lists.addMember(l.id, 'owner@a.test'), true);
    assert.deepEqual(await store.lists.members(l.id), ['x@ext.test', 'owner@a.test']);
    assert.equal(await store.lists.isMember(l.id, 'x@ext.test'), true);
    assert.equal(await store.lists.removeMember(l.id, 'x@ext.test'), true);
    assert.equal(await store.lists.removeMember(l.id, 'x@ext.test'), false);
    await store.close();
    const again = await reopen();
    assert.deepEqual((await again.lists.all()).map((x) => x.address), ['team@a.test']);
    assert.deepEqual(await again.lists.members(l.id), ['owner@a.test']);
    await assert.rejects(again.deleteDomain('a.test'), StoreConflict, 'refused while it has a list');
    assert.equal(await again.deleteDomain('a.test', true), true);
    assert.equal(await again.lists.get('team@a.test'), null);
    await again.close();
  });

  test(`[${engine}] aliases may forward outside our domains; ingest commits copies and verdicts atomically`, async () => {
    const { store } = await factory.create();
    await store.addDomain('a.test');
    const u = await store.addUser({ address: 'u@a.test', passwordHash: H });
    await assert.rejects(store.addAlias('x@a.test', ['ghost@a.test']), StoreConflict, 'a local target must be a user');
    const alias = await store.addAlias('x@a.test', ['u@a.test', 'far@ext.test']);
    assert.deepEqual(alias.targets, ['u@a.test', 'far@ext.test']);
    const res = await store.ingest({
      blob: { kind: 'buffer', data: Buffer.from('Subject: main\r\n\r\nbody\r\n') },
      mailFrom: 's@ext.test',
      internalDate: Date.now(),
      deliveries: [{ userId: u.id, mailbox: 'INBOX' }],
      outbound: [],
      copies: [
        { blob: { kind: 'buffer', data: Buffer.from('ARC-Seal: x\r\nSubject: main\r\n\r\nbody\r\n') }, mailFrom: 'SRS0=abc@a.test', outbound: [{ address: 'far@ext.test' }] },
        { blob: { kind: 'buffer', data: Buffer.from('List-Id: <l.a.test>\r\nSubject: [l] main\r\n\r\nbody\r\n') }, mailFrom: 'l-bounces@a.test', outbound: [], deliveries: [{ userId: u.id, mailbox: 'INBOX' }] },
      ],
      verdicts: { auth: { dmarc: { result: 'pass' } }, mailbox: 'INBOX' },
    });
    assert.equal(res.messages.length, 2, 'the main delivery and the list copy');
    assert.equal(res.queueIds.length, 1, 'the forwarded copy is queued');
    const q = await store.getQueueEntry(res.queueIds[0]!);
    assert.equal(q?.mailFrom, 'SRS0=abc@a.test', 'the copy has its own envelope sender');
    assert.match((await store.readBlob(q!.blobId)).toString(), /^ARC-Seal: x\r\n/);
    const inbox = (await store.getMailbox(u.id, 'INBOX'))!;
    const rows = await store.listMessages(inbox.id);
    assert.deepEqual(await Promise.all(rows.map(async (r) => (await store.readBlob(r.blobId)).toString().split('\r\n')[0])), ['Subject: main', 'List-Id: <l.a.test>']);
    assert.deepEqual(await store.getVerdicts(res.blobId), { auth: { dmarc: { result: 'pass' } }, mailbox: 'INBOX' });
    // mail only to a list keeps no row of its own
    const only = await store.ingest({ blob: { kind: 'buffer', data: Buffer.from('x') }, mailFrom: '', internalDate: Date.now(), deliveries: [], outbound: [], copies: [{ blob: { kind: 'buffer', data: Buffer.from('y') }, mailFrom: 'l-bounces@a.test', outbound: [{ address: 'm@ext.test' }] }] });
    assert.equal(only.blobId, 0);
    assert.equal(only.queueIds.length, 1);
    await store.close();
  });
}
