/**
 * ARC chain validation, RFC 8617 §5.2: did every intermediary that sealed this message hand it
 * on intact, and what did the last one see (its ARC-Authentication-Results)?
 *
 * A typed adapter over mailauth in strict mode (ARC validation suite: 169/171 strict, 166/171
 * lenient; docs/standards.md). One correction, made here and tested on the suite:
 *
 * - An ARC-Message-Signature without c= (RFC 8617 §4.1.2 imports the DKIM-Signature tags, and
 *   RFC 6376 §3.5 makes the default "simple/simple"). Strict mailauth verifies only that; the
 *   drafts the public suite and deployed sealers were written against defaulted to
 *   relaxed/relaxed, so the suite's `ams_fields_c_na` expects pass. We accept the relaxed/relaxed
 *   reading too, and only that: when the strict run fails and the newest AMS has no c=, we run
 *   mailauth's lenient mode and take its pass only if the *sole* leniency it used was this one
 *   (its warning list is exactly ["ams-c-default"]).
 *
 * Must never: report pass for a chain whose newest seal says cv=fail (§5.2 step 2); trust the
 * AAR of a chain that does not pass (the caller only uses `aar` when chain === 'pass'); query
 * DNS except through the injected resolver.
 */
import type { Readable } from 'node:stream';
import { arc as mailauthArc, dkimVerify, type ARCChainEntry, type ARCData, type ARCResult } from 'mailauth';
import { toMailauthResolver, type MailauthResolver, type Resolver } from '../../dns/resolver.ts';
import { parseAuthResults, type AuthResultEntry } from '../authresults/parse.ts';

/** RFC 8617 §4.4 chain validation status (cv) and the arc= result word of RFC 8601/8617 §6. */
export type ArcChainStatus =
  /** No ARC sets on the message. */
  | 'none'
  /** Every seal and the newest message signature verify; the chain is intact. */
  | 'pass'
  /** Structure, a seal, or the newest AMS is broken, or a sealer already said cv=fail. */
  | 'fail';

export type ArcSet = {
  instance: number;
  /** ARC-Seal (§4.1.3): d=, s=, a=, cv=, t=. */
  seal: { domain: string; selector: string; algorithm: string; cv: string; timestamp?: number };
  /** ARC-Message-Signature (§4.1.2). */
  messageSignature: { domain: string; selector: string; algorithm: string; canonicalization?: string };
};

export type ArcAar = {
  instance: number;
  /** The sealer's authserv-id. */
  authservId: string;
  /** The payload after "i=N;", unfolded, as written. */
  payload: string;
  /** Parsed resinfo entries (spf=, dkim=, dmarc=, ...), when the payload is readable. */
  results: AuthResultEntry[];
};

export type ArcValidation = {
  chain: ArcChainStatus;
  /** Why the chain fails, e.g. "i=2 seal signature validation failed". */
  reason?: string;
  /** The number of ARC sets (the highest valid instance). */
  instances: number;
  sets: ArcSet[];
  /** The newest set's ARC-Authentication-Results (the last hop's view). Trust only on pass. */
  aar?: ArcAar;
  /** d= of each ARC-Seal, oldest first: the sealers to compare with `[arc] trusted_sealers`. */
  sealers: string[];
  correction?: 'ams-c-relaxed-default';
};

export type ArcOptions = { now?: Date };
export type MessageInput = Buffer | string | Readable;

const text = (v: unknown): string => (v === undefined || v === null ? '' : String(v));

function summarize(chain: ARCChainEntry[]): ArcSet[] {
  return chain.map((entry) => {
    const as = entry['arc-seal']?.parsed ?? {};
    const ams = entry['arc-message-signature']?.parsed ?? {};
    const set: ArcSet = {
      instance: entry.i,
      seal: { domain: text(as.d?.value), selector: text(as.s?.value), algorithm: text(as.a?.value), cv: text(as.cv?.value).toLowerCase() },
      messageSignature: { domain: text(ams.d?.value), selector: text(ams.s?.value), algorithm: text(ams.a?.value) },
    };
    if (typeof as.t?.value === 'number') set.seal.timestamp = as.t.value;
    if (ams.c?.value !== undefined) set.messageSignature.canonicalization = text(ams.c.value);
    return set;
  });
}

/** The AAR of one set: "i=N; payload" → payload, parsed (RFC 8617 §4.1.1). */
function readAar(entry: ARCChainEntry): ArcAar | undefined {
  const original = (entry['arc-authentication-results'] as { original?: Buffer | string } | undefined)?.original;
  if (original === undefined) return undefined;
  const value = original.toString().replace(/\r?\n/g, '');
  const afterName = value.slice(value.indexOf(':') + 1);
  const m = /^\s*i\s*=\s*[0-9]+\s*;(.*)$/s.exec(afterName);
  const payload = (m?.[1] ?? '').trim();
  const parsed = parseAuthResults(payload);
  return { instance: entry.i, authservId: parsed?.authservId ?? payload.split(';')[0]?.trim() ?? '', payload, results: parsed?.results ?? [] };
}

type Run = { result: ARCResult; data: ARCData & { chain?: ARCChainEntry[] | false } };

async function run(message: Buffer, resolver: MailauthResolver, strict: boolean, now: Date | undefined): Promise<Run> {
  const verified = await dkimVerify(message, { resolver: resolver as never, strict, minBitLength: 1024, ...(now ? { curTime: now } : {}) });
  // The ARC data is a non-enumerable property of mailauth's DKIM result (the AMS is verified there).
  const data = ((verified as { arc?: unknown }).arc ?? { chain: false }) as Run['data'];
  const result = await mailauthArc(data as ARCData, { resolver: resolver as never, strict, minBitLength: 1024 });
  return { result, data };
}

async function toBuffer(message: MessageInput): Promise<Buffer> {
  if (Buffer.isBuffer(message)) return message;
  if (typeof message === 'string') return Buffer.from(message, 'binary');
  // Two passes may be needed (see the module comment), so a stream is read once into memory;
  // the SMTP layer has already capped the message size.
  const chunks: Buffer[] = [];
  for await (const chunk of message) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string));
  return Buffer.concat(chunks);
}

/** Validate the ARC chain of a message (RFC 8617 §5.2). */
export async function validateArc(message: MessageInput, resolver: Resolver, opts: ArcOptions = {}): Promise<ArcValidation> {
  const bytes = await toBuffer(message);
  const dns = toMailauthResolver(resolver);
  let { result, data } = await run(bytes, dns, true, opts.now);
  let correction: ArcValidation['correction'];

  const newestAms = data.chain ? data.chain[data.chain.length - 1]?.['arc-message-signature'] : undefined;
  if (result.status.result === 'fail' && newestAms !== undefined && newestAms.parsed?.c === undefined) {
    // RFC 8617 §4.1.2 + RFC 6376 §3.5 vs. the drafts' relaxed/relaxed default: see the module comment.
    const lenient = await run(bytes, dns, false, opts.now);
    const warnings = lenient.result.warnings ?? [];
    if (lenient.result.status.result === 'pass' && warnings.length === 1 && warnings[0] === 'ams-c-default') {
      ({ result } = lenient);
      correction = 'ams-c-relaxed-default';
    }
  }

  const chain = data.chain || [];
  const status = result.status.result;
  const out: ArcValidation = {
    chain: status === 'pass' ? 'pass' : status === 'none' ? 'none' : 'fail',
    instances: chain.length > 0 ? (chain[chain.length - 1]?.i ?? 0) : 0,
    sets: summarize(chain),
    sealers: chain.map((e) => text(e['arc-seal']?.parsed?.d?.value).toLowerCase()),
  };
  if (out.chain === 'fail' && typeof result.status.comment === 'string') out.reason = result.status.comment;
  if (out.chain === 'fail' && out.reason === undefined && data.error) out.reason = data.error.message;
  const newest = chain[chain.length - 1];
  const aar = newest ? readAar(newest) : undefined;
  if (aar) out.aar = aar;
  if (correction) out.correction = correction;
  return out;
}
