/**
 * POP3 typed by hand over a raw socket: every TRANSACTION command and its error paths (RFC 1939
 * §5-7), dot-stuffing on the wire, TOP, UIDL, pipelining (RFC 2449 §6.6), the login snapshot.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, PASSWORD, type TestServer } from '../helpers/server.ts';
import { RawPop3, deliver } from '../helpers/pop3-client.ts';
import { addUser } from '../../src/directory/accounts.ts';

let srv: TestServer;
before(async () => {
  srv = await startTestServer();
});
after(() => srv.close());

let n = 0;
/** A fresh user with these messages in INBOX. */
async function userWith(messages: string[]): Promise<string> {
  const address = `p${++n}@example.test`;
  await addUser(srv.app.store, address, PASSWORD, { cramMd5: false });
  for (const m of messages) await deliver(srv, address, m);
  return address;
}

async function loggedIn(address: string): Promise<RawPop3> {
  const c = await RawPop3.open(srv.port('pop3s'), { tls: true });
  assert.match(await c.login(address, PASSWORD), /^\+OK logged in/);
  return c;
}

const M1 = 'Subject: one\r\nFrom: a@example.test\r\n\r\nfirst line\r\n.starts with a dot\r\n.\r\n..two dots\r\nlast\r\n';
const M2 = 'Subject: two\r\n\r\nsecond\r\n';
const M3 = 'Subject: three\r\n\r\nthird\r\n';

test('greeting, then commands of the TRANSACTION state before login are refused', async () => {
  const c = await RawPop3.open(srv.port('pop3s'), { tls: true });
  assert.equal(c.greeting, '+OK mx.example.test POP3 mailwarden ready');
  for (const cmd of ['STAT', 'LIST', 'RETR 1', 'DELE 1', 'UIDL', 'TOP 1 0', 'RSET', 'NOOP']) {
    assert.match(await c.cmd(cmd), /^-ERR \S+ is not allowed before login/, cmd);
  }
  assert.match(await c.cmd('QUIT'), /^\+OK .*goodbye/);
  assert.ok(await c.waitClosed());
});

test('STAT, LIST, LIST n, UIDL, UIDL n, NOOP; sizes are the stored octets', async () => {
  const who = await userWith([M1, M2]);
  const c = await loggedIn(who);
  assert.equal(await c.cmd('STAT'), `+OK 2 ${M1.length + M2.length}`);
  assert.equal(await c.cmd('LIST'), `+OK 2 messages (${M1.length + M2.length} octets)`);
  assert.deepEqual(await c.lines(), [`1 ${M1.length}`, `2 ${M2.length}`]);
  assert.equal(await c.cmd('LIST 2'), `+OK 2 ${M2.length}`);
  assert.match(await c.cmd('LIST 3'), /^-ERR no such message: 3 \(the maildrop has messages 1 to 2\)/);
  assert.match(await c.cmd('LIST 0'), /^-ERR no such message/);
  assert.equal(await c.cmd('UIDL'), '+OK unique-id listing follows');
  const uidl = await c.lines();
  assert.equal(uidl.length, 2);
  const [, id1] = uidl[0]!.split(' ');
  assert.match(id1!, /^[\x21-\x7e]{1,70}$/, 'RFC 1939 §7: 1-70 printable characters');
  assert.equal(await c.cmd('UIDL 1'), `+OK 1 ${id1}`);
  assert.equal(await c.cmd('NOOP'), '+OK');
  assert.match(await c.cmd('QUIT'), /^\+OK .*0 messages deleted, 2 left/);
  // the unique id is the same in the next session
  const d = await loggedIn(who);
  assert.equal(await d.cmd('UIDL 1'), `+OK 1 ${id1}`);
  d.close();
});

test('RETR sends the message byte-stuffed: a body line starting with "." goes out as ".."', async () => {
  const who = await userWith([M1]);
  const c = await loggedIn(who);
  assert.equal(await c.cmd('RETR 1'), `+OK ${M1.length} octets`);
  const wire = (await c.block()).toString('latin1');
  assert.equal(wire, 'Subject: one\r\nFrom: a@example.test\r\n\r\nfirst line\r\n..starts with a dot\r\n..\r\n...two dots\r\nlast\r\n');
  assert.equal(wire.replace(/^\./gm, ''), M1, 'un-stuffing gives back the stored bytes');
  assert.match(await c.cmd('RETR 2'), /^-ERR no such message: 2/);
  c.close();
});

test('TOP n 0 is the header and blank line; TOP n 2 adds two body lines (stuffed)', async () => {
  const who = await userWith([M1]);
  const c = await loggedIn(who);
  assert.equal(await c.cmd('TOP 1 0'), '+OK top of message follows');
  assert.equal((await c.block()).toString(), 'Subject: one\r\nFrom: a@example.test\r\n\r\n');
  assert.match(await c.cmd('TOP 1 2'), /^\+OK/);
  assert.equal((await c.block()).toString(), 'Subject: one\r\nFrom: a@example.test\r\n\r\nfirst line\r\n..starts with a dot\r\n');
  assert.match(await c.cmd('TOP 1'), /^-ERR syntax error: TOP message-number number-of-lines/);
  assert.match(await c.cmd('TOP 9 1'), /^-ERR no such message/);
  c.close();
});

test('DELE marks: the message disappears from STAT/LIST, a second DELE or RETR errors, RSET brings it back', async () => {
  const who = await userWith([M1, M2, M3]);
  const c = await loggedIn(who);
  assert.equal(await c.cmd('DELE 2'), '+OK message 2 deleted');
  assert.equal(await c.cmd('DELE 2'), '-ERR message 2 already deleted');
  assert.equal(await c.cmd('RETR 2'), '-ERR message 2 already deleted');
  assert.equal(await c.cmd('LIST 2'), '-ERR message 2 already deleted');
  assert.equal(await c.cmd('TOP 2 0'), '-ERR message 2 already deleted');
  assert.equal(await c.cmd('STAT'), `+OK 2 ${M1.length + M3.length}`);
  assert.match(await c.cmd('LIST'), /^\+OK 2 messages/);
  assert.deepEqual(await c.lines(), [`1 ${M1.length}`, `3 ${M3.length}`], 'message numbers do not shift');
  assert.match(await c.cmd('UIDL'), /^\+OK/);
  assert.deepEqual((await c.lines()).map((l) => l.split(' ')[0]), ['1', '3']);
  assert.equal(await c.cmd('RSET'), `+OK maildrop has 3 messages (${M1.length + M2.length + M3.length} octets)`);
  assert.equal(await c.cmd('STAT'), `+OK 3 ${M1.length + M2.length + M3.length}`);
  assert.match(await c.cmd('QUIT'), /0 messages deleted, 3 left/);
  assert.equal((await srv.mailbox(who)).length, 3, 'RSET undid the DELE');
});

test('QUIT enters UPDATE: marked messages are removed for good, the rest keep their unique ids', async () => {
  const who = await userWith([M1, M2, M3]);
  const c = await loggedIn(who);
  const id3 = (await c.cmd('UIDL 3')).split(' ')[2];
  assert.equal(await c.cmd('DELE 1'), '+OK message 1 deleted');
  assert.equal(await c.cmd('DELE 2'), '+OK message 2 deleted');
  assert.match(await c.cmd('QUIT'), /^\+OK mx\.example\.test 2 messages deleted, 1 left; goodbye$/);
  assert.ok(await c.waitClosed());
  assert.deepEqual(await srv.mailbox(who), [M3]);
  const d = await loggedIn(who);
  assert.equal(await d.cmd('STAT'), `+OK 1 ${M3.length}`);
  assert.equal(await d.cmd('UIDL 1'), `+OK 1 ${id3}`, 'renumbered, same unique id');
  d.close();
});

test('a dropped connection deletes nothing and releases the maildrop lock', async () => {
  const who = await userWith([M1, M2]);
  const c = await loggedIn(who);
  assert.equal(await c.cmd('DELE 1'), '+OK message 1 deleted');
  assert.equal(await c.cmd('DELE 2'), '+OK message 2 deleted');
  c.close(); // no QUIT: RFC 1939 §6, no UPDATE state
  await new Promise((r) => setTimeout(r, 100));
  assert.equal((await srv.mailbox(who)).length, 2);
  const d = await loggedIn(who); // the lock was released
  assert.equal(await d.cmd('STAT'), `+OK 2 ${M1.length + M2.length}`);
  d.close();
});

test('the maildrop is a snapshot taken at login: mail arriving meanwhile waits for the next session', async () => {
  const who = await userWith([M1]);
  const c = await loggedIn(who);
  await deliver(srv, who, M2);
  assert.equal(await c.cmd('STAT'), `+OK 1 ${M1.length}`);
  assert.match(await c.cmd('RETR 2'), /^-ERR no such message/);
  await c.cmd('QUIT');
  const d = await loggedIn(who);
  assert.equal(await d.cmd('STAT'), `+OK 2 ${M1.length + M2.length}`);
  d.close();
});

test('a message removed by another session (IMAP expunge) since login is reported, not crashed on', async () => {
  const who = await userWith([M1, M2]);
  const c = await loggedIn(who);
  const u = (await srv.app.store.getUser(who))!;
  const inbox = (await srv.app.store.getMailbox(u.id, 'INBOX'))!;
  const [first] = await srv.app.store.listMessages(inbox.id);
  await srv.app.store.expunge(inbox.id, [first!.uid]);
  assert.equal(await c.cmd('RETR 1'), '-ERR message 1 was removed by another session');
  assert.equal(await c.cmd('TOP 1 0'), '-ERR message 1 was removed by another session');
  assert.match(await c.cmd('RETR 2'), /^\+OK/);
  await c.block();
  assert.equal(await c.cmd('DELE 1'), '+OK message 1 deleted');
  assert.match(await c.cmd('QUIT'), /0 messages deleted, 1 left/, 'it was already gone');
  assert.deepEqual(await srv.mailbox(who), [M2]);
});

test('pipelining (RFC 2449 §6.6): many commands in one write, replies in order', async () => {
  const who = await userWith([M2, M3]);
  const c = await RawPop3.open(srv.port('pop3s'), { tls: true });
  c.write(`USER ${who}\r\nPASS ${PASSWORD}\r\nSTAT\r\nLIST\r\nRETR 1\r\nDELE 2\r\nNOOP\r\nQUIT\r\n`);
  assert.match(await c.line(), /^\+OK send your password/);
  assert.match(await c.line(), /^\+OK logged in/);
  assert.equal(await c.line(), `+OK 2 ${M2.length + M3.length}`);
  assert.match(await c.line(), /^\+OK 2 messages/);
  assert.deepEqual(await c.lines(), [`1 ${M2.length}`, `2 ${M3.length}`]);
  assert.equal(await c.line(), `+OK ${M2.length} octets`);
  assert.equal((await c.block()).toString(), M2);
  assert.equal(await c.line(), '+OK message 2 deleted');
  assert.equal(await c.line(), '+OK');
  assert.match(await c.line(), /1 message deleted, 1 left/);
  assert.deepEqual(await srv.mailbox(who), [M2]);
});

test('bad input gets a readable -ERR and the session goes on', async () => {
  const who = await userWith([M2]);
  const c = await loggedIn(who);
  assert.equal(await c.cmd('FROB'), '-ERR command "FROB" not recognized');
  assert.equal(await c.cmd('RETR x'), '-ERR syntax error: "x" is not a message number');
  assert.equal(await c.cmd('STAT now'), '-ERR syntax error: STAT takes no arguments');
  assert.equal(await c.cmd('DELE'), '-ERR syntax error: DELE message-number');
  assert.match(await c.cmd('APOP x y'), /^-ERR APOP is not supported/);
  assert.equal(await c.cmd('USER x'), '-ERR already logged in');
  assert.match(await c.cmd('STLS'), /^-ERR STLS is only allowed before login/);
  assert.match(await c.cmd('AUTH PLAIN'), /^-ERR already logged in/);
  c.write('NO\0OP\r\n');
  assert.equal(await c.line(), '-ERR command contains NUL or other control bytes');
  assert.equal(await c.cmd('STAT'), `+OK 1 ${M2.length}`, 'still in TRANSACTION');
  assert.match(await c.cmd('CAPA'), /^\+OK/);
  const caps = await c.lines();
  assert.ok(caps.includes('TOP') && caps.includes('UIDL') && caps.includes('RESP-CODES') && caps.includes('IMPLEMENTATION mailwarden'), caps.join());
  c.close();
});
