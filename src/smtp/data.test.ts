import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { DataDecoder } from './data.ts';

function decode(input: string | Buffer, chunkSize = Infinity, opts = { maxSize: 1 << 20, maxLineLength: 1000 }) {
  const d = new DataDecoder(opts);
  const buf = Buffer.isBuffer(input) ? input : Buffer.from(input, 'latin1');
  const out: Buffer[] = [];
  for (let i = 0; i < buf.length; i += Math.min(chunkSize, buf.length)) {
    const r = d.push(buf.subarray(i, Math.min(buf.length, i + chunkSize)));
    out.push(...r.out);
    if (r.done) return { done: true, body: Buffer.concat(out).toString('latin1'), rest: buf.subarray(i + r.consumed).toString('latin1'), flags: d.flags };
  }
  return { done: false, body: Buffer.concat(out).toString('latin1'), rest: '', flags: d.flags };
}

// RFC 5321 §4.1.1.4 / §4.5.2: good cases, [input, expected body, remaining bytes after the end]
const good: Array<[string, string, string]> = [
  ['.\r\n', '', ''],
  ['a\r\n.\r\n', 'a\r\n', ''],
  ['a\r\n..b\r\n.\r\n', 'a\r\n.b\r\n', ''], // §4.5.2 transparency
  ['..\r\n.\r\n', '.\r\n', ''],
  ['.x\r\n.\r\n', 'x\r\n', ''], // a leading dot is always removed
  ['a\r\n.\r\nQUIT\r\n', 'a\r\n', 'QUIT\r\n'],
  ['Subject: x\r\n\r\nbody\r\n.\r\n', 'Subject: x\r\n\r\nbody\r\n', ''],
];

for (const [input, body, rest] of good) {
  test(`decodes ${JSON.stringify(input)} whole and byte by byte`, () => {
    for (const size of [Infinity, 1, 2, 3]) {
      const r = decode(input, size);
      assert.equal(r.done, true, `chunk ${size}`);
      assert.equal(r.body, body, `chunk ${size}`);
      if (size === Infinity) assert.equal(r.rest, rest);
      assert.deepEqual(r.flags, { bareLf: false, bareCr: false, longLine: false, sizeExceeded: false, nul: false });
    }
  });
}

// Smuggling: none of these may end the data (RFC 5321 §2.3.8, §4.1.1.4).
const notAnEnd: Array<[string, string]> = [
  ['a\n.\n', 'bare LF dot bare LF'],
  ['a\r\n.\n', 'dot bare LF'],
  ['a\n.\r\n', 'bare LF then dot CRLF'],
  ['a\r.\r', 'bare CR dot bare CR'],
  ['a\r\n.\r', 'dot bare CR'],
  ['a\r.\r\n', 'bare CR then dot CRLF'],
];
for (const [input, why] of notAnEnd) {
  test(`smuggling: ${why} is content, flagged, not an end`, () => {
    for (const size of [Infinity, 1]) {
      const r = decode(`${input}more\r\n`, size);
      assert.equal(r.done, false);
      assert.ok(r.flags.bareLf || r.flags.bareCr);
    }
  });
}

test('every end-of-data sequence of the public smuggling tools is refused (shared/conformance)', () => {
  const path = new URL('../../../shared/conformance/smtp-smuggling/end-of-data-sequences.json', import.meta.url);
  const data = JSON.parse(readFileSync(path, 'utf8')) as { sequences: Array<{ id: string; hex: string; rfc5321_end_of_data: boolean }> };
  let checked = 0;
  for (const seq of data.sequences) {
    // Framing of The-Login/SMTP-Smuggling-Tools: CRLF + SEQ + CRLF + smuggled commands + real end.
    const input = Buffer.concat([
      Buffer.from('Subject: x\r\n\r\nfake end follows!\r\n'),
      Buffer.from(seq.hex, 'hex'),
      Buffer.from('\r\nmail FROM:<evil@x.test>\r\ndata\r\nSMUGGLED\r\n.\r\n'),
    ]);
    for (const size of [Infinity, 1]) {
      const r = decode(input, size);
      assert.equal(r.done, true, seq.id);
      if (seq.rfc5321_end_of_data) assert.equal(r.rest, '\r\nmail FROM:<evil@x.test>\r\ndata\r\nSMUGGLED\r\n.\r\n', seq.id);
      else assert.ok(r.body.includes('mail FROM:<evil@x.test>') && r.rest === '', `${seq.id} ended the data early`);
    }
    checked++;
  }
  assert.ok(checked >= 10, `checked ${checked} sequences`);
});

test('line length and size limits are flagged during the transfer', () => {
  const long = decode(`${'x'.repeat(1100)}\r\n.\r\n`);
  assert.equal(long.done, true);
  assert.equal(long.flags.longLine, true);
  const ok = decode(`${'x'.repeat(998)}\r\n.\r\n`);
  assert.equal(ok.flags.longLine, false);
  const big = decode(`${'x\r\n'.repeat(100)}.\r\n`, 7, { maxSize: 50, maxLineLength: 1000 });
  assert.equal(big.done, true);
  assert.equal(big.flags.sizeExceeded, true);
  assert.ok(big.body.length <= 50);
});
