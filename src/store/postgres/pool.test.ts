// URLs fit to log, the password file's password, and one-line errors (pool.ts); no server needed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describePgError, redactUrl, sqlState, withPassword } from './pool.ts';

test('redactUrl: the password goes (user-info and a password parameter), the rest stays', () => {
  const cases: Array<[string, string]> = [
    ['postgresql://mw:s3cret@db.test:5432/stats?sslmode=verify-full', 'postgresql://mw:***@db.test:5432/stats?sslmode=verify-full'],
    ['postgres://mw@db.test/stats', 'postgres://mw@db.test/stats'], // nothing to hide
    ['postgresql://db.test/stats?user=mw&password=s3cret', 'postgresql://db.test/stats?user=mw&password=***'],
    ['postgresql://mw:p%40ss%3Aword@[2001:db8::1]:6432/stats', 'postgresql://mw:***@[2001:db8::1]:6432/stats'],
    ['postgresql://mw:s3cret@db.test/stats?sslrootcert=/etc/mw/ca.pem&sslmode=verify-full', 'postgresql://mw:***@db.test/stats?sslrootcert=/etc/mw/ca.pem&sslmode=verify-full'], // the query as written
    ['not a url s3cret', '(a PostgreSQL URL that does not parse)'], // never echoes what it cannot parse
  ];
  for (const [url, want] of cases) assert.equal(redactUrl(url), want, url);
});

test('withPassword: fills in a URL without one (encoded), never overrides the URL\'s own', () => {
  assert.equal(withPassword('postgresql://mw@db.test/stats', null), 'postgresql://mw@db.test/stats');
  const filled = withPassword('postgresql://mw@db.test/stats', 'p@ss:w/rd %');
  assert.equal(filled, 'postgresql://mw:p%40ss%3Aw%2Frd%20%25@db.test/stats');
  assert.equal(decodeURIComponent(new URL(filled).password), 'p@ss:w/rd %', 'pg decodes it back');
  assert.equal(withPassword('postgresql://mw:own@db.test/stats', 'file'), 'postgresql://mw:own@db.test/stats');
  assert.equal(withPassword('postgresql://mw@db.test/stats?password=own', 'file'), 'postgresql://mw@db.test/stats?password=own');
});

test('describePgError: one line, also for the message-less AggregateError of a multi-address connect', () => {
  const refused = (addr: string) => Object.assign(new Error(`connect ECONNREFUSED ${addr}`), { code: 'ECONNREFUSED' });
  assert.equal(describePgError(new AggregateError([refused('::1:5432'), refused('127.0.0.1:5432')])), 'connect ECONNREFUSED ::1:5432; connect ECONNREFUSED 127.0.0.1:5432');
  assert.equal(describePgError(Object.assign(new Error('password authentication failed for user "mw"'), { code: '28P01' })), 'password authentication failed for user "mw" (28P01)');
  assert.equal(describePgError('x'), 'x');
  assert.equal(sqlState(Object.assign(new Error('deadlock detected'), { code: '40P01', severity: 'ERROR' })), '40P01');
  assert.equal(sqlState(Object.assign(new Error('write EPIPE'), { code: 'EPIPE' })), null, 'a Node error code is not a SQLSTATE');
});
