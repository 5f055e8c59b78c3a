/**
 * The store contract: ONE suite that every engine (SQLite now, PostgreSQL next) must pass. Each
 * engine's test file calls `storeContract(name, factory)`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StoreConflict, type Store } from '../ports.ts';
import { dmarcIncomingContract } from './dmarc-incoming.ts';
import { listsContract } from './lists.ts';
import { correspondentsContract } from './correspondents.ts';
import { vanishedContract } from './vanished.ts';
import { mtaStsContract } from './mtasts.ts';
import { tlsReportsContract } from './tlsrpt.ts';
import { junkContract } from './junk.ts';

export interface EngineFactory {
  /** A fresh, empty store; `reopen` opens the same data again (persistence checks). */
  create(): Promise<{ store: Store; reopen(): Promise<Store>; scratchDir: string }>;
}

const H = '$scrypt$ln=15,r=8,p=1$AAAA$BBBB';

export function storeContract(engine: string, factory: EngineFactory): void {
  dmarcIncomingContract(engine, factory);
  listsContract(engine, factory);
  correspondentsContract(engine, factory);
  vanishedContract(engine, factory);
  mtaStsContract(engine, factory);
  tlsReportsContract(engine, factory);
  test(`[${engine}] domains: add, get, list, conflicts, delete`, async () => {
    const { store } = await factory.create();
    await store.addDomain('b.test');
    await store.addDomain('a.test');
    await assert.rejects(store.addDomain('a.test'), StoreConflict);
    assert.deepEqual((await store.listDomains()).map((d) => d.name), ['a.test', 'b.test']);
    await store.addUser({ address: 'u@a.test', passwordHash: H });
    await assert.rejects(store.deleteDomain('a.test'), StoreConflict, 'refused while it has users');
    assert.equal(await store.deleteDomain('a.test', true), true);
    assert.equal(await store.getUser('u@a.test'), null);
    assert.equal(await store.deleteDomain('nope.test'), false);
    await store.close();
  });

  test(`[${engine}] deleteDomain: beforeDelete runs after the checks, with the users about to go, before the deletion; a refusal or a failing hook deletes nothing`, async () => {
    const { store } = await factory.create();
    const calls: string[][] = [];
    const hook = async (users: readonly { address: string }[]) => {
      // the users are all still there when the hook runs
      for (const u of users) assert.ok(await store.getUser(u.address), `${u.address} still there in the hook`);
      calls.push(users.map((u) => u.address));
    };
    assert.equal(await store.deleteDomain('nope.test', true, hook), false);
    await store.addDomain('a.test');
    await store.addDomain('b.test');
    await store.addUser({ address: 'u1@a.test', passwordHash: H });
    await store.addUser({ address: 'u2@a.test', passwordHash: H });
    await store.addAlias('team@a.test', ['u1@a.test', 'u2@a.test']); // the domain's own: goes with it
    await assert.rejects(store.deleteDomain('a.test', false, hook), StoreConflict, 'users without force');
    await store.addAlias('x@b.test', ['u2@a.test']);
    await assert.rejects(store.deleteDomain('a.test', true, hook), /x@b\.test -> u2@a\.test/, 'an alias of another domain targets a user, even with force');
    assert.deepEqual(calls, [], 'refusals never call the hook');
    await assert.rejects(store.deleteDomain('a.test', true, hook), StoreConflict);
    assert.equal(await store.deleteAlias('x@b.test'), true);
    await assert.rejects(store.deleteDomain('a.test', true, async () => { throw new Error('statistics unreachable'); }), /statistics unreachable/);
    assert.ok(await store.getDomain('a.test'), 'a failing hook: nothing deleted');
    assert.deepEqual((await store.listUsers('a.test')).map((u) => u.address), ['u1@a.test', 'u2@a.test']);
    assert.ok(await store.getAlias('team@a.test'));
    assert.equal(await store.deleteDomain('a.test', true, hook), true);
    assert.deepEqual(calls, [['u1@a.test', 'u2@a.test']]);
    assert.equal(await store.getDomain('a.test'), null);
    assert.equal(await store.getUser('u1@a.test'), null);
    assert.equal(await store.getAlias('team@a.test'), null);
    // no users: the hook runs with none
    assert.equal(await store.deleteDomain('b.test', false, hook), true);
    assert.deepEqual(calls.at(-1), []);
    // users added by someone else while the hook runs: refused, not deleted behind the hook's back
    await store.addDomain('c.test');
    await store.addUser({ address: 'u@c.test', passwordHash: H });
    await assert.rejects(store.deleteDomain('c.test', true, async () => void (await store.addUser({ address: 'late@c.test', passwordHash: H }))), StoreConflict);
    assert.equal((await store.listUsers('c.test')).length, 2);
    await store.close();
  });

  test(`[${engine}] users get the special-use mailboxes; aliases resolve and are listed by target`, async () => {
    const { store } = await factory.create();
    await store.addDomain('a.test');
    await assert.rejects(store.addUser({ address: 'u@b.test', passwordHash: H }), StoreConflict, 'domain must exist');
    const u = await store.addUser({ address: 'u@a.test', passwordHash: H, displayName: 'U' });
    await assert.rejects(store.addUser({ address: 'u@a.test', passwordHash: H }), StoreConflict);
    const mbs = await store.listMailboxes(u.id);
    assert.deepEqual(mbs.map((m) => [m.name, m.specialUse]), [['INBOX', null], ['Sent', '\\Sent'], ['Drafts', '\\Drafts'], ['Junk', '\\Junk'], ['Trash', '\\Trash'], ['Archive', '\\Archive']]);
    assert.ok(mbs.every((m) => m.uidNext === 1 && m.uidValidity > 0));
    await assert.rejects(store.addAlias('x@a.test', ['ghost@a.test']), StoreConflict, 'targets must be users');
    await store.addAlias('x@a.test', ['u@a.test']);
    await store.addAlias('@a.test', ['u@a.test']);
    await assert.rejects(store.addAlias('u@a.test', ['u@a.test']), StoreConflict, 'an alias cannot shadow a user');
    assert.deepEqual((await store.aliasesTargeting('u@a.test')).map((a) => a.source), ['@a.test', 'x@a.test']);
    await assert.rejects(store.deleteUser('u@a.test'), StoreConflict, 'still an alias target');
    assert.equal(await store.deleteAlias('x@a.test'), true);
    assert.equal(await store.deleteAlias('@a.test'), true);
    assert.equal(await store.deleteUser('u@a.test'), true);
    await store.close();
  });

  test(`[${engine}] ingest: UIDs per mailbox, one shared blob, queue entries per domain`, async () => {
    const { store } = await factory.create();
    await store.addDomain('a.test');
    const u1 = await store.addUser({ address: 'u1@a.test', passwordHash: H });
    const u2 = await store.addUser({ address: 'u2@a.test', passwordHash: H });
    const msg = Buffer.from('Subject: one\r\n\r\nhi\r\n');
    const r = await store.ingest({
      blob: { kind: 'buffer', data: msg },
      mailFrom: 's@a.test',
      internalDate: 1_700_000_000_000,
      deliveries: [{ userId: u1.id, mailbox: 'INBOX' }, { userId: u2.id, mailbox: 'INBOX' }],
      outbound: [{ address: 'x@r1.test' }, { address: 'y@r1.test' }, { address: 'z@r2.test' }],
    });
    assert.deepEqual(r.messages.map((m) => m.uid), [1, 1]);
    assert.equal(r.queueIds.length, 2);
    const q = await store.listQueue();
    assert.deepEqual(q.map((e) => [e.domain, e.recipients.map((x) => x.address)]), [['r1.test', ['x@r1.test', 'y@r1.test']], ['r2.test', ['z@r2.test']]]);
    const inbox = (await store.getMailbox(u1.id, 'INBOX'))!;
    assert.equal(inbox.uidNext, 2);
    const [m] = await store.listMessages(inbox.id);
    assert.equal(m!.size, msg.length);
    assert.deepEqual(await store.readBlob(m!.blobId), msg);
    await assert.rejects(store.ingest({ blob: { kind: 'buffer', data: msg }, mailFrom: '', internalDate: 0, deliveries: [{ userId: u1.id, mailbox: 'Nope' }], outbound: [] }));
    assert.equal(await store.countMessages(inbox.id), 1, 'a failed ingest commits nothing');
    await store.close();
  });

  test(`[${engine}] concurrent ingests (group commit) get distinct UIDs and survive reopening`, async () => {
    const { store, reopen, scratchDir } = await factory.create();
    await store.addDomain('a.test');
    const u = await store.addUser({ address: 'u@a.test', passwordHash: H });
    const big = join(scratchDir, 'big.eml');
    writeFileSync(big, `Subject: big\r\n\r\n${'x'.repeat(500_000)}\r\n`);
    const results = await Promise.all([
      ...Array.from({ length: 100 }, (_, i) => store.ingest({ blob: { kind: 'buffer', data: Buffer.from(`Subject: ${i}\r\n\r\n.\r\n`) }, mailFrom: '', internalDate: i, deliveries: [{ userId: u.id, mailbox: 'INBOX' }], outbound: [] })),
      store.ingest({ blob: { kind: 'file', path: big, size: 500_000 + 19 }, mailFrom: '', internalDate: 0, deliveries: [{ userId: u.id, mailbox: 'INBOX' }], outbound: [] }),
    ]);
    const uids = results.map((r) => r.messages[0]!.uid);
    assert.equal(new Set(uids).size, 101);
    assert.ok(!existsSync(big), 'the spool file was moved into the store');
    await store.close();
    const again = await reopen();
    const inbox = (await again.getMailbox(u.id, 'INBOX'))!;
    assert.equal(await again.countMessages(inbox.id), 101);
    const page1 = await again.listMessages(inbox.id, 0, 60);
    const page2 = await again.listMessages(inbox.id, page1.at(-1)!.uid, 60);
    assert.equal(page1.length + page2.length, 101, 'paged listing');
    const last = page2.at(-1)!;
    assert.match((await again.readBlob(last.blobId)).toString('latin1', 0, 20), /Subject: big/);
    await again.close();
  });

  test(`[${engine}] getMessage, streamBlob, expunge: rows go, shared blobs stay until their last reference, modseq moves`, async () => {
    const { store, scratchDir } = await factory.create();
    await store.addDomain('a.test');
    const u1 = await store.addUser({ address: 'u1@a.test', passwordHash: H });
    const u2 = await store.addUser({ address: 'u2@a.test', passwordHash: H });
    const small = Buffer.from('Subject: small\r\n\r\nhi\r\n');
    const both = [{ userId: u1.id, mailbox: 'INBOX' }, { userId: u2.id, mailbox: 'INBOX' }];
    const shared = await store.ingest({ blob: { kind: 'buffer', data: small }, mailFrom: '', internalDate: 1, deliveries: both, outbound: [] });
    const bigFile = join(scratchDir, 'expunge-big.eml');
    const bigBody = Buffer.from(`Subject: big\r\n\r\n${'y'.repeat(300_000)}\r\n`);
    writeFileSync(bigFile, bigBody);
    const big = await store.ingest({ blob: { kind: 'file', path: bigFile, size: bigBody.length }, mailFrom: '', internalDate: 2, deliveries: [{ userId: u1.id, mailbox: 'INBOX' }], outbound: [] });
    const inbox1 = (await store.getMailbox(u1.id, 'INBOX'))!;
    const inbox2 = (await store.getMailbox(u2.id, 'INBOX'))!;

    const m = await store.getMessage(inbox1.id, big.messages[0]!.uid);
    assert.equal(m?.size, bigBody.length);
    assert.equal(await store.getMessage(inbox1.id, 999), null);
    const chunks: Buffer[] = [];
    for await (const c of store.streamBlob(m!.blobId)) chunks.push(c);
    assert.ok(chunks.length > 1, 'a large blob comes in several chunks');
    assert.deepEqual(Buffer.concat(chunks), bigBody);

    assert.equal(await store.expunge(inbox1.id, []), 0);
    assert.equal(await store.expunge(inbox1.id, [shared.messages[0]!.uid, 999]), 1, 'unknown UIDs are skipped');
    assert.equal(await store.getMessage(inbox1.id, shared.messages[0]!.uid), null);
    const after = (await store.getMailbox(u1.id, 'INBOX'))!;
    assert.ok(after.highestModseq > inbox1.highestModseq, 'highest_modseq bumped');
    assert.equal(after.uidNext, inbox1.uidNext, 'UIDs are never reused');
    assert.deepEqual(await store.readBlob(shared.blobId), small, 'the other mailbox still holds the shared blob');
    assert.equal(await store.expunge(inbox1.id, [shared.messages[1]!.uid]), 0, 'a UID of another mailbox is not touched');
    assert.equal(await store.expunge(inbox2.id, [shared.messages[1]!.uid]), 1);
    await assert.rejects(store.readBlob(shared.blobId), 'last reference gone: blob removed');
    assert.equal(await store.expunge(inbox1.id, [big.messages[0]!.uid]), 1);
    await assert.rejects(async () => {
      for await (const _ of store.streamBlob(big.blobId)) void _;
    }, 'the large blob is removed too');
    assert.equal(await store.countMessages(inbox1.id), 0);
    await store.close();
  });

  test(`[${engine}] IMAP: mailboxes, flags with modseqs, copy/move, \\Deleted expunge, counts, structures, byte ranges`, async () => {
    const { store } = await factory.create();
    await store.addDomain('a.test');
    const u = await store.addUser({ address: 'u@a.test', passwordHash: H });
    const other = await store.addUser({ address: 'o@a.test', passwordHash: H });
    const inbox = (await store.getMailbox(u.id, 'INBOX'))!;
    const work = await store.createMailbox(u.id, 'Work', null);
    await assert.rejects(store.createMailbox(u.id, 'Work', null), StoreConflict);
    assert.ok(work.uidValidity > inbox.uidValidity, 'a new mailbox gets a fresh, larger UIDVALIDITY');
    await store.deleteMailbox(work.id);
    const again = await store.createMailbox(u.id, 'Work', '\\Archive');
    assert.notEqual(again.uidValidity, work.uidValidity, 'RFC 9051 §2.3.1.1: never the old UIDVALIDITY for the same name');
    assert.equal(again.specialUse, '\\Archive');
    const body = (n: number) => Buffer.from(`Subject: m${n}\r\n\r\nbody ${n}\r\n`);
    for (let i = 1; i <= 4; i++) await store.ingest({ blob: { kind: 'buffer', data: body(i) }, mailFrom: '', internalDate: i, deliveries: [{ userId: u.id, mailbox: 'INBOX' }], outbound: [] });
    assert.deepEqual(await store.listUids(inbox.id, 1, 2), [2, 3]);
    assert.deepEqual(await store.listUidsNewestFirst(inbox.id, 0, 3), [4, 3, 2]);
    assert.deepEqual(await store.listUidsNewestFirst(inbox.id, 3, 3), [1], 'the last page is short');
    assert.deepEqual(await store.listUidsNewestFirst(inbox.id, 4, 3), []);
    assert.deepEqual(await store.listUidsNewestFirst(again.id, 0, 3), [], 'only that mailbox');
    const rows = await store.listMessageRange(inbox.id, 2, 3, 10, true);
    assert.deepEqual(rows.map((r) => r.uid), [2, 3]);
    assert.equal(JSON.parse(rows[0]!.structure!).envelope.subject, 'm2', 'the structure is stored at ingest');

    const f = await store.updateFlags(inbox.id, [[1, 2]], 'add', ['\\Seen', '$Work']);
    assert.deepEqual(f.messages.map((m) => [m.uid, m.flags, m.changed]), [[1, ['\\Seen', '$Work'], true], [2, ['\\Seen', '$Work'], true]]);
    assert.ok(f.messages[1]!.modseq > f.messages[0]!.modseq, 'each change gets its own modseq');
    const same = await store.updateFlags(inbox.id, [[1, 1]], 'add', ['\\seen']);
    assert.equal(same.messages[0]!.changed, false, 'flag names compare case-insensitively');
    const cond = await store.updateFlags(inbox.id, [[1, 3]], 'remove', ['$Work'], f.messages[0]!.modseq);
    assert.deepEqual(cond.modified, [2], 'UNCHANGEDSINCE: the message modified later is refused');
    assert.deepEqual(cond.messages.map((m) => m.uid), [1, 3]);
    assert.deepEqual(await store.mailboxKeywords(inbox.id), ['$Work']);
    assert.deepEqual(await store.uidsByFlags(inbox.id, [{ flag: '\\Seen', set: false }]), [3, 4]);
    assert.deepEqual(await store.uidsByFlags(inbox.id, [{ flag: '\\seen', set: true }, { flag: '$work', set: true }]), [2]);
    assert.deepEqual(await store.uidsByFlags(inbox.id, [{ flag: '$W_rk', set: true }]), [], '"_" is not a wildcard');
    assert.equal((await store.getMailbox(u.id, 'INBOX'))!.highestModseq, Math.max(...cond.messages.map((m) => m.modseq), f.messages[1]!.modseq));

    const copied = await store.copyMessages(inbox.id, [3, 1, 99], again.id, false);
    assert.deepEqual(copied, { uidValidity: again.uidValidity, pairs: [[1, 1], [3, 2]] });
    const moved = await store.copyMessages(inbox.id, [4], again.id, true);
    assert.deepEqual(moved.pairs, [[4, 3]]);
    assert.equal(await store.getMessage(inbox.id, 4), null);
    const otherInbox = (await store.getMailbox(other.id, 'INBOX'))!;
    await assert.rejects(store.copyMessages(inbox.id, [1], otherInbox.id, false), 'never between users');
    assert.deepEqual((await store.getMessage(again.id, 1))!.flags, ['\\Seen']);

    await store.updateFlags(inbox.id, [[1, 3]], 'add', ['\\Deleted']);
    assert.deepEqual(await store.mailboxCounts(inbox.id), { messages: 3, unseen: 1, deleted: 3, size: body(1).length * 3, firstUnseenUid: 3 });
    assert.deepEqual(await store.expungeDeleted(inbox.id, [[2, 10]]), [2, 3]);
    assert.deepEqual(await store.listUids(inbox.id, 0, 10), [1]);
    const copy = (await store.getMessage(again.id, 2))!;
    const chunks: Buffer[] = [];
    for await (const c of store.streamBlobRange(copy.blobId, 9, 11)) chunks.push(c);
    assert.equal(Buffer.concat(chunks).toString(), 'm3', 'the copy still reads after the original is expunged');

    await store.createMailbox(u.id, 'Work/Sub', null);
    await store.renameMailboxes(u.id, [['Work', 'Old'], ['Work/Sub', 'Old/Sub']]);
    assert.deepEqual((await store.listMailboxes(u.id)).map((m) => m.name).filter((n) => n.startsWith('Old')), ['Old', 'Old/Sub']);
    await assert.rejects(store.renameMailboxes(u.id, [['Old', 'Sent']]), StoreConflict);
    await store.setSubscribed(again.id, false);
    assert.equal((await store.getMailboxById(again.id))!.subscribed, false);
    await store.setStructure(copy.blobId, '{"version":1}');
    assert.equal(await store.getStructure(copy.blobId), '{"version":1}');
    await store.deleteMailbox(again.id);
    assert.equal(await store.getMailboxById(again.id), null);
    await store.close();
  });

  test(`[${engine}] IMAP derived fields: stored ENVELOPE wire form, SEARCH fields by substring, lazy backfill`, async () => {
    const { store } = await factory.create();
    await store.addDomain('a.test');
    const u = await store.addUser({ address: 'u@a.test', passwordHash: H });
    const inbox = (await store.getMailbox(u.id, 'INBOX'))!;
    const msgs = [
      'From: "Ann" <ann@x.test>\r\nTo: bob@y.test\r\nSubject: Quarterly REPORT\r\n\r\n1\r\n',
      'From: carl@z.test\r\nSubject: lunch 100%_off\r\n\r\n2\r\n',
      'From: dora@z.test\r\n\r\nno subject\r\n',
    ];
    for (const m of msgs) await store.ingest({ blob: { kind: 'buffer', data: Buffer.from(m) }, mailFrom: '', internalDate: 1, deliveries: [{ userId: u.id, mailbox: 'INBOX' }], outbound: [] });
    const rows = await store.listMessageRange(inbox.id, 1, 3, 10, false, true);
    assert.match(rows[0]!.envelope!, /^\(NIL "Quarterly REPORT" \(\("Ann" NIL "ann" "x.test"\)\)/, 'the ENVELOPE wire form is stored at ingest');
    assert.equal(rows[0]!.derived, true);
    assert.equal((await store.listMessageRange(inbox.id, 1, 1, 1))[0]!.envelope ?? null, null, 'only when asked');
    assert.deepEqual(await store.uidsByField(inbox.id, 'subject', 'report'), { uids: [1], unknown: [] }, 'lower-cased, substring');
    assert.deepEqual(await store.uidsByField(inbox.id, 'subject', '%_'), { uids: [2], unknown: [] }, 'no wildcards');
    assert.deepEqual(await store.uidsByField(inbox.id, 'subject', ''), { uids: [1, 2], unknown: [] }, 'an absent field never matches');
    assert.deepEqual(await store.uidsByField(inbox.id, 'from', 'z.test'), { uids: [2, 3], unknown: [] });
    assert.deepEqual(await store.uidsByField(inbox.id, 'to', 'bob'), { uids: [1], unknown: [] });
    assert.deepEqual(await store.uidsByField(inbox.id, 'cc', ''), { uids: [], unknown: [] });
    // A rewritten structure outdates the derived fields until they are saved again.
    await store.setStructure(rows[1]!.blobId, '{"version":0}');
    assert.deepEqual(await store.uidsByField(inbox.id, 'subject', 'report'), { uids: [1], unknown: [2] });
    const [stale] = await store.listMessageRange(inbox.id, 2, 2, 1, false, true);
    assert.deepEqual([stale!.envelope, stale!.derived], [null, false]);
    await store.setDerived(rows[1]!.blobId, { envelope: '(NIL "x" NIL NIL NIL NIL NIL NIL NIL NIL)', subject: 'x', from: null, to: null, cc: null, bcc: null });
    assert.deepEqual(await store.uidsByField(inbox.id, 'subject', 'x'), { uids: [2], unknown: [] });
    assert.equal((await store.listMessageRange(inbox.id, 2, 2, 1, false, true))[0]!.envelope, '(NIL "x" NIL NIL NIL NIL NIL NIL NIL NIL)');
    await store.close();
  });

  // The statistics port's own suite, on the store's engine (the same suite runs on PostgreSQL).
  junkContract(engine, {
    async create() {
      const { store, reopen } = await factory.create();
      const open = (s: Store) => ({ junk: s.junk, close: () => s.close() });
      return { ...open(store), reopen: async () => open(await reopen()) };
    },
  });

  test(`[${engine}] junk: a user's statistics go with the user, the global ones stay`, async () => {
    const { store } = await factory.create();
    await store.addDomain('a.test');
    const u = await store.addUser({ address: 'u@a.test', passwordHash: H });
    const U = { kind: 'user', userId: u.id } as const;
    const G = { kind: 'global' } as const;
    const add = { key: 'k3', label: 'spam' as const, tokens: ['win'], trainedAt: 3 };
    assert.equal(await store.junk.commit(U, 'k3', { remove: null, add }), true);
    assert.equal(await store.junk.commit(G, 'k3', { remove: null, add }), true);
    assert.equal(await store.deleteUser('u@a.test'), true);
    assert.deepEqual(await store.junk.getTotals(U), { ham: 0, spam: 0 });
    assert.equal(await store.junk.getRecord(U, 'k3'), null);
    assert.equal((await store.junk.getCounts(U, ['win'])).size, 0);
    assert.deepEqual(await store.junk.getTotals(G), { ham: 0, spam: 1 }, 'the global scope keeps its training');
    await store.close();
  });
}

/** A scratch directory for an engine's files. */
export function scratch(prefix: string): string {
  return mkdtempSync(join(tmpdir(), prefix));
}
