/**
 * Shared types for the server-side SASL mechanisms (RFC 4422) used by the
 * SMTP, IMAP and POP3 servers.
 *
 * The mechanisms are sans-I/O state machines: they never touch sockets or
 * storage and never log. Account data comes only through the injected
 * `SaslCredentials`. Nothing here may ever log, store or echo back a password
 * or a password-equivalent secret.
 */

export type SaslMechanismName = 'PLAIN' | 'LOGIN' | 'CRAM-MD5' | 'SCRAM-SHA-256';

/** What the mechanism needs from the account directory; injected. */
export interface SaslCredentials {
  /** Verify a cleartext password (PLAIN, LOGIN). Resolves to the canonical username on success, null on failure. */
  verifyPassword(username: string, password: string): Promise<string | null>;
  /** CRAM-MD5 needs a plaintext-equivalent secret; return null when unavailable for that user. */
  cramSecret?(username: string): Promise<string | null>;
  /** SCRAM-SHA-256 stored keys (RFC 5802 §3 / RFC 7677): null if the user has none. */
  scramKeys?(username: string): Promise<ScramStoredKeys | null>;
}

export interface ScramStoredKeys {
  salt: Buffer;
  iterations: number;
  storedKey: Buffer;
  serverKey: Buffer;
}

export type SaslStep =
  /** Send to client (protocol layer base64-encodes; empty Buffer = empty challenge). */
  | { kind: 'challenge'; data: Buffer }
  /** data = server-final additional data (SCRAM), sent per protocol rules. */
  | { kind: 'success'; username: string; authzid?: string; data?: Buffer }
  | {
      kind: 'failure';
      reason: 'malformed' | 'credentials' | 'unsupported-authzid' | 'aborted';
      message: string;
    };

export interface SaslSession {
  readonly mechanism: SaslMechanismName;
  /**
   * Feed the client's initial response (already base64-decoded by the
   * protocol layer). `initial` is undefined when no initial response was sent.
   */
  start(initial: Buffer | undefined): Promise<SaslStep>;
  /** Feed the client's next response (already base64-decoded by the protocol layer). */
  step(response: Buffer): Promise<SaslStep>;
}

/** Options for `createSaslSession`. */
export interface SaslSessionOptions {
  /** Our host name; used in the CRAM-MD5 challenge (RFC 2195 §2). */
  hostname: string;
  /**
   * Accept an authorization identity different from the authentication
   * identity (PLAIN authzid, SCRAM `a=`). When true, the session reports it in
   * `success.authzid` and the CALLER must decide whether `username` may act as
   * `authzid`. Default false: such requests fail with 'unsupported-authzid'.
   */
  allowAuthzid?: boolean;
  /** SCRAM-SHA-256 only, for tests: the server nonce part (printable ASCII except ','). Default: random. */
  nonce?: string;
  /** CRAM-MD5 only, for tests: the full challenge, e.g. '<1896.697170952@postoffice.reston.mci.net>'. Default: random. */
  challenge?: string;
}
