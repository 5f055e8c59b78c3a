/**
 * The policy fetch (RFC 8461 §3.3) against a real HTTPS server on 127.0.0.1: a certificate for
 * mta-sts.<domain> trusted through `ca`; redirects not followed; only 200 text/plain; the 64 KiB
 * bound; an untrusted certificate or one for another name refused; the timeout.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { generateSelfSigned } from '../../tls/certificates.ts';
import { fetchStsPolicy, POLICY_PATH } from './fetch.ts';

let server: Server;
let port = 0;
let ca = '';
const POLICY = 'version: STSv1\r\nmode: enforce\r\nmx: mx.a.test\r\nmax_age: 86400\r\n';
const seen: Array<{ host: string; path: string }> = [];

before(async () => {
  // one certificate for the policy hosts of a.test .. e.test, not for wrongname.test
  const pair = await generateSelfSigned('mta-sts.a.test', 1, ['mta-sts.b.test', 'mta-sts.c.test', 'mta-sts.d.test', 'mta-sts.e.test', 'mta-sts.slow.test']);
  ca = pair.cert;
  server = createServer({ cert: pair.cert, key: pair.key }, (req, res) => {
    const host = String(req.headers.host ?? '').replace(/:\d+$/, '');
    seen.push({ host, path: req.url ?? '' });
    if (host === 'mta-sts.a.test' && req.url === POLICY_PATH) return res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8' }).end(POLICY);
    if (host === 'mta-sts.b.test') return res.writeHead(301, { Location: 'https://mta-sts.a.test/.well-known/mta-sts.txt' }).end();
    if (host === 'mta-sts.c.test') return res.writeHead(200, { 'Content-Type': 'text/html' }).end(POLICY);
    if (host === 'mta-sts.d.test') return res.writeHead(200, { 'Content-Type': 'text/plain' }).end('x'.repeat(65 * 1024));
    if (host === 'mta-sts.slow.test') return; // never answers
    res.writeHead(404, { 'Content-Type': 'text/plain' }).end('no');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  port = (server.address() as AddressInfo).port;
});

after(async () => {
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
});

const opts = (extra: Partial<Parameters<typeof fetchStsPolicy>[1]> = {}) => ({ addresses: ['127.0.0.1'], portOf: () => port, ca: [ca], timeoutMs: 3000, ...extra });

test('200 text/plain over HTTPS with a certificate valid for mta-sts.<domain>: the policy text', async () => {
  const r = await fetchStsPolicy('a.test', opts());
  assert.deepEqual(r, { ok: true, text: POLICY });
  assert.deepEqual(seen.at(-1), { host: 'mta-sts.a.test', path: '/.well-known/mta-sts.txt' });
});

test('refused: redirect (not followed), wrong media type, over 64 KiB, 404, no address', async () => {
  const before = seen.length;
  const redirect = await fetchStsPolicy('b.test', opts());
  assert.equal(redirect.ok, false);
  assert.match(!redirect.ok ? redirect.error : '', /HTTP 301 .*redirects are not followed/);
  assert.equal(seen.filter((s) => s.host === 'mta-sts.a.test').length, seen.slice(0, before).filter((s) => s.host === 'mta-sts.a.test').length, 'the Location was not fetched');
  const html = await fetchStsPolicy('c.test', opts());
  assert.match(!html.ok ? html.error : '', /Content-Type "text\/html"/);
  const big = await fetchStsPolicy('d.test', opts());
  assert.match(!big.ok ? big.error : '', /larger than 65536 bytes/);
  const missing = await fetchStsPolicy('e.test', opts());
  assert.match(!missing.ok ? missing.error : '', /HTTP 404/);
  const none = await fetchStsPolicy('a.test', opts({ addresses: [] }));
  assert.match(!none.ok ? none.error : '', /no address/);
});

test('refused: a certificate not valid for mta-sts.<domain>, or not trusted', async () => {
  const wrong = await fetchStsPolicy('wrongname.test', opts());
  assert.equal(wrong.ok, false);
  assert.match(!wrong.ok ? wrong.error : '', /altnames|Hostname/i);
  const untrusted = await fetchStsPolicy('a.test', opts({ ca: [] }));
  assert.equal(untrusted.ok, false);
  assert.match(!untrusted.ok ? untrusted.error : '', /self.signed|certificate/i);
});

test('a server that never answers: failed after the timeout', async () => {
  const t0 = Date.now();
  const r = await fetchStsPolicy('slow.test', opts({ timeoutMs: 300 }));
  assert.match(!r.ok ? r.error : '', /timed out after 300 ms/);
  assert.ok(Date.now() - t0 < 2000);
});
