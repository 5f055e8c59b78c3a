/**
 * Stage "dkim-sign" (submission only): mail an authenticated user submits with a From address
 * at one of our domains is signed with that domain's keys, RSA-SHA256 and Ed25519-SHA256
 * (RFC 6376, RFC 8463 dual signature), relaxed/relaxed, From oversigned (standards/dkim/sign.ts).
 *
 * Signed here, at submission, rather than at delivery: the message is signed once and stored
 * signed, so local copies, every queue entry and every retry carry the same signatures, and a key
 * rotation never changes a message already accepted. The headers stage has already checked that
 * the user owns the From address.
 *
 * Verdict: the DKIM-Signature fields to prepend ('' when nothing is signed). A store failure
 * while fetching or making the keys is a tempfail (unsigned mail from a DMARC p=reject domain
 * would be lost); a message the signer cannot sign goes out unsigned, with a warning.
 */
import { getFields, parseAddressList, type HeaderField } from '../../mail/headers.ts';
import { replies } from '../../smtp/replies.ts';
import { dkimSign, type SigningKey } from '../../standards/dkim/sign.ts';
import type { Logger } from '../../lib/logger.ts';
import { cont, tempfail, type SessionContext, type Verdict } from '../types.ts';

export interface DkimSigningDeps {
  isLocalDomain(domain: string): Promise<boolean>;
  /** The active keys of a local domain (made on first use). */
  keysFor(domain: string): Promise<SigningKey[]>;
  logger: Logger;
}

export async function dkimSignStage(deps: DkimSigningDeps, ctx: SessionContext, fields: HeaderField[], content: () => AsyncIterable<Buffer>): Promise<Verdict<string>> {
  if (ctx.mode !== 'submission' || !ctx.user) return cont('');
  const from = getFields(fields, 'From').flatMap((f) => parseAddressList(f.value))[0]?.address;
  const domain = from?.slice(from.lastIndexOf('@') + 1).toLowerCase();
  if (!domain) return cont('');
  let keys: SigningKey[];
  try {
    if (!(await deps.isLocalDomain(domain))) return cont('');
    keys = await deps.keysFor(domain);
  } catch (e) {
    deps.logger.error({ session: ctx.id, domain, err: e }, 'dkim-sign: cannot load or make signing keys');
    return tempfail(replies.localError());
  }
  if (!keys.length) return cont('');
  const r = await dkimSign(content(), keys);
  if (!r.ok) {
    deps.logger.warn({ session: ctx.id, domain, error: r.error }, 'dkim-sign: message not signed');
    return cont('');
  }
  deps.logger.debug({ session: ctx.id, domain, selectors: keys.map((k) => k.selector) }, 'dkim-sign: signed');
  return cont(r.headers);
}
