import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { createSaslSession } from './index.ts';
import type { SaslCredentials } from './types.ts';

// RFC 2195 §2 example.
const RFC_CHALLENGE = '<1896.697170952@postoffice.reston.mci.net>';
const RFC_DIGEST = 'b913a602c7eda7a495b4e6e7334d3890';

const secrets = new Map([
  ['tim', 'tanstaaftanstaaf'],
  ['first last', 'spaced out'],
]);
const directory: SaslCredentials = {
  async verifyPassword() {
    return null;
  },
  async cramSecret(username) {
    return secrets.get(username) ?? null;
  },
};

const b = (s: string) => Buffer.from(s, 'utf8');
const digest = (secret: string, challenge: string) => createHmac('md5', secret).update(challenge).digest('hex');

function session(creds: SaslCredentials = directory, opts: { random?: boolean } = {}) {
  const challenge = opts.random === true ? undefined : RFC_CHALLENGE;
  return createSaslSession('CRAM-MD5', creds, { hostname: 'postoffice.reston.mci.net', challenge });
}

test('CRAM-MD5: RFC 2195 example exchange', async () => {
  const s = session();
  assert.equal(s.mechanism, 'CRAM-MD5');
  const r1 = await s.start(undefined);
  assert.deepEqual(r1, { kind: 'challenge', data: b(RFC_CHALLENGE) });
  const r2 = await s.step(b(`tim ${RFC_DIGEST}`));
  assert.deepEqual(r2, { kind: 'success', username: 'tim' });
});

const responses: Array<{ name: string; response: Buffer; reason?: 'malformed' | 'credentials' }> = [
  { name: 'RFC digest', response: b(`tim ${RFC_DIGEST}`) },
  { name: 'upper-case hex digest', response: b(`tim ${RFC_DIGEST.toUpperCase()}`) },
  { name: 'user name with a space', response: b(`first last ${digest('spaced out', RFC_CHALLENGE)}`) },
  { name: 'wrong secret', response: b(`tim ${digest('tanstaaf', RFC_CHALLENGE)}`), reason: 'credentials' },
  { name: 'digest of another challenge', response: b(`tim ${digest('tanstaaftanstaaf', '<1.2@x>')}`), reason: 'credentials' },
  { name: 'unknown user', response: b(`tom ${RFC_DIGEST}`), reason: 'credentials' },
  { name: 'right digest for another user', response: b(`first last ${RFC_DIGEST}`), reason: 'credentials' },
  { name: 'no space', response: b(`tim${RFC_DIGEST}`), reason: 'malformed' },
  { name: 'empty user name', response: b(` ${RFC_DIGEST}`), reason: 'malformed' },
  { name: 'empty response', response: b(''), reason: 'malformed' },
  { name: 'short digest', response: b(`tim ${RFC_DIGEST.slice(0, 30)}`), reason: 'malformed' },
  { name: 'long digest', response: b(`tim ${RFC_DIGEST}00`), reason: 'malformed' },
  { name: 'non-hex digest', response: b(`tim ${RFC_DIGEST.slice(0, 31)}g`), reason: 'malformed' },
  { name: 'trailing space', response: b(`tim ${RFC_DIGEST} `), reason: 'malformed' },
  { name: 'NUL in user name', response: b(`t\0m ${RFC_DIGEST}`), reason: 'malformed' },
  { name: 'invalid UTF-8', response: Buffer.concat([Buffer.from([0xc3]), b(` ${RFC_DIGEST}`)]), reason: 'malformed' },
];

for (const c of responses) {
  test(`CRAM-MD5 response: ${c.name}`, async () => {
    const s = session();
    await s.start(undefined);
    const r = await s.step(c.response);
    if (c.reason === undefined) {
      assert.equal(r.kind, 'success');
    } else {
      assert.equal(r.kind, 'failure');
      assert.equal(r.kind === 'failure' && r.reason, c.reason);
    }
  });
}

test('CRAM-MD5: a non-empty initial response is malformed; an empty one is tolerated', async () => {
  const r1 = await session().start(b(`tim ${RFC_DIGEST}`));
  assert.equal(r1.kind === 'failure' && r1.reason, 'malformed');
  const r2 = await session().start(Buffer.alloc(0));
  assert.deepEqual(r2, { kind: 'challenge', data: b(RFC_CHALLENGE) });
});

test('CRAM-MD5: directory without a secret for the user, or without cramSecret at all', async () => {
  const none: SaslCredentials = { verifyPassword: async () => 'tim', cramSecret: async () => null };
  const s1 = session(none);
  await s1.start(undefined);
  const r1 = await s1.step(b(`tim ${RFC_DIGEST}`));
  assert.equal(r1.kind === 'failure' && r1.reason, 'credentials');

  const empty: SaslCredentials = { verifyPassword: async () => 'tim', cramSecret: async () => '' };
  const s2 = session(empty);
  await s2.start(undefined);
  const r2 = await s2.step(b(`tim ${createHmac('md5', '').update(RFC_CHALLENGE).digest('hex')}`));
  assert.equal(r2.kind === 'failure' && r2.reason, 'credentials');

  const s3 = session({ verifyPassword: async () => 'tim' });
  await s3.start(undefined);
  const r3 = await s3.step(b(`tim ${RFC_DIGEST}`));
  assert.equal(r3.kind === 'failure' && r3.reason, 'credentials');
});

test('CRAM-MD5: generated challenge is <random.timestamp@hostname> and differs per session', async () => {
  const challenges = new Set<string>();
  for (let i = 0; i < 5; i++) {
    const s = session(directory, { random: true });
    const r = await s.start(undefined);
    assert.equal(r.kind, 'challenge');
    const text = r.kind === 'challenge' ? r.data.toString('utf8') : '';
    assert.match(text, /^<\d+\.\d+@postoffice\.reston\.mci\.net>$/);
    challenges.add(text);
    const ok = await s.step(b(`tim ${digest('tanstaaftanstaaf', text)}`));
    assert.deepEqual(ok, { kind: 'success', username: 'tim' });
  }
  assert.equal(challenges.size, 5);
});

test('CRAM-MD5: only one response is accepted', async () => {
  const s = session();
  await s.start(undefined);
  const r1 = await s.step(b(`tim ${'0'.repeat(32)}`));
  assert.equal(r1.kind === 'failure' && r1.reason, 'credentials');
  const r2 = await s.step(b(`tim ${RFC_DIGEST}`));
  assert.equal(r2.kind === 'failure' && r2.reason, 'aborted');
});

test('CRAM-MD5: invalid hostname or challenge option is a programming error', () => {
  assert.throws(() => createSaslSession('CRAM-MD5', directory, { hostname: '' }), TypeError);
  assert.throws(() => createSaslSession('CRAM-MD5', directory, { hostname: 'a b' }), TypeError);
  assert.throws(() => createSaslSession('CRAM-MD5', directory, { hostname: 'x>' }), TypeError);
  assert.throws(() => createSaslSession('CRAM-MD5', directory, { hostname: 'x', challenge: '<é@x>' }), TypeError);
});
