import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSaslSession } from './index.ts';
import type { SaslCredentials, SaslStep } from './types.ts';

/** Fields the result must have (a subset of the SaslStep). */
type Expect = { kind: SaslStep['kind'] } & Record<string, unknown>;

/** Directory: user names are case-insensitive, canonical form is lower case. */
function directory(): SaslCredentials & { calls: Array<[string, string]> } {
  const calls: Array<[string, string]> = [];
  const passwords = new Map([
    ['alice', 'correct horse'],
    ['bob', 'pässwörd'],
  ]);
  return {
    calls,
    async verifyPassword(username, password) {
      calls.push([username, password]);
      const canonical = username.toLowerCase();
      return passwords.get(canonical) === password ? canonical : null;
    },
  };
}

const b = (s: string) => Buffer.from(s, 'utf8');

interface Case {
  name: string;
  message: Buffer;
  allowAuthzid?: boolean;
  expect: Expect;
}

const cases: Case[] = [
  { name: 'no authzid', message: b('\0alice\0correct horse'), expect: { kind: 'success', username: 'alice' } },
  { name: 'UTF-8 password', message: b('\0bob\0pässwörd'), expect: { kind: 'success', username: 'bob' } },
  { name: 'canonical user name returned', message: b('\0ALICE\0correct horse'), expect: { kind: 'success', username: 'alice' } },
  { name: 'authzid equal to authcid', message: b('alice\0alice\0correct horse'), expect: { kind: 'success', username: 'alice' } },
  { name: 'authzid equal to canonical name', message: b('alice\0Alice\0correct horse'), expect: { kind: 'success', username: 'alice' } },
  { name: 'trailing space in password is not trimmed', message: b('\0alice\0correct horse '), expect: { kind: 'failure', reason: 'credentials' } },
  { name: 'wrong password', message: b('\0alice\0wrong'), expect: { kind: 'failure', reason: 'credentials' } },
  { name: 'unknown user', message: b('\0mallory\0correct horse'), expect: { kind: 'failure', reason: 'credentials' } },
  { name: 'other authzid refused by default', message: b('bob\0alice\0correct horse'), expect: { kind: 'failure', reason: 'unsupported-authzid' } },
  { name: 'other authzid with bad password is a credentials failure', message: b('bob\0alice\0nope'), expect: { kind: 'failure', reason: 'credentials' } },
  {
    name: 'other authzid allowed when enabled',
    message: b('bob\0alice\0correct horse'),
    allowAuthzid: true,
    expect: { kind: 'success', username: 'alice', authzid: 'bob' },
  },
  { name: 'empty message', message: b(''), expect: { kind: 'failure', reason: 'malformed' } },
  { name: 'no NUL', message: b('alice correct horse'), expect: { kind: 'failure', reason: 'malformed' } },
  { name: 'one NUL', message: b('alice\0correct horse'), expect: { kind: 'failure', reason: 'malformed' } },
  { name: 'three NULs', message: b('\0alice\0correct\0horse'), expect: { kind: 'failure', reason: 'malformed' } },
  { name: 'empty authcid', message: b('alice\0\0correct horse'), expect: { kind: 'failure', reason: 'malformed' } },
  { name: 'empty password', message: b('\0alice\0'), expect: { kind: 'failure', reason: 'malformed' } },
  { name: 'only NULs', message: b('\0\0'), expect: { kind: 'failure', reason: 'malformed' } },
  { name: 'invalid UTF-8', message: Buffer.from([0, 0x61, 0, 0xc3, 0x28]), expect: { kind: 'failure', reason: 'malformed' } },
  { name: 'overlong UTF-8 NUL', message: Buffer.from([0, 0x61, 0xc0, 0x80, 0x62, 0, 0x70]), expect: { kind: 'failure', reason: 'malformed' } },
  { name: 'oversized message', message: Buffer.concat([b('\0alice\0'), Buffer.alloc(9000, 0x61)]), expect: { kind: 'failure', reason: 'malformed' } },
];

for (const c of cases) {
  test(`PLAIN initial response: ${c.name}`, async () => {
    const s = createSaslSession('PLAIN', directory(), { hostname: 'mx.example', allowAuthzid: c.allowAuthzid });
    const r = await s.start(c.message);
    assert.equal(r.kind, c.expect.kind);
    for (const [k, v] of Object.entries(c.expect)) assert.deepEqual((r as Record<string, unknown>)[k], v, k);
    if (r.kind === 'success' && c.expect.authzid === undefined) assert.equal('authzid' in r, false);
    if (r.kind === 'failure') {
      assert.ok(!r.message.includes('correct horse') && !r.message.includes('wrong'), 'no password in message');
    }
  });
}

test('PLAIN without initial response: empty challenge, then the message', async () => {
  const s = createSaslSession('PLAIN', directory(), { hostname: 'mx.example' });
  assert.equal(s.mechanism, 'PLAIN');
  const r1 = await s.start(undefined);
  assert.deepEqual(r1, { kind: 'challenge', data: Buffer.alloc(0) });
  const r2 = await s.step(b('\0alice\0correct horse'));
  assert.deepEqual(r2, { kind: 'success', username: 'alice' });
  const r3 = await s.step(b('\0alice\0correct horse'));
  assert.equal(r3.kind, 'failure');
  assert.equal(r3.kind === 'failure' && r3.reason, 'aborted');
});

test('PLAIN passes exact strings to the directory', async () => {
  const dir = directory();
  const s = createSaslSession('PLAIN', dir, { hostname: 'mx.example' });
  await s.start(b('\0bob\0pässwörd'));
  assert.deepEqual(dir.calls, [['bob', 'pässwörd']]);
});

test('PLAIN malformed input does not reach the directory', async () => {
  const dir = directory();
  const s = createSaslSession('PLAIN', dir, { hostname: 'mx.example' });
  const r = await s.start(b('\0alice\0'));
  assert.equal(r.kind, 'failure');
  assert.equal(dir.calls.length, 0);
});

test('PLAIN step after a failure is aborted', async () => {
  const s = createSaslSession('PLAIN', directory(), { hostname: 'mx.example' });
  const r1 = await s.start(b('\0alice\0wrong'));
  assert.equal(r1.kind === 'failure' && r1.reason, 'credentials');
  const r2 = await s.step(b('\0alice\0correct horse'));
  assert.equal(r2.kind === 'failure' && r2.reason, 'aborted');
});
