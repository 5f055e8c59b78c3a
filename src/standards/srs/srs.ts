/**
 * SRS, the Sender Rewriting Scheme (Meng Weng Wong and Shevek, "Sender Rewriting Scheme", 2004;
 * the scheme of libsrs2/postsrsd): when we forward a message to another domain, the envelope
 * sender becomes an address of *our* domain, so the next hop's SPF check (RFC 7208) evaluates our
 * record and passes, and a bounce comes back to us, which can decode where it must go.
 *
 *   SRS0=HHHHHHHH=TT=orig-domain=orig-local@forwarder        (forwarding an ordinary sender)
 *   SRS1=HHHHHHHH=first-forwarder==HHHHHHHH=TT=orig-domain=orig-local@forwarder
 *                                                            (forwarding an SRS0 address again:
 *                                                             "guarded" form, §3 of the paper)
 *
 * TT is the day number modulo 1024 in base32 (two characters); HHHHHHHH is an HMAC over the rest
 * so no one can make us relay to addresses we never rewrote (without it the bounce path would be
 * an open relay). Deviation from libsrs2, deliberate and harmless because only we ever verify our
 * own addresses: HMAC-SHA256 truncated to 8 base32 characters (40 bits) instead of 4 base64
 * characters of HMAC-SHA1, so the hash survives MTAs that fold the local part's case.
 *
 * Pure: the secret and the clock are parameters.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

const B32 = 'abcdefghijklmnopqrstuvwxyz234567';
const DAY_MS = 86_400_000;
const HASH_LEN = 8;

export interface SrsOptions {
  /** The HMAC key (random, kept secret, stable across restarts). */
  secret: Buffer;
  /** How many days a rewritten address stays valid for bounces (libsrs2 default: 21). */
  maxAgeDays: number;
}

function base32(buf: Buffer, chars: number): string {
  let bits = 0;
  let value = 0;
  let out = '';
  for (const byte of buf) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5 && out.length < chars) {
      out += B32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
    if (out.length >= chars) break;
  }
  return out;
}

function hash(secret: Buffer, ...parts: string[]): string {
  const h = createHmac('sha256', secret);
  for (const p of parts) h.update(p.toLowerCase()).update('\0');
  return base32(h.digest(), HASH_LEN);
}

function sameHash(a: string, b: string): boolean {
  const x = Buffer.from(a.toLowerCase());
  const y = Buffer.from(b.toLowerCase());
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Day number modulo 1024 as two base32 characters. */
export function timestamp(now: number): string {
  const day = Math.floor(now / DAY_MS) % 1024;
  return B32[day >> 5]! + B32[day & 31]!;
}

/** Age in days of a timestamp (0..1023), assuming it is not from the future. */
function ageDays(tt: string, now: number): number | null {
  if (tt.length !== 2) return null;
  const hi = B32.indexOf(tt[0]!.toLowerCase());
  const lo = B32.indexOf(tt[1]!.toLowerCase());
  if (hi < 0 || lo < 0) return null;
  const then = (hi << 5) | lo;
  const today = Math.floor(now / DAY_MS) % 1024;
  return (today - then + 1024) % 1024;
}

const splitAddress = (address: string): [local: string, domain: string] => {
  const at = address.lastIndexOf('@');
  return [address.slice(0, at), address.slice(at + 1)];
};

/** Whether a local part is in SRS form (either kind). */
export function isSrsLocalPart(local: string): boolean {
  return /^srs[01][=+-]/i.test(local);
}

/**
 * The envelope sender to use when `forwarderDomain` forwards mail from `sender`.
 * The null reverse-path is never rewritten (a bounce must not bounce).
 */
export function srsForward(sender: string, forwarderDomain: string, opts: SrsOptions, now = Date.now()): string {
  if (sender === '') return '';
  const [local, domain] = splitAddress(sender);
  if (domain.toLowerCase() === forwarderDomain.toLowerCase()) return sender; // already ours: SPF passes as is
  const srs0 = /^srs0[=+-]([^=]+)=(.*)$/i.exec(local);
  if (srs0) {
    // SRS0 of another forwarder -> SRS1 naming that forwarder, keeping its opaque part.
    const rest = `${srs0[1]}=${srs0[2]}`;
    return `SRS1=${hash(opts.secret, domain, rest)}=${domain}==${rest}@${forwarderDomain}`;
  }
  const srs1 = /^srs1[=+-]([^=]+)=([^=]+)==(.*)$/i.exec(local);
  if (srs1) {
    // Already SRS1: keep the first forwarder, re-hash for us.
    return `SRS1=${hash(opts.secret, srs1[2]!, srs1[3]!)}=${srs1[2]}==${srs1[3]}@${forwarderDomain}`;
  }
  const tt = timestamp(now);
  return `SRS0=${hash(opts.secret, tt, domain, local)}=${tt}=${domain}=${local}@${forwarderDomain}`;
}

export type SrsReverse =
  | { ok: true; address: string; kind: 'SRS0' | 'SRS1' }
  | { ok: false; reason: string };

/**
 * Decodes an SRS local part of one of our domains back to where a bounce must go: the original
 * sender (SRS0), or the first forwarder's SRS0 address (SRS1). Fails on a bad hash or an expired
 * timestamp, so the bounce path cannot be used to relay arbitrary mail.
 */
export function srsReverse(local: string, opts: SrsOptions, now = Date.now()): SrsReverse {
  const srs0 = /^srs0[=+-]([a-z2-7]+)=([a-z2-7]{2})=([^=]+)=(.+)$/i.exec(local);
  if (srs0) {
    const [, h, tt, domain, orig] = srs0 as unknown as [string, string, string, string, string];
    if (!sameHash(h, hash(opts.secret, tt, domain, orig))) return { ok: false, reason: 'SRS hash does not verify (not an address we rewrote)' };
    const age = ageDays(tt, now);
    if (age === null || age > opts.maxAgeDays) return { ok: false, reason: `SRS address expired (older than ${opts.maxAgeDays} days)` };
    return { ok: true, kind: 'SRS0', address: `${orig}@${domain}` };
  }
  const srs1 = /^srs1[=+-]([a-z2-7]+)=([^=]+)==(.+)$/i.exec(local);
  if (srs1) {
    const [, h, first, rest] = srs1 as unknown as [string, string, string, string];
    if (!sameHash(h, hash(opts.secret, first, rest))) return { ok: false, reason: 'SRS hash does not verify (not an address we rewrote)' };
    return { ok: true, kind: 'SRS1', address: `SRS0=${rest}@${first}` };
  }
  return { ok: false, reason: 'not an SRS address' };
}
