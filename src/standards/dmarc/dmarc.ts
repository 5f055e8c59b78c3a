/**
 * DMARC evaluation, RFC 7489 (with the RFC 9989 "DMARCbis" DNS Tree Walk as an option).
 *
 * Takes the SPF result of the MAIL FROM identity (RFC 7208 §2.4: for a null reverse-path that is
 * the HELO domain) and the DKIM results as inputs and never recomputes them (RFC 7489 §4.2).
 * Steps: policy discovery (§6.6.3: `_dmarc.<From domain>`, then `_dmarc.<Organizational
 * Domain>`), identifier alignment (§3.1: relaxed = same Organizational Domain by the PSL, §3.2;
 * strict = identical), result (§6.6.2: pass when SPF or DKIM passes *and* aligns), policy (p, or
 * sp when the record came from the Organizational Domain, §6.3), and the disposition with `pct`
 * sampling (§6.6.4: a message not sampled gets the next weaker policy) through an injectable
 * random source.
 *
 * The `dmarcbis` mode delegates discovery and alignment to mailauth's RFC 9989 implementation
 * (Tree Walk §4.10, np=, t=, psd=); it has no pct (removed in RFC 9989), so nothing is sampled.
 *
 * Must never: query DNS except through the injected resolver; turn a DNS failure into pass or
 * none (it is temperror: the caller answers 451); recompute SPF or DKIM.
 */
import { evaluateDmarc as mailauthDmarc } from 'mailauth/lib/dmarc/index.js';
import { toMailauthResolver, type MailauthResolver, type Resolver } from '../../dns/resolver.ts';
import { normalizeName } from '../../dns/names.ts';
import { organizationalDomain } from '../orgdomain/orgdomain.ts';
import { effectivePolicies, isDmarcRecord, parseDmarcRecord, type AlignmentMode, type DmarcPolicy, type DmarcRecord } from './record.ts';

/** RFC 7489 §11.2 / RFC 8601 §2.7.2 DMARC results. */
export type DmarcResult =
  /** An aligned identifier passed SPF or DKIM (§6.6.2). */
  | 'pass'
  /** A policy exists and no authenticated identifier aligns (§6.6.2). */
  | 'fail'
  /** No DMARC policy record was found (§6.6.3). */
  | 'none'
  /** A DNS error prevented discovery (§6.6.3 last paragraph: the receiver decides; we say try later). */
  | 'temperror'
  /** The published record(s) cannot be used: several records, or a broken one (§11.2). */
  | 'permerror';

export type Disposition = DmarcPolicy;

export type DmarcSpfInput = { result: string; domain: string };
export type DmarcDkimInput = { result: string; domain: string; selector?: string; risks?: readonly string[] };

export type DmarcInput = {
  /** The RFC5322.From domain (§3.1; one author domain, see author.ts). */
  fromDomain: string;
  /** The SPF result for the MAIL FROM identity (its `domain` is the one SPF checked). */
  spf: DmarcSpfInput;
  /** Every DKIM signature result. */
  dkim: readonly DmarcDkimInput[];
  resolver: Resolver;
  /** [0, 1) source for pct sampling (§6.6.4). Default Math.random. */
  random?: () => number;
  /** `rfc7489` (default): PSL Organizational Domain. `dmarcbis`: RFC 9989 Tree Walk via mailauth. */
  mode?: 'rfc7489' | 'dmarcbis';
};

export type AlignmentDetail = {
  aligned: boolean;
  mode: AlignmentMode;
  /** The authenticated domain that aligned (or the one checked, for SPF). */
  domain?: string;
  /** DKIM: the selector of the aligned signature. */
  selector?: string;
};

export type DmarcEvaluation = {
  result: DmarcResult;
  mode: 'rfc7489' | 'dmarcbis';
  /** The author domain evaluated (lower case). */
  fromDomain: string;
  /** Its Organizational Domain, when it has one. */
  orgDomain?: string;
  /** Where the applied record was published (the From domain or its Organizational Domain). */
  policyDomain?: string;
  /** The requested policy: p, or sp for a record inherited from the Organizational Domain. */
  policy: DmarcPolicy;
  /** What to do with this message: `none` for a pass; the policy, or the next weaker one when pct sampling excluded it. */
  disposition: Disposition;
  /** §6.3 pct of the record (100 without a record). */
  pct: number;
  /** False when pct sampling applied a weaker disposition (§6.6.4). */
  sampled: boolean;
  alignment: { spf: AlignmentDetail; dkim: AlignmentDetail };
  record?: DmarcRecord;
  /** Why the result is what it is, for logs and the Authentication-Results comment. */
  reason?: string;
};

/** §6.6.4: a message not selected by pct gets the next policy in order. */
const WEAKER: Record<DmarcPolicy, DmarcPolicy> = { reject: 'quarantine', quarantine: 'none', none: 'none' };

type Discovery =
  | { kind: 'record'; record: DmarcRecord; domain: string }
  | { kind: 'none' }
  | { kind: 'temperror'; reason: string }
  | { kind: 'permerror'; reason: string };

/** §6.6.3 steps 1–5 for one name: the DMARC records at `_dmarc.<domain>`. */
async function fetchRecords(resolver: Resolver, domain: string): Promise<{ ok: true; records: string[] } | { ok: false; reason: string }> {
  const answer = await resolver.txt(`_dmarc.${domain}`);
  if (answer.status === 'temperror') return { ok: false, reason: `DNS error for _dmarc.${domain}: ${answer.reason}` };
  if (answer.status !== 'ok') return { ok: true, records: [] };
  return { ok: true, records: answer.records.map((r) => r.text).filter(isDmarcRecord) };
}

async function discover(resolver: Resolver, fromDomain: string, orgDomain: string | undefined): Promise<Discovery> {
  const names = orgDomain !== undefined && orgDomain !== fromDomain ? [fromDomain, orgDomain] : [fromDomain];
  for (const name of names) {
    const fetched = await fetchRecords(resolver, name);
    if (!fetched.ok) return { kind: 'temperror', reason: fetched.reason };
    if (fetched.records.length === 0) continue; // step 3: try the Organizational Domain
    // Step 5: several records end discovery; the owner has to fix it.
    if (fetched.records.length > 1) return { kind: 'permerror', reason: `${fetched.records.length} DMARC records at _dmarc.${name}` };
    const parsed = parseDmarcRecord(fetched.records[0] ?? '');
    if (!parsed.ok) return { kind: 'permerror', reason: `invalid DMARC record at _dmarc.${name}: ${parsed.reason}` };
    return { kind: 'record', record: parsed.record, domain: name };
  }
  return { kind: 'none' };
}

/** §3.1.1 (DKIM) / §3.1.2 (SPF): strict = identical, relaxed = same Organizational Domain. */
export function aligns(authenticated: string, fromDomain: string, mode: AlignmentMode): boolean {
  const a = normalizeName(authenticated);
  const f = normalizeName(fromDomain);
  if (a === undefined || f === undefined || a === '' || f === '') return false;
  if (a === f) return true;
  if (mode === 'strict') return false;
  const orgA = organizationalDomain(a);
  return orgA !== undefined && orgA === organizationalDomain(f);
}

function alignment(input: DmarcInput, fromDomain: string, aspf: AlignmentMode, adkim: AlignmentMode): DmarcEvaluation['alignment'] {
  const spf: AlignmentDetail = { aligned: input.spf.result === 'pass' && aligns(input.spf.domain, fromDomain, aspf), mode: aspf };
  if (input.spf.domain !== '') spf.domain = input.spf.domain;
  const dkim: AlignmentDetail = { aligned: false, mode: adkim };
  // Prefer a signature that covers the whole body (no l=) when several align.
  const passing = input.dkim
    .filter((s) => s.result === 'pass' && aligns(s.domain, fromDomain, adkim))
    .sort((a, b) => Number(a.risks?.includes('body-length-limit') ?? false) - Number(b.risks?.includes('body-length-limit') ?? false));
  const best = passing[0];
  if (best !== undefined) {
    dkim.aligned = true;
    dkim.domain = best.domain;
    if (best.selector !== undefined) dkim.selector = best.selector;
  }
  return { spf, dkim };
}

const noAlignment = (): DmarcEvaluation['alignment'] => ({
  spf: { aligned: false, mode: 'relaxed' },
  dkim: { aligned: false, mode: 'relaxed' },
});

/** Evaluate DMARC for one author domain. */
export async function evaluateDmarc(input: DmarcInput): Promise<DmarcEvaluation> {
  const mode = input.mode ?? 'rfc7489';
  const fromDomain = normalizeName(input.fromDomain);
  const base = { mode, fromDomain: fromDomain ?? input.fromDomain.toLowerCase(), pct: 100, sampled: true, policy: 'none' as const, disposition: 'none' as const };
  if (fromDomain === undefined || fromDomain === '' || !fromDomain.includes('.')) {
    return { ...base, result: 'permerror', alignment: noAlignment(), reason: `invalid author domain ${JSON.stringify(input.fromDomain)}` };
  }
  if (mode === 'dmarcbis') return evaluateBis(input, fromDomain);

  const orgDomain = organizationalDomain(fromDomain);
  const found = await discover(input.resolver, fromDomain, orgDomain);
  const withOrg = orgDomain === undefined ? {} : { orgDomain };
  if (found.kind === 'none') return { ...base, ...withOrg, result: 'none', alignment: noAlignment(), reason: 'no DMARC record' };
  if (found.kind !== 'record') return { ...base, ...withOrg, result: found.kind, alignment: noAlignment(), reason: found.reason };

  const { record, domain: policyDomain } = found;
  const policies = effectivePolicies(record);
  if (policies === undefined) {
    // §6.6.3 step 6.2: no valid p and no rua: no DMARC processing for this message.
    return { ...base, ...withOrg, policyDomain, record, result: 'permerror', alignment: noAlignment(), reason: record.problems.join('; ') };
  }
  // §6.3 "sp": applies to subdomains when the record is the Organizational Domain's.
  const policy = policyDomain !== fromDomain ? (policies.sp ?? policies.p) : policies.p;
  const align = alignment(input, fromDomain, record.aspf, record.adkim);
  const pass = align.spf.aligned || align.dkim.aligned; // §6.6.2
  let disposition: Disposition = 'none';
  let sampled = true;
  if (!pass) {
    // §6.3 "pct" / §6.6.4: `(random mod 100) < pct` selects the message for the policy.
    sampled = record.pct >= 100 || (input.random ?? Math.random)() * 100 < record.pct;
    disposition = sampled ? policy : WEAKER[policy];
  }
  const out: DmarcEvaluation = {
    ...base,
    ...withOrg,
    result: pass ? 'pass' : 'fail',
    policyDomain,
    policy,
    disposition,
    pct: record.pct,
    sampled,
    alignment: align,
    record,
  };
  if (!pass) out.reason = `no aligned identifier passed (SPF ${input.spf.result} for ${input.spf.domain || 'no domain'}, ${input.dkim.filter((d) => d.result === 'pass').length} passing DKIM signature(s))`;
  return out;
}

/** mailauth's resolver contract, with CNAME answered as "none" (our port follows CNAMEs itself). */
function bisResolver(resolver: Resolver): MailauthResolver {
  const inner = toMailauthResolver(resolver);
  return async (name, rrtype) => {
    if (rrtype.toUpperCase() === 'CNAME') throw Object.assign(new Error(`queryCname ENODATA ${name}`), { code: 'ENODATA' });
    return inner(name, rrtype);
  };
}

const POLICY_WORDS = new Set<string>(['none', 'quarantine', 'reject']);
const asPolicy = (v: unknown): DmarcPolicy => (typeof v === 'string' && POLICY_WORDS.has(v) ? (v as DmarcPolicy) : 'none');

/** RFC 9989 through mailauth (Tree Walk §4.10; alignment §4.4; np/sp/t §4.7). */
async function evaluateBis(input: DmarcInput, fromDomain: string): Promise<DmarcEvaluation> {
  const { response } = await mailauthDmarc({
    headerFrom: [`dmarc@${fromDomain}`],
    fromFields: 1,
    spfDomains: input.spf.result === 'pass' && input.spf.domain !== '' ? [input.spf.domain] : [],
    dkimDomains: input.dkim.filter((d) => d.result === 'pass').map((d) => ({ domain: d.domain })),
    resolver: bisResolver(input.resolver) as never,
    strict: true,
  });
  const base = { mode: 'dmarcbis' as const, fromDomain, pct: 100, sampled: true };
  if (response === false) return { ...base, result: 'permerror', policy: 'none', disposition: 'none', alignment: noAlignment(), reason: 'no author domain' };
  const word = response.status.result;
  const result: DmarcResult = word === 'pass' || word === 'fail' || word === 'none' || word === 'temperror' ? word : 'permerror';
  const parsed = response.rr ? parseDmarcRecord(response.rr) : undefined;
  const adkim: AlignmentMode = response.alignment?.dkim?.strict ? 'strict' : 'relaxed';
  const aspf: AlignmentMode = response.alignment?.spf?.strict ? 'strict' : 'relaxed';
  const policy = asPolicy(response.policy);
  const out: DmarcEvaluation = {
    ...base,
    result,
    policy,
    disposition: result === 'fail' ? policy : 'none',
    alignment: {
      spf: { aligned: Boolean(response.alignment?.spf?.result), mode: aspf, ...(input.spf.domain ? { domain: input.spf.domain } : {}) },
      dkim: { aligned: Boolean(response.alignment?.dkim?.result), mode: adkim, ...(response.alignment?.dkim?.result ? { domain: response.alignment.dkim.result } : {}) },
    },
  };
  if (response.domain) out.orgDomain = response.domain;
  if (response.policyDomain) out.policyDomain = response.policyDomain;
  if (parsed?.ok) out.record = parsed.record;
  if (response.error) out.reason = response.error;
  return out;
}
