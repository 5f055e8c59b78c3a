/**
 * Server-side SASL (RFC 4422) for the SMTP, IMAP and POP3 servers: PLAIN,
 * LOGIN, CRAM-MD5 and SCRAM-SHA-256 as sans-I/O state machines.
 *
 * The protocol layer owns the wire: it base64-decodes client responses,
 * handles the "*" cancel response, encodes challenges, sends SCRAM's
 * server-final data per its own rules, and decides which mechanisms to offer
 * on which connection (PLAIN/LOGIN only under TLS). This module owns the
 * mechanism logic only.
 *
 * Must never: log, store or echo passwords or password-equivalent secrets;
 * perform I/O; throw on malformed client input (that is a 'malformed'
 * failure). A rejection from the injected directory is passed through.
 */

import { CramMd5Session } from './cram-md5.ts';
import { LoginSession } from './login.ts';
import { PlainSession } from './plain.ts';
import { ScramSha256Session } from './scram-sha-256.ts';
import type { SaslCredentials, SaslMechanismName, SaslSession, SaslSessionOptions } from './types.ts';

export type {
  SaslCredentials,
  SaslMechanismName,
  SaslSession,
  SaslSessionOptions,
  SaslStep,
  ScramStoredKeys,
} from './types.ts';
export { deriveScramKeys, SCRAM_DEFAULT_ITERATIONS } from './scram-sha-256.ts';
export { saslprep } from './saslprep.ts';

/** Every mechanism this module implements, strongest first (the order to advertise them in). */
export const SUPPORTED_MECHANISMS: readonly SaslMechanismName[] = Object.freeze([
  'SCRAM-SHA-256',
  'CRAM-MD5',
  'PLAIN',
  'LOGIN',
] as const);

/**
 * Map a client-supplied mechanism name to ours. RFC 4422 §3.1 names are
 * upper case; protocol commands compare them case-insensitively.
 */
export function parseMechanismName(name: string): SaslMechanismName | null {
  const upper = name.toUpperCase();
  return (SUPPORTED_MECHANISMS as readonly string[]).includes(upper) ? (upper as SaslMechanismName) : null;
}

/** The supported mechanisms this directory can back (CRAM-MD5 needs `cramSecret`, SCRAM needs `scramKeys`). */
export function availableMechanisms(creds: SaslCredentials): SaslMechanismName[] {
  return SUPPORTED_MECHANISMS.filter((m) => {
    if (m === 'CRAM-MD5') return typeof creds.cramSecret === 'function';
    if (m === 'SCRAM-SHA-256') return typeof creds.scramKeys === 'function';
    return true;
  });
}

/**
 * Create one authentication exchange. Throws (TypeError) only for programming
 * errors: an unknown mechanism, or an invalid hostname/nonce/challenge option.
 * A directory lacking `cramSecret`/`scramKeys` makes that mechanism fail with
 * 'credentials' (use `availableMechanisms` to decide what to advertise).
 */
export function createSaslSession(
  mech: SaslMechanismName,
  creds: SaslCredentials,
  opts: SaslSessionOptions,
): SaslSession {
  switch (mech) {
    case 'PLAIN':
      return new PlainSession(creds, { allowAuthzid: opts.allowAuthzid });
    case 'LOGIN':
      return new LoginSession(creds);
    case 'CRAM-MD5':
      return new CramMd5Session(creds, { hostname: opts.hostname, challenge: opts.challenge });
    case 'SCRAM-SHA-256':
      return new ScramSha256Session(creds, { allowAuthzid: opts.allowAuthzid, nonce: opts.nonce });
    default:
      throw new TypeError(`unsupported SASL mechanism: ${String(mech as unknown)}`);
  }
}
