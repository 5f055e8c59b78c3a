/**
 * Account management shared by the CLI, the demo bootstrap and (later) the web admin: validates
 * names, hashes passwords (scrypt) and derives the SCRAM-SHA-256 keys, and, only when CRAM-MD5 is
 * enabled, keeps the plaintext-equivalent secret it needs.
 */
import { hashPassword } from './password.ts';
import { deriveScramKeys } from '../sasl/index.ts';
import { normalizeAddress, normalizeDomain } from '../mail/address.ts';
import type { Store, User, Alias, Domain } from '../store/ports.ts';
import { rotateDkimKeys } from './dkim-keys.ts';

export class AccountError extends Error {}

/** RFC 7677 §4 asks for at least 4096; higher slows offline guessing of a stolen database. */
const SCRAM_ITERATIONS = 10_000;

function must(r: string | { error: string }): string {
  if (typeof r !== 'string') throw new AccountError(r.error);
  return r;
}

export interface CredentialOptions {
  cramMd5: boolean;
}

async function credentials(password: string, opts: CredentialOptions) {
  if (password.length < 8) throw new AccountError('password must be at least 8 characters');
  const s = deriveScramKeys(password, undefined, SCRAM_ITERATIONS);
  const scram = JSON.stringify({ salt: s.salt.toString('base64'), iterations: s.iterations, storedKey: s.storedKey.toString('base64'), serverKey: s.serverKey.toString('base64') });
  return { passwordHash: await hashPassword(password), scram, cramSecret: opts.cramMd5 ? password : null };
}

/** Adds a local domain and makes its DKIM keys (RSA-2048 + Ed25519, docs/outbound.md). */
export async function addDomain(store: Store, name: string): Promise<Domain> {
  const d = await store.addDomain(must(normalizeDomain(name)));
  await rotateDkimKeys(store, d.name);
  return d;
}

export async function addUser(store: Store, address: string, password: string, opts: CredentialOptions & { displayName?: string }): Promise<User> {
  const addr = must(normalizeAddress(address));
  return store.addUser({ address: addr, displayName: opts.displayName, ...(await credentials(password, opts)) });
}

export async function setPassword(store: Store, address: string, password: string, opts: CredentialOptions): Promise<void> {
  const c = await credentials(password, opts);
  if (!(await store.setPassword(must(normalizeAddress(address)), c.passwordHash, c.cramSecret, c.scram))) throw new AccountError(`no such user ${address}`);
}

export async function addAlias(store: Store, source: string, targets: string[]): Promise<Alias> {
  if (!targets.length) throw new AccountError('an alias needs at least one target user');
  const src = source.trim().startsWith('@') ? `@${must(normalizeDomain(source.trim().slice(1)))}` : must(normalizeAddress(source));
  return store.addAlias(src, targets.map((t) => must(normalizeAddress(t))));
}
