/**
 * APPEND of large messages, streamed: RFC 9051 §6.3.12 and §7.5 (synchronizing literals), RFC 7888
 * (LITERAL+). The literal's octets go to data_dir/spool as they arrive (memory per connection
 * bounded, limits.memory_spool_bytes), the message is committed from that file, and FETCH BODY[]
 * gives back every octet. Streaming is proven by the spool file holding exactly the octets sent
 * while the rest of the literal has not been sent yet.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { startTestServer, PASSWORD, type TestServer } from '../helpers/server.ts';
import { RawImap, imapLogin, userWith } from '../helpers/imap-client.ts';

let srv: TestServer;
before(async () => {
  srv = await startTestServer({ imap: { max_message_size: 20 * 1024 * 1024 } });
});
after(() => srv.close());

const MiB = 1024 * 1024;

/** A message of about `size` octets: ASCII lines of varying content, CRLF-terminated. */
function bigMessage(size: number, seed: number): Buffer {
  const head = `From: big@example.test\r\nSubject: large ${seed}\r\nMessage-ID: <big${seed}@example.test>\r\n\r\n`;
  const lines: string[] = [head];
  let n = head.length;
  let x = seed;
  for (let i = 0; n < size; i++) {
    x = (x * 1103515245 + 12345) & 0x7fffffff;
    const line = `${String(i).padStart(7, '0')} ${x.toString(36).repeat(1 + (x % 9))}\r\n`;
    lines.push(line);
    n += line.length;
  }
  return Buffer.from(lines.join(''), 'latin1');
}

/** Spool files of IMAP uploads in progress: name → size. */
function spoolFiles(): Map<string, number> {
  const dir = join(srv.dir, 'spool');
  const out = new Map<string, number>();
  for (const f of readdirSync(dir)) if (f.startsWith('append-')) out.set(f, statSync(join(dir, f)).size);
  return out;
}

/** Waits (polling) until the upload spool has a file of exactly `size` octets, or fails after 20 s. */
async function spoolReaches(size: number): Promise<void> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const sizes = [...spoolFiles().values()];
    if (sizes.includes(size)) return;
    if (Date.now() > deadline) assert.fail(`no spool file of ${size} octets; have ${JSON.stringify(sizes)}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function spoolEmpty(): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (spoolFiles().size > 0) {
    if (Date.now() > deadline) assert.fail(`spool not cleaned: ${JSON.stringify([...spoolFiles()])}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** The whole message as FETCH BODY.PEEK[] returns it. */
async function fetchBody(c: RawImap, seq: number): Promise<Buffer> {
  const r = await c.cmd(`FETCH ${seq} BODY.PEEK[]`, 30_000);
  assert.match(r.tagged, / OK /);
  const line = r.untagged.find((u) => u.startsWith(`* ${seq} FETCH`))!;
  const m = /BODY\[\] \{(\d+)\}\r\n/.exec(line)!;
  const start = m.index + m[0].length;
  return Buffer.from(line.slice(start, start + Number(m[1])), 'utf8');
}

test('synchronizing literal of 6 MiB: streamed to the spool while it arrives, committed, byte-exact via FETCH BODY[]', async () => {
  const who = await userWith(srv);
  const c = await imapLogin(srv.port('imaps'), who, PASSWORD);
  const msg = bigMessage(6 * MiB, 1);
  c.write(`a2 APPEND INBOX (\\Seen) {${msg.length}}\r\n`);
  assert.equal(await c.response(), '+ Ready for literal data');
  const half = Math.floor(msg.length / 2);
  c.write(msg.subarray(0, half));
  // Half the literal is on disk before the other half is even sent: nothing waits in memory.
  await spoolReaches(half);
  c.write(Buffer.concat([msg.subarray(half), Buffer.from('\r\n')]));
  const r = await c.until('a2', 30_000);
  assert.match(r.tagged, /^a2 OK \[APPENDUID \d+ 1\] APPEND completed$/);
  await spoolEmpty(); // the spool file became the stored blob
  await c.cmd('SELECT INBOX');
  assert.deepEqual((await c.cmd('FETCH 1 (FLAGS RFC822.SIZE)')).untagged, [`* 1 FETCH (FLAGS (\\Seen) RFC822.SIZE ${msg.length})`]);
  assert.ok((await fetchBody(c, 1)).equals(msg), 'FETCH BODY[] gives back the appended octets');
  c.close();
});

test('LITERAL+ of 8 MiB into the selected mailbox: streamed, EXISTS, byte-exact; a small APPEND after it on the same connection', async () => {
  const who = await userWith(srv);
  const c = await imapLogin(srv.port('imaps'), who, PASSWORD);
  await c.cmd('SELECT INBOX');
  const msg = bigMessage(8 * MiB, 2);
  const quarter = Math.floor(msg.length / 4);
  c.write(`a3 APPEND INBOX {${msg.length}+}\r\n`);
  c.write(msg.subarray(0, quarter));
  await spoolReaches(quarter);
  c.write(Buffer.concat([msg.subarray(quarter), Buffer.from('\r\n')]));
  const r = await c.until('a3', 30_000);
  assert.deepEqual(r.untagged, ['* 1 EXISTS', '* 1 RECENT']);
  assert.match(r.tagged, /^a3 OK \[APPENDUID \d+ 1\]/);
  const small = 'Subject: small\r\n\r\nhi\r\n';
  const s = await c.cmd(`APPEND INBOX {${small.length}+}\r\n${small}`);
  assert.match(s.tagged, / OK \[APPENDUID \d+ 2\]/);
  assert.ok((await fetchBody(c, 1)).equals(msg));
  assert.equal((await fetchBody(c, 2)).toString(), small);
  await spoolEmpty();
  c.close();
});

test('a large literal refused afterwards (no such mailbox, bad syntax after it) leaves no spool file and no message', async () => {
  const who = await userWith(srv);
  const c = await imapLogin(srv.port('imaps'), who, PASSWORD);
  const msg = bigMessage(2 * MiB, 3);
  c.write(Buffer.concat([Buffer.from(`a2 APPEND Nowhere {${msg.length}+}\r\n`), msg, Buffer.from('\r\n')]));
  assert.equal((await c.until('a2', 30_000)).tagged, 'a2 NO [TRYCREATE] No such mailbox');
  c.write(Buffer.concat([Buffer.from(`a3 APPEND INBOX {${msg.length}+}\r\n`), msg, Buffer.from(' trailing\r\n')]));
  assert.equal((await c.until('a3', 30_000)).tagged, 'a3 BAD Only one message per APPEND (MULTIAPPEND is not supported)');
  await spoolEmpty();
  assert.equal((await srv.mailbox(who)).length, 0);
  c.close();
});

test('a connection lost in the middle of a literal leaves no spool file; before login a LITERAL+ APPEND is never spooled', async () => {
  const who = await userWith(srv);
  const c = await imapLogin(srv.port('imaps'), who, PASSWORD);
  const msg = bigMessage(3 * MiB, 4);
  c.write(`a2 APPEND INBOX {${msg.length}+}\r\n`);
  c.write(msg.subarray(0, MiB));
  await spoolReaches(MiB);
  c.close();
  await spoolEmpty();
  assert.equal((await srv.mailbox(who)).length, 0);

  const p = await RawImap.open(srv.port('imaps'), { tls: true });
  p.write(Buffer.concat([Buffer.from(`x1 APPEND INBOX {${msg.length}+}\r\n`), msg, Buffer.from('\r\n')]));
  assert.equal((await p.until('x1', 30_000)).tagged, 'x1 BAD Log in first');
  assert.equal(spoolFiles().size, 0);
  assert.match((await p.cmd('NOOP')).tagged, / OK /, 'the literal was consumed, the connection goes on');
  p.close();
});
