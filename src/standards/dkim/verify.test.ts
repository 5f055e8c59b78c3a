/**
 * DKIM verification on the public vectors (shared/conformance/README.md "dkim/"): dkimpy's
 * pre-signed messages and key records, the RFC 8463 Appendix A example, the RFC 6376 A.2 example
 * (known bad), plus sign-then-verify round trips with the published test keys and our corrections
 * to mailauth (body hash → fail, weak key → fail, rsa-sha1 → fail).
 */
import { generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { dkimSign } from 'mailauth';
import { MockResolver, type MockData } from '../../dns/mock.ts';
import { headerBValues, verifyDkim, verifyDkimMessage, type DkimSignature } from './verify.ts';

const DKIM = new URL('../../../../shared/conformance/dkim/', import.meta.url);
const read = (path: string) => readFileSync(new URL(path, DKIM));
const text = (path: string) => read(path).toString('utf8');
const crlf = (b: Buffer | string) => Buffer.from(b.toString('binary').replace(/\r?\n/g, '\r\n'), 'binary');
/** A fixed time the vectors' t= values are in the past of and no x= has passed. */
const now = new Date('2024-01-01T00:00:00Z');

/** dns.json (name -> type -> records, each a list of character-strings) as a MockResolver. */
function dnsJson(path: string): MockResolver {
  const json = JSON.parse(text(path)) as Record<string, { TXT?: string[][] }>;
  const data: MockData = {};
  for (const [name, types] of Object.entries(json)) {
    if (types.TXT) data[name] = { TXT: types.TXT.map((chunks) => chunks.join('')) };
  }
  return new MockResolver(data);
}

const keyOnly = (name: string, record: string) => new MockResolver({ [name]: { TXT: [record.trim()] } });

let counted = { pass: 0, total: 0 };
function expectResults(sigs: DkimSignature[], expected: string[], label: string) {
  counted.total++;
  assert.deepEqual(sigs.map((s) => s.result), expected, `${label}: ${sigs.map((s) => `${s.result} (${s.reason ?? ''})`).join(', ')}`);
  counted.pass++;
}

test('dkimpy pre-signed messages', async (t) => {
  counted = { pass: 0, total: 0 };
  const dns = dnsJson('dkimpy/dns.json');
  const both = await verifyDkim(read('dkimpy/rfc6376.signed.msg'), dns, { now });
  expectResults(both, ['pass', 'pass'], 'rfc6376.signed.msg');
  assert.deepEqual(both.map((s) => [s.domain, s.selector, s.algorithm]).sort(), [
    ['football.example.com', 'brisbane', 'ed25519-sha256'],
    ['football.example.com', 'test', 'rsa-sha256'],
  ]);
  expectResults(await verifyDkim(read('dkimpy/rfc6376.signed.rsa.msg'), dns, { now }), ['pass'], 'rfc6376.signed.rsa.msg');
  expectResults(await verifyDkim(read('dkimpy/ed25519test2.msg'), dns, { now }), ['pass'], 'ed25519test2.msg (Exim)');
  expectResults(await verifyDkim(crlf(read('dkimpy/test2.message')), dns, { now }), ['pass'], 'test2.message (Gmail 2012)');
  const bad = await verifyDkim(crlf(read('dkimpy/test.message.baddomain')), dns, { now });
  counted.total++;
  assert.ok(bad.length === 1 && bad[0]?.result !== 'pass', 'd=legitimate.com(.attacker.com must not pass');
  counted.pass++;
  t.diagnostic(`DKIM dkimpy pre-signed: ${counted.pass}/${counted.total} pass`);
});

test('RFC 8463 Appendix A: Ed25519 and RSA signatures both pass', async (t) => {
  const sigs = await verifyDkim(crlf(read('rfc8463/signed.eml')), dnsJson('rfc8463/dns.json'), { now });
  assert.deepEqual(sigs.map((s) => `${s.algorithm}:${s.result}`).sort(), ['ed25519-sha256:pass', 'rsa-sha256:pass']);
  t.diagnostic('DKIM RFC 8463 A.3: 2/2 signatures pass');
});

test('RFC 6376 A.2: the known-bad example fails on its body hash (our correction: fail, not neutral)', async (t) => {
  const sigs = await verifyDkim(crlf(read('rfc6376/rfc6376-A2-signed.eml')), dnsJson('rfc6376/dns.json'), { now });
  assert.equal(sigs.length, 1);
  assert.equal(sigs[0]?.result, 'fail');
  assert.equal(sigs[0]?.reason, 'body hash did not verify');
  t.diagnostic('DKIM RFC 6376 A.2: 1/1 fails as expected (body hash)');
});

/** Sign with mailauth (the vectors' keys), then verify through our adapter. */
async function signed(message: Buffer, privateKey: string, opts: { algorithm?: string; maxBodyLength?: number; strict?: boolean } = {}) {
  const res = await dkimSign(message, {
    signingDomain: 'example.com',
    selector: 'test',
    privateKey,
    signTime: new Date('2023-06-01T00:00:00Z'),
    strict: opts.strict ?? true,
    // mailauth 7.1 reads the keys from signatureData (its index.d.ts also lists top-level fields)
    signatureData: [
      {
        signingDomain: 'example.com',
        selector: 'test',
        privateKey,
        canonicalization: 'relaxed/relaxed',
        ...(opts.algorithm ? { algorithm: opts.algorithm } : {}),
        ...(opts.maxBodyLength !== undefined ? { maxBodyLength: opts.maxBodyLength } : {}),
      },
    ],
  });
  assert.deepEqual(res.errors, [], 'signing must succeed');
  return Buffer.concat([Buffer.from(res.signatures), message]);
}

const KEY = 'test._domainkey.example.com';

test('round trips with the dkimpy keys and key records', async (t) => {
  const msg = crlf(read('dkimpy/test.message'));
  const rsa = await signed(msg, text('dkimpy/test.private'));
  const rows: [string, string, string[]][] = [
    ['test.txt', 'rsa good key', ['pass']],
    ['badk.txt', 'k=ed25519-sha256: unknown key type', ['permerror']],
    ['badversion.txt', 'v=DKIM1: malformed', ['permerror', 'neutral']],
    ['test_bad.txt', 'truncated key', ['permerror', 'neutral', 'fail']],
    ['test_tlsrpt.txt', 's=tlsrpt: not for email', ['permerror']],
  ];
  let pass = 0;
  for (const [file, why, allowed] of rows) {
    const [sig] = await verifyDkim(rsa, keyOnly(KEY, text(`dkimpy/${file}`)), { now });
    assert.ok(sig && allowed.includes(sig.result), `${file} (${why}): got ${sig?.result} (${sig?.reason})`);
    t.diagnostic(`  ${file} (${why}): ${sig.result}${sig.reason ? ` (${sig.reason})` : ''}`);
    pass++;
  }
  // 1024-bit key: SubjectPublicKeyInfo record passes. The bare RSAPublicKey form is outside
  // RFC 6376 §3.6.1; whichever answer mailauth gives, it must be a clear one.
  const k1024 = await signed(msg, text('dkimpy/1024_testkey.key'));
  const [spki] = await verifyDkim(k1024, keyOnly(KEY, text('dkimpy/1024_testkey_wo_markers.pub.txt')), { now });
  assert.equal(spki?.result, 'pass');
  assert.equal(spki?.keyBits, 1024);
  pass++;
  const [bare] = await verifyDkim(k1024, keyOnly(KEY, text('dkimpy/1024_testkey_wo_markers.pub.rsa.txt')), { now });
  assert.ok(bare && ['pass', 'permerror'].includes(bare.result), `bare RSAPublicKey: ${bare?.result} ${bare?.reason}`);
  t.diagnostic(`  bare RSAPublicKey record (1024_testkey_wo_markers.pub.rsa.txt): ${bare?.result}`);
  pass++;
  const k2048 = await signed(msg, text('dkimpy/2048_testkey_PKCS8.key'));
  const [pkcs8] = await verifyDkim(k2048, keyOnly(KEY, text('dkimpy/2048_testkey_PKCS8.key.pub.txt')), { now });
  assert.equal(pkcs8?.result, 'pass', `2048 PKCS8: ${pkcs8?.reason}`);
  pass++;
  // Ed25519 (RFC 8463): dkimpy's seed file is the raw 32-byte seed, base64.
  const seed = Buffer.from(text('dkimpy/ed25519test.key').trim(), 'base64');
  const pkcs8Der = Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), seed]);
  const edPem = `-----BEGIN PRIVATE KEY-----\n${pkcs8Der.toString('base64')}\n-----END PRIVATE KEY-----\n`;
  const ed = await signed(msg, edPem, { algorithm: 'ed25519-sha256' });
  const [edSig] = await verifyDkim(ed, keyOnly(KEY, text('dkimpy/ed25519test.dns')), { now });
  assert.equal(edSig?.result, 'pass', `ed25519: ${edSig?.reason}`);
  pass++;
  t.diagnostic(`DKIM dkimpy key round trips: ${pass}/${rows.length + 4} as expected`);
});

test('correction: a body changed after signing is fail (RFC 6376 §6.1.3), with the reason', async () => {
  const msg = crlf(read('dkimpy/test.message'));
  const good = await signed(msg, text('dkimpy/test.private'));
  const tampered = Buffer.from(good.toString('binary').replace(/\r\n\r\n/, '\r\n\r\nInjected line.\r\n'), 'binary');
  const [sig] = await verifyDkim(tampered, keyOnly(KEY, text('dkimpy/test.txt')), { now });
  assert.equal(sig?.result, 'fail');
  assert.equal(sig?.reason, 'body hash did not verify');
});

test('correction: an RSA key under 1024 bits is fail (RFC 8301 §3.2)', async () => {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 768 });
  const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const p = publicKey.export({ type: 'spki', format: 'der' }).toString('base64');
  const msg = await signed(crlf(read('dkimpy/test.message')), pem, { strict: false });
  const [sig] = await verifyDkim(msg, keyOnly(KEY, `v=DKIM1; k=rsa; p=${p}`), { now });
  assert.equal(sig?.result, 'fail');
  assert.equal(sig?.correction, 'weak-key-fail');
  assert.ok(sig?.risks.includes('weak-key'));
});

test('correction: rsa-sha1 is fail (RFC 8301 §3.1)', async () => {
  const msg = await signed(crlf(read('dkimpy/test.message')), text('dkimpy/test.private'), { algorithm: 'rsa-sha1', strict: false });
  const [sig] = await verifyDkim(msg, keyOnly(KEY, text('dkimpy/test.txt')), { now });
  assert.equal(sig?.result, 'fail');
  assert.ok(sig?.risks.includes('weak-algorithm'));
});

test('l= is reported as a risk, with the unsigned byte count (RFC 6376 §8.2)', async () => {
  const msg = crlf(read('dkimpy/test.message'));
  const limited = await signed(msg, text('dkimpy/test.private'), { maxBodyLength: 10 });
  const [sig] = await verifyDkim(limited, keyOnly(KEY, text('dkimpy/test.txt')), { now });
  assert.equal(sig?.result, 'pass');
  assert.ok(sig?.risks.includes('body-length-limit'));
  assert.ok(sig?.risks.includes('unsigned-body-content'));
  assert.equal(sig?.bodyLength?.limit, 10);
  assert.ok((sig?.bodyLength?.unsigned ?? 0) > 0);
});

test('DNS failure fetching the key is temperror; no key is neutral', async () => {
  const msg = await signed(crlf(read('dkimpy/test.message')), text('dkimpy/test.private'));
  const [temp] = await verifyDkim(msg, new MockResolver({ [KEY]: { temperror: true } }), { now });
  assert.equal(temp?.result, 'temperror');
  const [missing] = await verifyDkim(msg, new MockResolver({}), { now });
  assert.equal(missing?.result, 'neutral');
});

test('an unsigned message has no signatures, and From data for DMARC is returned', async () => {
  const res = await verifyDkimMessage(crlf(read('dkimpy/test.message')), new MockResolver({}), { now });
  assert.deepEqual(res.signatures, []);
  assert.equal(res.author.fromFields, 1);
  assert.equal(res.author.addresses.length, 1);
});

test('header.b: at least 8 characters, longer when two signatures share the prefix (RFC 6008 §2)', () => {
  assert.deepEqual(headerBValues(['abcdefghXYZ', 'abcdefghXQQ', 'zzzzzzzzzz']), ['abcdefghXY', 'abcdefghXQ', 'zzzzzzzz']);
  assert.deepEqual(headerBValues(['ab cd\r\n ef gh ij']), ['abcdefgh']);
});
