import { test } from 'node:test';
import assert from 'node:assert/strict';
import { srsForward, srsReverse, isSrsLocalPart, timestamp } from './srs.ts';

const opts = { secret: Buffer.from('0123456789abcdef0123456789abcdef'), maxAgeDays: 21 };
const DAY = 86_400_000;
const now = Date.UTC(2026, 10, 28);
const local = (a: string) => a.slice(0, a.lastIndexOf('@'));

test('SRS0: forward and reverse round-trip, shape as in the SRS paper', () => {
  const f = srsForward('alice@gmail.test', 'forward.test', opts, now);
  assert.match(f, /^SRS0=[a-z2-7]{8}=[a-z2-7]{2}=gmail\.test=alice@forward\.test$/);
  assert.ok(isSrsLocalPart(local(f)));
  assert.deepEqual(srsReverse(local(f), opts, now + 3 * DAY), { ok: true, kind: 'SRS0', address: 'alice@gmail.test' });
});

test('SRS0: case folding by an MTA does not break the hash', () => {
  const f = srsForward('Alice@Gmail.test', 'forward.test', opts, now);
  const r = srsReverse(local(f).toUpperCase(), opts, now);
  assert.equal(r.ok, true);
  assert.equal(r.ok && r.address.toLowerCase(), 'alice@gmail.test');
});

test('SRS0: a forged or altered address is refused (no relaying through the bounce path)', () => {
  const f = local(srsForward('alice@gmail.test', 'forward.test', opts, now));
  const tampered = f.replace('=alice', '=mallory');
  assert.equal(srsReverse(tampered, opts, now).ok, false);
  const other = local(srsForward('alice@gmail.test', 'forward.test', { ...opts, secret: Buffer.from('another secret') }, now));
  assert.equal(srsReverse(other, opts, now).ok, false);
  assert.equal(srsReverse(`SRS0=aaaaaaaa=${timestamp(now)}=gmail.test=alice`, opts, now).ok, false);
});

test('SRS0: expires after maxAgeDays', () => {
  const f = local(srsForward('alice@gmail.test', 'forward.test', opts, now));
  assert.equal(srsReverse(f, opts, now + 21 * DAY).ok, true);
  const r = srsReverse(f, opts, now + 22 * DAY);
  assert.equal(r.ok, false);
  assert.match(!r.ok ? r.reason : '', /expired/);
});

test('local addresses and the null sender are not rewritten', () => {
  assert.equal(srsForward('', 'forward.test', opts, now), '');
  assert.equal(srsForward('bob@forward.test', 'forward.test', opts, now), 'bob@forward.test');
});

test('SRS1: forwarding an SRS0 address of another forwarder, and back', () => {
  const theirs = srsForward('alice@gmail.test', 'first.test', { ...opts, secret: Buffer.from('theirs') }, now);
  const ours = srsForward(theirs, 'forward.test', opts, now);
  assert.match(ours, /^SRS1=[a-z2-7]{8}=first\.test==[a-z2-7]{8}=[a-z2-7]{2}=gmail\.test=alice@forward\.test$/);
  const back = srsReverse(local(ours), opts, now);
  assert.deepEqual(back, { ok: true, kind: 'SRS1', address: theirs });
  // re-forwarding an SRS1 keeps the first forwarder
  const again = srsForward(ours, 'third.test', opts, now);
  assert.match(again, /=first\.test==.*@third\.test$/);
  assert.equal(srsReverse(local(again), opts, now).ok, true);
});

test('not SRS', () => {
  assert.equal(isSrsLocalPart('alice'), false);
  assert.equal(srsReverse('alice', opts, now).ok, false);
});
