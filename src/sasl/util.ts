/**
 * Internal helpers shared by the SASL mechanisms: the common session state
 * machine (start → steps → one final result), strict decoding helpers and a
 * constant-time comparison.
 *
 * Must never: log anything, include client-supplied secrets in failure
 * messages, or let malformed client input surface as an exception.
 */

import { isUtf8 } from 'node:buffer';
import { timingSafeEqual } from 'node:crypto';
import type { SaslMechanismName, SaslSession, SaslStep } from './types.ts';

/**
 * Upper bound on a single client response, in octets. Far above anything a
 * legitimate client sends for these mechanisms (RFC 4616 §2 only requires
 * 255-octet fields), and low enough to bound the work done on hostile input.
 */
export const MAX_RESPONSE_OCTETS = 8192;

export type FailureReason = Extract<SaslStep, { kind: 'failure' }>['reason'];

export function challenge(data: Buffer | string): SaslStep {
  return { kind: 'challenge', data: typeof data === 'string' ? Buffer.from(data, 'utf8') : data };
}

export function failure(reason: FailureReason, message: string): SaslStep {
  return { kind: 'failure', reason, message };
}

export function malformed(message: string): SaslStep {
  return failure('malformed', message);
}

/** Generic message for bad credentials: never says which part was wrong. */
export function badCredentials(): SaslStep {
  return failure('credentials', 'authentication failed');
}

/** Strict UTF-8 decode: null for invalid UTF-8 (overlongs, surrogates, truncation). A BOM is kept, not stripped. */
export function decodeUtf8(buf: Buffer): string | null {
  if (!isUtf8(buf)) return null;
  return buf.toString('utf8');
}

/** Constant-time equality; unequal lengths still cost one comparison and return false. */
export function safeEqual(a: Buffer, b: Buffer): boolean {
  if (a.length !== b.length) {
    timingSafeEqual(a, a);
    return false;
  }
  return timingSafeEqual(a, b);
}

const BASE64_RE = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Strict RFC 4648 §4 base64 (padding required, no whitespace); null when invalid. */
export function decodeBase64Strict(s: string): Buffer | null {
  if (!BASE64_RE.test(s)) return null;
  return Buffer.from(s, 'base64');
}

/** Wraps a rejection from the injected directory so it is re-thrown, not mistaken for bad input. */
class DirectoryFailure {
  readonly cause: unknown;
  constructor(cause: unknown) {
    this.cause = cause;
  }
}

/**
 * Common state machine. Subclasses implement `onStart`/`onStep`; this class
 * guarantees that:
 *  - `start` may be called once, `step` only after `start` and only while the
 *    previous result was a challenge; anything else yields 'aborted';
 *  - after a success or failure every further call yields 'aborted';
 *  - an unexpected internal exception becomes a 'malformed' failure;
 *  - a rejection from the injected directory (via `directory()`) ends the
 *    session and is re-thrown unchanged, so the protocol layer can answer with
 *    a temporary error instead of "wrong password".
 */
export abstract class SaslSessionBase implements SaslSession {
  abstract readonly mechanism: SaslMechanismName;
  #state: 'new' | 'running' | 'done' = 'new';
  #busy = false;

  protected abstract onStart(initial: Buffer | undefined): Promise<SaslStep>;
  protected abstract onStep(response: Buffer): Promise<SaslStep>;

  start(initial: Buffer | undefined): Promise<SaslStep> {
    if (this.#state !== 'new' || this.#busy) return Promise.resolve(aborted('start called twice'));
    this.#state = 'running';
    if (initial !== undefined && !Buffer.isBuffer(initial)) {
      this.#state = 'done';
      return Promise.resolve(malformed('initial response is not a Buffer'));
    }
    if (initial !== undefined && initial.length > MAX_RESPONSE_OCTETS) {
      this.#state = 'done';
      return Promise.resolve(malformed('response too long'));
    }
    return this.#run(() => this.onStart(initial));
  }

  step(response: Buffer): Promise<SaslStep> {
    if (this.#state !== 'running' || this.#busy) {
      return Promise.resolve(aborted(this.#state === 'new' ? 'step called before start' : 'exchange already finished'));
    }
    if (!Buffer.isBuffer(response)) {
      this.#state = 'done';
      return Promise.resolve(malformed('response is not a Buffer'));
    }
    if (response.length > MAX_RESPONSE_OCTETS) {
      this.#state = 'done';
      return Promise.resolve(malformed('response too long'));
    }
    return this.#run(() => this.onStep(response));
  }

  /** Call the injected directory; its rejections propagate to the caller of start/step. */
  protected async directory<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      throw new DirectoryFailure(err);
    }
  }

  async #run(fn: () => Promise<SaslStep>): Promise<SaslStep> {
    this.#busy = true;
    try {
      const result = await fn();
      if (result.kind !== 'challenge') this.#state = 'done';
      return result;
    } catch (err) {
      this.#state = 'done';
      if (err instanceof DirectoryFailure) throw err.cause;
      return malformed('could not process response');
    } finally {
      this.#busy = false;
    }
  }
}

function aborted(message: string): SaslStep {
  return failure('aborted', message);
}
