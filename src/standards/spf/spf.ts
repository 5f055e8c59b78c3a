/**
 * SPF, RFC 7208: may this client IP send mail for the domain of the MAIL FROM (or HELO) identity?
 *
 * A thin typed adapter over mailauth's check_host() in strict mode (mailauth passes the OpenSPF
 * RFC 7208 suite 203/203 only with `strict: true`; see docs/standards.md). mailauth evaluates the
 * record (§4, §5), expands macros (§7), applies the processing limits of §4.6.4 (10 DNS-querying
 * terms, 2 void lookups) and fetches the `exp=` explanation (§6.2); we only choose the identity
 * (§2.3, §2.4), feed it our DNS through the Resolver port, and return a closed result type.
 *
 * Trusts: nothing in the input; the explanation is third-party text (§6.2) and must be shown
 * as such. Must never: query DNS other than through the injected resolver, read the host name
 * or clock of the machine, or turn a DNS failure into anything but `temperror` (§2.6.6).
 */
import { spf as mailauthSpf } from 'mailauth';
import { toMailauthResolver, type Resolver } from '../../dns/resolver.ts';

/** The RFC 7208 §2.6 results, spelled as in RFC 8601 §2.7.2. */
export type SpfResult =
  /** §2.6.1: no SPF record was found, or no checkable domain could be extracted. */
  | 'none'
  /** §2.6.2: the domain owner states nothing about whether the IP is authorized (`?`). */
  | 'neutral'
  /** §2.6.3: the client is authorized to send with this identity. */
  | 'pass'
  /** §2.6.4: the client is explicitly NOT authorized (`-`). */
  | 'fail'
  /** §2.6.5: probably not authorized, a weak statement (`~`); accept but mark. */
  | 'softfail'
  /** §2.6.6: a transient (usually DNS) error; a later retry may succeed. */
  | 'temperror'
  /** §2.6.7: the published records could not be correctly interpreted; needs the owner to fix. */
  | 'permerror';

export const SPF_RESULTS: readonly SpfResult[] = ['none', 'neutral', 'pass', 'fail', 'softfail', 'temperror', 'permerror'];

/** §4.6.4: at most 10 mechanisms/modifiers that cause DNS queries. */
export const SPF_MAX_DNS_TERMS = 10;
/** §4.6.4: at most 2 "void lookups" (NXDOMAIN or no answers). */
export const SPF_MAX_VOID_LOOKUPS = 2;

/** Which identity was checked (§2.3 HELO, §2.4 MAIL FROM). */
export type SpfIdentity = 'mailfrom' | 'helo';

export type SpfCheck = {
  result: SpfResult;
  identity: SpfIdentity;
  /** The <domain> check_host() started at (§4.1); lower case, A-labels. */
  domain: string;
  /** The <sender> used (§4.1): the MAIL FROM address, or postmaster@<helo> (§2.4). */
  sender: string;
  ip: string;
  helo?: string;
  /** Human-readable reason, for logs and RFC 8601 comments. */
  comment?: string;
  /** §6.2: the domain owner's explanation, only for `fail`. Third-party text: never trust it. */
  explanation?: string;
  /** The SPF record that decided, when one was found. */
  record?: string;
  /** §4.6.4 accounting: DNS-querying terms used and void lookups seen. */
  lookups?: { count: number; limit: number; void: number };
  /** A ready Received-SPF header field (§9.1), without the trailing CRLF. */
  receivedSpf: string;
};

export type SpfInput = {
  /** The SMTP client's IP address (§4.1 <ip>). IPv4-mapped IPv6 is treated as IPv4 (§5). */
  ip: string;
  /** The MAIL FROM reverse-path without angle brackets; '' for the null reverse-path. */
  mailFrom: string;
  /** The HELO/EHLO name. */
  helo: string;
  resolver: Resolver;
  /** Our host name, for %{r} (§7.3, "unknown" if not given) and for comments. */
  receiver?: string;
  /** Optional overall time limit in ms, after which the result is temperror (§4.6.4). */
  maxElapsedMs?: number;
};

const RESULT_SET = new Set<string>(SPF_RESULTS);

function toResult(word: string): SpfResult {
  // mailauth only produces RFC words; anything else would be a library change we must notice.
  return RESULT_SET.has(word) ? (word as SpfResult) : 'temperror';
}

/**
 * check_host() for one identity. With a non-empty `mailFrom` this is the MAIL FROM check
 * (§2.4); with the null reverse-path it is the HELO identity as postmaster@<helo> (§2.4, §4.3).
 */
export async function checkSpf(input: SpfInput): Promise<SpfCheck> {
  const identity: SpfIdentity = input.mailFrom === '' ? 'helo' : 'mailfrom';
  const receiver = input.receiver ?? 'unknown'; // §7.3: "unknown" when the name is not available
  const res = await mailauthSpf({
    ip: input.ip,
    sender: input.mailFrom === '' ? undefined : input.mailFrom,
    helo: input.helo,
    mta: receiver,
    resolver: toMailauthResolver(input.resolver) as never,
    maxResolveCount: SPF_MAX_DNS_TERMS,
    maxVoidCount: SPF_MAX_VOID_LOOKUPS,
    strict: true,
    ...(input.maxElapsedMs === undefined ? {} : { maxElapsedTime: input.maxElapsedMs }),
  });
  const result = toResult(res.status.result);
  const out: SpfCheck = {
    result,
    identity,
    domain: res.domain,
    sender: res['envelope-from'] ?? (input.mailFrom === '' ? `postmaster@${input.helo}` : input.mailFrom),
    ip: res['client-ip'],
    receivedSpf: res.header.replace(/\r?\n$/, ''),
  };
  if (input.helo !== '') out.helo = input.helo;
  if (typeof res.status.comment === 'string') out.comment = res.status.comment;
  // §6.2: the explanation only accompanies a fail.
  if (result === 'fail' && res.explanation !== undefined) out.explanation = res.explanation;
  if (res.rr !== undefined) out.record = res.rr;
  if (res.lookups) out.lookups = { count: res.lookups.count, limit: res.lookups.limit, void: res.lookups.void };
  return out;
}

/**
 * §2.3: the HELO identity checked on its own (RECOMMENDED before MAIL FROM). A HELO that is an
 * address literal or not a domain gives `none` (§4.3 initial processing).
 */
export function checkSpfHelo(input: Omit<SpfInput, 'mailFrom'>): Promise<SpfCheck> {
  return checkSpf({ ...input, mailFrom: '' });
}
