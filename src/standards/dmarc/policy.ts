/**
 * The DMARC policy an author domain publishes, without evaluating a message: RFC 7489 §6.6.3
 * discovery (the From domain, then its Organizational Domain, whose `sp` then applies to the
 * subdomain, §6.3). For mailing lists deciding whether to rewrite From (docs/lists.md).
 * Null without exactly one valid record, or on a DNS error (the list then leaves From alone).
 */
import type { Resolver } from '../../dns/resolver.ts';
import { normalizeName } from '../../dns/names.ts';
import { organizationalDomain } from '../orgdomain/orgdomain.ts';
import { effectivePolicies, isDmarcRecord, parseDmarcRecord, type DmarcPolicy } from './record.ts';

export async function publishedPolicy(resolver: Resolver, domain: string): Promise<DmarcPolicy | null> {
  const from = normalizeName(domain);
  if (!from) return null;
  const org = organizationalDomain(from);
  for (const name of org !== undefined && org !== from ? [from, org] : [from]) {
    const answer = await resolver.txt(`_dmarc.${name}`);
    if (answer.status === 'temperror') return null;
    const records = answer.status === 'ok' ? answer.records.map((r) => r.text).filter(isDmarcRecord) : [];
    if (records.length === 0) continue;
    if (records.length > 1) return null;
    const parsed = parseDmarcRecord(records[0]!);
    if (!parsed.ok) return null;
    const p = effectivePolicies(parsed.record);
    if (!p) return null;
    return name !== from ? (p.sp ?? p.p) : p.p;
  }
  return null;
}
