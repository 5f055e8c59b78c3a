// Webmail sessions (session.ts) and the CSRF checks (csrf.ts), with an injected clock.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SessionStore, credentialOf } from './session.ts';
import { crossSiteReason, sameToken } from './csrf.ts';

const alice = { id: 1, address: 'alice@example.test', passwordHash: '$scrypt$x' };

function store(opts: Partial<ConstructorParameters<typeof SessionStore>[0]> = {}) {
  let now = 1_000_000;
  const s = new SessionStore({ idleMs: 30 * 60_000, maxMs: 12 * 3_600_000, clock: () => now, ...opts });
  return { s, advance: (ms: number) => (now += ms) };
}

test('ids and CSRF tokens are 256-bit random base64url, distinct per session', () => {
  const { s } = store();
  const a = s.create(alice);
  const b = s.create(alice);
  for (const v of [a.id, a.csrf, b.id, b.csrf]) assert.match(v, /^[A-Za-z0-9_-]{43}$/);
  assert.equal(new Set([a.id, a.csrf, b.id, b.csrf]).size, 4);
  assert.equal(a.credential, credentialOf(alice.passwordHash));
  assert.ok(!a.credential.includes('scrypt'), 'the hash itself is not kept');
});

test('idle timeout: each request restarts it; past it the session is gone', () => {
  const { s, advance } = store();
  const a = s.create(alice);
  advance(29 * 60_000);
  assert.equal(s.get(a.id)?.id, a.id);
  advance(29 * 60_000);
  assert.equal(s.get(a.id)?.id, a.id, 'the previous request restarted the idle clock');
  advance(30 * 60_000);
  assert.equal(s.get(a.id), null);
  assert.equal(s.size, 0);
});

test('absolute lifetime ends an active session', () => {
  const { s, advance } = store();
  const a = s.create(alice);
  for (let i = 0; i < 47; i++) {
    advance(15 * 60_000);
    assert.ok(s.get(a.id), `still alive after ${(i + 1) * 15} minutes`);
  }
  advance(15 * 60_000);
  assert.equal(s.get(a.id), null, '12 hours');
});

test('destroy, unknown ids, bounds', () => {
  const { s } = store({ maxSessions: 3, maxPerUser: 2 });
  const a = s.create(alice);
  assert.equal(s.get(undefined), null);
  assert.equal(s.get('nope'), null);
  assert.ok(s.destroy(a.id));
  assert.equal(s.get(a.id), null);
  const [x, y, z] = [s.create(alice), s.create(alice), s.create(alice)];
  assert.equal(s.get(x.id), null, 'per-user bound: the oldest went');
  assert.ok(s.get(y.id) && s.get(z.id));
  const others = [2, 3].map((id) => s.create({ id, address: `u${id}@x.test`, passwordHash: 'h' }));
  assert.equal(s.size, 3);
  assert.equal(s.get(y.id), null, 'global bound: the oldest went');
  assert.ok(others.every((o) => s.get(o.id)));
});

test('sameToken: equal only for the same non-empty token', () => {
  assert.equal(sameToken('abc', 'abc'), true);
  assert.equal(sameToken('abd', 'abc'), false);
  assert.equal(sameToken('ab', 'abc'), false);
  assert.equal(sameToken(undefined, 'abc'), false);
  assert.equal(sameToken('', ''), false);
});

/** [headers, refused?] */
const sites: Array<[Parameters<typeof crossSiteReason>[0], boolean]> = [
  [{ host: 'mx.example.test:8443' }, false], // curl: no Origin, no Sec-Fetch-Site (the token still decides)
  [{ host: 'mx.example.test:8443', origin: 'https://mx.example.test:8443', secFetchSite: 'same-origin' }, false],
  [{ host: 'mx.example.test:8443', secFetchSite: 'cross-site' }, true],
  [{ host: 'mx.example.test:8443', secFetchSite: 'same-site' }, true], // a sibling host is not us
  [{ host: 'mx.example.test:8443', secFetchSite: 'none' }, true], // a POST the user did not make from our page
  [{ host: 'mx.example.test:8443', origin: 'https://evil.test' }, true],
  [{ host: 'mx.example.test:8443', origin: 'http://mx.example.test:8443' }, true], // plain http is another origin
  [{ host: 'mx.example.test:8443', origin: 'null' }, true], // sandboxed frame, data: URL
];
for (const [h, refused] of sites) test(`crossSiteReason ${JSON.stringify(h)}`, () => assert.equal(crossSiteReason(h) !== null, refused));
