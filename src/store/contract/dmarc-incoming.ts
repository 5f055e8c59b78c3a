/**
 * Store contract, incoming DMARC aggregate reports (IncomingDmarcReportStore): part of the one
 * suite every engine passes (called from contract.ts).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { NewIncomingDmarcReport } from '../ports.ts';
import type { EngineFactory } from './contract.ts';

const totals = (messages: number, pass: number, q = 0, r = 0) => ({ messages, dmarcPass: pass, dmarcFail: messages - pass, disposition: { none: messages - q - r, quarantine: q, reject: r } });

const ok = (reportId: string, domain: string, receivedAt: number, extra: Partial<NewIncomingDmarcReport> = {}): NewIncomingDmarcReport => ({
  receivedAt,
  messageId: `<${reportId}@reporter.example>`,
  mailFrom: 'noreply@reporter.example',
  recipients: [`postmaster@${domain}`],
  authResult: 'pass',
  part: `reporter.example!${domain}!1!2.xml`,
  status: 'ok',
  reason: null,
  orgName: 'Reporter.Example',
  email: 'noreply@reporter.example',
  reportId,
  policyDomain: domain,
  begin: 1700000000,
  end: 1700086400,
  totals: totals(10, 7, 2, 1),
  report: { rows: [{ sourceIp: '192.0.2.1', count: 10 }], warnings: [] },
  raw: null,
  rawTruncated: false,
  messageDigest: `digest-${reportId}`,
  ...extra,
});

export function dmarcIncomingContract(engine: string, factory: EngineFactory): void {
  test(`[${engine}] incoming DMARC reports: save, duplicates kept once, malformed with raw, list by domain, persistence`, async () => {
    const { store, reopen } = await factory.create();
    const s = store.dmarcIncoming;
    const a = await s.save(ok('r1', 'a.test', 1000));
    assert.equal(a.duplicate, false);
    // the same reporter's report about the same domain again (a retried delivery): one row
    assert.deepEqual(await s.save(ok('r1', 'a.test', 2000, { orgName: 'reporter.example', messageDigest: 'other' })), { id: a.id, duplicate: true });
    // the same report id from another reporter, or about another domain, is another report
    assert.equal((await s.save(ok('r1', 'b.test', 3000))).duplicate, false);
    assert.equal((await s.save(ok('r1', 'a.test', 4000, { orgName: 'other.example' }))).duplicate, false);
    const raw = Buffer.from('Subject: Report Domain: a.test\r\n\r\n\x00\xff garbage');
    const badFields = { status: 'malformed' as const, reason: 'no XML, gzip or ZIP attachment', part: 'message', orgName: null, email: null, reportId: null, policyDomain: null, begin: null, end: null, totals: totals(0, 0), report: null, raw, rawTruncated: true, recipients: ['dmarc@a.test'], authResult: null };
    const bad = await s.save(ok('x', 'a.test', 5000, { ...badFields, messageDigest: 'd1' }));
    assert.equal(bad.duplicate, false);
    assert.deepEqual(await s.save(ok('x', 'a.test', 6000, { ...badFields, messageDigest: 'd1' })), { id: bad.id, duplicate: true }, 'the same malformed message retried');
    assert.equal((await s.save(ok('x', 'a.test', 7000, { ...badFields, messageDigest: 'd1', part: 'other.zip' }))).duplicate, false, 'another part of it');

    const all = await s.list();
    assert.deepEqual(all.map((r) => r.receivedAt), [7000, 5000, 4000, 3000, 1000], 'newest first');
    const first = all.find((r) => r.id === a.id)!;
    assert.deepEqual(first, {
      id: a.id, receivedAt: 1000, messageId: '<r1@reporter.example>', mailFrom: 'noreply@reporter.example', recipients: ['postmaster@a.test'], authResult: 'pass',
      part: 'reporter.example!a.test!1!2.xml', status: 'ok', reason: null, orgName: 'Reporter.Example', email: 'noreply@reporter.example', reportId: 'r1',
      policyDomain: 'a.test', begin: 1700000000, end: 1700086400, totals: totals(10, 7, 2, 1),
    });
    assert.deepEqual((await s.list({ domain: 'B.TEST' })).map((r) => r.policyDomain), ['b.test']);
    assert.deepEqual((await s.list({ domain: 'a.test' })).map((r) => [r.status, r.receivedAt]), [['malformed', 7000], ['malformed', 5000], ['ok', 4000], ['ok', 1000]], 'malformed ones by recipient domain');
    assert.equal((await s.list({ domain: 'c.test' })).length, 0);
    assert.equal((await s.list({ limit: 2 })).length, 2);

    const full = await s.get(bad.id);
    assert.ok(full);
    assert.equal(full.status, 'malformed');
    assert.equal(full.reason, 'no XML, gzip or ZIP attachment');
    assert.ok(full.raw?.equals(raw), 'raw octets kept exactly');
    assert.equal(full.rawTruncated, true);
    assert.equal(full.report, null);
    assert.deepEqual((await s.get(a.id))?.report, { rows: [{ sourceIp: '192.0.2.1', count: 10 }], warnings: [] });
    assert.equal((await s.get(a.id))?.raw, null);
    assert.equal(await s.get(999999), null);

    await store.close();
    const again = await reopen();
    assert.equal((await again.dmarcIncoming.list()).length, 5);
    assert.ok((await again.dmarcIncoming.get(bad.id))?.raw?.equals(raw));
    await again.close();
  });
}
