/**
 * IMAP with a real client library from outside the project: imapflow (npm), over implicit TLS and
 * STARTTLS, against mail delivered through the real SMTP MX.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { ImapFlow } from 'imapflow';
import { startTestServer, PASSWORD, type TestServer } from '../helpers/server.ts';
import { RawSmtp, message } from '../helpers/smtp-client.ts';
import { addUser } from '../../src/directory/accounts.ts';

let srv: TestServer;
before(async () => {
  srv = await startTestServer();
});
after(() => srv.close());

async function viaMx(to: string, subject: string, body: string): Promise<void> {
  const c = await RawSmtp.open(srv.port('mx'));
  await c.cmd('EHLO sender.test');
  assert.equal((await c.cmd('MAIL FROM:<someone@sender.test>')).code, 250);
  assert.equal((await c.cmd(`RCPT TO:<${to}>`)).code, 250);
  assert.equal((await c.cmd('DATA')).code, 354);
  assert.equal((await c.cmd(`${message('someone@sender.test', to, subject, body)}.`)).code, 250);
  await c.cmd('QUIT');
  c.close();
}

function client(user: string, opts: { starttls?: boolean } = {}): ImapFlow {
  return new ImapFlow({
    host: '127.0.0.1',
    port: opts.starttls ? srv.port('imap') : srv.port('imaps'),
    secure: !opts.starttls,
    doSTARTTLS: opts.starttls ? true : undefined,
    tls: { rejectUnauthorized: false },
    auth: { user, pass: PASSWORD },
    logger: false,
  });
}

let n = 0;
async function freshUser(): Promise<string> {
  const address = `flow${++n}@example.test`;
  await addUser(srv.app.store, address, PASSWORD, { cramMd5: false });
  return address;
}

test('imapflow: list with special-use, status, open, fetch envelope/bodyStructure/source, search', async () => {
  const who = await freshUser();
  await viaMx(who, 'first via MX', 'Hello there\r\n');
  await viaMx(who, 'second one', 'Another body with needle\r\n');
  const c = client(who);
  await c.connect();
  const boxes = await c.list();
  const byUse = Object.fromEntries(boxes.filter((b) => b.specialUse).map((b) => [b.specialUse, b.path]));
  assert.deepEqual(byUse, { '\\Inbox': 'INBOX', '\\Sent': 'Sent', '\\Drafts': 'Drafts', '\\Junk': 'Junk', '\\Trash': 'Trash', '\\Archive': 'Archive' });
  const st = await c.status('INBOX', { messages: true, unseen: true, uidNext: true, uidValidity: true });
  assert.equal(st.messages, 2);
  assert.equal(st.unseen, 2);
  assert.equal(st.uidNext, 3);
  const mb = await c.mailboxOpen('INBOX');
  assert.equal(mb.exists, 2);
  assert.equal(typeof mb.uidValidity, 'bigint');
  const seen: Array<{ uid: number; subject: string; from: string; type: string; source: string }> = [];
  for await (const m of c.fetch('1:*', { uid: true, envelope: true, bodyStructure: true, source: true })) {
    seen.push({ uid: m.uid, subject: m.envelope!.subject!, from: m.envelope!.from![0]!.address!, type: m.bodyStructure!.type, source: m.source!.toString() });
  }
  assert.deepEqual(seen.map((s) => [s.uid, s.subject, s.from, s.type]), [
    [1, 'first via MX', 'someone@sender.test', 'text/plain'],
    [2, 'second one', 'someone@sender.test', 'text/plain'],
  ]);
  const stored = await srv.mailbox(who);
  assert.equal(seen[0]!.source, stored[0], 'source is byte for byte the stored message');
  assert.deepEqual(await c.search({ body: 'needle' }, { uid: true }), [2]);
  assert.deepEqual(await c.search({ subject: 'FIRST' }), [1]);
  assert.deepEqual(await c.search({ seen: false }), [1, 2]);
  await c.logout();
});

test('imapflow: flags, move, delete, append (APPENDUID), over STARTTLS', async () => {
  const who = await freshUser();
  await viaMx(who, 'one', 'a\r\n');
  await viaMx(who, 'two', 'b\r\n');
  await viaMx(who, 'three', 'c\r\n');
  const c = client(who, { starttls: true });
  await c.connect(); // the login itself proves the STARTTLS upgrade: LOGIN is refused before TLS
  await c.mailboxOpen('INBOX');
  assert.equal(await c.messageFlagsAdd('1', ['\\Flagged', '$Important']), true);
  const flags: string[][] = [];
  for await (const m of c.fetch('1', { flags: true })) flags.push([...m.flags!].sort());
  assert.deepEqual(flags, [['$Important', '\\Flagged']]);
  const moved = await c.messageMove('2', 'Archive', { uid: true });
  assert.ok(moved);
  assert.equal(moved.destination, 'Archive');
  assert.deepEqual([...moved.uidMap!.entries()], [[2, 1]]);
  assert.equal(await c.messageDelete('3', { uid: true }), true);
  const left: number[] = [];
  for await (const m of c.fetch('1:*', { uid: true })) left.push(m.uid);
  assert.deepEqual(left, [1]);
  const appended = await c.append('Drafts', 'From: me@example.test\r\nSubject: draft\r\n\r\nunfinished\r\n', ['\\Draft', '\\Seen'], new Date('2024-02-03T04:05:06Z'));
  assert.ok(appended);
  assert.equal(appended.uid, 1);
  assert.equal(typeof appended.uidValidity, 'bigint');
  const st = await c.status('Archive', { messages: true });
  assert.equal(st.messages, 1);
  await c.mailboxOpen('Drafts');
  for await (const m of c.fetch('1', { flags: true, internalDate: true, envelope: true })) {
    assert.deepEqual([...m.flags!].sort(), ['\\Draft', '\\Seen']);
    assert.equal((m.internalDate as Date).toISOString(), '2024-02-03T04:05:06.000Z');
    assert.equal(m.envelope!.subject, 'draft');
  }
  await c.logout();
});

test('imapflow: IDLE wakes up when mail arrives through SMTP, and when another client changes flags or expunges', async () => {
  const who = await freshUser();
  await viaMx(who, 'before idle', 'x\r\n');
  const watcher = client(who);
  await watcher.connect();
  await watcher.mailboxOpen('INBOX');
  const events: string[] = [];
  const waitFor = (pred: () => boolean) =>
    new Promise<void>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`timeout; events ${JSON.stringify(events)}`)), 10000);
      const tick = () => (pred() ? (clearTimeout(t), resolve()) : setTimeout(tick, 20));
      tick();
    });
  watcher.on('exists', (d) => events.push(`exists ${d.count}`));
  watcher.on('flags', (d) => events.push(`flags ${d.seq} ${[...d.flags].sort().join(',')}`));
  watcher.on('expunge', (d) => events.push(`expunge ${d.seq}`));
  void watcher.idle();
  await new Promise((r) => setTimeout(r, 200));
  await viaMx(who, 'during idle', 'y\r\n');
  await waitFor(() => events.includes('exists 2'));
  const other = client(who);
  await other.connect();
  await other.mailboxOpen('INBOX');
  await other.messageFlagsAdd('1', ['\\Seen']);
  await waitFor(() => events.includes('flags 1 \\Seen'));
  await other.messageDelete('2');
  await waitFor(() => events.includes('expunge 2'));
  await other.logout();
  await watcher.logout();
  // The \Deleted flag change of message 2 may be told before its EXPUNGE (both are correct).
  assert.deepEqual(events.filter((e) => !e.startsWith('flags 2 ')), ['exists 2', 'flags 1 \\Seen', 'expunge 2']);
});
