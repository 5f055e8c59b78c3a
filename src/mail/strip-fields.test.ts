// Removing named header fields (strip-fields.ts): folded fields, any case, nothing else touched.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { stripFields } from './strip-fields.ts';

test('removes the named fields with their continuation lines, keeps the rest byte for byte', () => {
  const head = Buffer.from('From: a@b.test\r\nX-Mailwarden-Phishing: none;\r\n score=0\r\nSubject: hi\r\nx-mailwarden-attachments : clean\r\nX-Mailwarden-Phishing-Not: kept\r\n\tcontinued\r\n');
  assert.equal(stripFields(head, ['X-Mailwarden-Phishing', 'X-Mailwarden-Attachments']).toString(), 'From: a@b.test\r\nSubject: hi\r\nX-Mailwarden-Phishing-Not: kept\r\n\tcontinued\r\n');
  const clean = Buffer.from('Subject: x\r\n');
  assert.equal(stripFields(clean, ['X-Mailwarden-Phishing']), clean, 'untouched when absent');
  const latin = Buffer.from([0x53, 0x3a, 0x20, 0xe9, 0x0d, 0x0a]);
  assert.deepEqual(stripFields(Buffer.concat([latin, Buffer.from('X-Mailwarden-Phishing: x\r\n')]), ['X-Mailwarden-Phishing']), latin, 'octets kept');
});
