// The content pass (content.ts): the plain-text fast path, attachments and HTML in one pass,
// truncation past the limits.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseHeaderSection } from '../../mail/headers.ts';
import { contentPass, isAttachment, plainTextOnly } from './content.ts';

const fields = (h: string) => parseHeaderSection(Buffer.from(h)).fields;
async function* one(b: Buffer) {
  yield b;
}

test('plain text needs no walk; anything else does', () => {
  assert.equal(plainTextOnly(fields('Subject: x\r\n')), true);
  assert.equal(plainTextOnly(fields('Content-Type: text/plain; charset=utf-8\r\n')), true);
  assert.equal(plainTextOnly(fields('Content-Type: text/plain; name="x.exe"\r\n')), false);
  assert.equal(plainTextOnly(fields('Content-Type: text/plain\r\nContent-Disposition: attachment; filename=x.js\r\n')), false);
  assert.equal(plainTextOnly(fields('Content-Type: text/html\r\n')), false);
  assert.equal(plainTextOnly(fields('Content-Type: multipart/mixed; boundary=b\r\n')), false);
  assert.equal(isAttachment({ path: '1', contentType: 'text/plain', filename: null, disposition: 'inline', charset: null, encoding: '7bit', start: 0, end: 0 }), false);
  assert.equal(isAttachment({ path: '1', contentType: 'image/png', filename: null, disposition: 'inline', charset: null, encoding: 'base64', start: 0, end: 0 }), true);
});

test('one pass: attachments streamed to the callback, HTML collected; truncated past the part limit', async () => {
  const head = 'Content-Type: multipart/mixed; boundary="b"\r\n';
  const body = '\r\n--b\r\nContent-Type: text/html\r\n\r\n<a href="http://x.test">y.test</a>\r\n--b\r\nContent-Type: application/pdf; name=a.pdf\r\n\r\n%PDF\r\n--b--\r\n';
  const m = Buffer.from(head + body);
  const seen: string[] = [];
  const r = await contentPass(() => one(m), fields(head), { attachmentHeadBytes: 1024, html: true, onAttachment: async (c) => void seen.push(`${c.leaf.filename}:${c.head}`) });
  assert.deepEqual(seen, ['a.pdf:%PDF']);
  assert.deepEqual(r, { truncated: false, attachments: 1, html: ['<a href="http://x.test">y.test</a>'] });
  const many = Buffer.from(`${head}\r\n${'--b\r\nContent-Type: application/octet-stream\r\n\r\nx\r\n'.repeat(1200)}--b--\r\n`);
  const t = await contentPass(() => one(many), fields(head), { attachmentHeadBytes: 1024, html: false });
  assert.equal(t.truncated, true);
  assert.ok(t.attachments < 1200);
});
