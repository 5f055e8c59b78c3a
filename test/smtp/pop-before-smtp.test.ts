/** Legacy POP-before-SMTP: off by default; when on, a POP3 login lets that IP submit as that user only. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, PASSWORD } from '../helpers/server.ts';
import { RawSmtp, message } from '../helpers/smtp-client.ts';
import { RawPop3 } from '../helpers/pop3-client.ts';

async function popLogin(port: number, localAddress: string): Promise<void> {
  const p = await RawPop3.open(port, { tls: true, localAddress });
  assert.match(await p.login('alice@example.test', PASSWORD), /^\+OK/);
  await p.cmd('QUIT');
}

test('off by default: a POP3 login does not open submission without AUTH', async (t) => {
  const srv = await startTestServer();
  t.after(() => srv.close());
  await popLogin(srv.port('pop3s'), '127.0.0.21');
  const c = await RawSmtp.open(srv.port('submission'), { localAddress: '127.0.0.21' });
  await c.cmd('EHLO legacy.test');
  assert.match((await c.cmd('MAIL FROM:<alice@example.test>')).text, /^530 5\.7\.0/);
  c.close();
});

test('pop_before_smtp_minutes: that IP may send as that user only, other IPs still need AUTH', async (t) => {
  const srv = await startTestServer({ auth: { pop_before_smtp_minutes: 10 } });
  t.after(() => srv.close());
  const before = await RawSmtp.open(srv.port('submission'), { localAddress: '127.0.0.22' });
  await before.cmd('EHLO legacy.test');
  assert.match((await before.cmd('MAIL FROM:<alice@example.test>')).text, /^530 5\.7\.0/, 'no login yet');
  before.close();

  await popLogin(srv.port('pop3s'), '127.0.0.22');
  const c = await RawSmtp.open(srv.port('submission'), { localAddress: '127.0.0.22' });
  await c.cmd('EHLO legacy.test');
  assert.match((await c.cmd('MAIL FROM:<bob@example.test>')).text, /^550 5\.7\.1 sender address <bob@example\.test> is not yours: alice@example\.test/, 'sender restriction still applies');
  assert.match((await c.cmd('MAIL FROM:<alice@example.test>')).text, /^250 /);
  assert.equal((await c.cmd('RCPT TO:<someone@remote.test>')).code, 250, 'may relay like an authenticated user');
  await c.cmd('DATA');
  assert.match((await c.cmd(`${message('bob@example.test', 'someone@remote.test', 'forged header')}.`)).text, /^550 5\.7\.1 From: header address <bob@example\.test>/);
  c.close();

  const other = await RawSmtp.open(srv.port('submission'), { localAddress: '127.0.0.23' });
  await other.cmd('EHLO elsewhere.test');
  assert.match((await other.cmd('MAIL FROM:<alice@example.test>')).text, /^530 5\.7\.0/);
  other.close();
  const mx = await RawSmtp.open(srv.port('mx'), { localAddress: '127.0.0.22' });
  await mx.cmd('EHLO legacy.test');
  await mx.cmd('MAIL FROM:<alice@example.test>');
  assert.match((await mx.cmd('RCPT TO:<someone@remote.test>')).text, /^550 5\.7\.1 .*relay denied/, 'never on the MX');
  mx.close();
});
