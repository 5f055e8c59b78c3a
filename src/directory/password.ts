/**
 * Password hashing with scrypt (RFC 7914), stored in a PHC-style string:
 *   $scrypt$ln=15,r=8,p=1$<salt b64>$<hash b64>
 * Verification is constant-time. Parameters are read back from the string, so they can be raised
 * later without breaking stored hashes. Never log or store a cleartext password.
 */
import { scrypt as scryptCb, randomBytes, timingSafeEqual, type ScryptOptions } from 'node:crypto';

const scrypt = (pw: string, salt: Buffer, len: number, opts: ScryptOptions) =>
  new Promise<Buffer>((resolve, reject) => scryptCb(pw, salt, len, opts, (e, k) => (e ? reject(e) : resolve(k))));

export interface ScryptParams {
  /** log2 of N (cost). */
  ln: number;
  r: number;
  p: number;
}

/** 2^15 x 8 x 128 B = 32 MiB and ~50-100 ms per hash on this class of machine (OWASP minimum is 2^17/8/1 for scrypt-only stacks; we pair it with login throttling). */
export const DEFAULT_SCRYPT: ScryptParams = { ln: 15, r: 8, p: 1 };

export async function hashPassword(password: string, params: ScryptParams = DEFAULT_SCRYPT): Promise<string> {
  const salt = randomBytes(16);
  const key = await scrypt(password.normalize('NFC'), salt, 32, { N: 2 ** params.ln, r: params.r, p: params.p, maxmem: 256 * 1024 * 1024 });
  return `$scrypt$ln=${params.ln},r=${params.r},p=${params.p}$${salt.toString('base64')}$${key.toString('base64')}`;
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const m = /^\$scrypt\$ln=(\d+),r=(\d+),p=(\d+)\$([A-Za-z0-9+/=]+)\$([A-Za-z0-9+/=]+)$/.exec(stored);
  if (!m) return false;
  const [ln, r, p] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (ln > 22 || r > 32 || p > 16) return false;
  const expected = Buffer.from(m[5]!, 'base64');
  const key = await scrypt(password.normalize('NFC'), Buffer.from(m[4]!, 'base64'), expected.length, { N: 2 ** ln, r, p, maxmem: 1024 * 1024 * 1024 });
  return key.length === expected.length && timingSafeEqual(key, expected);
}

/** A random password for generated accounts (demo user): 20 chars from an unambiguous alphabet. */
export function generatePassword(length = 20): string {
  const alphabet = 'abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789';
  const bytes = randomBytes(length * 2);
  let out = '';
  for (let i = 0; out.length < length && i < bytes.length; i++) {
    const b = bytes[i]!;
    if (b < 256 - (256 % alphabet.length)) out += alphabet[b % alphabet.length];
  }
  return out;
}
