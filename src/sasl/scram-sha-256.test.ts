import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, createHmac, pbkdf2Sync } from 'node:crypto';
import { createSaslSession, deriveScramKeys } from './index.ts';
import type { SaslCredentials, SaslSessionOptions, SaslStep, ScramStoredKeys } from './types.ts';

// RFC 7677 §3 example.
const RFC = {
  user: 'user',
  password: 'pencil',
  clientNonce: 'rOprNGfwEbeRWgbNEkqO',
  serverNonce: '%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0',
  salt: Buffer.from('W22ZaJ0SNY7soEsUEjb6gQ==', 'base64'),
  iterations: 4096,
  clientFirst: 'n,,n=user,r=rOprNGfwEbeRWgbNEkqO',
  serverFirst: 'r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096',
  clientFinal:
    'c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=',
  serverFinal: 'v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=',
};
const FULL_NONCE = RFC.clientNonce + RFC.serverNonce;

const b = (s: string) => Buffer.from(s, 'utf8');
const text = (r: SaslStep) => (r.kind === 'challenge' ? r.data.toString('utf8') : assert.fail(`expected challenge, got ${JSON.stringify(r)}`));
const reasonOf = (r: SaslStep) => (r.kind === 'failure' ? r.reason : r.kind);

// Derived once: PBKDF2 at 4096 iterations is the slow part.
const RFC_KEYS = deriveScramKeys(RFC.password, RFC.salt, RFC.iterations);

interface Dir extends SaslCredentials {
  lookups: string[];
}

function directory(users: Record<string, ScramStoredKeys> = { user: RFC_KEYS }): Dir {
  const lookups: string[] = [];
  return {
    lookups,
    async verifyPassword() {
      return null;
    },
    async scramKeys(username) {
      lookups.push(username);
      return Object.hasOwn(users, username) ? users[username]! : null;
    },
  };
}

function session(creds: SaslCredentials = directory(), opts: Partial<SaslSessionOptions> = {}) {
  return createSaslSession('SCRAM-SHA-256', creds, { hostname: 'mx.example', nonce: RFC.serverNonce, ...opts });
}

const hmac = (key: Buffer, data: string) => createHmac('sha256', key).update(data).digest();

/** Independent client-side computation (RFC 5802 §3). */
function clientFinalFor(opts: {
  password: string;
  clientFirstBare: string;
  serverFirst: string;
  cbind: string;
  nonce: string;
  ext?: string;
}): { message: string; serverSignature: string } {
  const attrs = Object.fromEntries(opts.serverFirst.split(',').map((a) => [a[0], a.slice(2)]));
  const salted = pbkdf2Sync(b(opts.password), Buffer.from(attrs['s']!, 'base64'), Number(attrs['i']), 32, 'sha256');
  const clientKey = hmac(salted, 'Client Key');
  const storedKey = createHash('sha256').update(clientKey).digest();
  const withoutProof = `c=${Buffer.from(opts.cbind).toString('base64')},r=${opts.nonce}${opts.ext ?? ''}`;
  const authMessage = `${opts.clientFirstBare},${opts.serverFirst},${withoutProof}`;
  const sig = hmac(storedKey, authMessage);
  const proof = Buffer.from(clientKey.map((x, i) => x ^ sig[i]!));
  const serverSignature = hmac(hmac(salted, 'Server Key'), authMessage).toString('base64');
  return { message: `${withoutProof},p=${proof.toString('base64')}`, serverSignature };
}

/** Run a full exchange with our own client. */
async function exchange(opts: {
  creds?: SaslCredentials;
  sessionOpts?: Partial<SaslSessionOptions>;
  gs2?: string;
  bare?: string;
  password?: string;
  ext?: string;
  cbind?: string;
}): Promise<{ first: SaslStep; final: SaslStep; serverSignature: string }> {
  const gs2 = opts.gs2 ?? 'n,,';
  const bare = opts.bare ?? `n=user,r=${RFC.clientNonce}`;
  const s = session(opts.creds, opts.sessionOpts);
  const first = await s.start(b(gs2 + bare));
  if (first.kind !== 'challenge') return { first, final: first, serverSignature: '' };
  const serverFirst = text(first);
  const nonce = serverFirst.split(',')[0]!.slice(2);
  const cf = clientFinalFor({
    password: opts.password ?? RFC.password,
    clientFirstBare: bare,
    serverFirst,
    cbind: opts.cbind ?? gs2,
    nonce,
    ext: opts.ext,
  });
  const final = await s.step(b(cf.message));
  return { first, final, serverSignature: cf.serverSignature };
}

test('SCRAM-SHA-256: RFC 7677 §3 example exchange, byte for byte', async () => {
  const s = session();
  assert.equal(s.mechanism, 'SCRAM-SHA-256');
  const r1 = await s.start(b(RFC.clientFirst));
  assert.deepEqual(r1, { kind: 'challenge', data: b(RFC.serverFirst) });
  const r2 = await s.step(b(RFC.clientFinal));
  assert.deepEqual(r2, { kind: 'success', username: 'user', data: b(RFC.serverFinal) });
  const r3 = await s.step(Buffer.alloc(0));
  assert.equal(reasonOf(r3), 'aborted');
});

test('SCRAM-SHA-256: RFC 7677 example without initial response', async () => {
  const s = session();
  assert.deepEqual(await s.start(undefined), { kind: 'challenge', data: Buffer.alloc(0) });
  assert.equal(text(await s.step(b(RFC.clientFirst))), RFC.serverFirst);
  const r = await s.step(b(RFC.clientFinal));
  assert.equal(r.kind === 'success' && r.data?.toString(), RFC.serverFinal);
});

test('SCRAM-SHA-256: our independent client reproduces the RFC proof', () => {
  const cf = clientFinalFor({
    password: RFC.password,
    clientFirstBare: RFC.clientFirst.slice(3),
    serverFirst: RFC.serverFirst,
    cbind: 'n,,',
    nonce: FULL_NONCE,
  });
  assert.equal(cf.message, RFC.clientFinal);
  assert.equal(`v=${cf.serverSignature}`, RFC.serverFinal);
});

test('deriveScramKeys: shape, defaults and argument checks', () => {
  const k = deriveScramKeys('pencil');
  assert.equal(k.salt.length, 16);
  assert.equal(k.iterations, 4096);
  assert.equal(k.storedKey.length, 32);
  assert.equal(k.serverKey.length, 32);
  assert.notDeepEqual(deriveScramKeys('pencil').salt, k.salt, 'random salt');
  const again = deriveScramKeys('pencil', RFC.salt, 4096);
  assert.deepEqual(again, RFC_KEYS, 'deterministic for a given salt');
  assert.throws(() => deriveScramKeys('x', Buffer.alloc(0)), TypeError);
  assert.throws(() => deriveScramKeys('x', RFC.salt, 0), RangeError);
  assert.throws(() => deriveScramKeys('x', RFC.salt, 1.5), RangeError);
});

test('deriveScramKeys applies SASLprep (RFC 5802 §2.2 Normalize)', () => {
  const salt = Buffer.from('0123456789abcdef');
  // U+00AD SOFT HYPHEN is mapped to nothing, U+2168 ROMAN NUMERAL NINE normalizes to "IX".
  assert.deepEqual(deriveScramKeys('pen\u00ADcil', salt, 16), deriveScramKeys('pencil', salt, 16));
  assert.deepEqual(deriveScramKeys('\u2168', salt, 16), deriveScramKeys('IX', salt, 16));
  // Prohibited characters: the password is used as is (like libpq/PostgreSQL).
  assert.notDeepEqual(deriveScramKeys('a\u0007b', salt, 16), deriveScramKeys('ab', salt, 16));
});

const goodExchanges: Array<{
  name: string;
  gs2?: string;
  bare?: string;
  ext?: string;
  allowAuthzid?: boolean;
  users?: Record<string, ScramStoredKeys>;
  expectUser: string;
  expectAuthzid?: string;
  expectLookup?: string;
}> = [
  { name: 'plain "n" flag', expectUser: 'user' },
  { name: '"y" flag (client supports channel binding, we offer no -PLUS)', gs2: 'y,,', expectUser: 'user' },
  { name: 'unknown extension in client-first is ignored', bare: `n=user,r=${RFC.clientNonce},x=whatever`, expectUser: 'user' },
  { name: 'unknown extension in client-final is ignored', ext: ',x=1', expectUser: 'user' },
  {
    name: 'saslname =2C and =3D decoded',
    bare: `n=a=2Cb=3Dc,r=${RFC.clientNonce}`,
    users: { 'a,b=c': RFC_KEYS },
    expectUser: 'a,b=c',
    expectLookup: 'a,b=c',
  },
  { name: 'UTF-8 user name', bare: `n=ümlaut,r=${RFC.clientNonce}`, users: { ümlaut: RFC_KEYS }, expectUser: 'ümlaut' },
  { name: 'authzid equal to user', gs2: 'n,a=user,', expectUser: 'user' },
  { name: 'other authzid allowed when enabled', gs2: 'n,a=admin=2Cx,', allowAuthzid: true, expectUser: 'user', expectAuthzid: 'admin,x' },
];

for (const c of goodExchanges) {
  test(`SCRAM-SHA-256 good exchange: ${c.name}`, async () => {
    const creds = directory(c.users);
    const { final, serverSignature } = await exchange({
      creds,
      gs2: c.gs2,
      bare: c.bare,
      ext: c.ext,
      sessionOpts: { allowAuthzid: c.allowAuthzid },
    });
    assert.equal(final.kind, 'success', JSON.stringify(final));
    if (final.kind !== 'success') return;
    assert.equal(final.username, c.expectUser);
    assert.equal(final.authzid, c.expectAuthzid);
    assert.equal(final.data?.toString(), `v=${serverSignature}`, 'mutual authentication data');
    if (c.expectLookup !== undefined) assert.deepEqual(creds.lookups, [c.expectLookup]);
  });
}

test('SCRAM-SHA-256: other authzid refused by default, after the proof', async () => {
  const { final } = await exchange({ gs2: 'n,a=admin,' });
  assert.equal(reasonOf(final), 'unsupported-authzid');
  const bad = await exchange({ gs2: 'n,a=admin,', password: 'wrong' });
  assert.equal(reasonOf(bad.final), 'credentials');
});

test('SCRAM-SHA-256: wrong password fails with credentials and no server signature', async () => {
  const { final } = await exchange({ password: 'pencil2' });
  assert.equal(final.kind, 'failure');
  assert.equal(reasonOf(final), 'credentials');
  assert.equal('data' in final, false);
});

test('SCRAM-SHA-256: unknown user looks like a known one until the proof fails', async () => {
  const run = async (user: string) => {
    const s = session();
    const first = text(await s.start(b(`n,,n=${user},r=${RFC.clientNonce}`)));
    const final = await s.step(
      b(clientFinalFor({ password: 'pencil', clientFirstBare: `n=${user},r=${RFC.clientNonce}`, serverFirst: first, cbind: 'n,,', nonce: FULL_NONCE }).message),
    );
    return { first, final };
  };
  const a = await run('nobody');
  const again = await run('nobody');
  const other = await run('someone-else');
  assert.match(a.first, /^r=[^,]+,s=[A-Za-z0-9+/]{22}==,i=4096$/);
  assert.equal(a.first, again.first, 'stable salt for the same unknown user');
  assert.notEqual(a.first, other.first, 'different salt for another unknown user');
  assert.equal(reasonOf(a.final), 'credentials');
});

test('SCRAM-SHA-256: directory without scramKeys, or with unusable keys, fails at the proof', async () => {
  const noScram: SaslCredentials = { verifyPassword: async () => 'user' };
  const r1 = await exchange({ creds: noScram });
  assert.equal(r1.first.kind, 'challenge');
  assert.equal(reasonOf(r1.final), 'credentials');

  const broken = directory({ user: { ...RFC_KEYS, storedKey: Buffer.alloc(20) } });
  const r2 = await exchange({ creds: broken });
  assert.equal(reasonOf(r2.final), 'credentials');

  const zeroIter = directory({ user: { ...RFC_KEYS, iterations: 0 } });
  const r3 = await exchange({ creds: zeroIter });
  assert.equal(reasonOf(r3.final), 'credentials');
});

const badClientFirst: Array<{ name: string; message: Buffer; includes?: string }> = [
  { name: 'empty', message: b('') },
  { name: 'just a flag', message: b('n') },
  { name: 'no bare part', message: b('n,,') },
  { name: 'unknown flag', message: b(`x,,n=user,r=${RFC.clientNonce}`) },
  { name: 'upper-case flag', message: b(`N,,n=user,r=${RFC.clientNonce}`) },
  { name: 'channel binding requested (p=)', message: b(`p=tls-server-end-point,,n=user,r=${RFC.clientNonce}`), includes: 'channel binding' },
  { name: 'channel binding requested (p=tls-exporter)', message: b(`p=tls-exporter,,n=user,r=${RFC.clientNonce}`), includes: 'PLUS' },
  { name: 'authzid field without a=', message: b(`n,x=admin,n=user,r=${RFC.clientNonce}`) },
  { name: 'empty authzid', message: b(`n,a=,n=user,r=${RFC.clientNonce}`) },
  { name: 'bad escape in authzid', message: b(`n,a=ad=mi,n=user,r=${RFC.clientNonce}`) },
  { name: 'mandatory extension m=', message: b(`n,,m=foo,n=user,r=${RFC.clientNonce}`), includes: 'm=' },
  { name: 'bare "=" in user name', message: b(`n,,n=us=er,r=${RFC.clientNonce}`) },
  { name: 'bad escape =2X in user name', message: b(`n,,n=us=2Xer,r=${RFC.clientNonce}`) },
  { name: 'lower-case escape =2c', message: b(`n,,n=us=2cer,r=${RFC.clientNonce}`) },
  { name: 'empty user name', message: b(`n,,n=,r=${RFC.clientNonce}`) },
  { name: 'NUL in user name', message: b(`n,,n=us\0er,r=${RFC.clientNonce}`) },
  { name: 'attributes out of order', message: b(`n,,r=${RFC.clientNonce},n=user`) },
  { name: 'missing nonce', message: b('n,,n=user') },
  { name: 'empty nonce', message: b('n,,n=user,r=') },
  { name: 'non-printable nonce', message: b('n,,n=user,r=abc\x7f') },
  { name: 'space in nonce', message: b('n,,n=user,r=ab c') },
  { name: 'non-ASCII nonce', message: b('n,,n=user,r=abcé') },
  { name: 'extension without value', message: b(`n,,n=user,r=${RFC.clientNonce},x=`) },
  { name: 'extension with multi-letter name', message: b(`n,,n=user,r=${RFC.clientNonce},xy=1`) },
  { name: 'duplicate r= as extension', message: b(`n,,n=user,r=${RFC.clientNonce},r=again`) },
  { name: 'trailing comma', message: b(`n,,n=user,r=${RFC.clientNonce},`) },
  { name: 'invalid UTF-8', message: Buffer.concat([b('n,,n='), Buffer.from([0xff]), b(`,r=${RFC.clientNonce}`)]) },
  { name: 'oversized', message: b(`n,,n=user,r=${'a'.repeat(9000)}`) },
];

for (const c of badClientFirst) {
  test(`SCRAM-SHA-256 bad client-first: ${c.name}`, async () => {
    const creds = directory();
    const r = await session(creds).start(c.message);
    assert.equal(r.kind, 'failure');
    assert.equal(reasonOf(r), 'malformed');
    if (c.includes !== undefined) assert.ok(r.kind === 'failure' && r.message.includes(c.includes), r.kind === 'failure' ? r.message : '');
    assert.deepEqual(creds.lookups, [], 'directory not consulted');
  });
}

const goodProof = RFC.clientFinal.slice(RFC.clientFinal.indexOf(',p=') + 1);
const flipped = (() => {
  const p = Buffer.from(goodProof.slice(2), 'base64');
  p[0] = p[0]! ^ 1;
  return `p=${p.toString('base64')}`;
})();

const badClientFinal: Array<{ name: string; message: string | Buffer; reason: 'malformed' | 'credentials' }> = [
  { name: 'flipped proof bit', message: `c=biws,r=${FULL_NONCE},${flipped}`, reason: 'credentials' },
  { name: 'empty', message: '', reason: 'malformed' },
  { name: 'no proof', message: `c=biws,r=${FULL_NONCE}`, reason: 'malformed' },
  { name: 'empty proof', message: `c=biws,r=${FULL_NONCE},p=`, reason: 'malformed' },
  { name: 'short proof', message: `c=biws,r=${FULL_NONCE},p=${Buffer.alloc(31).toString('base64')}`, reason: 'malformed' },
  { name: 'proof not base64', message: `c=biws,r=${FULL_NONCE},p=${'*'.repeat(44)}`, reason: 'malformed' },
  { name: 'proof without padding', message: `c=biws,r=${FULL_NONCE},${goodProof.replace(/=$/, '')}`, reason: 'malformed' },
  { name: 'proof not last', message: `c=biws,r=${FULL_NONCE},${goodProof},x=1`, reason: 'malformed' },
  { name: 'channel binding of another header (y,,)', message: `c=eSws,r=${FULL_NONCE},${goodProof}`, reason: 'malformed' },
  { name: 'channel binding with cbind data appended', message: `c=${Buffer.from('n,,xyz').toString('base64')},r=${FULL_NONCE},${goodProof}`, reason: 'malformed' },
  { name: 'channel binding not base64', message: `c=biw,r=${FULL_NONCE},${goodProof}`, reason: 'malformed' },
  { name: 'missing channel binding', message: `r=${FULL_NONCE},${goodProof}`, reason: 'malformed' },
  { name: 'attributes out of order', message: `r=${FULL_NONCE},c=biws,${goodProof}`, reason: 'malformed' },
  { name: 'client nonce only', message: `c=biws,r=${RFC.clientNonce},${goodProof}`, reason: 'malformed' },
  { name: 'nonce with extra suffix', message: `c=biws,r=${FULL_NONCE}x,${goodProof}`, reason: 'malformed' },
  { name: 'different server nonce', message: `c=biws,r=${RFC.clientNonce}AAAA,${goodProof}`, reason: 'malformed' },
  { name: 'missing nonce', message: `c=biws,${goodProof}`, reason: 'malformed' },
  { name: 'bad extension', message: `c=biws,r=${FULL_NONCE},!=1,${goodProof}`, reason: 'malformed' },
  { name: 'invalid UTF-8', message: Buffer.concat([b('c=biws,r='), Buffer.from([0xc0, 0xaf]), b(`,${goodProof}`)]), reason: 'malformed' },
];

for (const c of badClientFinal) {
  test(`SCRAM-SHA-256 bad client-final: ${c.name}`, async () => {
    const s = session();
    assert.equal(text(await s.start(b(RFC.clientFirst))), RFC.serverFirst);
    const r = await s.step(typeof c.message === 'string' ? b(c.message) : c.message);
    assert.equal(r.kind, 'failure');
    assert.equal(reasonOf(r), c.reason);
    assert.equal(reasonOf(await s.step(b(RFC.clientFinal))), 'aborted', 'no second try');
  });
}

test('SCRAM-SHA-256: "y" flag requires c= to echo "y,," (not biws)', async () => {
  const r = await exchange({ gs2: 'y,,', cbind: 'n,,' });
  assert.equal(reasonOf(r.final), 'malformed');
});

test('SCRAM-SHA-256: random server nonce is fresh, printable and works', async () => {
  const nonces = new Set<string>();
  for (let i = 0; i < 3; i++) {
    const { first, final } = await exchange({ sessionOpts: { nonce: undefined } });
    const nonce = text(first).split(',')[0]!.slice(2);
    assert.ok(nonce.startsWith(RFC.clientNonce));
    assert.match(nonce, /^[\x21-\x2b\x2d-\x7e]+$/);
    assert.ok(nonce.length >= RFC.clientNonce.length + 24);
    nonces.add(nonce);
    assert.equal(final.kind, 'success');
  }
  assert.equal(nonces.size, 3);
});

test('SCRAM-SHA-256: invalid injected nonce is a programming error', () => {
  assert.throws(() => session(directory(), { nonce: 'a,b' }), TypeError);
  assert.throws(() => session(directory(), { nonce: '' }), TypeError);
});

test('SCRAM-SHA-256: non-ASCII password normalized with SASLprep on both sides', async () => {
  const salt = Buffer.from('fedcba9876543210');
  const keys = deriveScramKeys('pässwörd\u00AD', salt, 4096);
  // A client that applied SASLprep sends the proof for 'pässwörd' (NFKC, soft hyphen dropped).
  const { final } = await exchange({ creds: directory({ user: keys }), password: 'pässwörd' });
  assert.equal(final.kind, 'success');
});
