/**
 * Per-domain DKIM keys: made when a domain is added, on first use for domains made before keys
 * existed, and by `mailwarden dkim rotate`. One RSA-2048 and one Ed25519 key per domain are
 * active at a time (RFC 8463 §3 dual signing); rotation keeps the old keys, inactive, so the
 * operator can see which TXT records may be removed once mail signed with them has arrived.
 */
import { DKIM_ALGORITHMS, generateDkimKey, selectorFor } from '../standards/dkim/keys.ts';
import type { SigningKey } from '../standards/dkim/sign.ts';
import { StoreConflict, type DkimKey, type Store } from '../store/ports.ts';

type KeyStore = Pick<Store, 'addDkimKeys' | 'listDkimKeys'>;

/** Makes a new active key pair (both algorithms) for `domain`; the previous keys become inactive. */
export async function rotateDkimKeys(store: KeyStore, domain: string, now = new Date()): Promise<DkimKey[]> {
  const taken = new Set((await store.listDkimKeys(domain, true)).map((k) => k.selector));
  const keys = await Promise.all(
    DKIM_ALGORITHMS.map(async (algorithm) => {
      const g = await generateDkimKey(algorithm);
      return { selector: selectorFor(algorithm, now, taken), algorithm, privateKey: g.privateKey, publicKey: g.publicKey };
    }),
  );
  return store.addDkimKeys(domain, keys);
}

const pending = new Map<string, Promise<DkimKey[]>>();

/** The active keys of `domain`, made now if it has none (first use). */
export async function ensureDkimKeys(store: KeyStore, domain: string): Promise<DkimKey[]> {
  const have = await store.listDkimKeys(domain);
  if (have.length) return have;
  let p = pending.get(domain);
  if (!p) {
    p = rotateDkimKeys(store, domain).catch(async (e: unknown) => {
      // Another process made them at the same moment: use theirs.
      if (e instanceof StoreConflict) {
        const now = await store.listDkimKeys(domain);
        if (now.length) return now;
      }
      throw e;
    });
    pending.set(domain, p);
    void p.finally(() => pending.delete(domain)).catch(() => undefined);
  }
  return p;
}

/** The signing keys for mail from `domain`, RSA first (the widest-supported signature). */
export async function signingKeys(store: KeyStore, domain: string): Promise<SigningKey[]> {
  const keys = await ensureDkimKeys(store, domain);
  return DKIM_ALGORITHMS.flatMap((alg) => keys.filter((k) => k.algorithm === alg).slice(0, 1)).map((k) => ({
    domain,
    selector: k.selector,
    algorithm: k.algorithm,
    privateKey: k.privateKey,
  }));
}
