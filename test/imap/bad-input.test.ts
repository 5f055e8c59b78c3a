/**
 * Hostile and broken input over raw sockets: BAD with a reason for malformed commands, overlong
 * lines, commands in the wrong state, per-IP connection limits, byte-by-byte delivery, pipelining,
 * and random garbage that must never take the server down.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { RawImap, selected, userWith } from '../helpers/imap-client.ts';

let srv: TestServer;
before(async () => {
  srv = await startTestServer({ imap: { max_line_length: 2048, max_connections_per_ip: 40, max_errors: 1000 } });
});
after(() => srv.close());

test('malformed commands get BAD with a reason, with the tag when one could be read', async () => {
  const who = await userWith(srv, ['Subject: x\r\n\r\nx\r\n']);
  const c = await selected(srv, who);
  const cases: Array<[string, RegExp]> = [
    ['b1 FROBNICATE', /^b1 BAD Unknown command FROBNICATE$/],
    ['b2 FETCH', /^b2 BAD /],
    ['b3 FETCH 0 FLAGS', /^b3 BAD /],
    ['b4 FETCH 1 (FLAGS', /^b4 BAD /],
    ['b5 UID FROB 1', /^b5 BAD UID FROB is not a UID command$/],
    ['b6 SELECT', /^b6 BAD /],
    ['b7 STORE 1 FLAGZ (\\Seen)', /^b7 BAD Unknown store item FLAGZ$/],
    ['b8 SEARCH SINCE 32-Jan-2024', /^b8 BAD Invalid date/],
    ['b9 LIST "" "*" RETURN (BOGUS)', /^b9 BAD Unknown LIST return option BOGUS$/],
    ['b10 NOOP extra', /^b10 BAD Unexpected extra arguments$/],
  ];
  for (const [line, re] of cases) {
    c.write(`${line}\r\n`);
    assert.match(await c.response(), re, line);
  }
  c.write('\r\n');
  assert.match(await c.response(), /^\* BAD /, 'an empty line has no tag: untagged BAD');
  c.write('+tag NOOP\r\n');
  assert.match(await c.response(), /^\* BAD /);
  assert.match((await c.cmd('NOOP')).tagged, / OK /, 'the session goes on');
  c.close();
});

test('an overlong line is BAD [LIMIT] as it arrives, and the rest of it is skipped', async () => {
  const c = await RawImap.open(srv.port('imaps'), { tls: true });
  c.write(`l1 LOGIN ${'x'.repeat(5000)} y\r\n`);
  assert.equal(await c.response(), 'l1 BAD [LIMIT] Line too long');
  assert.match((await c.cmd('NOOP')).tagged, / OK NOOP completed$/);
  c.close();
});

test('commands byte by byte, and many commands pipelined in one write', async () => {
  const who = await userWith(srv, ['Subject: x\r\n\r\nx\r\n']);
  const c = await selected(srv, who);
  for (const b of Buffer.from('p1 FETCH 1 (UID FLAGS)\r\n')) c.write(Buffer.from([b]));
  assert.deepEqual((await c.until('p1')).untagged, ['* 1 FETCH (UID 1 FLAGS ())']);
  c.write(Array.from({ length: 200 }, (_, i) => `q${i} NOOP\r\n`).join(''));
  for (let i = 0; i < 200; i++) assert.equal(await c.response(), `q${i} OK NOOP completed`);
  c.close();
});

test('per-IP connection limit: the connection over it gets BYE and is closed', async (t) => {
  const lab = await startTestServer({ imap: { max_connections_per_ip: 2 } });
  t.after(() => lab.close());
  const a = await RawImap.open(lab.port('imap'));
  const b = await RawImap.open(lab.port('imap'));
  const c = await RawImap.open(lab.port('imap'), { greeting: false });
  assert.equal(await c.response(), '* BYE [UNAVAILABLE] mx.example.test has too many connections from your address; try again later');
  assert.ok(await c.waitClosed());
  a.close();
  b.close();
});

test('random garbage, binary and half commands never take the server down', async () => {
  for (let round = 0; round < 20; round++) {
    const c = await RawImap.open(srv.port('imap'));
    c.write(randomBytes(64 + round * 50));
    c.write('\r\nz1 NOOP\r\n');
    await c.until('z1', 5000).catch(() => undefined);
    c.close();
  }
  const who = await userWith(srv);
  const c = await selected(srv, who);
  for (const junk of ['FETCH 1:* (BODY[1.2.3.4.5.6.7.8.9.10.11.12.13.14.15.16.17.18.19.20])', 'SEARCH ' + '('.repeat(100) + 'ALL' + ')'.repeat(100), 'FETCH 4294967295 FLAGS', 'UID FETCH 1:4294967295 FLAGS', 'STORE 1:* +FLAGS ()', 'APPEND INBOX {5+}', 'COPY 1:* ""']) {
    c.write(`j ${junk}\r\n`);
    if (junk.startsWith('APPEND')) {
      c.write('abcde\r\n');
    }
    const r = await c.until('j');
    assert.match(r.tagged, /^j (OK|NO|BAD) /, junk);
  }
  assert.match((await c.cmd('NOOP')).tagged, / OK /);
  c.close();
});
