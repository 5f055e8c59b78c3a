/**
 * DKIM verification, RFC 6376 (RSA) and RFC 8463 (Ed25519), with the RFC 8301 crypto updates.
 *
 * A typed adapter over mailauth's streaming verifier in strict mode (one pass over the message,
 * body hashes shared between signatures with the same canonicalization). Every DKIM-Signature is
 * reported (RFC 6376 §6.1: a verifier may stop at the first pass; we do not, so that DMARC and
 * the trust panel see them all), with its RFC 8601 §2.7.1 result word and `header.b`
 * (RFC 6008 §2) to tell signatures of the same domain apart.
 *
 * Corrections to mailauth, each made here and tested in verify.test.ts (docs/standards.md):
 * - a body-hash mismatch is `fail` (RFC 6376 §6.1.3 step 3 PERMFAIL, RFC 8601 §2.7.1 "fail");
 *   mailauth's lenient mode says `neutral`, strict mode already says `fail`: we enforce it;
 * - a key shorter than 1024 bits is `fail` (RFC 8301 §3.2: "MUST NOT consider ... valid");
 *   mailauth says `policy`;
 * - rsa-sha1 is `fail` (RFC 8301 §3.1: "MUST NOT be used for signing or verifying"); mailauth
 *   strict says `policy`;
 * - an unusable key record (bad v=, unknown k=, bad p=, s= not email, h= mismatch) is
 *   `permerror` (RFC 6376 §6.1.2 PERMFAIL, RFC 8601 §2.7.1 "unrecoverable"); mailauth says
 *   `neutral`. A missing key stays `neutral` ("no key for signature"), as mailauth and the
 *   large receivers report it.
 *
 * Risk notes (never a reason to pass): `l=` present (RFC 6376 §8.2: content can be appended),
 * key in testing mode (t=y, §3.6.1).
 *
 * Must never: fetch keys other than through the injected resolver; report `pass` for a
 * signature mailauth did not verify; read the clock except through `now`.
 */
import type { Readable } from 'node:stream';
import { dkimVerify, type DKIMResult } from 'mailauth';
import { toMailauthResolver, type Resolver } from '../../dns/resolver.ts';

/** RFC 8601 §2.7.1 DKIM results. `none` is used only for "the message was not signed". */
export type DkimResult =
  /** The message was not signed (no DKIM-Signature). Never on a signature. */
  | 'none'
  /** The signature verified (RFC 6376 §6.1.3 SUCCESS). */
  | 'pass'
  /** The signature was checked and did not verify (body hash, signature, weak key or hash). */
  | 'fail'
  /** Signature syntax errors, no key, expired: could not be processed (RFC 8601 §2.7.1). */
  | 'neutral'
  /** The key could not be fetched now (DNS failure, RFC 6376 §6.1.2 TEMPFAIL). */
  | 'temperror'
  /** Unrecoverable: the key record is unusable (RFC 6376 §6.1.2 PERMFAIL). */
  | 'permerror';

/** Things a reader of the result should know even when it says pass. */
export type DkimRisk =
  /** RFC 6376 §8.2: `l=` limits the signed body; unsigned content may follow. */
  | 'body-length-limit'
  /** `l=` leaves part of this body unsigned (the count is in `bodyLength.unsigned`). */
  | 'unsigned-body-content'
  /** RFC 6376 §3.6.1: key record t=y, the domain is testing DKIM. */
  | 'testing-key'
  /** RFC 8301 §3.2: RSA key shorter than 1024 bits (result forced to fail). */
  | 'weak-key'
  /** RFC 8301 §3.1: rsa-sha1 (result forced to fail). */
  | 'weak-algorithm';

/** Where our adapter changed mailauth's answer (see the module comment). */
export type DkimCorrection = 'body-hash-fail' | 'weak-key-fail' | 'weak-algorithm-fail' | 'key-record-permerror';

export type DkimSignature = {
  result: Exclude<DkimResult, 'none'>;
  /** Human-readable reason (mailauth's comment), e.g. "body hash did not verify". */
  reason?: string;
  /** d= (RFC 6376 §3.5), the signing domain, as written. */
  domain: string;
  /** s= selector. */
  selector: string;
  /** a= algorithm, e.g. rsa-sha256, ed25519-sha256. */
  algorithm: string;
  /** c= as written (default simple/simple, §3.5). */
  canonicalization?: string;
  /** RFC 8601 §2.7.1 header.b / RFC 6008 §2: the shortest prefix (≥ 8 chars) of b= unique in this message. */
  headerB: string;
  /** RSA modulus length, when known. */
  keyBits?: number;
  /** l= accounting (RFC 6376 §3.5, §8.2). */
  bodyLength?: { limit: number; unsigned: number };
  risks: DkimRisk[];
  correction?: DkimCorrection;
  /** The key record as fetched, for diagnostics. */
  keyRecord?: string;
};

export type DkimVerification = {
  signatures: DkimSignature[];
  /** RFC 5322 §3.6: the From fields (count) and their mailbox addresses, for DMARC (RFC 7489 §6.6.1). */
  author: { fromFields: number; addresses: string[] };
};

export type DkimOptions = {
  /** Current time, for x= expiry (RFC 6376 §3.5). Default: now. */
  now?: Date;
  /** RSA keys shorter than this fail (RFC 8301 §3.2 sets the floor at 1024). */
  minKeyBits?: number;
};

export type MessageInput = Buffer | string | Readable;

/** RFC 8301 §3.2: verifiers MUST NOT consider signatures with RSA keys < 1024 bits valid. */
export const DKIM_MIN_RSA_BITS = 1024;

/** mailauth comments that mean "the key record exists but cannot be used" (RFC 6376 §6.1.2). */
const KEY_RECORD_ERRORS = new Set([
  'unknown key version',
  'unknown key type',
  'invalid public key',
  'inappropriate hash algorithm',
  'inappropriate key algorithm',
  'key not for email',
]);

/** RFC 6008 §2: at least 8 characters, more when needed to be unique within the message. */
export function headerBValues(signatures: readonly string[]): string[] {
  const clean = signatures.map((b) => b.replace(/[\s]+/g, ''));
  return clean.map((b, i) => {
    for (let len = Math.min(8, b.length); len < b.length; len++) {
      const prefix = b.slice(0, len);
      if (!clean.some((other, j) => j !== i && other.startsWith(prefix))) return prefix;
    }
    return b;
  });
}

type Mapped = { result: DkimSignature['result']; correction?: DkimCorrection; risk?: DkimRisk };

/** mailauth's status word → ours, with the corrections of the module comment. */
function mapResult(r: DKIMResult): Mapped {
  const word = r.status.result;
  const comment = typeof r.status.comment === 'string' ? r.status.comment : '';
  const bodyHashMismatch = typeof r.bodyHash === 'string' && typeof r.bodyHashExpecting === 'string' && r.bodyHash !== r.bodyHashExpecting;
  switch (word) {
    case 'pass':
      // Defence in depth: a pass with a mismatching body hash cannot be (RFC 6376 §6.1.3 step 3).
      return bodyHashMismatch ? { result: 'fail', correction: 'body-hash-fail' } : { result: 'pass' };
    case 'fail':
      return { result: 'fail' };
    case 'policy': {
      const rule = r.status.policy?.['dkim-rules'];
      if (rule === 'weak-key') return { result: 'fail', correction: 'weak-key-fail', risk: 'weak-key' }; // RFC 8301 §3.2
      if (rule === 'weak-algorithm') return { result: 'fail', correction: 'weak-algorithm-fail', risk: 'weak-algorithm' }; // RFC 8301 §3.1
      return { result: 'fail' };
    }
    case 'neutral':
      // RFC 6376 §6.1.3 step 3: a body hash that does not match is a failed verification.
      if (bodyHashMismatch) return { result: 'fail', correction: 'body-hash-fail' };
      if (KEY_RECORD_ERRORS.has(comment)) return { result: 'permerror', correction: 'key-record-permerror' };
      return { result: 'neutral' };
    case 'temperror':
    case 'temperr':
      return { result: 'temperror' };
    case 'permerror':
      return { result: 'permerror' };
    default:
      // none/skipped/declined/softfail are not DKIM signature results; never let one pass.
      return { result: 'neutral' };
  }
}

/** Verify every DKIM-Signature of a message; also returns the From data DMARC needs. */
export async function verifyDkimMessage(message: MessageInput, resolver: Resolver, opts: DkimOptions = {}): Promise<DkimVerification> {
  const res = await dkimVerify(message, {
    resolver: toMailauthResolver(resolver) as never,
    strict: true,
    minBitLength: opts.minKeyBits ?? DKIM_MIN_RSA_BITS,
    ...(opts.now === undefined ? {} : { curTime: opts.now }),
  });
  const verified = res.results.filter((r) => r.status.result !== 'none' || r.signature !== undefined);
  const bValues = headerBValues(verified.map((r) => String(r.signature ?? '')));
  const signatures = verified.map((r, i): DkimSignature => {
    const mapped = mapResult(r);
    const risks: DkimRisk[] = [];
    if (mapped.risk) risks.push(mapped.risk);
    const sig: DkimSignature = {
      result: mapped.result,
      domain: r.signingDomain ?? '',
      selector: r.selector ?? '',
      algorithm: r.algo ?? '',
      headerB: bValues[i] ?? '',
      risks,
    };
    if (typeof r.status.comment === 'string') sig.reason = r.status.comment;
    if (mapped.result === 'fail' && mapped.correction === 'body-hash-fail') sig.reason = 'body hash did not verify';
    if (r.format !== undefined) sig.canonicalization = r.format;
    if (r.modulusLength !== undefined) sig.keyBits = r.modulusLength;
    if (r.rr !== undefined) sig.keyRecord = r.rr;
    if (mapped.correction !== undefined) sig.correction = mapped.correction;
    if (r.canonBodyLengthLimited && typeof r.canonBodyLengthLimit === 'number') {
      risks.push('body-length-limit'); // RFC 6376 §8.2
      const unsigned = r.status.underSized ?? 0;
      sig.bodyLength = { limit: r.canonBodyLengthLimit, unsigned };
      if (unsigned > 0) risks.push('unsigned-body-content');
    }
    if (r.status.testing) risks.push('testing-key'); // RFC 6376 §3.6.1 t=y
    return sig;
  });
  return { signatures, author: { fromFields: res.fromFields, addresses: [...res.headerFrom] } };
}

/** Verify every DKIM-Signature of a message. An unsigned message gives []: report `dkim=none`. */
export async function verifyDkim(message: MessageInput, resolver: Resolver, opts: DkimOptions = {}): Promise<DkimSignature[]> {
  return (await verifyDkimMessage(message, resolver, opts)).signatures;
}
