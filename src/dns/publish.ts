/**
 * The DNS records an operator publishes for a mail domain: MX (RFC 5321 §5.1), SPF (RFC 7208
 * §3), the DKIM key records (RFC 6376 §3.6.1, RFC 8463 §4.2), DMARC (RFC 7489 §6.3) with
 * aggregate reports to postmaster, and MTA-STS (RFC 8461 §3.1: the `_mta-sts` TXT record and the
 * address of the policy host `mta-sts.<domain>`) when a policy is published, and SMTP TLS
 * Reporting (RFC 8460 §3: `_smtp._tls` with reports to postmaster); in zone-file form (RFC 1035 §5, which `mailwarden dns serve`
 * and our zone parser read back) and as data for JSON.
 *
 * Pure: the DKIM TXT values come in already built (standards/dkim/keys.ts); nothing is looked up.
 */
import { Buffer } from 'node:buffer';
import { isIPv4, isIPv6 } from 'node:net';

export interface PublishInput {
  domain: string;
  /** The MX host name (our hostname). */
  mxHost: string;
  /** Our public addresses: explicit SPF ip4/ip6 terms, and A/AAAA for the MX host when it is in the domain. */
  ips: string[];
  dkim: Array<{ selector: string; txt: string }>;
  ttl?: number;
  /** DMARC p= (RFC 7489 §6.3). Default 'none': start by monitoring (the lab publishes the others). */
  dmarcPolicy?: 'none' | 'quarantine' | 'reject';
  /** The MTA-STS policy we serve (app/mtasts.ts); absent: none published, no records. */
  mtaSts?: { id: string; mode: 'testing' | 'enforce' };
}

export interface PublishedRecord {
  name: string;
  type: 'MX' | 'TXT' | 'A' | 'AAAA';
  ttl: number;
  /** Presentation value: "10 mx.example.org." for MX, the text (joined) for TXT. */
  value: string;
  /** TXT only: the ≤255-octet strings the value is split into (RFC 1035 §3.3.14). */
  chunks?: string[];
  /** What it is for. */
  comment: string;
}

export interface Published {
  domain: string;
  records: PublishedRecord[];
  notes: string[];
}

/** Splits text into ≤255-octet strings, never inside a UTF-8 sequence (the values are ASCII anyway). */
export function splitTxt(text: string, max = 255): string[] {
  const out: string[] = [];
  let cur = '';
  for (const ch of text) {
    if (Buffer.byteLength(cur + ch) > max) {
      out.push(cur);
      cur = '';
    }
    cur += ch;
  }
  if (cur || !out.length) out.push(cur);
  return out;
}

const inDomain = (host: string, domain: string) => host === domain || host.endsWith(`.${domain}`);

export function recordsToPublish(input: PublishInput): Published {
  const ttl = input.ttl ?? 3600;
  const d = input.domain;
  const v4 = input.ips.filter((ip) => isIPv4(ip));
  const v6 = input.ips.filter((ip) => isIPv6(ip));
  const records: PublishedRecord[] = [{ name: d, type: 'MX', ttl, value: `10 ${input.mxHost}.`, comment: 'where mail for the domain goes (RFC 5321 §5.1)' }];
  const notes: string[] = [];
  if (input.ips.length && inDomain(input.mxHost, d)) {
    for (const ip of v4) records.push({ name: input.mxHost, type: 'A', ttl, value: ip, comment: 'the MX host' });
    for (const ip of v6) records.push({ name: input.mxHost, type: 'AAAA', ttl, value: ip, comment: 'the MX host' });
  } else if (!inDomain(input.mxHost, d)) {
    notes.push(`The MX host ${input.mxHost} is outside ${d}: its A/AAAA records belong in its own zone.`);
  } else {
    notes.push(`Give --ip ADDR to include the A/AAAA records of ${input.mxHost} (and explicit SPF addresses).`);
  }
  const txt = (name: string, text: string, comment: string) => records.push({ name, type: 'TXT', ttl, value: text, chunks: splitTxt(text), comment });
  const spf = input.ips.length ? `v=spf1 ${[...v4.map((ip) => `ip4:${ip}`), ...v6.map((ip) => `ip6:${ip}`)].join(' ')} -all` : 'v=spf1 mx -all';
  txt(d, spf, 'SPF: only these hosts send mail for the domain (RFC 7208)');
  for (const k of input.dkim) txt(`${k.selector}._domainkey.${d}`, k.txt, `DKIM public key, selector ${k.selector} (RFC 6376 §3.6.1${k.txt.includes('k=ed25519') ? ', RFC 8463' : ''})`);
  const policy = input.dmarcPolicy ?? 'none';
  txt(`_dmarc.${d}`, `v=DMARC1; p=${policy}; rua=mailto:postmaster@${d}`, 'DMARC policy with aggregate reports to postmaster (RFC 7489 §6.3)');
  // RFC 8460 §3: where senders send their reports about TLS to our MX (they arrive as mail).
  txt(`_smtp._tls.${d}`, `v=TLSRPTv1; rua=mailto:postmaster@${d}`, 'SMTP TLS Reporting: senders report TLS trouble with our MX to postmaster (RFC 8460 §3)');
  if (input.mtaSts) {
    // RFC 8461 §3.1: the record that says a policy exists, and which version (id).
    txt(`_mta-sts.${d}`, `v=STSv1; id=${input.mtaSts.id}`, `MTA-STS: a policy (mode ${input.mtaSts.mode}) is served at https://mta-sts.${d}/.well-known/mta-sts.txt (RFC 8461 §3.1)`);
    // §3.3: the policy host, served by our HTTPS listener ([listen] https, port 443).
    for (const ip of v4) records.push({ name: `mta-sts.${d}`, type: 'A', ttl, value: ip, comment: 'the MTA-STS policy host (our HTTPS listener, RFC 8461 §3.3)' });
    for (const ip of v6) records.push({ name: `mta-sts.${d}`, type: 'AAAA', ttl, value: ip, comment: 'the MTA-STS policy host (our HTTPS listener, RFC 8461 §3.3)' });
    if (!input.ips.length) notes.push(`Give --ip ADDR to include the A/AAAA records of mta-sts.${d} (the MTA-STS policy host).`);
    notes.push(`MTA-STS: the HTTPS listener (port 443) must present a certificate valid for mta-sts.${d}.${input.mtaSts.mode === 'testing' ? ' The policy is in mode testing; set [mta_sts] mode = "enforce" once our MX certificate is valid for the MX host name.' : ''}`);
  }
  if (policy === 'none') notes.push(`DMARC starts at p=none (monitor only). Once the reports to postmaster@${d} show that all your mail passes SPF or DKIM, move to p=quarantine and then p=reject.`);
  notes.push(
    'After `mailwarden dkim rotate`, publish the new key records before the old ones are removed; keep the old ones for a few days so mail in transit still verifies.',
  );
  return { domain: d, records, notes };
}

const quote = (s: string) => `"${s.replace(/[\\"]/g, (c) => `\\${c}`)}"`;

/** Zone-file text (absolute names), readable by `mailwarden dns serve` and any RFC 1035 parser. */
export function formatZone(p: Published): string {
  const lines = [`; DNS records for ${p.domain}, generated by mailwarden dns records`, ...p.notes.map((n) => `; NOTE: ${n}`), `$TTL ${p.records[0]?.ttl ?? 3600}`, ''];
  for (const r of p.records) {
    lines.push(`; ${r.comment}`);
    const owner = `${r.name}.`;
    if (r.type === 'TXT') {
      const chunks = r.chunks ?? [r.value];
      if (chunks.length === 1) lines.push(`${owner} ${r.ttl} IN TXT ${quote(chunks[0]!)}`);
      else lines.push(`${owner} ${r.ttl} IN TXT ( ${quote(chunks[0]!)}`, ...chunks.slice(1).map((c, i) => `    ${quote(c)}${i === chunks.length - 2 ? ' )' : ''}`));
    } else lines.push(`${owner} ${r.ttl} IN ${r.type} ${r.value}`);
  }
  return `${lines.join('\n')}\n`;
}
