/**
 * The system backend: the Resolver port over node:dns/promises (c-ares), which reads the
 * servers and options from /etc/resolv.conf.
 *
 * Implements the mapping of c-ares outcomes to RFC 2308 §2 categories: ENOTFOUND = NXDOMAIN
 * (RCODE 3, RFC 1035 §4.1.1), ENODATA = NOERROR without records of the type (NODATA),
 * everything else (ETIMEOUT, ESERVFAIL, EREFUSED, ECONNREFUSED, EBADRESP, …) = temporary
 * failure. EBADNAME (a name that cannot exist) is reported as NXDOMAIN, like
 * resolverFromLookup does for names that fail RFC 1035 §2.3.4. TLSA (RFC 6698) uses Node's
 * resolveTlsa (Node ≥ 22.15 / 23.9).
 *
 * Limits: c-ares returns TTLs for A and AAAA only; MX, TXT, PTR and TLSA answers carry
 * `assumedTtl` (default 300 s) so the cache has something to go by. Use the upstream backend
 * when real TTLs matter. Negative answers carry no TTL (the cache's negativeTtl applies).
 */
import { Resolver as NodeResolver } from 'node:dns/promises';
import { normalizeName, reverseName } from './names.ts';
import type { DnsAnswer, MxRecord, Resolver, TlsaRecord, TxtRecord } from './resolver.ts';

export type SystemOptions = {
  /** Per try, ms (c-ares `timeout`). Default 2000. */
  timeoutMs?: number;
  /** c-ares `tries`. Default 2. */
  tries?: number;
  /** TTL reported for types c-ares gives no TTL for. Default 300. */
  assumedTtl?: number;
  /** Override /etc/resolv.conf's servers (same syntax as dns.setServers: "127.0.0.1:5353"). */
  servers?: readonly string[];
};

const NXDOMAIN_CODES = new Set(['ENOTFOUND', 'EBADNAME']);

/** Map a c-ares rejection to the union. */
export function answerFromError(err: unknown): DnsAnswer<never> {
  const code = typeof err === 'object' && err !== null && 'code' in err ? String(err.code) : '';
  if (NXDOMAIN_CODES.has(code)) return { status: 'nxdomain' };
  if (code === 'ENODATA') return { status: 'nodata' };
  const reason = code === 'ETIMEOUT' ? `timeout (${code})` : code || (err instanceof Error ? err.message : String(err));
  return { status: 'temperror', reason };
}

const canonical = (n: string): string => normalizeName(n) ?? n;

export function systemResolver(opts: SystemOptions = {}): Resolver & { servers(): string[] } {
  const node = new NodeResolver({ timeout: opts.timeoutMs ?? 2000, tries: opts.tries ?? 2 });
  if (opts.servers !== undefined) node.setServers([...opts.servers]);
  const assumedTtl = opts.assumedTtl ?? 300;

  async function run<T>(name: string, query: (n: string) => Promise<{ records: T[]; ttl: number }>): Promise<DnsAnswer<T[]>> {
    const n = normalizeName(name);
    if (n === undefined) return { status: 'nxdomain' };
    try {
      const { records, ttl } = await query(n);
      return records.length === 0 ? { status: 'nodata' } : { status: 'ok', records, ttl };
    } catch (err) {
      return answerFromError(err);
    }
  }
  const withAssumedTtl = <T>(records: T[]) => ({ records, ttl: assumedTtl });

  return {
    servers: () => node.getServers(),
    mx: (name) =>
      run(name, async (n) =>
        withAssumedTtl((await node.resolveMx(n)).map((r): MxRecord => ({ priority: r.priority, exchange: canonical(r.exchange) }))),
      ),
    a: (name) =>
      run(name, async (n) => {
        const rs = await node.resolve4(n, { ttl: true });
        return { records: rs.map((r) => r.address), ttl: Math.min(...rs.map((r) => r.ttl)) };
      }),
    aaaa: (name) =>
      run(name, async (n) => {
        const rs = await node.resolve6(n, { ttl: true });
        return { records: rs.map((r) => r.address), ttl: Math.min(...rs.map((r) => r.ttl)) };
      }),
    txt: (name) =>
      run(name, async (n) => withAssumedTtl((await node.resolveTxt(n)).map((chunks): TxtRecord => ({ chunks, text: chunks.join('') })))),
    ptr: (ip) => {
      const rev = reverseName(ip);
      if (rev === undefined) return Promise.resolve({ status: 'nxdomain' });
      return run(rev, async (n) => withAssumedTtl((await node.resolvePtr(n)).map(canonical)));
    },
    tlsa: (name) =>
      run(name, async (n) =>
        withAssumedTtl(
          (await node.resolveTlsa(n)).map(
            (r): TlsaRecord => ({ usage: r.certUsage, selector: r.selector, matchingType: r.match, data: new Uint8Array(r.data) }),
          ),
        ),
      ),
  };
}
