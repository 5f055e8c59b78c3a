// IMAP date and date-time: RFC 9051 §9 (date, date-time, date-day-fixed, zone).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compareImapDates, dateAtOffset, formatDateTime, formatImapDate, parseDateTime, parseImapDate } from './datetime.ts';

test('date-text parse and format', () => {
  assert.deepEqual(parseImapDate('1-Feb-1994'), { year: 1994, month: 2, day: 1 });
  assert.deepEqual(parseImapDate('01-feb-1994'), { year: 1994, month: 2, day: 1 });
  assert.deepEqual(parseImapDate('29-Feb-2024'), { year: 2024, month: 2, day: 29 });
  for (const bad of ['29-Feb-2023', '0-Jan-2000', '1-Jan-99', '1 Jan 2000', '123-Jan-2000', '1-January-2000', '']) {
    assert.equal(parseImapDate(bad), null, bad);
  }
  assert.equal(formatImapDate({ year: 1994, month: 2, day: 1 }), '1-Feb-1994');
  assert.ok(compareImapDates({ year: 2000, month: 1, day: 2 }, { year: 2000, month: 1, day: 10 }) < 0);
});

test('date-time parse: RFC 9051 examples, fixed-width day, zones', () => {
  const a = parseDateTime('17-Jul-1996 02:44:25 -0700');
  assert.deepEqual(a, { date: new Date('1996-07-17T09:44:25Z'), offsetMinutes: -420 });
  assert.deepEqual(parseDateTime(' 7-Feb-1994 21:52:25 -0800')?.date, new Date('1994-02-08T05:52:25Z'));
  assert.deepEqual(parseDateTime('07-Feb-1994 21:52:25 +0530'), { date: new Date('1994-02-07T16:22:25Z'), offsetMinutes: 330 });
  for (const bad of ['17-Jul-1996 24:00:00 +0000', '17-Jul-1996 02:44 +0000', '17-Jul-1996 02:44:25', '17-Jul-1996 02:44:25 0700', '17-Jul-1996 02:44:25 +0760', '31-Apr-2000 00:00:00 +0000']) {
    assert.equal(parseDateTime(bad), null, bad);
  }
});

test('date-time format round-trips with its zone', () => {
  const d = new Date('1996-07-17T09:44:25Z');
  assert.equal(formatDateTime(d, -420), '17-Jul-1996 02:44:25 -0700');
  assert.equal(formatDateTime(d), '17-Jul-1996 09:44:25 +0000');
  assert.equal(formatDateTime(new Date('2024-03-05T00:00:00Z'), 330), '05-Mar-2024 05:30:00 +0530');
  const p = parseDateTime(formatDateTime(d, 345))!;
  assert.equal(p.date.getTime(), d.getTime());
  assert.equal(p.offsetMinutes, 345);
  assert.deepEqual(dateAtOffset(new Date('2024-01-01T02:00:00Z'), -180), { year: 2023, month: 12, day: 31 });
});
