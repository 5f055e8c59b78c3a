import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSaslSession } from './index.ts';
import type { SaslCredentials, SaslStep } from './types.ts';

/** Fields the result must have (a subset of the SaslStep). */
type Expect = { kind: SaslStep['kind'] } & Record<string, unknown>;

const directory: SaslCredentials = {
  async verifyPassword(username, password) {
    const canonical = username.toLowerCase();
    return canonical === 'alice' && password === 'correct horse' ? canonical : null;
  },
};

const b = (s: string) => Buffer.from(s, 'utf8');
const USER: Expect = { kind: 'challenge', data: b('Username:') };
const PASS: Expect = { kind: 'challenge', data: b('Password:') };

interface Case {
  name: string;
  initial: Buffer | undefined;
  responses: Buffer[];
  /** Expected result of start() followed by each step(). */
  expect: Array<Expect>;
}

const cases: Case[] = [
  {
    name: 'two challenges, good password',
    initial: undefined,
    responses: [b('alice'), b('correct horse')],
    expect: [USER, PASS, { kind: 'success', username: 'alice' }],
  },
  {
    name: 'user name as initial response',
    initial: b('alice'),
    responses: [b('correct horse')],
    expect: [PASS, { kind: 'success', username: 'alice' }],
  },
  {
    name: 'empty initial response treated as absent',
    initial: Buffer.alloc(0),
    responses: [b('alice'), b('correct horse')],
    expect: [USER, PASS, { kind: 'success', username: 'alice' }],
  },
  {
    name: 'canonical user name returned',
    initial: b('ALICE'),
    responses: [b('correct horse')],
    expect: [PASS, { kind: 'success', username: 'alice' }],
  },
  {
    name: 'wrong password',
    initial: undefined,
    responses: [b('alice'), b('correct horse!')],
    expect: [USER, PASS, { kind: 'failure', reason: 'credentials' }],
  },
  {
    name: 'unknown user fails only after the password (no user enumeration)',
    initial: undefined,
    responses: [b('mallory'), b('correct horse')],
    expect: [USER, PASS, { kind: 'failure', reason: 'credentials' }],
  },
  {
    name: 'empty user name',
    initial: undefined,
    responses: [b('')],
    expect: [USER, { kind: 'failure', reason: 'malformed' }],
  },
  {
    name: 'empty password',
    initial: b('alice'),
    responses: [b('')],
    expect: [PASS, { kind: 'failure', reason: 'malformed' }],
  },
  {
    name: 'NUL in user name',
    initial: b('ali\0ce'),
    responses: [],
    expect: [{ kind: 'failure', reason: 'malformed' }],
  },
  {
    name: 'NUL in password',
    initial: b('alice'),
    responses: [b('correct\0horse')],
    expect: [PASS, { kind: 'failure', reason: 'malformed' }],
  },
  {
    name: 'invalid UTF-8 user name',
    initial: Buffer.from([0xff, 0xfe]),
    responses: [],
    expect: [{ kind: 'failure', reason: 'malformed' }],
  },
  {
    name: 'invalid UTF-8 password',
    initial: b('alice'),
    responses: [Buffer.from([0xed, 0xa0, 0x80])],
    expect: [PASS, { kind: 'failure', reason: 'malformed' }],
  },
  {
    name: 'step after success is aborted',
    initial: b('alice'),
    responses: [b('correct horse'), b('again')],
    expect: [PASS, { kind: 'success', username: 'alice' }, { kind: 'failure', reason: 'aborted' }],
  },
];

for (const c of cases) {
  test(`LOGIN: ${c.name}`, async () => {
    const s = createSaslSession('LOGIN', directory, { hostname: 'mx.example' });
    assert.equal(s.mechanism, 'LOGIN');
    const results: SaslStep[] = [await s.start(c.initial)];
    for (const r of c.responses) results.push(await s.step(r));
    assert.equal(results.length, c.expect.length);
    results.forEach((r, i) => {
      const want = c.expect[i]!;
      for (const [k, v] of Object.entries(want)) assert.deepEqual((r as Record<string, unknown>)[k], v, `step ${i} ${k}`);
    });
  });
}
