/**
 * IMAP with real clients from outside the project: Python's imaplib (STARTTLS on the plain port,
 * implicit TLS on the IMAPS port), curl (imaps:// URLs) and isync's mbsync (a two-way sync to a
 * Maildir, run non-interactively), against mail delivered through the store's ingest path.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startTestServer, PASSWORD, type TestServer } from '../helpers/server.ts';
import { deliver } from '../helpers/pop3-client.ts';
import { addUser } from '../../src/directory/accounts.ts';

const run = promisify(execFile);
let srv: TestServer;
before(async () => {
  srv = await startTestServer();
});
after(() => srv.close());

let n = 0;
async function userWith(messages: string[]): Promise<string> {
  const address = `cl${++n}@example.test`;
  await addUser(srv.app.store, address, PASSWORD, { cramMd5: false });
  for (const m of messages) await deliver(srv, address, m);
  return address;
}

const msg = (subject: string, body: string) => `From: Sender <sender@example.test>\r\nTo: rcpt@example.test\r\nSubject: ${subject}\r\nDate: Mon, 1 Jan 2024 10:00:00 +0000\r\n\r\n${body}`;

const PY_PRELUDE = `
import imaplib, ssl, sys, json
ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
def s(x): return x.decode() if isinstance(x, bytes) else x
`;

test('Python imaplib: STARTTLS, LOGIN, LIST, SELECT, FETCH, SEARCH, STORE, COPY, EXPUNGE, APPEND, UID commands', async () => {
  const who = await userWith([msg('one', 'first body\r\n'), msg('two', 'second body\r\n'), msg('three', 'third\r\n')]);
  const script = `${PY_PRELUDE}
M = imaplib.IMAP4('127.0.0.1', int(sys.argv[1]))
caps_before = list(M.capabilities)
try:
    M.login(sys.argv[2], sys.argv[3]); plain_login = 'accepted'
except imaplib.IMAP4.error as e:
    plain_login = str(e)
M.starttls(ssl_context=ctx)
out = {'caps_before': caps_before, 'plain_login': plain_login}
out['login'] = M.login(sys.argv[2], sys.argv[3])[0]
out['list'] = [s(l) for l in M.list()[1]]
typ, data = M.select('INBOX')
out['select'] = [typ, s(data[0])]
out['fetch_header'] = s(M.fetch('2', '(BODY.PEEK[HEADER.FIELDS (SUBJECT)])')[1][0][1])
typ, data = M.fetch('1', '(RFC822)')
out['rfc822'] = s(data[0][1])
out['search'] = s(M.search(None, 'BODY', 'second')[1][0])
out['uid_search'] = s(M.uid('SEARCH', None, 'ALL')[1][0])
out['store'] = [s(x) for x in M.store('3', '+FLAGS', '\\\\Deleted')[1]]
out['copy'] = M.copy('1:2', 'Archive')[0]
out['expunge'] = [s(x) for x in M.expunge()[1]]
out['append'] = [M.append('INBOX', '(\\\\Seen)', imaplib.Time2Internaldate(1700000000), b'Subject: appended\\r\\n\\r\\nhi\\r\\n')[0]]
out['noop'] = [s(M.response('EXISTS')[1][-1])]
out['status'] = s(M.status('Archive', '(MESSAGES UIDNEXT)')[1][0])
out['uid_fetch'] = s(M.uid('FETCH', '4', '(FLAGS)')[1][0])
M.close(); out['logout'] = M.logout()[0]
print(json.dumps(out))
`;
  const { stdout } = await run('/usr/bin/python3', ['-c', script, String(srv.port('imap')), who, PASSWORD], { timeout: 30000 });
  const r = JSON.parse(stdout) as Record<string, unknown> & { caps_before: string[]; list: string[]; select: string[]; expunge: string[] };
  assert.ok(r.caps_before.includes('STARTTLS') && r.caps_before.includes('LOGINDISABLED'), String(r.caps_before));
  assert.match(String(r.plain_login), /PRIVACYREQUIRED/);
  assert.equal(r.login, 'OK');
  assert.ok(r.list.includes('(\\HasNoChildren \\Sent) "/" Sent'), r.list.join('\n'));
  assert.deepEqual(r.select, ['OK', '3']);
  assert.equal(r.fetch_header, 'Subject: two\r\n\r\n');
  assert.equal(r.rfc822, msg('one', 'first body\r\n'));
  assert.equal(r.search, '2');
  assert.equal(r.uid_search, '1 2 3');
  // \Recent only for mail that arrived after the server first saw the mailbox selected (src/imapserver/recent.ts)
  assert.match(String(r.store), /^3 \(FLAGS \(\\Deleted( \\Recent)?\)\)$/);
  assert.equal(r.copy, 'OK');
  assert.deepEqual(r.expunge, ['3']);
  assert.deepEqual(r.append, ['OK']);
  assert.deepEqual(r.noop, ['3'], 'APPEND to the selected mailbox is told as EXISTS');
  assert.equal(r.status, 'Archive (MESSAGES 2 UIDNEXT 3)');
  assert.match(String(r.uid_fetch), /^3 \(UID 4 FLAGS \(\\Seen( \\Recent)?\)\)$/);
  assert.equal(r.logout, 'BYE');
});

test('Python imaplib: IMAP4_SSL (implicit TLS), AUTHENTICATE PLAIN, a large message streamed from a blob file', async () => {
  const big = Array.from({ length: 8000 }, (_, i) => `line ${i} ${'x'.repeat(60)}`).join('\r\n') + '\r\n';
  const raw = Buffer.from(`Subject: big one\r\n\r\n${big}`);
  const file = join(srv.dir, 'big-imap.eml');
  writeFileSync(file, raw);
  const who = await userWith([]);
  const u = (await srv.app.store.getUser(who))!;
  await srv.app.store.ingest({ blob: { kind: 'file', path: file, size: raw.length }, mailFrom: '', internalDate: Date.now(), deliveries: [{ userId: u.id, mailbox: 'INBOX' }], outbound: [] });
  const script = `${PY_PRELUDE}
M = imaplib.IMAP4_SSL('127.0.0.1', int(sys.argv[1]), ssl_context=ctx)
assert 'STARTTLS' not in M.capabilities and 'AUTH=PLAIN' in M.capabilities, M.capabilities
M.authenticate('PLAIN', lambda _: ('\\0' + sys.argv[2] + '\\0' + sys.argv[3]).encode())
M.select('INBOX', readonly=True)
typ, data = M.fetch('1', '(BODY[] BODY[TEXT]<10.20>)')
sys.stdout.buffer.write(data[0][1]); sys.stdout.buffer.write(b'|' + data[1][1] if len(data) > 1 and isinstance(data[1], tuple) else b'')
M.logout()
`;
  const { stdout } = await run('/usr/bin/python3', ['-c', script, String(srv.port('imaps')), who, PASSWORD], { timeout: 30000, maxBuffer: 16 * 1024 * 1024, encoding: 'buffer' });
  assert.ok(raw.length > 500_000, 'larger than the in-memory spool: stored as a blob file');
  assert.ok(stdout.subarray(0, raw.length).equals(raw), 'BODY[] is the stored message byte for byte');
});

test('curl: imaps:// lists the mailbox, fetches ;UID=n and a section, and runs a custom SEARCH', async () => {
  const who = await userWith([msg('curl one', 'hello curl\r\n'), msg('curl two', 'bye\r\n')]);
  const base = `imaps://127.0.0.1:${srv.port('imaps')}`;
  const auth = ['-s', '-S', '--insecure', '-u', `${who}:${PASSWORD}`];
  const list = await run('curl', [...auth, `${base}/`], { timeout: 20000 });
  assert.match(list.stdout, /\* LIST \(\\HasNoChildren \\Trash\) "\/" Trash/);
  const one = await run('curl', [...auth, `${base}/INBOX;UID=1`], { timeout: 20000 });
  assert.equal(one.stdout, msg('curl one', 'hello curl\r\n'));
  const text = await run('curl', [...auth, `${base}/INBOX;UID=2;SECTION=TEXT`], { timeout: 20000 });
  assert.equal(text.stdout, 'bye\r\n');
  const search = await run('curl', [...auth, '-X', 'SEARCH SUBJECT two', `${base}/INBOX`], { timeout: 20000 });
  assert.match(search.stdout, /^\* SEARCH 2\r?$/m);
  // STARTTLS on the plain port with --ssl-reqd
  const st = await run('curl', [...auth, '--ssl-reqd', `imap://127.0.0.1:${srv.port('imap')}/INBOX;UID=2`], { timeout: 20000 });
  assert.equal(st.stdout, msg('curl two', 'bye\r\n'));
});

test('curl: without TLS the login is refused; nothing is sent in clear text', async () => {
  const r = await run('curl', ['-s', '-S', '-u', `nobody@example.test:${PASSWORD}`, `imap://127.0.0.1:${srv.port('imap')}/INBOX`], { timeout: 20000 }).catch((e: { code: number; stderr: string }) => e);
  assert.ok('code' in r && r.code !== 0, 'curl fails');
});

test('isync (mbsync): pulls every mailbox into a Maildir, then pushes a new message and a flag change back', async () => {
  const who = await userWith([msg('sync one', 'a\r\n'), msg('sync two', 'b\r\n')]);
  const dir = join(srv.dir, `mbsync-${n}`);
  const maildir = join(dir, 'mail');
  mkdirSync(maildir, { recursive: true });
  const certFile = join(dir, 'server.pem');
  writeFileSync(certFile, srv.app.tls.cert);
  const rc = join(dir, 'mbsyncrc');
  writeFileSync(
    rc,
    [
      'IMAPAccount t',
      'Host 127.0.0.1',
      `Port ${srv.port('imaps')}`,
      `User ${who}`,
      `Pass "${PASSWORD}"`,
      'SSLType IMAPS', // isync 1.4 (Debian 12); 1.5 calls it TLSType
      `CertificateFile ${certFile}`,
      '',
      'IMAPStore remote',
      'Account t',
      '',
      'MaildirStore local',
      `Path ${maildir}/`,
      `Inbox ${maildir}/INBOX`,
      'SubFolders Verbatim',
      '',
      'Channel c',
      'Far :remote:',
      'Near :local:',
      'Patterns *',
      'Create Both',
      'Expunge Both',
      'SyncState *',
      '',
    ].join('\n'),
  );
  const sync = () => run('mbsync', ['-c', rc, '-a'], { timeout: 30000, env: { ...process.env, HOME: dir } });
  await sync();
  assert.deepEqual(readdirSync(maildir).sort(), ['Archive', 'Drafts', 'INBOX', 'Junk', 'Sent', 'Trash']);
  const inbox = join(maildir, 'INBOX');
  const files = [...readdirSync(join(inbox, 'new')).map((f) => join(inbox, 'new', f)), ...readdirSync(join(inbox, 'cur')).map((f) => join(inbox, 'cur', f))];
  assert.equal(files.length, 2);
  // mbsync stores LF line ends and adds its own X-TUID header; the rest is our message.
  const contents = files.map((f) => readFileSync(f, 'utf8').replace(/^X-TUID: .*\n/m, '')).sort();
  assert.deepEqual(contents, [msg('sync one', 'a\r\n'), msg('sync two', 'b\r\n')].map((m) => m.replace(/\r\n/g, '\n')).sort());
  // Locally: mark the first seen (Maildir "S" flag) and drop a new message into Drafts.
  const first = files.find((f) => readFileSync(f, 'utf8').includes('sync one'))!;
  const curDir = join(inbox, 'cur');
  const base = first.split('/').pop()!.replace(/:2,.*$/, '');
  renameSync(first, join(curDir, `${base}:2,S`));
  writeFileSync(join(maildir, 'Drafts', 'new', `${Date.now()}.local.eml`), 'Subject: from mbsync\r\n\r\nwritten offline\r\n');
  await sync();
  const drafts = await srv.mailbox(who, 'Drafts');
  assert.equal(drafts.length, 1);
  assert.match(drafts[0]!, /Subject: from mbsync/);
  const u = (await srv.app.store.getUser(who))!;
  const mb = (await srv.app.store.getMailbox(u.id, 'INBOX'))!;
  const rows = await srv.app.store.listMessages(mb.id);
  assert.deepEqual(rows.map((r) => r.flags.includes('\\Seen')), [true, false]);
});
