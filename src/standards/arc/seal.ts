/**
 * ARC sealing, RFC 8617 §5.1: add one ARC set (ARC-Authentication-Results, ARC-Message-Signature,
 * ARC-Seal) when we forward or change a message (aliases to external addresses, mailing lists).
 *
 * A thin adapter over mailauth's createSeal() in strict mode. The caller validates the existing
 * chain first (validateArc) and passes its status: it becomes the new seal's cv= (§4.1.3,
 * §5.1.1: none for the first set, else pass/fail). mailauth refuses (and we report why) to seal
 * a chain whose newest seal already says cv=fail (§5.1.2: "no further ARC sets"), to reuse an
 * instance, or to go past 50 sets (§4.2.1). The AMS and AS use relaxed canonicalization; the AMS
 * never signs ARC header fields or Authentication-Results (§4.1.2).
 *
 * Must never: sign with a key it was not given, touch the message bytes (it returns the header
 * lines to prepend), or invent a cv the validation did not produce.
 */
import { createSeal } from 'mailauth';
import type { ArcChainStatus } from './validate.ts';

export type SealInput = {
  /** The message as it will be forwarded (after our own changes). */
  message: Buffer | string;
  /** validateArc(message).chain: the cv= of the new set. */
  chain: ArcChainStatus;
  /** The AAR payload after "i=N;": "<our authserv-id>; spf=...; dkim=...; dmarc=..." (§4.1.1). */
  authResults: string;
  /** d= and s= of the sealing key (a DKIM key record, §4.1.2/§4.1.3). */
  signingDomain: string;
  selector: string;
  /** PEM, RSA (≥ 1024 bits) or Ed25519. */
  privateKey: string | Buffer;
  /** Header fields for the AMS h= (default: mailauth's DKIM list). */
  headerList?: readonly string[];
  /** Signing time (t=); default now. */
  signTime?: Date;
};

export type SealResult =
  | { ok: true; instance: number; cv: ArcChainStatus; headers: string }
  | { ok: false; code: string; reason: string };

/** Create the next ARC set for a message. `headers` ends with CRLF, ready to prepend. */
export async function sealArc(input: SealInput): Promise<SealResult> {
  const message = typeof input.message === 'string' ? Buffer.from(input.message, 'binary') : input.message;
  const sealed = await createSeal(message, {
    seal: {
      signingDomain: input.signingDomain,
      selector: input.selector,
      privateKey: input.privateKey,
      cv: input.chain,
      authResults: input.authResults,
      ...(input.headerList ? { headerList: [...input.headerList] } : {}),
      ...(input.signTime ? { signTime: input.signTime } : {}),
      strict: true,
    },
    strict: true,
  });
  const [first] = sealed.errors;
  if (sealed.headers.length === 0 || first !== undefined) {
    return { ok: false, code: first?.err.code ?? 'ENOSEAL', reason: first?.err.message ?? 'no ARC set was created' };
  }
  const instance = Number(/\bi=([0-9]+)/.exec(sealed.headers[0] ?? '')?.[1] ?? 0);
  return { ok: true, instance, cv: input.chain, headers: sealed.headers.map((h) => `${h}\r\n`).join('') };
}
