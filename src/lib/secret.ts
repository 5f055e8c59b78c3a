/**
 * Long-lived server secrets (HMAC keys for SRS and unsubscribe links): 32 random bytes in a file
 * readable by the server only, created on first use. Losing the file invalidates what was signed
 * with it (old SRS addresses, old unsubscribe links), so it lives in data_dir with the store.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';

export function loadSecret(path: string): Buffer {
  try {
    const s = readFileSync(path);
    if (s.length >= 16) return s;
    throw new Error(`${path} holds ${s.length} bytes; a secret needs at least 16 (delete it to make a new one)`);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const s = randomBytes(32);
  try {
    writeFileSync(path, s, { mode: 0o600, flag: 'wx' });
    return s;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return readFileSync(path); // made by a concurrent start
    throw e;
  }
}
