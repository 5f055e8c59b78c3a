// Response encoding: RFC 9051 §4.3 strings, §7.1 response codes, §7.5 continuation, §7.5.2 FETCH;
// RFC 3516 §4.2 literal8; RFC 4315 §3 APPENDUID/COPYUID; RFC 7162 HIGHESTMODSEQ/MODIFIED.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  coalesce, continuation, encodeAstring, encodeBytes, encodeDateTime, encodeFetch, encodeFlags, encodeNString,
  encodeResponseCode, encodeString, tagged, untagged, untaggedStatus, type ResponseCode, type WirePart,
} from './encoder.ts';

test('strings: quoted when safe, literal for CR/LF/NUL, 8-bit and long values', () => {
  assert.equal(encodeString('hello world'), '"hello world"');
  assert.equal(encodeString('say "hi" \\o/'), '"say \\"hi\\" \\\\o/"');
  assert.equal(encodeString(''), '""');
  assert.equal(encodeString('a\r\nb'), '{4}\r\na\r\nb');
  assert.equal(encodeString('Jürgen'), '{7}\r\nJürgen'); // 8-bit: octet count, not characters
  assert.equal(encodeString('Jürgen', { utf8: true }), '"Jürgen"'); // RFC 6855 / IMAP4rev2 utf8-quoted
  assert.equal(encodeString('x'.repeat(1025)).slice(0, 8), '{1025}\r\n');
  assert.equal(encodeNString(null), 'NIL');
  assert.equal(encodeNString('NIL'), '"NIL"');
});

test('astring: atom when every char is ASTRING-CHAR, else string', () => {
  assert.equal(encodeAstring('INBOX'), 'INBOX');
  assert.equal(encodeAstring('Sent]Items'), 'Sent]Items'); // "]" is an ASTRING-CHAR
  assert.equal(encodeAstring('Sent Items'), '"Sent Items"');
  assert.equal(encodeAstring('a%b'), '"a%b"');
  assert.equal(encodeAstring('a*b'), '"a*b"');
  assert.equal(encodeAstring('(x)'), '"(x)"');
  assert.equal(encodeAstring(''), '""');
  assert.equal(encodeAstring('nil'), '"nil"');
  assert.equal(encodeAstring('&U,BTFw-'), '&U,BTFw-');
});

test('raw octets: quoted if 7-bit safe, literal otherwise, bytes untouched', () => {
  assert.equal(encodeBytes(Buffer.from('abc')).toString(), '"abc"');
  const latin1 = Buffer.from([0x63, 0x61, 0x66, 0xe9]);
  assert.deepEqual(encodeBytes(latin1), Buffer.concat([Buffer.from('{4}\r\n'), latin1]));
  assert.deepEqual(encodeBytes(latin1, { utf8: true }), Buffer.concat([Buffer.from('{4}\r\n'), latin1])); // not UTF-8
  assert.equal(encodeBytes(Buffer.from('café'), { utf8: true }).toString(), '"café"');
});

test('flags and date-time', () => {
  assert.equal(encodeFlags(['\\Seen', '$Forwarded']), '(\\Seen $Forwarded)');
  assert.equal(encodeFlags([]), '()');
  assert.equal(encodeDateTime(new Date('1996-07-17T09:44:25Z'), -420), '"17-Jul-1996 02:44:25 -0700"');
});

test('response codes (RFC 9051 §7.1, RFC 4315, RFC 7162, RFC 5530)', () => {
  const cases: Array<[ResponseCode, string]> = [
    [{ code: 'TRYCREATE' }, 'TRYCREATE'],
    [{ code: 'APPENDUID', uidValidity: 38505, uids: '3955' }, 'APPENDUID 38505 3955'],
    [{ code: 'COPYUID', uidValidity: 38505, source: '304,319:320', destination: '3956:3958' }, 'COPYUID 38505 304,319:320 3956:3958'],
    [{ code: 'UIDVALIDITY', value: 3857529045 }, 'UIDVALIDITY 3857529045'],
    [{ code: 'UIDNEXT', value: 4392 }, 'UIDNEXT 4392'],
    [{ code: 'PERMANENTFLAGS', flags: ['\\Deleted', '\\Seen', '\\*'] }, 'PERMANENTFLAGS (\\Deleted \\Seen \\*)'],
    [{ code: 'CAPABILITY', capabilities: ['IMAP4rev2', 'IMAP4rev1', 'AUTH=PLAIN'] }, 'CAPABILITY IMAP4rev2 IMAP4rev1 AUTH=PLAIN'],
    [{ code: 'HIGHESTMODSEQ', value: 715194045007n }, 'HIGHESTMODSEQ 715194045007'],
    [{ code: 'MODIFIED', set: '7,9' }, 'MODIFIED 7,9'],
    [{ code: 'BADCHARSET', charsets: ['UTF-8', 'US-ASCII'] }, 'BADCHARSET (UTF-8 US-ASCII)'],
    [{ code: 'MAILBOXID', id: 'F2212ea87-6097-4256-9d51-71338625' }, 'MAILBOXID (F2212ea87-6097-4256-9d51-71338625)'],
    ...(['ALERT', 'AUTHENTICATIONFAILED', 'NONEXISTENT', 'ALREADYEXISTS', 'CANNOT', 'LIMIT', 'SERVERBUG', 'READ-ONLY', 'CLOSED'] as const).map(
      (code): [ResponseCode, string] => [{ code }, code],
    ),
  ];
  for (const [rc, wire] of cases) assert.equal(encodeResponseCode(rc), wire);
});

test('status lines: tagged, untagged, continuation; text cannot break the line', () => {
  assert.equal(tagged('A142', 'OK', 'SELECT completed', { code: 'READ-WRITE' }), 'A142 OK [READ-WRITE] SELECT completed\r\n');
  assert.equal(tagged('A003', 'NO', "Can't copy", { code: 'TRYCREATE' }), "A003 NO [TRYCREATE] Can't copy\r\n");
  assert.equal(tagged('a', 'BAD', 'oops\r\nb OK injected'), 'a BAD oops b OK injected\r\n');
  assert.equal(untaggedStatus('OK', 'UIDs valid', { code: 'UIDVALIDITY', value: 3857529045 }), '* OK [UIDVALIDITY 3857529045] UIDs valid\r\n');
  assert.equal(untaggedStatus('BYE', 'Logging out'), '* BYE Logging out\r\n');
  assert.equal(untagged('172 EXISTS'), '* 172 EXISTS\r\n');
  assert.equal(continuation(), '+ Ready\r\n');
  assert.equal(continuation(''), '+ \r\n'); // SASL empty challenge
});

async function collect(parts: WirePart[]): Promise<Buffer> {
  const out: Buffer[] = [];
  for (const p of parts) {
    if (typeof p === 'string') out.push(Buffer.from(p));
    else if (Buffer.isBuffer(p)) out.push(p);
    else for await (const c of p.source) out.push(Buffer.from(c));
  }
  return Buffer.concat(out);
}

test('FETCH assembly: metadata only is one string', () => {
  const parts = encodeFetch(12, [
    { name: 'FLAGS', value: { kind: 'raw', text: encodeFlags(['\\Seen']) } },
    { name: 'UID', value: { kind: 'raw', text: '4827313' } },
    { name: 'INTERNALDATE', value: { kind: 'raw', text: encodeDateTime(new Date('1996-07-17T09:44:25Z'), -420) } },
    { name: 'BODY[HEADER.FIELDS (SUBJECT)]', value: { kind: 'nstring', value: null } },
  ]);
  assert.deepEqual(parts, ['* 12 FETCH (FLAGS (\\Seen) UID 4827313 INTERNALDATE "17-Jul-1996 02:44:25 -0700" BODY[HEADER.FIELDS (SUBJECT)] NIL)\r\n']);
});

test('FETCH assembly: bodies stream as literals, literal8 for BINARY', async () => {
  async function* body() {
    yield Buffer.from('Hello ');
    yield Buffer.from('world\r\n');
  }
  const parts = encodeFetch(3, [
    { name: 'UID', value: { kind: 'raw', text: '7' } },
    { name: 'BODY[]', value: { kind: 'literal', size: 13, source: body() } },
    { name: 'BINARY[1]', value: { kind: 'literal', size: 3, source: Buffer.from('a\0b'), binary: true } },
    { name: 'BODY[1.MIME]', value: { kind: 'nstring', value: Buffer.from('Content-Type: text/plain\r\n\r\n') } },
  ]);
  assert.equal(parts.length, 3); // text, stream, merged text+buffers
  assert.equal(parts[0], '* 3 FETCH (UID 7 BODY[] {13}\r\n');
  assert.ok(typeof parts[1] === 'object' && !Buffer.isBuffer(parts[1]) && parts[1].kind === 'stream' && parts[1].size === 13);
  const wire = await collect(parts);
  assert.equal(wire.toString('latin1'), '* 3 FETCH (UID 7 BODY[] {13}\r\nHello world\r\n BINARY[1] ~{3}\r\na\0b BODY[1.MIME] {28}\r\nContent-Type: text/plain\r\n\r\n)\r\n');
});

test('coalesce keeps large buffers separate', () => {
  const big = Buffer.alloc(100_000, 0x61);
  const parts = coalesce(['a', big, 'b', 'c']);
  assert.equal(parts.length, 3);
  assert.equal(parts[2], 'bc');
});
