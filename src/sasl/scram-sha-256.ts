/**
 * SASL SCRAM-SHA-256, server side (RFC 5802 with RFC 7677), without channel
 * binding (no -PLUS variant).
 *
 * Implements: client-first parsing (GS2 header, optional authzid, saslname
 * decoding, nonce), the server-first message `r=,s=,i=`, client-final
 * verification (channel-binding echo, nonce, ClientProof) and the server-final
 * `v=ServerSignature`, returned in `success.data` for mutual authentication.
 * Also `deriveScramKeys`, which the directory uses when a password is set.
 *
 * Must never: log, store or echo passwords, SaltedPassword, ClientKey or
 * proofs; reveal whether a user exists (unknown users get a stable fake salt
 * and fail at the proof, like a wrong password); compare secrets in
 * non-constant time; throw on malformed input.
 */

import { createHash, createHmac, pbkdf2Sync, randomBytes } from 'node:crypto';
import { saslprep } from './saslprep.ts';
import type { SaslCredentials, SaslStep, ScramStoredKeys } from './types.ts';
import {
  SaslSessionBase,
  badCredentials,
  challenge,
  decodeBase64Strict,
  decodeUtf8,
  failure,
  malformed,
  safeEqual,
} from './util.ts';

export interface ScramOptions {
  allowAuthzid?: boolean;
  /** For tests: the server nonce part. Default: 24 random octets, base64. */
  nonce?: string;
}

/** RFC 7677 §4: the iteration count SHOULD be at least 4096. */
export const SCRAM_DEFAULT_ITERATIONS = 4096;

/** RFC 7677 §3: H() is SHA-256, so keys, signatures and proofs are 32 octets. */
const HASH_LEN = 32;

// RFC 5802 §7: printable = %x21-2B / %x2D-7E (visible ASCII except ",").
const PRINTABLE_RE = /^[\x21-\x2b\x2d-\x7e]+$/;

// RFC 5802 §7: saslname = 1*(value-safe-char / "=2C" / "=3D"), where
// value-safe-char is any UTF-8 char except NUL, "=" and ",". §5.1: a "=" not
// followed by "2C" or "3D" MUST fail the authentication.
const SASLNAME_RE = /^(?:[^\u0000=,]|=2C|=3D)+$/u;

// RFC 5802 §7: attr-val = ALPHA "=" value; value = 1*value-char, where
// value-char is any UTF-8 char except NUL and ",".
const ATTR_VAL_RE = /^[A-Za-z]=[^\u0000,]+$/u;

// Attribute names RFC 5802 §5.1 defines; they cannot reappear as extensions.
const KNOWN_ATTRS = new Set(['a', 'n', 'm', 'r', 'c', 's', 'i', 'p', 'v', 'e']);

/** Per-process key for deriving fake salts for unknown users (stable for a user, unguessable). */
const FAKE_SALT_KEY = randomBytes(32);

function hmac(key: Buffer, data: string | Buffer): Buffer {
  return createHmac('sha256', key).update(data).digest();
}

function sha256(data: Buffer): Buffer {
  return createHash('sha256').update(data).digest();
}

/** RFC 5802 §5.1: decode "=2C" → "," and "=3D" → "=" in one pass. */
function decodeSaslname(s: string): string | null {
  if (!SASLNAME_RE.test(s)) return null;
  return s.replace(/=2C|=3D/g, (m) => (m === '=2C' ? ',' : '='));
}

/** Extensions after the mandatory attributes: syntactically valid, not a known attribute; otherwise ignored. */
function extensionsOk(attrs: string[]): boolean {
  return attrs.every((a) => ATTR_VAL_RE.test(a) && !KNOWN_ATTRS.has(a[0] ?? ''));
}

function keysUsable(k: ScramStoredKeys | null | undefined): k is ScramStoredKeys {
  return (
    k != null &&
    Buffer.isBuffer(k.salt) &&
    k.salt.length > 0 &&
    Number.isSafeInteger(k.iterations) &&
    k.iterations >= 1 &&
    Buffer.isBuffer(k.storedKey) &&
    k.storedKey.length === HASH_LEN &&
    Buffer.isBuffer(k.serverKey) &&
    k.serverKey.length === HASH_LEN
  );
}

/**
 * Derive the stored SCRAM-SHA-256 keys for a password (RFC 5802 §3), for the
 * directory to keep instead of the password.
 *
 * RFC 5802 §2.2: the password is normalized with SASLprep (RFC 4013) first;
 * like PostgreSQL and libpq, a password SASLprep refuses is used as is.
 */
export function deriveScramKeys(
  password: string,
  salt: Buffer = randomBytes(16),
  iterations: number = SCRAM_DEFAULT_ITERATIONS,
): ScramStoredKeys {
  if (typeof password !== 'string') throw new TypeError('deriveScramKeys: password must be a string');
  if (!Buffer.isBuffer(salt) || salt.length === 0) throw new TypeError('deriveScramKeys: salt must be a non-empty Buffer');
  if (!Number.isSafeInteger(iterations) || iterations < 1) {
    throw new RangeError('deriveScramKeys: iterations must be a positive integer');
  }
  const normalized = saslprep(password) ?? password;
  // RFC 5802 §3: SaltedPassword := Hi(Normalize(password), salt, i), where Hi is PBKDF2 with HMAC as PRF.
  const saltedPassword = pbkdf2Sync(Buffer.from(normalized, 'utf8'), salt, iterations, HASH_LEN, 'sha256');
  // RFC 5802 §3: ClientKey := HMAC(SaltedPassword, "Client Key"); StoredKey := H(ClientKey).
  const storedKey = sha256(hmac(saltedPassword, 'Client Key'));
  // RFC 5802 §3: ServerKey := HMAC(SaltedPassword, "Server Key").
  const serverKey = hmac(saltedPassword, 'Server Key');
  saltedPassword.fill(0);
  return { salt: Buffer.from(salt), iterations, storedKey, serverKey };
}

interface FirstState {
  gs2Header: string;
  clientFirstBare: string;
  serverFirst: string;
  nonce: string;
  username: string;
  authzid: string | undefined;
  keys: ScramStoredKeys;
  known: boolean;
}

export class ScramSha256Session extends SaslSessionBase {
  override readonly mechanism = 'SCRAM-SHA-256' as const;
  readonly #creds: SaslCredentials;
  readonly #allowAuthzid: boolean;
  readonly #serverNonce: string;
  #first: FirstState | null = null;

  constructor(creds: SaslCredentials, opts: ScramOptions = {}) {
    super();
    const nonce = opts.nonce ?? randomBytes(24).toString('base64');
    // RFC 5802 §7: s-nonce = printable.
    if (!PRINTABLE_RE.test(nonce)) throw new TypeError('SCRAM: server nonce must be printable ASCII without ","');
    this.#creds = creds;
    this.#allowAuthzid = opts.allowAuthzid === true;
    this.#serverNonce = nonce;
  }

  protected override async onStart(initial: Buffer | undefined): Promise<SaslStep> {
    // RFC 5802 §5 / RFC 4422 §5: SCRAM is client-first; without an initial
    // response the server sends an empty challenge and waits for client-first.
    if (initial === undefined) return challenge(Buffer.alloc(0));
    return this.#clientFirst(initial);
  }

  protected override async onStep(response: Buffer): Promise<SaslStep> {
    if (this.#first === null) return this.#clientFirst(response);
    return this.#clientFinal(this.#first, response);
  }

  async #clientFirst(message: Buffer): Promise<SaslStep> {
    // RFC 5802 §7: messages are UTF-8; invalid encoding is e=invalid-encoding.
    const text = decodeUtf8(message);
    if (text === null) return malformed('SCRAM client-first-message is not valid UTF-8');

    // RFC 5802 §7: client-first-message = gs2-header client-first-message-bare,
    // gs2-header = gs2-cbind-flag "," [ authzid ] ",".
    const c1 = text.indexOf(',');
    const c2 = c1 < 0 ? -1 : text.indexOf(',', c1 + 1);
    if (c2 < 0) return malformed('SCRAM client-first-message has no GS2 header');
    const cbindFlag = text.slice(0, c1);
    const authzidField = text.slice(c1 + 1, c2);
    const gs2Header = text.slice(0, c2 + 1);
    const clientFirstBare = text.slice(c2 + 1);

    // RFC 5802 §6 / §7: gs2-cbind-flag = ("p=" cb-name) / "n" / "y".
    // "p=": the client wants channel binding, which only the -PLUS variant
    // (not offered) supports: fail clearly (e=channel-binding-not-supported).
    // "n": client does not support it. "y": client supports it but thinks we
    // do not; accepted because we advertise no -PLUS mechanism (§6 requires
    // failing "y" only when the server does support channel binding).
    if (cbindFlag.startsWith('p=')) {
      return malformed('channel binding is not supported (SCRAM-SHA-256-PLUS is not offered)');
    }
    if (cbindFlag !== 'n' && cbindFlag !== 'y') return malformed('SCRAM GS2 channel-binding flag must be "n" or "y"');

    // RFC 5802 §7: authzid = "a=" saslname (optional).
    let authzid: string | undefined;
    if (authzidField.length > 0) {
      if (!authzidField.startsWith('a=')) return malformed('SCRAM GS2 header has an invalid authzid field');
      const decoded = decodeSaslname(authzidField.slice(2));
      if (decoded === null) return malformed('SCRAM authzid is not a valid saslname');
      authzid = decoded;
    }

    // RFC 5802 §7: client-first-message-bare =
    //   [reserved-mext ","] username "," nonce ["," extensions]
    const attrs = clientFirstBare.split(',');
    // RFC 5802 §5.1 (m): a mandatory extension we do not understand MUST fail
    // the authentication (e=extensions-not-supported).
    if (attrs[0]?.startsWith('m=')) return malformed('SCRAM mandatory extension (m=) is not supported');

    // RFC 5802 §5.1 (n) / §7: username = "n=" saslname.
    const nAttr = attrs[0] ?? '';
    if (!nAttr.startsWith('n=')) return malformed('SCRAM client-first-message must start with n=');
    const username = decodeSaslname(nAttr.slice(2));
    if (username === null) return malformed('SCRAM username is not a valid saslname');

    // RFC 5802 §5.1 (r) / §7: nonce = "r=" c-nonce, c-nonce = printable.
    const rAttr = attrs[1] ?? '';
    if (!rAttr.startsWith('r=')) return malformed('SCRAM client-first-message must have r= after n=');
    const clientNonce = rAttr.slice(2);
    if (!PRINTABLE_RE.test(clientNonce)) return malformed('SCRAM client nonce is not printable ASCII');

    // RFC 5802 §7: optional extensions; unknown ones are ignored.
    if (!extensionsOk(attrs.slice(2))) return malformed('SCRAM client-first-message has invalid extensions');

    const lookup = this.#creds.scramKeys;
    const stored = lookup ? await this.directory(() => lookup.call(this.#creds, username)) : null;
    const known = keysUsable(stored);
    // Not an RFC rule (RFC 5802 §7 even has e=unknown-user): to avoid revealing
    // which users exist, an unknown user gets a salt that is stable for that
    // name (a fresh random one per attempt would give it away) and the default
    // iteration count; the exchange then fails at the proof like a bad password.
    const keys: ScramStoredKeys = known
      ? stored
      : {
          salt: hmac(FAKE_SALT_KEY, `salt\u0000${username}`).subarray(0, 16),
          iterations: SCRAM_DEFAULT_ITERATIONS,
          storedKey: randomBytes(HASH_LEN),
          serverKey: randomBytes(HASH_LEN),
        };

    // RFC 5802 §5.1 (r): the server appends its own nonce to the client's.
    const nonce = clientNonce + this.#serverNonce;
    // RFC 5802 §7: server-first-message = [reserved-mext ","] nonce "," salt "," iteration-count
    // with salt = "s=" base64 and iteration-count = "i=" posit-number.
    const serverFirst = `r=${nonce},s=${keys.salt.toString('base64')},i=${keys.iterations}`;
    this.#first = { gs2Header, clientFirstBare, serverFirst, nonce, username, authzid, keys, known };
    return challenge(serverFirst);
  }

  async #clientFinal(first: FirstState, message: Buffer): Promise<SaslStep> {
    const text = decodeUtf8(message);
    if (text === null) return malformed('SCRAM client-final-message is not valid UTF-8');

    // RFC 5802 §7: client-final-message = client-final-message-without-proof "," proof,
    // proof = "p=" base64, and it is always the last attribute.
    const lastComma = text.lastIndexOf(',');
    if (lastComma < 0) return malformed('SCRAM client-final-message has no proof');
    const withoutProof = text.slice(0, lastComma);
    const proofAttr = text.slice(lastComma + 1);
    if (!proofAttr.startsWith('p=')) return malformed('SCRAM client-final-message must end with p=');
    const proof = decodeBase64Strict(proofAttr.slice(2));
    // RFC 7677 §3: ClientProof is as long as the SHA-256 output.
    if (proof === null || proof.length !== HASH_LEN) return malformed('SCRAM proof is not a 32-octet base64 value');

    // RFC 5802 §7: client-final-message-without-proof = channel-binding "," nonce ["," extensions].
    const attrs = withoutProof.split(',');
    const cAttr = attrs[0] ?? '';
    const rAttr = attrs[1] ?? '';
    if (!cAttr.startsWith('c=')) return malformed('SCRAM client-final-message must start with c=');
    if (!rAttr.startsWith('r=')) return malformed('SCRAM client-final-message must have r= after c=');
    if (!extensionsOk(attrs.slice(2))) return malformed('SCRAM client-final-message has invalid extensions');

    // RFC 5802 §5.1 (c) / §7: channel-binding = "c=" base64 of cbind-input,
    // and without channel binding cbind-input is exactly the gs2-header sent
    // in client-first (e.g. "biws" for "n,,"). A mismatch is
    // e=channel-bindings-dont-match.
    const cbind = decodeBase64Strict(cAttr.slice(2));
    if (cbind === null) return malformed('SCRAM channel binding is not valid base64');
    if (!safeEqual(cbind, Buffer.from(first.gs2Header, 'utf8'))) {
      return malformed('SCRAM channel binding does not match the GS2 header');
    }

    // RFC 5802 §5.1 (r): the nonce MUST be exactly the combined nonce from
    // the server-first-message.
    if (!safeEqual(Buffer.from(rAttr.slice(2), 'utf8'), Buffer.from(first.nonce, 'utf8'))) {
      return malformed('SCRAM nonce does not match');
    }

    // RFC 5802 §3: AuthMessage := client-first-message-bare + "," +
    //   server-first-message + "," + client-final-message-without-proof
    const authMessage = `${first.clientFirstBare},${first.serverFirst},${withoutProof}`;
    const { storedKey, serverKey } = first.keys;
    // RFC 5802 §3: ClientSignature := HMAC(StoredKey, AuthMessage);
    // ClientKey := ClientProof XOR ClientSignature; the server checks H(ClientKey) = StoredKey.
    const clientSignature = hmac(storedKey, authMessage);
    const clientKey = Buffer.alloc(HASH_LEN);
    for (let i = 0; i < HASH_LEN; i++) clientKey[i] = (proof[i] ?? 0) ^ (clientSignature[i] ?? 0);
    const proofOk = safeEqual(sha256(clientKey), storedKey);
    clientKey.fill(0);
    // RFC 5802 §7: e=invalid-proof (and e=unknown-user, deliberately merged).
    if (!proofOk || !first.known) return badCredentials();

    // RFC 5802 §5.1 (a): an authzid different from the authenticated user is a
    // request to act as someone else; refuse unless allowed (the caller then
    // authorizes it).
    const { username, authzid } = first;
    if (authzid !== undefined && authzid !== username && !this.#allowAuthzid) {
      return failure('unsupported-authzid', 'authorization identity not permitted');
    }

    // RFC 5802 §3: ServerSignature := HMAC(ServerKey, AuthMessage);
    // §7: server-final-message = verifier, verifier = "v=" base64.
    const serverSignature = hmac(serverKey, authMessage);
    const data = Buffer.from(`v=${serverSignature.toString('base64')}`, 'utf8');
    if (authzid !== undefined && authzid !== username) return { kind: 'success', username, authzid, data };
    return { kind: 'success', username, data };
  }
}
