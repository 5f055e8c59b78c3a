import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import {
  SUPPORTED_MECHANISMS,
  availableMechanisms,
  createSaslSession,
  deriveScramKeys,
  parseMechanismName,
} from './index.ts';
import type { SaslCredentials, SaslMechanismName, SaslStep } from './types.ts';

const b = (s: string) => Buffer.from(s, 'utf8');
const reasonOf = (r: SaslStep) => (r.kind === 'failure' ? r.reason : r.kind);
const keys = deriveScramKeys('pencil', randomBytes(16), 1);

const full: SaslCredentials = {
  verifyPassword: async (u, p) => (u === 'user' && p === 'pencil' ? 'user' : null),
  cramSecret: async (u) => (u === 'user' ? 'pencil' : null),
  scramKeys: async (u) => (u === 'user' ? keys : null),
};

test('SUPPORTED_MECHANISMS lists all four, strongest first, and is frozen', () => {
  assert.deepEqual([...SUPPORTED_MECHANISMS], ['SCRAM-SHA-256', 'CRAM-MD5', 'PLAIN', 'LOGIN']);
  assert.ok(Object.isFrozen(SUPPORTED_MECHANISMS));
});

test('parseMechanismName is case-insensitive and rejects unknown names', () => {
  assert.equal(parseMechanismName('plain'), 'PLAIN');
  assert.equal(parseMechanismName('Scram-Sha-256'), 'SCRAM-SHA-256');
  assert.equal(parseMechanismName('cram-md5'), 'CRAM-MD5');
  assert.equal(parseMechanismName('SCRAM-SHA-256-PLUS'), null);
  assert.equal(parseMechanismName('XOAUTH2'), null);
  assert.equal(parseMechanismName(''), null);
});

test('availableMechanisms follows what the directory can do', () => {
  assert.deepEqual(availableMechanisms(full), ['SCRAM-SHA-256', 'CRAM-MD5', 'PLAIN', 'LOGIN']);
  assert.deepEqual(availableMechanisms({ verifyPassword: full.verifyPassword }), ['PLAIN', 'LOGIN']);
});

test('createSaslSession builds each mechanism and rejects unknown ones', () => {
  for (const m of SUPPORTED_MECHANISMS) {
    assert.equal(createSaslSession(m, full, { hostname: 'mx.example' }).mechanism, m);
  }
  assert.throws(() => createSaslSession('GSSAPI' as SaslMechanismName, full, { hostname: 'mx.example' }), TypeError);
});

const lifecycle: Array<{ name: string; run: (m: SaslMechanismName) => Promise<SaslStep> }> = [
  {
    name: 'step before start is aborted',
    run: async (m) => createSaslSession(m, full, { hostname: 'mx.example' }).step(b('x')),
  },
  {
    name: 'start twice is aborted',
    run: async (m) => {
      const s = createSaslSession(m, full, { hostname: 'mx.example' });
      await s.start(undefined);
      return s.start(undefined);
    },
  },
  {
    name: 'step after a malformed failure is aborted',
    run: async (m) => {
      const s = createSaslSession(m, full, { hostname: 'mx.example' });
      await s.start(undefined);
      const r = await s.step(Buffer.from([0xff]));
      assert.equal(reasonOf(r), 'malformed');
      return s.step(b('x'));
    },
  },
];

for (const c of lifecycle) {
  for (const m of SUPPORTED_MECHANISMS) {
    test(`${m}: ${c.name}`, async () => {
      assert.equal(reasonOf(await c.run(m)), 'aborted');
    });
  }
}

for (const m of SUPPORTED_MECHANISMS) {
  test(`${m}: oversized and non-Buffer responses are malformed, not thrown`, async () => {
    const s1 = createSaslSession(m, full, { hostname: 'mx.example' });
    await s1.start(undefined);
    assert.equal(reasonOf(await s1.step(Buffer.alloc(100_000, 0x41))), 'malformed');
    const s2 = createSaslSession(m, full, { hostname: 'mx.example' });
    await s2.start(undefined);
    assert.equal(reasonOf(await s2.step('oops' as unknown as Buffer)), 'malformed');
    const s3 = createSaslSession(m, full, { hostname: 'mx.example' });
    assert.equal(reasonOf(await s3.start(null as unknown as Buffer)), 'malformed');
  });

  test(`${m}: random garbage never throws`, async () => {
    for (let i = 0; i < 200; i++) {
      const s = createSaslSession(m, full, { hostname: 'mx.example' });
      const len = i % 64;
      const junk = i % 2 === 0 ? randomBytes(len) : Buffer.from(randomBytes(len).map((x) => 0x20 + (x % 0x5f)));
      const first = await s.start(i % 3 === 0 ? undefined : junk);
      assert.ok(['challenge', 'failure'].includes(first.kind));
      for (let j = 0; j < 3 && first.kind === 'challenge'; j++) {
        const r = await s.step(randomBytes(i % 48));
        assert.ok(['challenge', 'failure'].includes(r.kind), JSON.stringify(r));
        if (r.kind !== 'challenge') break;
      }
    }
  });
}

test('a rejecting directory propagates its error (temporary failure, not "wrong password") and ends the session', async () => {
  const boom = new Error('directory down');
  const failing: SaslCredentials = {
    verifyPassword: async () => {
      throw boom;
    },
    cramSecret: async () => {
      throw boom;
    },
    scramKeys: async () => {
      throw boom;
    },
  };
  const inputs: Record<SaslMechanismName, Buffer[]> = {
    PLAIN: [b('\0user\0pencil')],
    LOGIN: [b('user'), b('pencil')],
    'CRAM-MD5': [b(`user ${'0'.repeat(32)}`)],
    'SCRAM-SHA-256': [b('n,,n=user,r=abc')],
  };
  for (const m of SUPPORTED_MECHANISMS) {
    const s = createSaslSession(m, failing, { hostname: 'mx.example' });
    await s.start(undefined);
    const steps = inputs[m];
    for (const r of steps.slice(0, -1)) await s.step(r);
    await assert.rejects(s.step(steps.at(-1)!), boom, m);
    assert.equal(reasonOf(await s.step(b('again'))), 'aborted', m);
  }
});

test('a call while another is pending is aborted', async () => {
  let release!: () => void;
  const slow: SaslCredentials = {
    verifyPassword: () =>
      new Promise((resolve) => {
        release = () => resolve('user');
      }),
  };
  const s = createSaslSession('PLAIN', slow, { hostname: 'mx.example' });
  const pending = s.start(b('\0user\0pencil'));
  assert.equal(reasonOf(await s.step(b('\0user\0pencil'))), 'aborted');
  release();
  assert.deepEqual(await pending, { kind: 'success', username: 'user' });
});

test('full exchanges through the public API for every mechanism', async () => {
  const plain = createSaslSession('PLAIN', full, { hostname: 'mx.example' });
  assert.equal((await plain.start(b('\0user\0pencil'))).kind, 'success');
  const login = createSaslSession('LOGIN', full, { hostname: 'mx.example' });
  await login.start(b('user'));
  assert.equal((await login.step(b('pencil'))).kind, 'success');
  const wrong = createSaslSession('LOGIN', full, { hostname: 'mx.example' });
  await wrong.start(b('user'));
  assert.equal(reasonOf(await wrong.step(b('pencil '))), 'credentials');
});
