/**
 * [phishing] enabled = false on a live MX: no X-Mailwarden-Phishing header is added, a forged one
 * is still stripped, and no correspondents are recorded. (Its own file: it needs its own server.)
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer } from '../helpers/server.ts';
import { RawSmtp, message } from '../helpers/smtp-client.ts';

test('[phishing] enabled = false: no header, nothing recorded', async (t) => {
  const off = await startTestServer({ phishing: { enabled: false } });
  t.after(() => off.close());
  const c = await RawSmtp.open(off.port('mx'));
  await c.cmd('EHLO attacker.test');
  await c.cmd('MAIL FROM:<x@attacker.test>');
  await c.cmd('RCPT TO:<alice@example.test>');
  await c.cmd('DATA');
  assert.equal((await c.cmd(`${message('"paypal.com" <x@attacker.test>', 'alice@example.test', 'phishing off', 'hi\r\n', 'X-Mailwarden-Phishing: forged\r\n')}.`)).code, 250);
  c.close();
  const m = (await off.mailbox('alice@example.test')).find((x) => x.includes('phishing off'))!;
  assert.doesNotMatch(m, /X-Mailwarden-Phishing/i, 'ours not added, the forged one still stripped');
  assert.deepEqual(await off.app.store.correspondents.list((await off.app.store.getUser('alice@example.test'))!.id, 10), []);
});
