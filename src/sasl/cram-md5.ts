/**
 * SASL CRAM-MD5, server side (RFC 2195, with RFC 2104 HMAC-MD5).
 *
 * Implements: the `<random.timestamp@hostname>` challenge, parsing the
 * `user SP hexdigest` response, and checking the digest in constant time
 * against HMAC-MD5(secret, challenge), with the plaintext-equivalent secret
 * fetched through the injected directory.
 *
 * Must never: log, store or echo the secret or the digest; reveal whether the
 * user exists (unknown users cost the same HMAC and get the same failure);
 * throw on malformed input.
 */

import { createHmac, randomBytes } from 'node:crypto';
import type { SaslCredentials, SaslStep } from './types.ts';
import { SaslSessionBase, badCredentials, challenge, decodeUtf8, malformed, safeEqual } from './util.ts';

export interface CramMd5Options {
  hostname: string;
  /** For tests: the full challenge string. Default: generated per session. */
  challenge?: string;
}

/** Host names we are willing to put inside `<...@host>`: visible ASCII, no angle brackets. */
const HOSTNAME_RE = /^[\x21-\x3b\x3d\x3f-\x7e]+$/;

/** Challenge must be printable ASCII so both sides HMAC exactly the same octets. */
const CHALLENGE_RE = /^[\x20-\x7e]+$/;

// RFC 2195 §2: digest is 16 octets written as lowercase hex; we also accept
// uppercase since the octets compared are the same.
const DIGEST_RE = /^[0-9a-fA-F]{32}$/;

/** Key used when the user has no secret, so the work done does not depend on that. */
const DUMMY_SECRET = randomBytes(32);

/**
 * RFC 2195 §2: the challenge is a presumptive msg-id (RFC 822 syntax) with a
 * random string, a timestamp and the server's fully-qualified host name.
 */
export function makeCramChallenge(hostname: string): string {
  const random = randomBytes(8).readBigUInt64BE().toString(10);
  const timestamp = Date.now().toString(10);
  return `<${random}.${timestamp}@${hostname}>`;
}

export class CramMd5Session extends SaslSessionBase {
  override readonly mechanism = 'CRAM-MD5' as const;
  readonly #creds: SaslCredentials;
  readonly #challenge: string;

  constructor(creds: SaslCredentials, opts: CramMd5Options) {
    super();
    if (typeof opts.hostname !== 'string' || !HOSTNAME_RE.test(opts.hostname)) {
      throw new TypeError('CRAM-MD5: hostname must be non-empty visible ASCII without < or >');
    }
    const c = opts.challenge ?? makeCramChallenge(opts.hostname);
    if (!CHALLENGE_RE.test(c)) throw new TypeError('CRAM-MD5: challenge must be printable ASCII');
    this.#creds = creds;
    this.#challenge = c;
  }

  protected override async onStart(initial: Buffer | undefined): Promise<SaslStep> {
    // RFC 2195 §2: the server speaks first, so the client cannot have a
    // meaningful initial response. An empty one ("=") is tolerated as absent.
    if (initial !== undefined && initial.length > 0) {
      return malformed('CRAM-MD5 does not take an initial response');
    }
    return challenge(this.#challenge);
  }

  protected override async onStep(response: Buffer): Promise<SaslStep> {
    const text = decodeUtf8(response);
    if (text === null) return malformed('CRAM-MD5 response is not valid UTF-8');

    // RFC 2195 §2: response = user name, a space, then the digest. We split on
    // the last space so user names containing spaces still parse.
    const sp = text.lastIndexOf(' ');
    if (sp <= 0) return malformed('CRAM-MD5 response must be "user digest"');
    const username = text.slice(0, sp);
    const digestHex = text.slice(sp + 1);
    if (username.includes('\u0000')) return malformed('CRAM-MD5 user name contains NUL');
    if (!DIGEST_RE.test(digestHex)) return malformed('CRAM-MD5 digest must be 32 hex digits');
    const digest = Buffer.from(digestHex, 'hex');

    const lookup = this.#creds.cramSecret;
    const secret = lookup ? await this.directory(() => lookup.call(this.#creds, username)) : null;
    const usable = typeof secret === 'string' && secret.length > 0;

    // RFC 2195 §2: digest = HMAC-MD5 (RFC 2104) keyed with the shared secret
    // over the exact challenge string. Computed even for unknown users.
    const key = usable ? Buffer.from(secret, 'utf8') : DUMMY_SECRET;
    const expected = createHmac('md5', key).update(this.#challenge, 'utf8').digest();

    // RFC 2195 §2: the server compares its computed digest with the client's;
    // constant-time so the comparison leaks nothing about the expected value.
    const match = safeEqual(expected, digest);
    if (!usable || !match) return badCredentials();
    return { kind: 'success', username };
  }
}
