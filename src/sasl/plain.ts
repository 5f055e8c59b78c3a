/**
 * SASL PLAIN, server side (RFC 4616).
 *
 * Implements: parsing `[authzid] NUL authcid NUL passwd`, verifying the
 * password through the injected directory, and the authzid policy.
 *
 * Must never: log, store or echo the password (not even in failure messages);
 * throw on malformed input. Offering PLAIN only over TLS is the protocol
 * layer's job (RFC 4616 §6).
 *
 * Strings are passed to the directory as sent (strictly validated UTF-8, no
 * SASLprep applied here); the directory may normalize with `saslprep()`.
 */

import type { SaslCredentials, SaslStep } from './types.ts';
import { SaslSessionBase, badCredentials, challenge, decodeUtf8, failure, malformed } from './util.ts';

export interface PlainOptions {
  allowAuthzid?: boolean;
}

export class PlainSession extends SaslSessionBase {
  override readonly mechanism = 'PLAIN' as const;
  readonly #creds: SaslCredentials;
  readonly #allowAuthzid: boolean;

  constructor(creds: SaslCredentials, opts: PlainOptions = {}) {
    super();
    this.#creds = creds;
    this.#allowAuthzid = opts.allowAuthzid === true;
  }

  protected override async onStart(initial: Buffer | undefined): Promise<SaslStep> {
    // RFC 4616 §2 / RFC 4422 §5: PLAIN is client-first; without an initial
    // response the server sends an empty challenge and the message follows.
    if (initial === undefined) return challenge(Buffer.alloc(0));
    return this.#handle(initial);
  }

  protected override async onStep(response: Buffer): Promise<SaslStep> {
    return this.#handle(response);
  }

  async #handle(message: Buffer): Promise<SaslStep> {
    // RFC 4616 §2: message = [authzid] UTF8NUL authcid UTF8NUL passwd, where
    // each field is UTF-8 encoded; reject invalid UTF-8 outright.
    const text = decodeUtf8(message);
    if (text === null) return malformed('PLAIN message is not valid UTF-8');

    // RFC 4616 §2: exactly two NUL separators (fields are 1*SAFE and SAFE
    // excludes NUL, so any other NUL count is malformed).
    const parts = text.split('\u0000');
    if (parts.length !== 3) return malformed('PLAIN message must contain exactly two NUL separators');
    const [authzid, authcid, passwd] = parts as [string, string, string];

    // RFC 4616 §2: authcid = 1*SAFE and passwd = 1*SAFE (non-empty);
    // authzid is optional (empty means "same as authcid").
    if (authcid.length === 0) return malformed('PLAIN authentication identity is empty');
    if (passwd.length === 0) return malformed('PLAIN password is empty');

    // RFC 4616 §2: the server verifies authcid/passwd against its directory.
    const username = await this.directory(() => this.#creds.verifyPassword(authcid, passwd));
    if (username === null || typeof username !== 'string' || username.length === 0) return badCredentials();

    // RFC 4616 §2: an authzid that differs from the authcid is an explicit
    // request to act as another identity; refuse unless allowed (the caller
    // then authorizes it). Matching the canonical name is not a request.
    if (authzid.length > 0 && authzid !== authcid && authzid !== username) {
      if (!this.#allowAuthzid) {
        return failure('unsupported-authzid', 'authorization identity not permitted');
      }
      return { kind: 'success', username, authzid };
    }
    return { kind: 'success', username };
  }
}
