/** DMARC aggregate reports (RFC 7489 §7.2, Appendix C): XML structure, grouping, filename, size cap, message. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gunzipSync } from 'node:zlib';
import { XMLParser } from 'fast-xml-parser';
import { buildAggregateReport, buildReportMessage, parseReportUri, reportFilename, xmlEscape, type ReportEvaluation, type ReportInput } from './report.ts';

const ARRAYS = new Set(['feedback.record', 'feedback.record.auth_results.dkim', 'feedback.record.auth_results.spf', 'feedback.record.row.policy_evaluated.reason', 'feedback.report_metadata.error']);
const parser = new XMLParser({ isArray: (_name, jpath) => ARRAYS.has(String(jpath)), parseTagValue: false });

const fail = (ip: string, extra: Partial<ReportEvaluation> = {}): ReportEvaluation => ({
  sourceIp: ip,
  headerFrom: 'none.test',
  spf: { domain: 'none.test', scope: 'mfrom', result: 'fail', aligned: false },
  dkim: [],
  dkimAligned: false,
  disposition: 'none',
  overrides: [],
  ...extra,
});

const input = (evaluations: ReportEvaluation[]): ReportInput => ({
  orgName: 'example.test',
  email: 'postmaster@example.test',
  reportId: 'none.test.1700000000.1',
  begin: 1700000000,
  end: 1700086400,
  policy: { domain: 'none.test', adkim: 'relaxed', aspf: 'strict', p: 'none', pct: 100 },
  evaluations,
});

type Rec = { row: { source_ip: string; count: string; policy_evaluated: { disposition: string; dkim: string; spf: string; reason?: Array<{ type: string; comment?: string }> } }; identifiers: { header_from: string }; auth_results: { dkim?: Array<{ domain: string; selector: string; result: string }>; spf: Array<{ domain: string; scope: string; result: string }> } };
type Feedback = { feedback: { version: string; report_metadata: { org_name: string; email: string; report_id: string; date_range: { begin: string; end: string }; error?: string[] }; policy_published: Record<string, string>; record: Rec[] } };

test('report XML: metadata, policy_published, rows grouped by source IP and results with counts', () => {
  const signed = fail('192.0.2.7', { dkim: [{ domain: 'none.test', selector: 's1', result: 'pass' }], dkimAligned: true });
  const fwd = fail('192.0.2.9', { overrides: [{ type: 'trusted_forwarder' }] });
  const r = buildAggregateReport(input([fail('192.0.2.1'), fail('192.0.2.1'), fail('192.0.2.1'), signed, fwd, fail('2001:db8::1')]));
  assert.equal(gunzipSync(r.gzip).toString('utf8'), r.xml);
  const doc = parser.parse(r.xml) as Feedback;
  const f = doc.feedback;
  assert.equal(f.version, '1.0');
  assert.deepEqual(f.report_metadata, { org_name: 'example.test', email: 'postmaster@example.test', report_id: 'none.test.1700000000.1', date_range: { begin: '1700000000', end: '1700086400' } });
  assert.deepEqual(f.policy_published, { domain: 'none.test', adkim: 'r', aspf: 's', p: 'none', sp: 'none', pct: '100' });
  assert.equal(f.record.length, 4);
  assert.equal(r.records, 4);
  assert.equal(r.messages, 6);
  const first = f.record[0]!;
  assert.equal(first.row.source_ip, '192.0.2.1');
  assert.equal(first.row.count, '3', 'largest group first');
  assert.deepEqual(first.row.policy_evaluated, { disposition: 'none', dkim: 'fail', spf: 'fail' });
  assert.equal(first.identifiers.header_from, 'none.test');
  assert.deepEqual(first.auth_results, { spf: [{ domain: 'none.test', scope: 'mfrom', result: 'fail' }] });
  const s = f.record.find((x) => x.row.source_ip === '192.0.2.7')!;
  assert.equal(s.row.policy_evaluated.dkim, 'pass');
  assert.deepEqual(s.auth_results.dkim, [{ domain: 'none.test', selector: 's1', result: 'pass' }]);
  const t = f.record.find((x) => x.row.source_ip === '192.0.2.9')!;
  assert.deepEqual(t.row.policy_evaluated.reason, [{ type: 'trusted_forwarder' }]);
  assert.ok(f.record.some((x) => x.row.source_ip === '2001:db8::1'));
});

test('different dispositions from one IP are separate rows; XML text is escaped', () => {
  const r = buildAggregateReport(input([fail('192.0.2.1'), fail('192.0.2.1', { disposition: 'quarantine' }), fail('192.0.2.1', { headerFrom: 'a<b>&.test' })]));
  const f = (parser.parse(r.xml) as Feedback).feedback;
  assert.equal(f.record.length, 3);
  assert.ok(r.xml.includes('a&lt;b&gt;&amp;.test'));
  assert.equal(xmlEscape('"x\'\u0001'), '&quot;x&apos;');
});

test('filename per §7.2.1.1', () => {
  assert.equal(reportFilename('example.test', 'none.test', 1700000000, 1700086400), 'example.test!none.test!1700000000!1700086400.xml.gz');
  assert.equal(buildAggregateReport(input([fail('192.0.2.1')])).filename, 'example.test!none.test!1700000000!1700086400.xml.gz');
});

test('size cap: rows with the smallest counts are left out and the report says so', () => {
  const many: ReportEvaluation[] = [];
  for (let i = 0; i < 2000; i++) many.push(fail(`10.${(i >> 8) & 255}.${i & 255}.${(i * 7) % 251}`));
  many.push(fail('192.0.2.1'), fail('192.0.2.1'));
  const full = buildAggregateReport(input(many));
  assert.equal(full.omitted, 0);
  const capped = buildAggregateReport(input(many), { maxBytes: 4000 });
  assert.ok(capped.gzip.length <= 4000, `${capped.gzip.length}`);
  assert.ok(capped.omitted > 0 && capped.records + capped.omitted === full.records);
  const f = (parser.parse(capped.xml) as Feedback).feedback;
  assert.equal(f.record[0]!.row.source_ip, '192.0.2.1', 'the largest group is kept');
  assert.match(f.report_metadata.error![0]!, /truncated by size limit: \d+ record\(s\)/);
  const byCount = buildAggregateReport(input(many), { maxRecords: 10 });
  assert.equal(byCount.records, 10);
});

test('rua URIs: mailto with size limits, other schemes refused', () => {
  assert.deepEqual(parseReportUri('mailto:reports@none.test'), { ok: true, address: 'reports@none.test' });
  assert.deepEqual(parseReportUri('mailto:r@x.test!10m'), { ok: true, address: 'r@x.test', maxBytes: 10 * 1024 * 1024 });
  assert.deepEqual(parseReportUri('mailto:r@x.test!500'), { ok: true, address: 'r@x.test', maxBytes: 500 });
  assert.deepEqual(parseReportUri('mailto:r%2Bdmarc@x.test!2k'), { ok: true, address: 'r+dmarc@x.test', maxBytes: 2048 });
  assert.equal(parseReportUri('https://x.test/report').ok, false);
  assert.equal(parseReportUri('mailto:not-an-address').ok, false);
});

test('report message: multipart/mixed, text part, application/gzip attachment, §7.2.1.1 Subject', () => {
  const report = buildAggregateReport(input([fail('192.0.2.1')]));
  const m = buildReportMessage({ report, from: 'postmaster@example.test', to: ['reports@none.test'], policyDomain: 'none.test', submitter: 'example.test', reportId: 'none.test.1700000000.1', date: new Date(1700086400000), hostname: 'mx.example.test' }).toString('utf8');
  assert.ok(!/[^\r]\n/.test(m), 'CRLF line ends only');
  assert.match(m, /^From: postmaster@example\.test\r\nTo: reports@none\.test\r\nSubject: Report Domain: none\.test Submitter: example\.test Report-ID: <none\.test\.1700000000\.1>\r\n/);
  const boundary = /boundary="([^"]+)"/.exec(m)![1]!;
  assert.match(m, /Content-Type: multipart\/mixed; boundary=/);
  const parts = m.split(`--${boundary}`);
  assert.equal(parts.length, 4);
  assert.match(parts[1]!, /Content-Type: text\/plain/);
  assert.match(parts[2]!, /Content-Type: application\/gzip; name="example\.test!none\.test!1700000000!1700086400\.xml\.gz"/);
  assert.match(parts[2]!, /Content-Disposition: attachment; filename="example\.test!none\.test!1700000000!1700086400\.xml\.gz"/);
  const b64 = parts[2]!.split('\r\n\r\n')[1]!.replace(/\r\n/g, '');
  assert.equal(gunzipSync(Buffer.from(b64, 'base64')).toString('utf8'), report.xml);
  assert.ok(parts[2]!.split('\r\n').every((l) => l.length <= 998));
});
