/**
 * DKIM signing keys (RFC 6376 §3.6.1 key records, RFC 8463 §4 Ed25519 keys, RFC 8301 §3.2 key
 * sizes): generation, date-named selectors and the TXT record value to publish.
 *
 * Pure: node:crypto in, strings out. Never logs or returns a private key except to the caller
 * that stores it.
 */
import { generateKeyPair, createPublicKey, type KeyObject } from 'node:crypto';

export type DkimAlgorithm = 'rsa-sha256' | 'ed25519-sha256';

/** Both algorithms, in the order the signatures are added (RFC 8463 §3: dual signing). */
export const DKIM_ALGORITHMS: readonly DkimAlgorithm[] = ['rsa-sha256', 'ed25519-sha256'];

/** RFC 8301 §3.2: signers SHOULD use at least 2048 bits. */
export const RSA_BITS = 2048;

export interface GeneratedKey {
  algorithm: DkimAlgorithm;
  /** PKCS#8 PEM. */
  privateKey: string;
  /** The p= value: base64 SubjectPublicKeyInfo (RSA) or the raw 32-byte key (Ed25519, RFC 8463 §4.2). */
  publicKey: string;
}

export async function generateDkimKey(algorithm: DkimAlgorithm): Promise<GeneratedKey> {
  const enc = { privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'der' } } as const;
  const pair = await new Promise<{ privateKey: string; publicKey: Buffer }>((resolve, reject) => {
    const done = (err: Error | null, publicKey: Buffer, privateKey: string) => (err ? reject(err) : resolve({ privateKey, publicKey }));
    if (algorithm === 'rsa-sha256') generateKeyPair('rsa', { modulusLength: RSA_BITS, ...enc }, done);
    else generateKeyPair('ed25519', enc, done);
  });
  return { algorithm, privateKey: pair.privateKey, publicKey: publicKeyValue(algorithm, pair.publicKey) };
}

/** The p= value for an SPKI DER public key. */
export function publicKeyValue(algorithm: DkimAlgorithm, spkiDer: Buffer): string {
  // RFC 8463 §4.2: "the base64 encoding of the 32-octet public key", not the SPKI structure
  // (whose last 32 octets it is).
  return algorithm === 'ed25519-sha256' ? spkiDer.subarray(spkiDer.length - 32).toString('base64') : spkiDer.toString('base64');
}

/** The p= value derived from a stored private key (for checks). */
export function publicKeyFromPrivate(algorithm: DkimAlgorithm, privateKeyPem: string | KeyObject): string {
  const der = createPublicKey(privateKeyPem).export({ type: 'spki', format: 'der' });
  return publicKeyValue(algorithm, der);
}

/**
 * Selector for a key made on `date`: "rsa20261128" / "ed20261128" (RFC 6376 §3.1 selectors are
 * DNS labels). A second rotation on the same day gets "b", "c", ... appended.
 */
export function selectorFor(algorithm: DkimAlgorithm, date: Date, taken: ReadonlySet<string>): string {
  const ymd = `${date.getUTCFullYear()}${String(date.getUTCMonth() + 1).padStart(2, '0')}${String(date.getUTCDate()).padStart(2, '0')}`;
  const base = `${algorithm === 'rsa-sha256' ? 'rsa' : 'ed'}${ymd}`;
  if (!taken.has(base)) return base;
  for (let c = 98; c <= 122; c++) if (!taken.has(base + String.fromCharCode(c))) return base + String.fromCharCode(c);
  throw new Error(`too many DKIM selectors for ${base}`);
}

/** The TXT record value at `<selector>._domainkey.<domain>` (RFC 6376 §3.6.1, RFC 8463 §4.2). */
export function dkimTxtValue(algorithm: DkimAlgorithm, publicKey: string): string {
  return `v=DKIM1; k=${algorithm === 'rsa-sha256' ? 'rsa' : 'ed25519'}; p=${publicKey}`;
}
