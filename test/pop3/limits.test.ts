/**
 * POP3 limits ([pop3] in the config): line length, error count, idle timeout (closes without
 * UPDATE), connections per IP, and server shutdown (nothing deleted without QUIT).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, PASSWORD } from '../helpers/server.ts';
import { RawPop3, deliver } from '../helpers/pop3-client.ts';

test('an overlong line is refused while it arrives, the rest of it skipped, the session goes on', async (t) => {
  const srv = await startTestServer({ pop3: { max_line_length: 300 } });
  t.after(() => srv.close());
  const c = await RawPop3.open(srv.port('pop3s'), { tls: true });
  c.write(`USER ${'a'.repeat(400)}`);
  assert.equal(await c.line(), '-ERR line too long: the limit is 300 octets including CRLF');
  c.write(`${'b'.repeat(5000)}\r\n`);
  assert.match(await c.cmd('CAPA'), /^\+OK/, 'the tail of the long line was not taken as a command');
  await c.lines();
  // an overlong SASL response ends the exchange
  assert.equal(await c.cmd('AUTH PLAIN'), '+ ');
  assert.match(await c.cmd('x'.repeat(600)), /^-ERR line too long/);
  assert.match(await c.login('alice@example.test', PASSWORD), /^\+OK logged in/);
  c.close();
});

test('too many errors close the connection', async (t) => {
  const srv = await startTestServer({ pop3: { max_errors: 3 } });
  t.after(() => srv.close());
  const c = await RawPop3.open(srv.port('pop3s'), { tls: true });
  assert.match(await c.cmd('X1'), /^-ERR command "X1" not recognized/);
  assert.match(await c.cmd('RETR 1'), /^-ERR RETR is not allowed before login/);
  assert.match(await c.cmd('X3'), /^-ERR /);
  assert.equal(await c.line(), '-ERR too many errors, closing connection');
  assert.ok(await c.waitClosed());
});

test('idle timeout (RFC 1939 §3): the connection closes without a reply and without deleting', async (t) => {
  const srv = await startTestServer({ pop3: { idle_timeout_seconds: 1 } });
  t.after(() => srv.close());
  await deliver(srv, 'bob@example.test', 'Subject: keep\r\n\r\nme\r\n');
  const c = await RawPop3.open(srv.port('pop3s'), { tls: true });
  assert.match(await c.login('bob@example.test', PASSWORD), /^\+OK/);
  assert.equal(await c.cmd('DELE 1'), '+OK message 1 deleted');
  assert.ok(await c.waitClosed(4000), 'closed after a second of silence');
  assert.equal((await srv.mailbox('bob@example.test')).length, 1, 'no UPDATE state after a timeout');
  const d = await RawPop3.open(srv.port('pop3s'), { tls: true });
  assert.match(await d.login('bob@example.test', PASSWORD), /^\+OK logged in/, 'lock released');
  d.close();
});

test('connections per IP: the one over the limit gets -ERR [SYS/TEMP] and is closed', async (t) => {
  const srv = await startTestServer({ pop3: { max_connections_per_ip: 2 } });
  t.after(() => srv.close());
  const a = await RawPop3.open(srv.port('pop3'));
  const b = await RawPop3.open(srv.port('pop3s'), { tls: true });
  const c = await RawPop3.open(srv.port('pop3'), { greeting: false });
  assert.equal(await c.line(), '-ERR [SYS/TEMP] mx.example.test too many connections from your address, try again later');
  assert.ok(await c.waitClosed());
  const other = await RawPop3.open(srv.port('pop3'), { localAddress: '127.0.0.2' });
  assert.match(other.greeting, /^\+OK/, 'another address is not affected');
  a.close();
  await a.waitClosed();
  await new Promise((r) => setTimeout(r, 50));
  const d = await RawPop3.open(srv.port('pop3'));
  assert.match(d.greeting, /^\+OK/, 'a slot is free again');
  for (const x of [b, d, other]) x.close();
});

test('server shutdown: sessions are told, marked messages are not deleted', async () => {
  const srv = await startTestServer();
  await deliver(srv, 'carol@other.test', 'Subject: survive\r\n\r\nshutdown\r\n');
  const c = await RawPop3.open(srv.port('pop3s'), { tls: true });
  assert.match(await c.login('carol@other.test', PASSWORD), /^\+OK/);
  assert.equal(await c.cmd('DELE 1'), '+OK message 1 deleted');
  await srv.app.pop3.close();
  assert.match(await c.line(), /^-ERR \[SYS\/TEMP\] mx\.example\.test shutting down/);
  assert.ok(await c.waitClosed());
  assert.equal((await srv.mailbox('carol@other.test')).length, 1);
  await srv.close();
});
