/**
 * POP3 with real clients: Python's poplib (STLS on the plain port, implicit TLS on the POP3S
 * port) and curl, against mail delivered through the real SMTP MX.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startTestServer, PASSWORD, type TestServer } from '../helpers/server.ts';
import { RawSmtp, message } from '../helpers/smtp-client.ts';
import { deliver } from '../helpers/pop3-client.ts';

const run = promisify(execFile);
let srv: TestServer;
before(async () => {
  srv = await startTestServer();
});
after(() => srv.close());

/** Delivers through the MX, as the outside world would. */
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

const PY_PRELUDE = `
import poplib, ssl, sys, json
ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
def dump(p):
    out = {}
    out['stat'] = list(p.stat())
    out['list'] = [l.decode() for l in p.list()[1]]
    out['uidl'] = [l.decode() for l in p.uidl()[1]]
    out['uidl1'] = p.uidl(1).decode()
    out['retr1'] = b'\\r\\n'.join(p.retr(1)[1]).decode()
    out['top2'] = b'\\r\\n'.join(p.top(2, 0)[1]).decode()
    out['dele'] = p.dele(1).decode()
    out['quit'] = p.quit().decode()
    return out
`;

test('Python poplib: CAPA, STLS, USER/PASS, STAT, LIST, UIDL, RETR (dot-stuffed body), TOP, DELE, QUIT', async () => {
  // SMTP transparency: the client stuffs, the MX unstuffs; stored are ".a line..." and "..and two"
  await viaMx('alice@example.test', 'first via MX', '..a line starting with a dot\r\n...and two\r\nplain\r\n');
  await viaMx('alice@example.test', 'second via MX', 'second body\r\nmore\r\n');
  const box = await srv.mailbox('alice@example.test');
  const script = `${PY_PRELUDE}
p = poplib.POP3('127.0.0.1', int(sys.argv[1]), timeout=10)
caps = p.capa()
assert 'STLS' in caps and 'USER' not in caps and 'SASL' not in caps, caps
p.stls(context=ctx)
caps = p.capa()
assert 'USER' in caps and 'STLS' not in caps, caps
print(json.dumps({'caps': sorted(caps.keys()), 'sasl': caps['SASL'], 'user': p.user('alice@example.test').decode(), 'pass': p.pass_(sys.argv[2]).decode(), **dump(p)}))
`;
  const { stdout } = await run('/usr/bin/python3', ['-c', script, String(srv.port('pop3')), PASSWORD], { timeout: 20000 });
  const r = JSON.parse(stdout) as Record<string, unknown> & { stat: number[]; list: string[]; uidl: string[]; retr1: string; top2: string };
  assert.deepEqual(r.caps, ['AUTH-RESP-CODE', 'IMPLEMENTATION', 'PIPELINING', 'RESP-CODES', 'SASL', 'TOP', 'UIDL', 'USER']);
  assert.deepEqual(r.sasl, ['PLAIN', 'LOGIN', 'SCRAM-SHA-256']);
  assert.match(String(r.pass), /^\+OK logged in; maildrop has 2 messages \(\d+ octets\)$/);
  assert.deepEqual(r.stat, [2, Buffer.byteLength(box[0]!) + Buffer.byteLength(box[1]!)]);
  assert.deepEqual(r.list, [`1 ${Buffer.byteLength(box[0]!)}`, `2 ${Buffer.byteLength(box[1]!)}`]);
  assert.equal(r.uidl.length, 2);
  assert.match(r.uidl[0]!, /^1 \d+\.1$/);
  assert.equal(r.uidl1, `+OK ${r.uidl[0]}`);
  // poplib removes the byte-stuffing: the body arrives exactly as stored
  assert.equal(`${r.retr1}\r\n`, box[0]);
  assert.match(r.retr1, /\r\n\r\n\.a line starting with a dot\r\n\.\.and two\r\nplain$/);
  assert.match(r.top2, /Subject: second via MX\r\n/);
  assert.ok(r.top2.endsWith('\r\n'), 'TOP 0: the header and the blank line only');
  assert.ok(!r.top2.includes('second body'));
  assert.equal(r.dele, '+OK message 1 deleted');
  assert.match(String(r.quit), /^\+OK .* 1 message deleted, 1 left; goodbye$/);
  const after = await srv.mailbox('alice@example.test');
  assert.equal(after.length, 1, 'QUIT removed the deleted message');
  assert.match(after[0]!, /Subject: second via MX/);
});

test('Python poplib: POP3_SSL (implicit TLS) with a large message streamed from a blob file', async () => {
  const big = Array.from({ length: 8000 }, (_, i) => (i % 10 === 0 ? `.dot line ${i}` : `line ${i} ${'x'.repeat(60)}`)).join('\r\n') + '\r\n';
  // Straight into the store as a blob file (what the MX does for a message above limits.memory_spool_bytes).
  const file = join(srv.dir, 'big.eml');
  const raw = Buffer.from(`Subject: big one\r\n\r\n${big}`);
  writeFileSync(file, raw);
  const bob = (await srv.app.store.getUser('bob@example.test'))!;
  await srv.app.store.ingest({ blob: { kind: 'file', path: file, size: raw.length }, mailFrom: '', internalDate: Date.now(), deliveries: [{ userId: bob.id, mailbox: 'INBOX' }], outbound: [] });
  const script = `${PY_PRELUDE}
p = poplib.POP3_SSL('127.0.0.1', int(sys.argv[1]), context=ctx, timeout=10)
assert 'STLS' not in p.capa()
p.user('bob@example.test'); p.pass_(sys.argv[2])
print(json.dumps({'stat': list(p.stat()), 'retr': b'\\r\\n'.join(p.retr(1)[1]).decode(), 'quit': p.quit().decode()}))
`;
  const { stdout } = await run('/usr/bin/python3', ['-c', script, String(srv.port('pop3s')), PASSWORD], { timeout: 20000, maxBuffer: 16 * 1024 * 1024 });
  const r = JSON.parse(stdout) as { stat: number[]; retr: string; quit: string };
  const box = await srv.mailbox('bob@example.test');
  assert.ok(box[0]!.length > 500_000, 'larger than the in-memory spool: stored as a blob file');
  assert.deepEqual(r.stat, [1, Buffer.byteLength(box[0]!)]);
  assert.equal(`${r.retr}\r\n`, box[0]);
  assert.match(r.quit, /0 messages deleted, 1 left/);
  assert.equal((await srv.mailbox('bob@example.test')).length, 1, 'nothing deleted without DELE');
});

test('curl: pop3:// with --ssl-reqd lists, retrieves by number, and DELE via -X', async () => {
  await deliver(srv, 'carol@other.test', 'Subject: for curl\r\n\r\nhello curl\r\n.dotted\r\n');
  await deliver(srv, 'carol@other.test', 'Subject: second for curl\r\n\r\nbye\r\n');
  const base = `pop3://127.0.0.1:${srv.port('pop3')}`;
  const auth = ['-s', '--insecure', '--ssl-reqd', '-u', `carol@other.test:${PASSWORD}`];
  const list = await run('curl', [...auth, `${base}/`], { timeout: 20000 });
  const box = await srv.mailbox('carol@other.test');
  assert.equal(list.stdout, `1 ${Buffer.byteLength(box[0]!)}\r\n2 ${Buffer.byteLength(box[1]!)}\r\n`);
  const one = await run('curl', [...auth, `${base}/1`], { timeout: 20000 });
  assert.equal(one.stdout, box[0], 'curl un-stuffs the body: exactly the stored bytes');
  // implicit TLS too
  const s = await run('curl', ['-s', '--insecure', '-u', `carol@other.test:${PASSWORD}`, `pop3s://127.0.0.1:${srv.port('pop3s')}/2`], { timeout: 20000 });
  assert.equal(s.stdout, box[1]);
  // DELE 1 then QUIT (curl always ends with QUIT): the UPDATE state removes it
  await run('curl', [...auth, '-X', 'DELE 1', '-I', `${base}/`], { timeout: 20000 });
  const after = await srv.mailbox('carol@other.test');
  assert.deepEqual(after, [box[1]]);
});

test('curl: without TLS (no --ssl-reqd) the server refuses the login, nothing is sent in clear text', async () => {
  const r = await run('curl', ['-s', '-S', '-u', `carol@other.test:${PASSWORD}`, `pop3://127.0.0.1:${srv.port('pop3')}/`], { timeout: 20000 }).catch((e: { code: number; stderr: string }) => e);
  assert.ok('code' in r && r.code !== 0, 'curl fails');
  assert.match((r as { stderr: string }).stderr, /denied|authentication|Login/i);
});
