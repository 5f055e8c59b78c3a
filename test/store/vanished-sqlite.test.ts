/**
 * The SQLite side of the QRESYNC record (schema.ts migration "vanished_uids", imap.ts
 * listVanished): a database from before the record existed is migrated with each mailbox's
 * vanished_floor at its HIGHESTMODSEQ, and a client asking about an older modseq is told every
 * missing UID (RFC 7162 §3.2.5.2: more than vanished, never less); rows go with their mailbox and
 * with their user.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DatabaseSync } from 'node:sqlite';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { MIGRATIONS } from '../../src/store/sqlite/schema.ts';
import { SqliteStore } from '../../src/store/sqlite/store.ts';
import { scratch } from '../../src/store/contract/contract.ts';

const H = '$scrypt$ln=15,r=8,p=1$AAAA$BBBB';
const ALL = [[1, 1000]] as const;

test('an existing database is migrated: expunges from before the record are answered with every missing UID', async () => {
  const dir = join(scratch('mw-vanished-'), 'data');
  mkdirSync(dir, { recursive: true });
  const at = MIGRATIONS.findIndex((m) => m.includes('CREATE TABLE vanished_uids'));
  assert.ok(at > 0);
  // The database as the previous version left it: messages 1, 4, 5, 9 remain of 9, HIGHESTMODSEQ 12.
  const old = new DatabaseSync(join(dir, 'mailwarden.db'));
  for (const m of MIGRATIONS.slice(0, at)) old.exec(m);
  old.exec(`PRAGMA user_version = ${at}`);
  old.exec("INSERT INTO domains (id, name, created_at) VALUES (1, 'a.test', 0)");
  old.exec(`INSERT INTO users (id, address, domain_id, password_hash, created_at) VALUES (1, 'u@a.test', 1, '${H}', 0)`);
  old.exec("INSERT INTO mailboxes (id, user_id, name, uid_validity, uid_next, highest_modseq) VALUES (1, 1, 'INBOX', 77, 10, 12)");
  old.exec("INSERT INTO blobs (id, size, data, refs) VALUES (1, 3, X'414243', 4)");
  for (const uid of [1, 4, 5, 9]) old.exec(`INSERT INTO messages (mailbox_id, uid, blob_id, internal_date, size, modseq) VALUES (1, ${uid}, 1, 0, 3, ${uid})`);
  old.close();

  const store = new SqliteStore({ dataDir: dir });
  assert.deepEqual(await store.listVanished(1, 5, ALL), [[2, 3], [6, 8]], 'older than the record: every UID below UIDNEXT that is gone');
  assert.deepEqual(await store.listVanished(1, 5, [[3, 7]]), [[3, 3], [6, 7]]);
  assert.deepEqual(await store.listVanished(1, 12, ALL), [], 'from the migration on, the record is exact');
  assert.equal(await store.expunge(1, [4]), 1);
  assert.deepEqual(await store.listVanished(1, 12, ALL), [[4, 4]]);
  assert.deepEqual(await store.listVanished(1, 0, ALL), [[2, 4], [6, 8]]);
  await store.close();
});

test('the record goes with its mailbox and with its user', async () => {
  const dir = join(scratch('mw-vanished-'), 'data');
  const store = new SqliteStore({ dataDir: dir });
  await store.addDomain('a.test');
  const u = await store.addUser({ address: 'u@a.test', passwordHash: H });
  const work = await store.createMailbox(u.id, 'Work', null);
  for (let i = 0; i < 3; i++) {
    await store.ingest({ blob: { kind: 'buffer', data: Buffer.from(`Subject: ${i}\r\n\r\nx\r\n`) }, mailFrom: '', internalDate: i, deliveries: [{ userId: u.id, mailbox: 'Work' }, { userId: u.id, mailbox: 'INBOX' }], outbound: [] });
  }
  await store.expunge(work.id, [1, 2]);
  const inbox = (await store.getMailbox(u.id, 'INBOX'))!;
  await store.expunge(inbox.id, [3]);
  const db = new DatabaseSync(join(dir, 'mailwarden.db'));
  const rows = (id: number) => Number((db.prepare('SELECT count(*) AS n FROM vanished_uids WHERE mailbox_id = ?').get(id) as { n: number }).n);
  assert.equal(rows(work.id), 2);
  await store.deleteMailbox(work.id);
  assert.equal(rows(work.id), 0, 'deleted with the mailbox');
  assert.equal(rows(inbox.id), 1);
  await store.deleteUser('u@a.test');
  assert.equal(rows(inbox.id), 0, 'deleted with the user');
  db.close();
  await store.close();
});
