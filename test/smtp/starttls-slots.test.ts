/**
 * A connection upgraded with STARTTLS/STLS still releases its per-IP connection slot when it
 * closes (regression: the upgrade once removed the listener group's close handler, so after
 * max_connections_per_ip upgraded sessions every new connection from that IP was refused).
 */
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { RawSmtp } from '../helpers/smtp-client.ts';
import { RawPop3 } from '../helpers/pop3-client.ts';
import { RawImap } from '../helpers/imap-client.ts';

let srv: TestServer;
const LIMIT = 3;
before(async () => {
  srv = await startTestServer({ limits: { max_connections_per_ip: LIMIT }, pop3: { max_connections_per_ip: LIMIT }, imap: { max_connections_per_ip: LIMIT } });
});
after(() => srv.close());

const settle = () => new Promise((r) => setTimeout(r, 100));

test('SMTP: more STARTTLS sessions than the per-IP limit, one after another, are all served', async () => {
  for (let i = 0; i < LIMIT + 3; i++) {
    const c = await RawSmtp.open(srv.port('mx'));
    await c.cmd('EHLO client.test');
    await c.startTls();
    assert.equal((await c.cmd('EHLO client.test')).code, 250);
    c.write('QUIT\r\n');
    assert.ok(await c.waitClosed());
    await settle();
  }
});

test('POP3: more STLS sessions than the per-IP limit are all served', async () => {
  for (let i = 0; i < LIMIT + 3; i++) {
    const c = await RawPop3.open(srv.port('pop3'));
    await c.stls();
    assert.match(await c.cmd('CAPA'), /^\+OK/);
    c.close();
    await settle();
  }
});

test('IMAP: more STARTTLS sessions than the per-IP limit are all served', async () => {
  for (let i = 0; i < LIMIT + 3; i++) {
    const c = await RawImap.open(srv.port('imap'));
    assert.match((await c.starttls()).tagged, / OK /);
    assert.match((await c.cmd('CAPABILITY')).tagged, / OK /);
    c.close();
    await settle();
  }
});
