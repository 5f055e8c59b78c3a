/**
 * APPEND and literals over raw sockets: RFC 9051 §6.3.12 and §7.5 (synchronizing literals: "+"
 * before the data, or a refusal and no data), RFC 7888 LITERAL+, RFC 3516 literal8, RFC 4315
 * APPENDUID, RFC 7889 APPENDLIMIT (an oversized message is refused before a single octet is read).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, PASSWORD, type TestServer } from '../helpers/server.ts';
import { RawImap, imapLogin, selected, userWith } from '../helpers/imap-client.ts';

let srv: TestServer;
before(async () => {
  srv = await startTestServer({ imap: { max_message_size: 4096, max_literal_size: 2048 } });
});
after(() => srv.close());

const MSG = 'From: a@example.test\r\nSubject: appended\r\n\r\nHello\r\n';

test('synchronizing literal: "+" continuation, then APPENDUID; flags and internal date stored', async () => {
  const who = await userWith(srv);
  const c = await imapLogin(srv.port('imaps'), who, PASSWORD);
  c.write(`a2 APPEND Drafts (\\Draft $Todo) "05-Mar-2024 10:11:12 +0200" {${MSG.length}}\r\n`);
  assert.equal(await c.response(), '+ Ready for literal data');
  c.write(`${MSG}\r\n`);
  const r = await c.until('a2');
  assert.match(r.tagged, /^a2 OK \[APPENDUID \d+ 1\] APPEND completed$/);
  await c.cmd('SELECT Drafts');
  assert.deepEqual((await c.cmd('FETCH 1 (FLAGS INTERNALDATE RFC822.SIZE)')).untagged, [`* 1 FETCH (FLAGS (\\Draft $Todo) INTERNALDATE "05-Mar-2024 08:11:12 +0000" RFC822.SIZE ${MSG.length})`]);
  assert.deepEqual(await srv.mailbox(who, 'Drafts'), [MSG]);
  c.close();
});

test('LITERAL+ (non-synchronizing): no continuation; APPEND to the selected mailbox is told as EXISTS', async () => {
  const who = await userWith(srv);
  const c = await selected(srv, who);
  c.write(`a3 APPEND INBOX {${MSG.length}+}\r\n${MSG}\r\n`);
  const r = await c.until('a3');
  assert.deepEqual(r.untagged, ['* 1 EXISTS', '* 1 RECENT']);
  assert.match(r.tagged, /^a3 OK \[APPENDUID \d+ 1\]/);
  c.close();
});

test('literal8 (RFC 3516): a message with NUL octets is accepted; in a plain literal it is BAD', async () => {
  const who = await userWith(srv);
  const c = await imapLogin(srv.port('imaps'), who, PASSWORD);
  const bin = Buffer.concat([Buffer.from('Subject: bin\r\nContent-Type: application/octet-stream\r\n\r\n'), Buffer.from([0, 1, 2, 0]), Buffer.from('\r\n')]);
  c.write(Buffer.concat([Buffer.from(`a2 APPEND INBOX ~{${bin.length}+}\r\n`), bin, Buffer.from('\r\n')]));
  assert.match((await c.until('a2')).tagged, / OK \[APPENDUID /);
  c.write(Buffer.concat([Buffer.from(`a3 APPEND INBOX {${bin.length}+}\r\n`), bin, Buffer.from('\r\n')]));
  assert.equal((await c.until('a3')).tagged, 'a3 BAD NUL octet in literal (literal8 required)');
  assert.deepEqual((await srv.mailbox(who)).length, 1);
  c.close();
});

test('over APPENDLIMIT: a synchronizing literal is refused before any data (no "+"), a LITERAL+ one is skipped', async () => {
  const who = await userWith(srv);
  const c = await imapLogin(srv.port('imaps'), who, PASSWORD);
  assert.match((await c.cmd('CAPABILITY')).untagged[0]!, / APPENDLIMIT=4096/);
  c.write('a3 APPEND INBOX {5000}\r\n');
  assert.equal(await c.response(), 'a3 NO [TOOBIG] Literal of 5000 octets exceeds the limit of 4096');
  // the client sends nothing more for a3; the connection goes on
  assert.match((await c.cmd('NOOP')).tagged, / OK /);
  c.write(`a5 APPEND INBOX {5000+}\r\n${'x'.repeat(5000)}\r\n`);
  assert.equal(await c.response(), 'a5 NO [TOOBIG] Literal of 5000 octets exceeds the limit of 4096');
  assert.match((await c.cmd('NOOP')).tagged, /^a\d+ OK /, 'the skipped octets were not read as commands');
  assert.equal((await srv.mailbox(who)).length, 0);
  // literals in other commands have their own, smaller limit
  c.write('a7 LOGIN {3000}\r\n');
  assert.match(await c.response(), /^a7 NO \[TOOBIG\] Literal of 3000 octets exceeds the limit of 2048$/);
  c.close();
});

test('APPEND errors: TRYCREATE, empty message, bad flag, bad date; before login a literal is refused', async () => {
  const who = await userWith(srv);
  const c = await imapLogin(srv.port('imaps'), who, PASSWORD);
  assert.equal((await c.cmd(`APPEND Nowhere {${MSG.length}+}\r\n${MSG}`)).tagged, 'a2 NO [TRYCREATE] No such mailbox');
  assert.equal((await c.cmd('APPEND INBOX {0+}\r\n')).tagged, 'a3 NO [CANNOT] An empty message cannot be appended');
  assert.equal((await c.cmd(`APPEND INBOX (\\Recent) {${MSG.length}+}\r\n${MSG}`)).tagged, 'a4 BAD \\Recent cannot be set');
  assert.match((await c.cmd(`APPEND INBOX "31-Feb-2024 00:00:00 +0000" {${MSG.length}+}\r\n${MSG}`)).tagged, /^a5 BAD Invalid date-time/);
  c.close();
  const p = await RawImap.open(srv.port('imaps'), { tls: true });
  p.write('x1 APPEND INBOX {20}\r\n');
  assert.equal(await p.response(), 'x1 BAD [TOOBIG] Log in first (literals before login are for LOGIN only)');
  // LOGIN with literals works (small ones are allowed before login)
  p.write(`x2 LOGIN {${who.length}}\r\n`);
  assert.equal(await p.response(), '+ Ready for literal data');
  p.write(`${who} {${PASSWORD.length}}\r\n`);
  assert.equal(await p.response(), '+ Ready for literal data');
  p.write(`${PASSWORD}\r\n`);
  assert.match((await p.until('x2')).tagged, /^x2 OK \[CAPABILITY /);
  p.close();
});
