/**
 * DKIM signing: the RFC 8463 Appendix A signatures reproduced byte for byte (both algorithms are
 * deterministic), the relaxed canonicalization rules of RFC 6376 §3.4 as a table, and fresh
 * dual signatures verified by mailauth (an independent implementation).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { dkimVerify } from 'mailauth';
import { RelaxedBodyHash, relaxedHeader, selectFields, splitFields } from './canonical.ts';
import { dkimSign, headerList, signatureValue } from './sign.ts';
import { dkimTxtValue, generateDkimKey, publicKeyFromPrivate, selectorFor } from './keys.ts';

const DIR = new URL('../../../../shared/conformance/dkim/rfc8463/', import.meta.url);
const crlf = (s: string) => s.replace(/\r?\n/g, '\r\n');
const sha256b64 = (s: string) => createHash('sha256').update(s, 'latin1').digest('base64');

function ed25519Pem(seedB64: string): string {
  const der = Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), Buffer.from(seedB64.trim(), 'base64')]);
  return `-----BEGIN PRIVATE KEY-----\n${der.toString('base64')}\n-----END PRIVATE KEY-----\n`;
}

test('RFC 8463 Appendix A: both signatures and the body hash are reproduced exactly', () => {
  const signed = crlf(readFileSync(new URL('signed.eml', DIR), 'latin1'));
  const [head, ...rest] = signed.split('\r\n\r\n');
  const fields = splitFields(head!);
  const sigs = fields.filter((f) => f.name === 'DKIM-Signature');
  const message = fields.filter((f) => f.name !== 'DKIM-Signature');
  const keys = { 'ed25519-sha256': ed25519Pem(readFileSync(new URL('private-ed25519.key', DIR), 'utf8')), 'rsa-sha256': readFileSync(new URL('private-rsa.pem', DIR), 'utf8') } as const;
  const body = new RelaxedBodyHash();
  body.update(Buffer.from(rest.join('\r\n\r\n'), 'latin1'));
  const bh = body.digest();
  assert.equal(sigs.length, 2);
  for (const sig of sigs) {
    const algorithm = /a=(\S+);/.exec(sig.value)![1] as keyof typeof keys;
    assert.equal(/bh=([^;]+);/.exec(sig.value)![1], bh, 'bh= (RFC 6376 §3.4.4 relaxed body)');
    const names = /h=([^;]+);/.exec(sig.value)![1]!.split(':').map((n) => n.trim());
    const cut = sig.value.indexOf('b=', sig.value.indexOf('bh=') + 3);
    const unsigned = sig.value.slice(0, cut + 2);
    const expected = sig.value.slice(cut + 2).replace(/\s+/g, '');
    assert.equal(signatureValue(message, names, unsigned, { algorithm, privateKey: keys[algorithm] }), expected, algorithm);
  }
});

test('relaxed header canonicalization (RFC 6376 §3.4.2) and selection (§5.4.2)', () => {
  const good: Array<[string, string, string]> = [
    ['Subject', ' Hello  World ', 'subject:Hello World'],
    ['SUBJECT ', '\tfolded\r\n\t line  ', 'subject:folded line'], // unfold, WSP runs, around the colon
    ['X', '', 'x:'],
  ];
  for (const [n, v, want] of good) assert.equal(relaxedHeader(n, v), want);
  const fields = splitFields('From: a@x\r\nTo: b@y\r\nFrom: c@z\r\n');
  // bottom-up; the third "from" finds nothing left (oversigning: the null field)
  assert.deepEqual(selectFields(fields, ['from', 'from', 'from']).map((f) => f?.value.trim() ?? null), ['c@z', 'a@x', null]);
  assert.deepEqual(headerList(splitFields('From: a@x\r\nSubject: s\r\nX-Other: 1\r\n')), ['from', 'from', 'reply-to', 'to', 'cc', 'subject', 'subject', 'date']);
});

test('relaxed body canonicalization (RFC 6376 §3.4.4): chunk boundaries do not matter', () => {
  const cases: Array<[string, string]> = [
    [' C \r\nD \t E\r\n\r\n\r\n', ' C\r\nD E\r\n'], // RFC 6376 §3.4.6 example
    ['no final crlf', 'no final crlf\r\n'],
    ['', ''],
    ['\r\n\r\n', ''],
  ];
  for (const [input, canon] of cases) {
    const whole = new RelaxedBodyHash();
    whole.update(Buffer.from(input, 'latin1'));
    const expected = sha256b64(canon);
    assert.equal(whole.digest(), expected, JSON.stringify(input));
    const split = new RelaxedBodyHash();
    for (const ch of input) split.update(Buffer.from(ch, 'latin1'));
    assert.equal(split.digest(), expected, `${JSON.stringify(input)} byte by byte`);
  }
});

test('fresh RSA-2048 + Ed25519 dual signature verifies with mailauth; From is oversigned', async () => {
  const rsa = await generateDkimKey('rsa-sha256');
  const ed = await generateDkimKey('ed25519-sha256');
  assert.equal(publicKeyFromPrivate('rsa-sha256', rsa.privateKey), rsa.publicKey);
  assert.equal(Buffer.from(ed.publicKey, 'base64').length, 32, 'RFC 8463 §4.2: raw 32-octet key');
  const day = new Date(Date.UTC(2026, 10, 28));
  const rsaSel = selectorFor('rsa-sha256', day, new Set());
  assert.equal(rsaSel, 'rsa20261128');
  assert.equal(selectorFor('ed25519-sha256', day, new Set(['ed20261128'])), 'ed20261128b');
  const msg = Buffer.from('From: Alice <alice@a.test>\r\nTo: bob@b.test\r\nSubject: hi  there\r\nDate: Sat, 28 Nov 2026 10:00:00 +0000\r\n\r\nbody line  \r\n\r\n');
  const r = await dkimSign(msg, [
    { domain: 'a.test', selector: rsaSel, algorithm: 'rsa-sha256', privateKey: rsa.privateKey },
    { domain: 'a.test', selector: 'ed20261128', algorithm: 'ed25519-sha256', privateKey: ed.privateKey },
  ]);
  assert.ok(r.ok);
  assert.match(r.headers, /h=from:from:/);
  const txt: Record<string, string> = {
    [`${rsaSel}._domainkey.a.test`]: dkimTxtValue('rsa-sha256', rsa.publicKey),
    'ed20261128._domainkey.a.test': dkimTxtValue('ed25519-sha256', ed.publicKey),
  };
  const resolver = async (name: string, type: string) => {
    if (type === 'TXT' && txt[name]) return [[txt[name]]];
    throw Object.assign(new Error('nx'), { code: 'ENOTFOUND' });
  };
  const v = await dkimVerify(Buffer.concat([Buffer.from(r.headers), msg]), { resolver });
  assert.deepEqual(v.results.map((x) => [x.signingDomain, x.status.result]), [['a.test', 'pass'], ['a.test', 'pass']]);
  // adding a second From breaks both signatures (that is what oversigning is for)
  const forged = Buffer.concat([Buffer.from(r.headers), Buffer.from('From: mallory@evil.test\r\n'), msg]);
  const v2 = await dkimVerify(forged, { resolver });
  assert.ok(v2.results.every((x) => x.status.result !== 'pass'));
  assert.deepEqual(await dkimSign(Buffer.from('To: x@y\r\n\r\nbody\r\n'), []), { ok: false, error: 'no From field (RFC 6376 §5.4)' });
});
