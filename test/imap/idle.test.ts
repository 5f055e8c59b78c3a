/**
 * IDLE (RFC 2177, RFC 9051 §6.3.13) over raw sockets with two connections: the idling client hears
 * at once about mail delivered through the SMTP MX, about APPEND, flag changes and expunges made
 * by another session, and about nothing of its own doing twice. DONE ends IDLE; anything else is BAD.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { selected, userWith, appendCommand } from '../helpers/imap-client.ts';
import { RawSmtp, message } from '../helpers/smtp-client.ts';

let srv: TestServer;
before(async () => {
  srv = await startTestServer();
});
after(() => srv.close());

async function viaMx(to: string, subject: string): Promise<void> {
  const c = await RawSmtp.open(srv.port('mx'));
  await c.cmd('EHLO sender.test');
  await c.cmd('MAIL FROM:<someone@sender.test>');
  assert.equal((await c.cmd(`RCPT TO:<${to}>`)).code, 250);
  await c.cmd('DATA');
  assert.equal((await c.cmd(`${message('someone@sender.test', to, subject, 'hi\r\n')}.`)).code, 250);
  await c.cmd('QUIT');
  c.close();
}

test('IDLE: EXISTS when mail arrives through SMTP, FETCH when another session sets flags, EXPUNGE when it expunges', async () => {
  const who = await userWith(srv, ['Subject: one\r\n\r\n1\r\n', 'Subject: two\r\n\r\n2\r\n']);
  const w = await selected(srv, who);
  w.write('i1 IDLE\r\n');
  assert.equal(await w.response(), '+ idling');
  await viaMx(who, 'arrives while idling');
  assert.equal(await w.response(), '* 3 EXISTS');
  assert.equal(await w.response(), '* 1 RECENT');
  const o = await selected(srv, who);
  await o.cmd('STORE 2 +FLAGS (\\Flagged)');
  assert.equal(await w.response(), '* 2 FETCH (UID 2 FLAGS (\\Flagged))');
  await o.cmd('STORE 1 +FLAGS.SILENT (\\Deleted)');
  assert.equal(await w.response(), '* 1 FETCH (UID 1 FLAGS (\\Deleted))');
  await o.cmd('EXPUNGE');
  assert.equal(await w.response(), '* 1 EXPUNGE');
  await o.cmd(appendCommand('INBOX', 'Subject: appended\r\n\r\nx\r\n'));
  assert.equal(await w.response(), '* 3 EXISTS');
  assert.equal(await w.response(), '* 2 RECENT');
  w.write('DONE\r\n');
  assert.equal(await w.response(), 'i1 OK IDLE terminated');
  assert.deepEqual((await w.cmd('FETCH 1:* UID')).untagged, ['* 1 FETCH (UID 2)', '* 2 FETCH (UID 3)', '* 3 FETCH (UID 4)']);
  w.close();
  o.close();
});

test('IDLE: nothing while nothing happens; own STORE before IDLE is not echoed; a line other than DONE is BAD', async () => {
  const who = await userWith(srv, ['Subject: one\r\n\r\n1\r\n']);
  const w = await selected(srv, who);
  await w.cmd('STORE 1 +FLAGS (\\Seen)');
  w.write('i1 IDLE\r\n');
  assert.equal(await w.response(), '+ idling');
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(w.pending, 0, 'no untagged data while idle and nothing changed');
  w.write('STOP\r\n');
  assert.equal(await w.response(), 'i1 BAD Expected DONE to end IDLE');
  w.write('i2 IDLE\r\ndone\r\n');
  assert.equal(await w.response(), '+ idling');
  assert.equal(await w.response(), 'i2 OK IDLE terminated', 'DONE is case-insensitive');
  w.close();
});

test('IDLE without a selected mailbox, and a server shutdown during IDLE says BYE', async (t) => {
  const lab = await startTestServer();
  t.after(() => lab.close());
  const who = await userWith(lab);
  const w = await selected(lab, who);
  await w.cmd('UNSELECT');
  w.write('i1 IDLE\r\n');
  assert.equal(await w.response(), '+ idling');
  const closing = lab.app.imap.close(2000);
  const rest = [await w.response(), await w.response()];
  assert.deepEqual(rest, ['i1 OK IDLE ended', '* BYE Server shutting down']);
  assert.ok(await w.waitClosed());
  await closing;
});
