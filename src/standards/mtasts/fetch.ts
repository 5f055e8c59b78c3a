/**
 * Fetching an MTA-STS policy (RFC 8461 §3.3): an HTTPS GET of
 * `https://mta-sts.<domain>/.well-known/mta-sts.txt`, where
 *  - the certificate must be valid for `mta-sts.<domain>` (PKIX: chain to a trusted root, name,
 *    dates; RFC 6125), trusting the system CAs plus the extra ones given;
 *  - redirects are not followed (a 3xx is a failed fetch);
 *  - only a 200 with media type text/plain is a policy;
 *  - the body is bounded (64 KiB) and the whole fetch has a timeout.
 *
 * The host's addresses come from the caller (our Resolver port, never the system's DNS), and
 * `portOf` lets a lab or a test reach a policy server on a loopback high port. This module opens
 * one HTTPS connection and returns text or a reason; parsing is policy.ts, caching is the
 * caller's (delivery/mtasts.ts). Never throws.
 */
import { request } from 'node:https';
import { rootCertificates } from 'node:tls';
import { MAX_POLICY_BYTES } from './policy.ts';

export interface FetchOptions {
  /** The IPv4/IPv6 addresses of `mta-sts.<domain>`, in the order to try (one is tried: the first). */
  addresses: readonly string[];
  /** HTTPS port for an address (443 in production). */
  portOf(ip: string): number;
  /** Extra trusted CA certificates (PEM), besides the system ones. */
  ca: readonly string[];
  timeoutMs: number;
  /** Local address to connect from ('' or absent: the system chooses). */
  sourceAddress?: string;
}

export type FetchResult = { ok: true; text: string } | { ok: false; error: string };

export const POLICY_PATH = '/.well-known/mta-sts.txt';

/** The policy host of a domain (§3.3). */
export const policyHost = (domain: string): string => `mta-sts.${domain}`;

export function fetchStsPolicy(domain: string, opts: FetchOptions): Promise<FetchResult> {
  const host = policyHost(domain);
  const ip = opts.addresses[0];
  if (!ip) return Promise.resolve({ ok: false, error: `${host} has no address` });
  const port = opts.portOf(ip);
  return new Promise<FetchResult>((resolve) => {
    let settled = false;
    const done = (r: FetchResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req.destroy();
      resolve(r);
    };
    const req = request({
      host: ip,
      port,
      path: POLICY_PATH,
      method: 'GET',
      // §3.3: the certificate must be valid for the policy host; SNI and the name check use it.
      servername: host,
      headers: { Host: port === 443 ? host : `${host}:${port}`, Accept: 'text/plain', 'User-Agent': 'mailwarden MTA-STS' },
      rejectUnauthorized: true,
      ca: opts.ca.length ? [...rootCertificates, ...opts.ca] : undefined,
      agent: false,
      minVersion: 'TLSv1.2',
      ...(opts.sourceAddress ? { localAddress: opts.sourceAddress } : {}),
    });
    const timer = setTimeout(() => done({ ok: false, error: `fetching https://${host}${POLICY_PATH} timed out after ${opts.timeoutMs} ms` }), opts.timeoutMs);
    req.on('error', (e) => done({ ok: false, error: `https://${host}${POLICY_PATH}: ${e.message}` }));
    req.on('response', (res) => {
      const status = res.statusCode ?? 0;
      // §3.3: "senders MUST NOT follow HTTP redirects"; only 200 carries a policy.
      if (status !== 200) return done({ ok: false, error: `https://${host}${POLICY_PATH} answered HTTP ${status}${status >= 300 && status < 400 ? ' (redirects are not followed, RFC 8461 §3.3)' : ''}` });
      // §3.3: the media type is "text/plain" (parameters such as charset are allowed).
      const type = String(res.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
      if (type !== 'text/plain') return done({ ok: false, error: `https://${host}${POLICY_PATH} has Content-Type "${type}", not text/plain` });
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        size += c.length;
        // §3.3: policies larger than 64 KiB are refused (and not read further).
        if (size > MAX_POLICY_BYTES) return done({ ok: false, error: `https://${host}${POLICY_PATH} is larger than ${MAX_POLICY_BYTES} bytes` });
        chunks.push(c);
      });
      res.on('end', () => done({ ok: true, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', (e) => done({ ok: false, error: `https://${host}${POLICY_PATH}: ${e.message}` }));
    });
    req.end();
  });
}
