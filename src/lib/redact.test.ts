// Passwords out of URLs (redact.ts): the password goes, everything else stays as written.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { redactUrlPassword, redactUrls } from './redact.ts';

test('redactUrlPassword: user-info and password parameters redacted, the rest byte for byte', () => {
  const good: Array<[string, string]> = [
    ['postgresql://mw:s3cret@db.example.org/stats', 'postgresql://mw:***@db.example.org/stats'],
    ['postgresql://mw:s3cret@db.example.org:5432/stats?sslmode=verify-full&sslrootcert=/etc/mw/ca.pem', 'postgresql://mw:***@db.example.org:5432/stats?sslmode=verify-full&sslrootcert=/etc/mw/ca.pem'],
    ['postgres://mw@db.example.org/stats', 'postgres://mw@db.example.org/stats'], // no password
    ['postgresql://db.example.org/stats', 'postgresql://db.example.org/stats'],
    ['postgresql://:s3cret@db.example.org/stats', 'postgresql://:***@db.example.org/stats'], // empty user name
    ['postgresql://mw:p@ss@db.example.org/stats', 'postgresql://mw:***@db.example.org/stats'], // the LAST @ ends the user-info (WHATWG URL)
    ['postgresql://mw:p%40ss%3Aw%2Frd@[2001:db8::1]:6432/stats', 'postgresql://mw:***@[2001:db8::1]:6432/stats'],
    ['postgresql://mw:a:b@db.example.org/stats', 'postgresql://mw:***@db.example.org/stats'], // the FIRST : starts the password
    ['postgresql://db.example.org/stats?user=mw&password=s3cret&sslmode=require', 'postgresql://db.example.org/stats?user=mw&password=***&sslmode=require'],
    ['postgresql://db.example.org/stats?pass%77ord=s3cret', 'postgresql://db.example.org/stats?pass%77ord=***'], // pg decodes the parameter name
    ['postgresql://mw:x@db.example.org/stats?password=y#frag', 'postgresql://mw:***@db.example.org/stats?password=***#frag'],
    ['https://user:s3cret@lists.example.org/unsubscribe', 'https://user:***@lists.example.org/unsubscribe'],
    ['https://lists.example.org/u?x=1', 'https://lists.example.org/u?x=1'],
    ['store', 'store'], // not a URL
    ['127.0.0.1:3310', '127.0.0.1:3310'],
  ];
  for (const [input, want] of good) {
    assert.equal(redactUrlPassword(input), want, input);
    assert.ok(!/s3cret/.test(redactUrlPassword(input)), input);
  }
});

test('redactUrls: every URL string of a configuration-like value, nothing else; the input is not changed', () => {
  const config = { hostname: 'mx.example.org', spam: { statistics: 'postgresql://mw:s3cret@db/stats', min_trained: 20, enabled: true }, list: { public_url: 'https://a:b@x.example/' }, arr: ['postgresql://u:p@h/d', 'plain:text@x'], none: null };
  const out = redactUrls(config);
  assert.deepEqual(out, { hostname: 'mx.example.org', spam: { statistics: 'postgresql://mw:***@db/stats', min_trained: 20, enabled: true }, list: { public_url: 'https://a:***@x.example/' }, arr: ['postgresql://u:***@h/d', 'plain:text@x'], none: null });
  assert.equal(config.spam.statistics, 'postgresql://mw:s3cret@db/stats');
});
