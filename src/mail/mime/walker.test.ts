// MIME walking and section offsets: RFC 2046 §5.1 (boundaries), RFC 9051 §6.4.5 (section
// numbering example), RFC 2045 §5.2 (defaults); bounded depth, parts and header size.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MimeWalker, parseMessageStructure, parseMessageStructureStream } from './walker.ts';
import { findPart, sectionRange, type SectionText } from './section.ts';
import { alternative, crlf, forwarded, headerOnly, mixedWithAttachment, noHeaders, rfcExample, sectionExample } from './samples.ts';

const SAMPLES: Record<string, Buffer> = { rfcExample: rfcExample(), alternative, mixedWithAttachment, forwarded, noHeaders, headerOnly, sectionExample };

function slice(msg: Buffer, part: number[], text: SectionText): string | null {
  const r = sectionRange(parseMessageStructure(msg), part, text);
  return r === null ? null : msg.subarray(r.start, r.end).toString();
}

test('RFC 9051 §6.4.5 section example: every part specifier maps to the right octets', () => {
  const m = sectionExample;
  const cases: Array<[number[], SectionText, string | null]> = [
    [[], 'HEADER', 'Subject: top\r\nContent-Type: MULTIPART/MIXED; boundary=a\r\n\r\n'],
    [[1], null, 'part1'],
    [[1], 'MIME', 'Content-Type: TEXT/PLAIN\r\n\r\n'],
    [[2], null, 'part2'],
    [[3], 'HEADER', 'Subject: three\r\nContent-Type: MULTIPART/MIXED; boundary=b\r\n\r\n'],
    [[3], 'TEXT', '--b\r\nContent-Type: TEXT/PLAIN\r\n\r\npart3.1\r\n--b\r\nContent-Type: APPLICATION/OCTET-STREAM\r\n\r\npart3.2\r\n--b--'],
    [[3, 1], null, 'part3.1'],
    [[3, 2], null, 'part3.2'],
    [[3, 2], 'MIME', 'Content-Type: APPLICATION/OCTET-STREAM\r\n\r\n'],
    [[4, 1], null, 'part4.1'],
    [[4, 1], 'MIME', 'Content-Type: IMAGE/GIF\r\n\r\n'],
    [[4, 2], 'HEADER', 'Subject: four-two\r\nContent-Type: MULTIPART/MIXED; boundary=d\r\n\r\n'],
    [[4, 2, 1], null, 'part4.2.1'],
    [[4, 2, 2, 1], null, 'part4.2.2.1'],
    [[4, 2, 2, 2], null, 'part4.2.2.2'],
    [[4, 2, 2], 'MIME', 'Content-Type: MULTIPART/ALTERNATIVE; boundary=e\r\n\r\n'],
    // sections that do not exist
    [[5], null, null],
    [[1, 1], null, null],
    [[1], 'HEADER', null], // HEADER/TEXT need a message/rfc822 part
    [[4], 'TEXT', null],
    [[], 'MIME', null],
  ];
  for (const [part, text, expected] of cases) assert.equal(slice(m, part, text), expected, `${part.join('.')}.${text}`);
  assert.equal(slice(m, [], null), m.toString());
  assert.ok(slice(m, [], 'TEXT')!.startsWith('--a\r\nContent-Type: TEXT/PLAIN'));
  assert.ok(slice(m, [3], null)!.startsWith('Subject: three\r\n') && slice(m, [3], null)!.endsWith('part3.2\r\n--b--'));
  assert.ok(slice(m, [4], null)!.startsWith('--c\r\n') && slice(m, [4], null)!.endsWith('--c--'));
  const st = parseMessageStructure(m);
  assert.equal(findPart(st, [4, 2, 2])?.subtype, 'ALTERNATIVE');
  assert.equal(findPart(st, [3])?.kind, 'message');
});

test('a single-part message has part 1 = its body; message/rfc822 parts nest', () => {
  assert.equal(slice(noHeaders, [1], null), 'Just a body\r\n');
  assert.equal(slice(noHeaders, [2], null), null);
  assert.equal(slice(noHeaders, [], 'HEADER'), '\r\n');
  assert.equal(slice(forwarded, [2, 1], null), 'Hi!');
  assert.equal(slice(forwarded, [2, 2], null), '<p>Hi!</p>');
  assert.equal(slice(forwarded, [2], 'HEADER'), 'From: Grace <grace@example.com>\r\nTo: eve@example.org\r\nSubject: Hello\r\nContent-Type: multipart/alternative; boundary="inner"\r\n\r\n');
  assert.equal(slice(mixedWithAttachment, [2], null), 'JVBERi0xLjQK');
  assert.equal(slice(mixedWithAttachment, [1], null), 'See attached.\r\n');
  const top = crlf('Content-Type: message/rfc822', '', 'Subject: in', '', 'body', '');
  assert.equal(slice(top, [1], null), 'Subject: in\r\n\r\nbody\r\n');
  assert.equal(slice(top, [1], 'TEXT'), 'body\r\n');
  assert.equal(slice(top, [1, 1], null), 'body\r\n');
});

test('sizes and offsets agree for every part', () => {
  for (const [name, msg] of Object.entries(SAMPLES)) {
    const st = parseMessageStructure(msg);
    assert.equal(st.size, msg.length, name);
    const walk = (n: typeof st.body): void => {
      assert.ok(n.offsets.headerStart <= n.offsets.bodyStart && n.offsets.bodyStart <= n.offsets.end && n.offsets.end <= msg.length, name);
      if (n.kind !== 'multipart') assert.equal(n.size, n.offsets.end - n.offsets.bodyStart, name);
      if (n.kind === 'text' || n.kind === 'message') {
        const lfs = msg.subarray(n.offsets.bodyStart, n.offsets.end).filter((c) => c === 0x0a).length;
        assert.equal(n.lines, lfs, `${name}: lines are LF octets`);
      }
      if (n.kind === 'multipart') n.parts.forEach(walk);
      if (n.kind === 'message') {
        assert.equal(n.body.offsets.headerStart, n.offsets.bodyStart);
        walk(n.body);
      }
    };
    walk(st.body);
  }
});

test('the result is the same for any chunking (byte by byte, random splits, stream)', async () => {
  let seed = 7;
  const rand = (n: number) => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) % n) + 1;
  for (const [name, msg] of Object.entries(SAMPLES)) {
    const whole = parseMessageStructure(msg);
    const w = new MimeWalker();
    for (let i = 0; i < msg.length; i++) w.write(msg.subarray(i, i + 1));
    assert.deepEqual(w.end(), whole, `${name} byte by byte`);
    async function* chunks() {
      for (let i = 0; i < msg.length; ) {
        const n = rand(40);
        yield msg.subarray(i, i + n);
        i += n;
      }
    }
    assert.deepEqual(await parseMessageStructureStream(chunks()), whole, `${name} random chunks`);
  }
});

test('the structure is plain JSON and survives a round trip', () => {
  for (const msg of Object.values(SAMPLES)) {
    const st = parseMessageStructure(msg);
    assert.deepEqual(JSON.parse(JSON.stringify(st)), st);
  }
});

test('nesting is bounded: past maxDepth a container is an opaque part, no throw', () => {
  let msg = 'x\r\n';
  for (let i = 0; i < 200; i++) msg = `Content-Type: multipart/mixed; boundary=b${i}\r\n\r\n--b${i}\r\n${msg}\r\n--b${i}--\r\n`;
  const st = parseMessageStructure(Buffer.from(msg));
  assert.equal(st.truncated, true);
  let depth = 0;
  let n = st.body;
  while (n.kind === 'multipart') {
    n = n.parts[0]!;
    depth++;
  }
  assert.equal(depth, 50);
  assert.equal(`${n.type}/${n.subtype}`, 'application/octet-stream');
  // the same for encapsulated messages
  const deepMsg = Buffer.from('Content-Type: message/rfc822\r\n\r\n'.repeat(500) + 'end\r\n');
  const st2 = parseMessageStructure(deepMsg, { maxDepth: 20 });
  assert.equal(st2.truncated, true);
  assert.equal(st2.size, deepMsg.length);
});

test('parts are bounded: past maxParts the rest is epilogue', () => {
  const parts = Array.from({ length: 500 }, (_, i) => `--b\r\n\r\np${i}`).join('\r\n');
  const st = parseMessageStructure(Buffer.from(`Content-Type: multipart/mixed; boundary=b\r\n\r\n${parts}\r\n--b--\r\n`), { maxParts: 100 });
  assert.equal(st.truncated, true);
  assert.ok(st.body.kind === 'multipart' && st.body.parts.length === 99);
});

test('header size is bounded: fields past maxHeaderBytes are ignored, offsets still exact', () => {
  const big = 'X-Filler: ' + 'y'.repeat(1000) + '\r\n';
  const msg = Buffer.from(`Subject: kept\r\n${big.repeat(300)}Content-Type: text/html\r\n\r\nbody\r\n`);
  const st = parseMessageStructure(msg, { maxHeaderBytes: 64 * 1024 });
  assert.equal(st.truncated, true);
  assert.equal(st.envelope.subject, 'kept');
  assert.equal(st.body.subtype, 'plain'); // the late Content-Type was past the limit
  assert.equal(msg.subarray(st.body.offsets.bodyStart).toString(), 'body\r\n');
});

test('a huge line without LF is walked in bounded memory', () => {
  const w = new MimeWalker();
  w.write(Buffer.from('Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n\r\n'));
  const chunk = Buffer.alloc(1 << 20, 0x41);
  for (let i = 0; i < 20; i++) w.write(chunk);
  w.write(Buffer.from('\r\n--b--\r\n'));
  const st = w.end();
  assert.ok(st.body.kind === 'multipart' && st.body.parts[0]!.kind === 'text' && st.body.parts[0]!.size === 20 << 20);
});

test('malformed input never throws', () => {
  let seed = 99;
  const rand = (n: number) => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) % n;
  const bits = ['--b', '--b--', '\r\n', '\n', 'Content-Type: multipart/mixed; boundary=b', 'Content-Type: message/rfc822', ': ', 'x', '\0', '\xff', '"', '(', ';', '='];
  for (let round = 0; round < 300; round++) {
    let s = '';
    for (let i = rand(60); i > 0; i--) s += bits[rand(bits.length)];
    const msg = Buffer.from(s, 'latin1');
    const st = parseMessageStructure(msg);
    assert.equal(st.size, msg.length);
  }
});
