/**
 * SASL LOGIN, server side (draft-murchison-sasl-login-00, the de-facto
 * "AUTH LOGIN" used by SMTP/IMAP/POP3 clients).
 *
 * Implements: the two-challenge exchange "Username:" then "Password:", with an
 * optional initial response carrying the user name, and password verification
 * through the injected directory.
 *
 * Must never: log, store or echo the password (not even in failure messages);
 * throw on malformed input. Offering LOGIN only over TLS is the protocol
 * layer's job (draft §4: the password is sent in the clear).
 */

import type { SaslCredentials, SaslStep } from './types.ts';
import { SaslSessionBase, badCredentials, challenge, decodeUtf8, malformed } from './util.ts';

/**
 * draft-murchison-sasl-login-00 §2: the challenge texts SHOULD be "User Name"
 * and "Password", and clients ignore them; we send the prompts that deployed
 * servers use and legacy clients expect.
 */
export const LOGIN_USERNAME_CHALLENGE = 'Username:';
export const LOGIN_PASSWORD_CHALLENGE = 'Password:';

export class LoginSession extends SaslSessionBase {
  override readonly mechanism = 'LOGIN' as const;
  readonly #creds: SaslCredentials;
  #username: string | null = null;

  constructor(creds: SaslCredentials) {
    super();
    this.#creds = creds;
  }

  protected override async onStart(initial: Buffer | undefined): Promise<SaslStep> {
    // draft-murchison-sasl-login §2: the client MAY send the user name as an
    // initial response; otherwise the server prompts for it. An empty initial
    // response carries no user name and is treated as absent.
    if (initial === undefined || initial.length === 0) return challenge(LOGIN_USERNAME_CHALLENGE);
    return this.#takeUsername(initial);
  }

  protected override async onStep(response: Buffer): Promise<SaslStep> {
    if (this.#username === null) return this.#takeUsername(response);
    return this.#takePassword(this.#username, response);
  }

  #takeUsername(response: Buffer): SaslStep {
    // draft-murchison-sasl-login §2: the user name is UTF-8 text; it must be
    // non-empty and cannot contain NUL.
    const username = decodeUtf8(response);
    if (username === null) return malformed('LOGIN user name is not valid UTF-8');
    if (username.length === 0) return malformed('LOGIN user name is empty');
    if (username.includes('\u0000')) return malformed('LOGIN user name contains NUL');
    this.#username = username;
    // draft-murchison-sasl-login §2: second challenge asks for the password.
    return challenge(LOGIN_PASSWORD_CHALLENGE);
  }

  async #takePassword(username: string, response: Buffer): Promise<SaslStep> {
    // draft-murchison-sasl-login §2: the password is UTF-8 text; it must be
    // non-empty and cannot contain NUL.
    const password = decodeUtf8(response);
    if (password === null) return malformed('LOGIN password is not valid UTF-8');
    if (password.length === 0) return malformed('LOGIN password is empty');
    if (password.includes('\u0000')) return malformed('LOGIN password contains NUL');
    const canonical = await this.directory(() => this.#creds.verifyPassword(username, password));
    if (canonical === null || typeof canonical !== 'string' || canonical.length === 0) return badCredentials();
    return { kind: 'success', username: canonical };
  }
}
