import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LoginThrottle } from './throttle.ts';
import { hashPassword, verifyPassword, generatePassword } from './password.ts';

function throttle() {
  let now = 1_000_000;
  const t = new LoginThrottle({ maxFailuresPerIp: 10, maxFailuresPerAccountIp: 3, maxFailuresPerAccount: 5, windowMs: 60_000, lockoutMs: 300_000, slowdownMs: 1500, clock: () => now });
  return { t, advance: (ms: number) => (now += ms) };
}

test('(account, IP) lockout does not touch the same account from another IP', () => {
  const { t } = throttle();
  for (let i = 0; i < 3; i++) t.recordFailure('10.0.0.1', 'alice@x');
  assert.equal(t.check('10.0.0.1', 'alice@x').kind, 'locked');
  assert.deepEqual(t.check('10.0.0.2', 'alice@x'), { kind: 'allow', delayMs: 0 });
  assert.deepEqual(t.check('10.0.0.1', 'bob@x'), { kind: 'allow', delayMs: 0 });
});

test('per-IP lockout covers every account; it expires after lockout time', () => {
  const { t, advance } = throttle();
  for (let i = 0; i < 10; i++) t.recordFailure('10.0.0.1', `u${i}@x`);
  const d = t.check('10.0.0.1');
  assert.equal(d.kind, 'locked');
  assert.equal(t.check('10.0.0.1', 'new@x').kind, 'locked');
  advance(300_001);
  assert.equal(t.check('10.0.0.1').kind, 'allow');
});

test('a distributed attack on one account slows it down but never locks it', () => {
  const { t } = throttle();
  for (let i = 0; i < 6; i++) t.recordFailure(`10.0.1.${i}`, 'alice@x');
  assert.deepEqual(t.check('10.9.9.9', 'alice@x'), { kind: 'allow', delayMs: 1500 });
});

test('failures outside the window are forgotten; success clears the pair', () => {
  const { t, advance } = throttle();
  t.recordFailure('10.0.0.1', 'alice@x');
  t.recordFailure('10.0.0.1', 'alice@x');
  advance(61_000);
  t.recordFailure('10.0.0.1', 'alice@x');
  assert.equal(t.check('10.0.0.1', 'alice@x').kind, 'allow');
  t.recordFailure('10.0.0.1', 'alice@x');
  t.recordSuccess('10.0.0.1', 'alice@x');
  t.recordFailure('10.0.0.1', 'alice@x');
  assert.equal(t.check('10.0.0.1', 'alice@x').kind, 'allow');
});

test('scrypt hashes: verify, reject, salted, parameters in the string', async () => {
  const h = await hashPassword('correct horse');
  assert.match(h, /^\$scrypt\$ln=15,r=8,p=1\$[A-Za-z0-9+/=]{24}\$[A-Za-z0-9+/=]{44}$/);
  assert.equal(await verifyPassword('correct horse', h), true);
  assert.equal(await verifyPassword('correct horsf', h), false);
  assert.notEqual(await hashPassword('correct horse'), h, 'random salt');
  assert.equal(await verifyPassword('x', 'plaintext'), false);
  assert.equal(generatePassword().length, 20);
});

test('POP-before-SMTP memory: per IP, expires, off when 0 minutes', async () => {
  const { RecentLogins } = await import('./recent-logins.ts');
  let now = 0;
  const r = new RecentLogins(10, () => now);
  r.note('::ffff:10.0.0.1', 'alice@x');
  assert.equal(r.lookup('10.0.0.1'), 'alice@x');
  assert.equal(r.lookup('10.0.0.2'), null);
  now += 10 * 60_000;
  assert.equal(r.lookup('10.0.0.1'), null);
  const off = new RecentLogins(0);
  off.note('10.0.0.1', 'alice@x');
  assert.equal(off.enabled, false);
  assert.equal(off.lookup('10.0.0.1'), null);
});
