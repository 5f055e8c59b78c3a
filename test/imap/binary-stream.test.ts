/**
 * RFC 3516 BINARY on large parts, decoded as a stream (src/imapserver/binary.ts): a 3 MiB base64
 * attachment and a large quoted-printable text come back exactly decoded, whole and in
 * <origin.count> windows, as literal8 (~{n}) only when the octets sent hold NUL (RFC 3516 §4.2);
 * BINARY.SIZE agrees with what BINARY sends.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, PASSWORD, type TestServer } from '../helpers/server.ts';
import { imapLogin, userWith, type RawImap } from '../helpers/imap-client.ts';
import { decodeQuotedPrintable } from '../../src/mail/mime/decode.ts';

let srv: TestServer;
before(async () => {
  srv = await startTestServer();
});
after(() => srv.close());

const SIZE = 3 * 1024 * 1024;

/** Pseudo-random octets (NUL among them), the first 4096 without NUL. */
function attachment(): Buffer {
  const b = Buffer.alloc(SIZE);
  let x = 99;
  for (let i = 0; i < SIZE; i++) {
    x = (x * 1103515245 + 12345) & 0x7fffffff;
    b[i] = i < 4096 ? 0x41 + (x % 26) : x >>> 16;
  }
  return b;
}

/** Quoted-printable text of about 1 MiB: 8-bit octets as =XX, soft line breaks at 76. */
function qpText(): string {
  const lines: string[] = [];
  for (let i = 0; lines.length * 60 < 1024 * 1024; i++) {
    const raw = `Ligne ${i}: caf=C3=A9 cr=C3=A8me, =3D equals, a long line that wraps with a soft break right here=\r\nand continues`;
    lines.push(raw);
  }
  return `${lines.join('\r\n')}\r\n`;
}

function message(bin: Buffer, qp: string): Buffer {
  const b64 = bin.toString('base64').replace(/.{76}/g, '$&\r\n');
  return Buffer.from(
    [
      'From: files@example.test',
      'Subject: large parts',
      'MIME-Version: 1.0',
      'Content-Type: multipart/mixed; boundary="b1"',
      '',
      '--b1',
      'Content-Type: text/plain',
      '',
      'see attached',
      '--b1',
      'Content-Type: application/octet-stream',
      'Content-Transfer-Encoding: base64',
      '',
      b64,
      '--b1',
      'Content-Type: text/plain; charset=utf-8',
      'Content-Transfer-Encoding: quoted-printable',
      '',
      qp,
      '--b1--',
      '',
    ].join('\r\n'),
    'latin1',
  );
}

/** The first literal of a FETCH response: its octets and whether it was a literal8. */
async function fetchLiteral(c: RawImap, command: string): Promise<{ data: Buffer; literal8: boolean; head: string }> {
  const tag = c.nextTag();
  c.write(`${tag} ${command}\r\n`);
  const resp = await c.responseBytes(30_000);
  const tagged = await c.response(30_000);
  assert.match(tagged, new RegExp(`^${tag} OK `));
  const text = resp.toString('latin1');
  const m = /(~?)\{(\d+)\}\r\n/.exec(text);
  assert.ok(m, `a literal in ${text.slice(0, 200)}`);
  const start = m.index + m[0].length;
  return { data: resp.subarray(start, start + Number(m[2])), literal8: m[1] === '~', head: text.slice(0, m.index) };
}

test('BINARY on a 3 MiB base64 part and a 1 MiB quoted-printable part: exact, windowed, literal8 only with NUL', async () => {
  const bin = attachment();
  const qp = qpText();
  const decodedQp = decodeQuotedPrintable(Buffer.from(qp, 'latin1'));
  const who = await userWith(srv);
  const c = await imapLogin(srv.port('imaps'), who, PASSWORD);
  const msg = message(bin, qp);
  c.write(Buffer.concat([Buffer.from(`a2 APPEND INBOX {${msg.length}+}\r\n`), msg, Buffer.from('\r\n')]));
  assert.match((await c.until('a2', 30_000)).tagged, / OK /);
  await c.cmd('SELECT INBOX');

  assert.deepEqual((await c.cmd('FETCH 1 (BINARY.SIZE[2] BINARY.SIZE[3])', 30_000)).untagged, [`* 1 FETCH (BINARY.SIZE[2] ${SIZE} BINARY.SIZE[3] ${decodedQp.length})`]);

  const whole = await fetchLiteral(c, 'FETCH 1 BINARY.PEEK[2]');
  assert.equal(whole.head, '* 1 FETCH (BINARY[2] ');
  assert.equal(whole.literal8, true, 'NUL octets: literal8');
  assert.ok(whole.data.equals(bin), 'the decoded attachment, octet for octet');

  const window = await fetchLiteral(c, 'FETCH 1 BINARY.PEEK[2]<1000000.300000>');
  assert.equal(window.head, '* 1 FETCH (BINARY[2]<1000000> ');
  assert.ok(window.data.equals(bin.subarray(1_000_000, 1_300_000)));

  const clean = await fetchLiteral(c, 'FETCH 1 BINARY.PEEK[2]<10.4000>');
  assert.equal(clean.literal8, false, 'no NUL in the octets sent: a plain literal');
  assert.ok(clean.data.equals(bin.subarray(10, 4010)));

  const tail = await fetchLiteral(c, `FETCH 1 BINARY.PEEK[2]<${SIZE - 5}.100>`);
  assert.ok(tail.data.equals(bin.subarray(SIZE - 5)), 'a window running past the end is cut at the end');

  const text = await fetchLiteral(c, 'FETCH 1 BINARY.PEEK[3]');
  assert.equal(text.literal8, false);
  assert.ok(text.data.equals(decodedQp));
  assert.match(text.data.subarray(0, 60).toString('utf8'), /^Ligne 0: café crème, = equals, a long line that wraps/);

  const mid = await fetchLiteral(c, 'FETCH 1 BINARY.PEEK[3]<500000.1000>');
  assert.ok(mid.data.equals(decodedQp.subarray(500_000, 501_000)));
  c.close();
});
