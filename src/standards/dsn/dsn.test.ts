/** DSN structure (RFC 3464 / RFC 6522 / RFC 6533), parsed back with mailparser. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { simpleParser } from 'mailparser';
import { buildDsn } from './dsn.ts';

const headers = Buffer.from('From: alice@a.test\r\nTo: nobody@b.test\r\nSubject: lost\r\nMessage-ID: <m1@a.test>\r\n\r\n');

test('failure DSN: multipart/report with text, message/delivery-status and text/rfc822-headers', async () => {
  const { message } = buildDsn({
    kind: 'failure',
    reportingMta: 'mx.a.test',
    to: 'alice@a.test',
    arrivalDate: new Date('2026-11-28T10:00:00Z'),
    originalHeaders: headers,
    recipients: [{ address: 'nobody@b.test', action: 'failed', status: '5.1.1', diagnostic: '550 5.1.1 <nobody@b.test>: no such user\r\n', remoteMta: 'mx.b.test', lastAttempt: new Date('2026-11-28T10:00:01Z') }],
  });
  const text = message.toString();
  assert.match(text, /^Content-Type: multipart\/report; report-type=delivery-status;/m);
  assert.match(text, /^Auto-Submitted: auto-replied$/m);
  const parts = text.split(/^--dsn-[0-9a-f]+/m);
  assert.equal(parts.length, 5, 'preamble, three parts, epilogue');
  assert.match(parts[1]!, /Content-Type: text\/plain; charset=utf-8/);
  const status = parts[2]!;
  assert.match(status, /Content-Type: message\/delivery-status\r\n\r\nReporting-MTA: dns; mx\.a\.test\r\nArrival-Date: Sat, 28 Nov 2026 10:00:00 \+0000\r\n\r\nFinal-Recipient: rfc822; nobody@b\.test\r\nAction: failed\r\nStatus: 5\.1\.1\r\nRemote-MTA: dns; mx\.b\.test\r\nDiagnostic-Code: smtp; 550 5\.1\.1 <nobody@b\.test>: no such user\r\nLast-Attempt-Date: /);
  assert.match(parts[3]!, /Content-Type: text\/rfc822-headers\r\n\r\nFrom: alice@a\.test\r\n.*Message-ID: <m1@a\.test>\r\n\r\n$/s);
  const parsed = await simpleParser(message);
  assert.equal(parsed.subject, 'Undelivered Mail Returned to Sender');
  assert.ok(parsed.attachments.some((a) => a.contentType === 'text/rfc822-headers'));
});

test('delay DSN has Action: delayed and Will-Retry-Until; a UTF-8 recipient makes it an RFC 6533 global DSN', () => {
  const { message } = buildDsn({
    kind: 'delay',
    reportingMta: 'mx.a.test',
    to: 'alice@a.test',
    arrivalDate: new Date(),
    originalHeaders: headers,
    recipients: [{ address: 'jörg@b.test', action: 'delayed', status: '4.4.1', diagnostic: 'connection refused', remoteMta: null, lastAttempt: new Date(), willRetryUntil: new Date(Date.now() + 86400_000) }],
  });
  const text = message.toString('utf8');
  assert.match(text, /report-type=global-delivery-status/);
  assert.match(text, /Content-Type: message\/global-delivery-status/);
  assert.match(text, /Final-Recipient: utf-8; jörg@b\.test\r\nAction: delayed\r\nStatus: 4\.4\.1\r\nDiagnostic-Code: x-mailwarden; connection refused/);
  assert.match(text, /Will-Retry-Until: /);
  assert.match(text, /Content-Type: message\/global-headers/);
});
