/**
 * Store contract, part: the record of expunged UIDs that QRESYNC reads (RFC 7162 §3.2.5.2,
 * §3.2.6): every way a message leaves a mailbox (expunge, expungeDeleted, a move away) records
 * its UID with the new modseq of that expunge; listVanished answers "what vanished since modseq
 * n, among these UIDs" as merged ranges; the record survives a reopen; a mailbox created under
 * an old name starts with an empty record.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { EngineFactory } from './contract.ts';

const H = '$scrypt$ln=15,r=8,p=1$AAAA$BBBB';

export function vanishedContract(engine: string, factory: EngineFactory): void {
  test(`[${engine}] QRESYNC record: expunges by every path, modseq order, UID restriction, reopen, a re-created mailbox starts empty`, async () => {
    const { store, reopen } = await factory.create();
    await store.addDomain('a.test');
    const u = await store.addUser({ address: 'u@a.test', passwordHash: H });
    const inbox = (await store.getMailbox(u.id, 'INBOX'))!;
    const work = await store.createMailbox(u.id, 'Work', null);
    for (let i = 1; i <= 8; i++) {
      await store.ingest({ blob: { kind: 'buffer', data: Buffer.from(`Subject: ${i}\r\n\r\nx\r\n`) }, mailFrom: '', internalDate: i, deliveries: [{ userId: u.id, mailbox: 'INBOX' }], outbound: [] });
    }
    const all = [[1, 100]] as const;
    const start = (await store.getMailboxById(inbox.id))!.highestModseq;
    assert.deepEqual(await store.listVanished(inbox.id, 0, all), [], 'nothing expunged yet');

    assert.equal(await store.expunge(inbox.id, [2, 3, 42]), 2); // POP3's path
    const m1 = (await store.getMailboxById(inbox.id))!.highestModseq;
    assert.equal(m1, start + 1, 'one new modseq per expunge');
    await store.updateFlags(inbox.id, [[5, 5]], 'add', ['\\Deleted']);
    assert.deepEqual(await store.expungeDeleted(inbox.id, [[1, 100]]), [5]); // IMAP EXPUNGE
    const m2 = (await store.getMailboxById(inbox.id))!.highestModseq;
    await store.copyMessages(inbox.id, [7, 8], work.id, true); // MOVE away
    const m3 = (await store.getMailboxById(inbox.id))!.highestModseq;
    assert.ok(m1 < m2 && m2 < m3);

    assert.deepEqual(await store.listVanished(inbox.id, 0, all), [[2, 3], [5, 5], [7, 8]]);
    assert.deepEqual(await store.listVanished(inbox.id, m1 - 1, all), [[2, 3], [5, 5], [7, 8]]);
    assert.deepEqual(await store.listVanished(inbox.id, m1, all), [[5, 5], [7, 8]], 'only what vanished after the modseq given');
    assert.deepEqual(await store.listVanished(inbox.id, m2, all), [[7, 8]]);
    assert.deepEqual(await store.listVanished(inbox.id, m3, all), []);
    assert.deepEqual(await store.listVanished(inbox.id, 0, [[3, 5], [8, 8]]), [[3, 3], [5, 5], [8, 8]], 'only UIDs within the ranges asked');
    assert.deepEqual(await store.listVanished(work.id, 0, all), [], 'the destination of a move lost nothing');

    const again = await reopen();
    assert.deepEqual(await again.listVanished(inbox.id, m1, all), [[5, 5], [7, 8]], 'durable');
    assert.equal(await again.expunge(work.id, [1]), 1);
    assert.deepEqual(await again.listVanished(work.id, 0, all), [[1, 1]]);
    await again.deleteMailbox(work.id);
    const re = await again.createMailbox(u.id, 'Work', null);
    assert.deepEqual(await again.listVanished(re.id, 0, all), []);
    await again.close();
    await store.close();
  });
}
