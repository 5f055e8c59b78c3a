/**
 * Store contract, part: SMTP TLS report sessions (RFC 8460): record adds to the unreported row of
 * the same kind, pending by domain, marking reported by ingest (tlsReportOf) in the same
 * transaction, a new row after that, kept across a reopen.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { EngineFactory } from './contract.ts';
import type { TlsSessionRecord } from '../ports.ts';

export function tlsReportsContract(engine: string, factory: EngineFactory): void {
  test(`[${engine}] TLS report sessions: record counts, pending, reported with the report's ingest, reopen`, async () => {
    const { store, reopen } = await factory.create();
    const t = store.tlsReports;
    assert.deepEqual(await t.pendingDomains(), []);
    const sts: TlsSessionRecord = { domain: 'B.test', day: '2026-11-28', policyType: 'sts', policyString: ['version: STSv1', 'mode: enforce', 'mx: mx.b.test', 'max_age: 86400'], policyMx: ['mx.b.test'], mxHost: 'MX.b.test', receivingIp: '192.0.2.1', result: 'starttls-not-supported' };
    await t.record(sts);
    await t.record(sts);
    await t.record({ ...sts, result: 'success' }, 3);
    await t.record({ ...sts, day: '2026-11-27' });
    await t.record({ domain: 'c.test', day: '2026-11-28', policyType: 'no-policy-found', policyString: [], policyMx: [], mxHost: 'mx.c.test', receivingIp: '', result: 'success' });
    assert.deepEqual(await t.pendingDomains(), ['b.test', 'c.test']);
    const rows = await t.pending('b.test');
    assert.deepEqual(rows.map((r) => [r.day, r.result, r.count, r.mxHost]), [['2026-11-27', 'starttls-not-supported', 1, 'mx.b.test'], ['2026-11-28', 'starttls-not-supported', 2, 'mx.b.test'], ['2026-11-28', 'success', 3, 'mx.b.test']]);
    assert.deepEqual(rows[0]!.policyString, sts.policyString);
    assert.deepEqual(rows[0]!.policyMx, ['mx.b.test']);
    // the report message and the note that the rows are reported commit together
    await store.ingest({ blob: { kind: 'buffer', data: Buffer.from('Subject: r\r\n\r\nx\r\n') }, mailFrom: 'postmaster@a.test', internalDate: 5000, deliveries: [], outbound: [{ address: 'tls@b.test' }], tlsReportOf: rows.map((r) => r.id) });
    assert.deepEqual(await t.pendingDomains(), ['c.test']);
    // a session after the report starts a new row
    await t.record(sts);
    assert.deepEqual((await t.pending('b.test')).map((r) => r.count), [1]);
    await t.markReported((await t.pending('c.test')).map((r) => r.id), 6000);
    await store.close();
    const again = await reopen();
    assert.deepEqual(await again.tlsReports.pendingDomains(), ['b.test'], 'durable');
    await again.close();
  });
}
