/**
 * Incoming aggregate reports (RFC 7489 §7.2, Appendix C): our own report.ts XML round-trips,
 * real-world shaped reports parse with their quirks normalized, malformed ones are refused with a
 * reason (a table, one case a line), and the containers (gzip, ZIP) are opened within a budget so
 * compression bombs cannot hurt.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { buildAggregateReport, buildReportMessage, type ReportEvaluation } from './report.ts';
import { parseAggregateReport, summarizeRows } from './report-parse.ts';
import { DEFAULT_ARCHIVE_LIMITS, InflateBudget, openReportAttachment, readZipDirectory, sniffContainer } from './report-archive.ts';
import { extractAggregateReports } from './report-message.ts';
import { DMARCBIS_PREFIXED, GOOGLE_STYLE, YAHOO_MICROSOFT_STYLE } from './report-samples.ts';
import { zip as sampleZip } from '../../attachments/samples.ts';

const ev = (ip: string, extra: Partial<ReportEvaluation> = {}): ReportEvaluation => ({
  sourceIp: ip,
  headerFrom: 'none.test',
  spf: { domain: 'none.test', scope: 'mfrom', result: 'fail', aligned: false },
  dkim: [],
  dkimAligned: false,
  disposition: 'none',
  overrides: [],
  ...extra,
});

const ourReport = () =>
  buildAggregateReport({
    orgName: 'mx.example.test',
    email: 'postmaster@example.test',
    reportId: 'none.test.1700000000.1',
    begin: 1700000000,
    end: 1700086400,
    policy: { domain: 'none.test', adkim: 'relaxed', aspf: 'strict', p: 'quarantine', sp: 'reject', pct: 50, fo: '1' },
    evaluations: [
      ev('192.0.2.1'),
      ev('192.0.2.1'),
      ev('192.0.2.7', { dkim: [{ domain: 'none.test', selector: 's1', result: 'pass' }], dkimAligned: true }),
      ev('2001:db8::1', { disposition: 'quarantine', overrides: [{ type: 'trusted_forwarder' }] }),
      ev('198.51.100.3', { disposition: 'reject', spf: { domain: 'none.test', scope: 'helo', result: 'softfail', aligned: false } }),
    ],
  });

test('round trip: the XML our report.ts sends parses back to the same report', () => {
  const sent = ourReport();
  const r = parseAggregateReport(sent.xml);
  assert.ok(r.ok, r.ok ? '' : r.reason);
  const p = r.report;
  assert.equal(p.version, '1.0');
  assert.deepEqual([p.orgName, p.email, p.reportId, p.begin, p.end], ['mx.example.test', 'postmaster@example.test', 'none.test.1700000000.1', 1700000000, 1700086400]);
  assert.deepEqual(p.policy, { domain: 'none.test', adkim: 'r', aspf: 's', p: 'quarantine', sp: 'reject', pct: 50, fo: '1' });
  assert.equal(p.rows.length, sent.records);
  assert.deepEqual(p.summary, { messages: 5, dmarcPass: 1, dmarcFail: 4, disposition: { none: 3, quarantine: 1, reject: 1 } });
  assert.deepEqual(p.warnings, []);
  const two = p.rows.find((x) => x.sourceIp === '192.0.2.1')!;
  assert.deepEqual(two, { sourceIp: '192.0.2.1', count: 2, disposition: 'none', dkim: 'fail', spf: 'fail', reasons: [], headerFrom: 'none.test', dkimResults: [], spfResults: [{ domain: 'none.test', scope: 'mfrom', result: 'fail' }] });
  assert.deepEqual(p.rows.find((x) => x.sourceIp === '192.0.2.7')?.dkimResults, [{ domain: 'none.test', selector: 's1', result: 'pass' }]);
  assert.deepEqual(p.rows.find((x) => x.sourceIp === '2001:db8::1')?.reasons, [{ type: 'trusted_forwarder' }]);
  assert.deepEqual(p.rows.find((x) => x.sourceIp === '198.51.100.3')?.spfResults, [{ domain: 'none.test', scope: 'helo', result: 'softfail' }]);
  // a size-capped report says so in report_metadata/error
  const capped = buildAggregateReport({ ...{ orgName: 'o', email: 'e@o.test', reportId: 'x', begin: 1, end: 2, policy: { domain: 'none.test', adkim: 'relaxed', aspf: 'relaxed', p: 'none', pct: 100 } }, evaluations: [ev('192.0.2.1'), ev('192.0.2.2')] }, { maxRecords: 1 });
  const c = parseAggregateReport(capped.xml);
  assert.ok(c.ok && c.report.errors.length === 1 && /truncated/.test(c.report.errors[0]!));
});

test('Google-shaped report: several DKIM results per row, reasons, np ignored, totals', () => {
  const r = parseAggregateReport(GOOGLE_STYLE);
  assert.ok(r.ok, r.ok ? '' : r.reason);
  const p = r.report;
  assert.equal(p.version, null);
  assert.equal(p.orgName, 'google.com');
  assert.equal(p.extraContactInfo, 'https://support.google.com/a/answer/2466580');
  assert.equal(p.reportId, '13950925815476359733');
  assert.deepEqual(p.policy, { domain: 'example.test', adkim: 'r', aspf: 'r', p: 'quarantine', sp: 'quarantine', pct: 100 });
  assert.deepEqual(p.summary, { messages: 46, dmarcPass: 43, dmarcFail: 3, disposition: { none: 43, quarantine: 3, reject: 0 } });
  assert.deepEqual(p.rows[0]!.dkimResults.map((d) => d.selector), ['rsa20261128', 'ed20261128']);
  assert.deepEqual(p.rows[2]!.reasons, [{ type: 'forwarded', comment: 'looks forwarded' }]);
  assert.deepEqual(p.warnings, []);
});

test('Yahoo/Microsoft-shaped report: namespaces, case, padding, ISO date, spelled-out alignment, no org_name', () => {
  const r = parseAggregateReport(YAHOO_MICROSOFT_STYLE);
  assert.ok(r.ok, r.ok ? '' : r.reason);
  const p = r.report;
  assert.equal(p.reportId, '6a4e5f0b1c2d4e3fa9b8c7d6e5f4a3b2', 'trimmed');
  assert.equal(p.orgName, 'microsoft.example', 'the email domain stands in');
  assert.equal(p.begin, 1795737600, 'ISO 8601 begin');
  assert.equal(p.end, 1795823999, 'fraction dropped');
  assert.deepEqual(p.policy, { domain: 'example.test', adkim: 'r', aspf: 's', p: 'reject', sp: 'reject', pct: 100, fo: '1' });
  assert.deepEqual(p.rows[0], {
    sourceIp: '203.0.113.66', count: 5, disposition: 'reject', dkim: 'fail', spf: 'fail', reasons: [], headerFrom: 'example.test',
    envelopeFrom: 'bounce.spammer.example', envelopeTo: 'outlook.example', dkimResults: [], spfResults: [{ domain: 'bounce.spammer.example', scope: 'mfrom', result: 'pass' }],
  });
  assert.deepEqual(p.summary, { messages: 17, dmarcPass: 12, dmarcFail: 5, disposition: { none: 12, quarantine: 0, reject: 5 } });
  assert.deepEqual(p.warnings, ['report_metadata/org_name missing, "microsoft.example" used']);
});

test('DMARCbis namespace prefixes are removed; report_metadata/error kept', () => {
  const r = parseAggregateReport(DMARCBIS_PREFIXED);
  assert.ok(r.ok, r.ok ? '' : r.reason);
  assert.equal(r.report.version, '2.0');
  assert.deepEqual(r.report.errors, ['DNS timeout for one lookup']);
  assert.deepEqual(r.report.policy, { domain: 'example.test', adkim: 'r', aspf: 'r', p: 'none' });
  assert.deepEqual(r.report.summary, { messages: 1, dmarcPass: 1, dmarcFail: 0, disposition: { none: 1, quarantine: 0, reject: 0 } });
});

test('lenient rows: a row without count or source IP is left out and said so; unknown disposition is none', () => {
  const xml = GOOGLE_STYLE.replace('<count>3</count>', '<count>three</count>').replace('<disposition>none</disposition>', '<disposition>pass</disposition>');
  const r = parseAggregateReport(xml);
  assert.ok(r.ok);
  assert.equal(r.report.rows.length, 2);
  assert.deepEqual(r.report.warnings, ['record 1: disposition "pass" read as none', 'record 2: count "three" is not a number, left out']);
  assert.equal(r.report.summary.messages, 43);
  // the row cap
  const capped = parseAggregateReport(GOOGLE_STYLE, { maxRows: 1 });
  assert.ok(capped.ok && capped.report.rows.length === 1 && /2 record\(s\) past the first 1 left out/.test(capped.report.warnings.join()));
});

// Malformed reports: refused, each with the reason a dashboard shows.
const BAD: Array<[string, string | Buffer, RegExp]> = [
  ['not XML at all', 'hello, this is not a report', /^XML: /],
  ['truncated in the middle', GOOGLE_STYLE.slice(0, 700), /^XML: /],
  ['a billion-laughs DOCTYPE', '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;">]><feedback>&lol2;</feedback>', /DOCTYPE declaration is not accepted/],
  ['an HTML page', '<html><body><p>report</p></body></html>', /no <feedback> root element/],
  ['no report_metadata', '<feedback><policy_published><domain>a.test</domain></policy_published></feedback>', /no report_metadata$/],
  ['no report_id', GOOGLE_STYLE.replace(/<report_id>.*<\/report_id>/, ''), /no report_metadata\/report_id/],
  ['no date_range', GOOGLE_STYLE.replace(/<date_range>[\s\S]*?<\/date_range>/, ''), /no usable report_metadata\/date_range/],
  ['a date that is not one', GOOGLE_STYLE.replace('<begin>1700006400</begin>', '<begin>yesterday</begin>'), /date_range/],
  ['no policy domain', GOOGLE_STYLE.replace('<domain>example.test</domain>\n    <adkim>', '<adkim>'), /no policy_published\/domain/],
  ['no policy_published', GOOGLE_STYLE.replace(/<policy_published>[\s\S]*?<\/policy_published>/, ''), /no policy_published$/],
  ['binary garbage', Buffer.from([0x00, 0xff, 0x13, 0x37, 0x42]), /^XML: /],
];
for (const [what, input, reason] of BAD) {
  test(`malformed: ${what}`, () => {
    const r = parseAggregateReport(input);
    assert.equal(r.ok, false);
    if (!r.ok) assert.match(r.reason, reason);
  });
}

test('summaries add up per disposition', () => {
  const r = parseAggregateReport(GOOGLE_STYLE);
  assert.ok(r.ok);
  assert.deepEqual(summarizeRows([]), { messages: 0, dmarcPass: 0, dmarcFail: 0, disposition: { none: 0, quarantine: 0, reject: 0 } });
  assert.deepEqual(summarizeRows(r.report.rows.slice(1, 2)), { messages: 3, dmarcPass: 0, dmarcFail: 3, disposition: { none: 0, quarantine: 3, reject: 0 } });
});

// ---- containers ---------------------------------------------------------------------------

type ZipItem = { name: string; data: Buffer; method?: 0 | 8 | 12; flags?: number };

/** A ZIP archive (the attachment tests' sample writer); `flags: 1` marks an entry encrypted. */
const zip = (items: ZipItem[]): Buffer => sampleZip(items.map((it) => ({ name: it.name, data: it.data, method: it.method ?? 8, encrypted: ((it.flags ?? 0) & 1) === 1 })));

const budget = (n = DEFAULT_ARCHIVE_LIMITS.maxInflatedBytes) => new InflateBudget(n);

test('containers: sniffed by their octets; gzip and ZIP (deflate and stored) open to the XML', async () => {
  const xml = Buffer.from(GOOGLE_STYLE);
  assert.equal(sniffContainer(gzipSync(xml)), 'gzip');
  assert.equal(sniffContainer(zip([{ name: 'r.xml', data: xml }])), 'zip');
  assert.equal(sniffContainer(Buffer.from(`\uFEFF  ${GOOGLE_STYLE}`)), 'xml');
  assert.equal(sniffContainer(Buffer.from('%PDF-1.7')), 'unknown');
  const gz = await openReportAttachment('google.com!example.test!1700006400!1700092799.xml.gz', gzipSync(xml), budget());
  assert.ok(gz.ok);
  assert.deepEqual(gz.documents.map((d) => [d.name, d.data.equals(xml)]), [['google.com!example.test!1700006400!1700092799.xml', true]]);
  const z = await openReportAttachment('r.zip', zip([{ name: 'readme.txt', data: Buffer.from('hi') }, { name: 'a.xml', data: xml }, { name: 'b.xml', data: xml, method: 0 }]), budget());
  assert.ok(z.ok, z.ok ? '' : z.reason);
  assert.deepEqual(z.documents.map((d) => [d.name, d.data.equals(xml)]), [['a.xml', true], ['b.xml', true]]);
  // one entry whatever its name is the report
  const one = await openReportAttachment('r.zip', zip([{ name: 'report', data: xml }]), budget());
  assert.ok(one.ok && one.documents.length === 1);
});

test('compression bombs and broken archives are refused with a reason, within the budget', async () => {
  const zeros = Buffer.alloc(64 * 1024 * 1024); // 64 MiB of zeros: ~64 KiB compressed
  const t0 = Date.now();
  const gzBomb = await openReportAttachment('bomb.xml.gz', gzipSync(zeros), budget());
  assert.ok(!gzBomb.ok && /inflates to more than the 20971520-octet limit \(compression bomb\?\)/.test(gzBomb.reason), gzBomb.ok ? '' : gzBomb.reason);
  const zipBomb = await openReportAttachment('bomb.zip', zip([{ name: 'a.xml', data: zeros }]), budget());
  assert.ok(!zipBomb.ok && /compression bomb/.test(zipBomb.reason));
  assert.ok(Date.now() - t0 < 5000, 'refused quickly');
  // "42.zip": many entries, each under the limit, together over it: the budget is shared
  const part = Buffer.alloc(8 * 1024 * 1024);
  const many = await openReportAttachment('many.zip', zip([1, 2, 3, 4].map((i) => ({ name: `${i}.xml`, data: part }))), budget());
  assert.ok(!many.ok && /compression bomb|budget/.test(many.reason), many.ok ? '' : many.reason);
  const b = budget(1000);
  assert.ok((await openReportAttachment('a.xml.gz', gzipSync(Buffer.alloc(600)), b)).ok);
  assert.ok(!(await openReportAttachment('b.xml.gz', gzipSync(Buffer.alloc(600)), b)).ok, 'one budget for the whole message');

  const cases: Array<[string, Buffer, RegExp]> = [
    ['truncated gzip', gzipSync(Buffer.from(GOOGLE_STYLE)).subarray(0, 40), /corrupt gzip data/],
    ['truncated ZIP (no directory)', zip([{ name: 'a.xml', data: Buffer.from(GOOGLE_STYLE) }]).subarray(0, 60), /no end of central directory/],
    ['encrypted entry', zip([{ name: 'a.xml', data: Buffer.from('x'), flags: 1 }]), /is encrypted/],
    ['bzip2 entry', zip([{ name: 'a.xml', data: Buffer.from('x'), method: 12 }]), /method 12 is not supported/],
    ['too many entries', zip(Array.from({ length: 17 }, (_, i) => ({ name: `${i}.xml`, data: Buffer.from('x') }))), /17 entries, more than the 16/],
    ['no XML inside', zip([{ name: 'a.txt', data: Buffer.from('x') }, { name: 'b.txt', data: Buffer.from('y') }]), /no \.xml entry/],
    ['a PDF', Buffer.from('%PDF-1.7 ...'), /neither XML, gzip nor ZIP/],
  ];
  for (const [what, data, reason] of cases) {
    const r = await openReportAttachment('x', data, budget());
    assert.ok(!r.ok, what);
    if (!r.ok) assert.match(r.reason, reason, what);
  }
  // the directory reader on its own
  const dir = readZipDirectory(zip([{ name: 'a.xml', data: Buffer.from('abc') }]), 16);
  assert.ok(dir.ok && dir.entries[0]!.name === 'a.xml' && dir.entries[0]!.uncompressedSize === 3);
});

// ---- messages -----------------------------------------------------------------------------

const mime = (subject: string, parts: string[]) =>
  Buffer.from(
    ['From: noreply-dmarc-support@google.com', 'To: postmaster@example.test', `Subject: ${subject}`, 'MIME-Version: 1.0', 'Content-Type: multipart/mixed; boundary="b"', '', ...parts.flatMap((p) => ['--b', p]), '--b--', ''].join('\r\n'),
  );
const b64 = (b: Buffer) => (b.toString('base64').match(/.{1,76}/g) ?? []).join('\r\n');

test('messages: our own report message, a ZIP labelled octet-stream, a bare gzip body, all found and parsed', async () => {
  const sent = ourReport();
  const m = buildReportMessage({ report: sent, from: 'postmaster@example.test', to: ['dmarc@none.test'], policyDomain: 'none.test', submitter: 'example.test', reportId: 'none.test.1700000000.1', date: new Date(1700086400000), hostname: 'mx.example.test' });
  const x = await extractAggregateReports(m);
  assert.equal(x.looksLikeReport, true);
  assert.equal(x.outcomes.length, 1);
  assert.ok(x.outcomes[0]!.ok && x.outcomes[0]!.report.reportId === 'none.test.1700000000.1' && x.outcomes[0]!.part === 'mx.example.test!none.test!1700000000!1700086400.xml');

  const z = mime('Report domain: example.test Submitter: google.com Report-ID: <1>', [
    'Content-Type: text/plain\r\n\r\nThis is an aggregate report.',
    `Content-Type: application/octet-stream; name="google.com!example.test!1!2.zip"\r\nContent-Transfer-Encoding: base64\r\nContent-Disposition: attachment; filename="google.com!example.test!1!2.zip"\r\n\r\n${b64(zip([{ name: 'google.com!example.test!1!2.xml', data: Buffer.from(GOOGLE_STYLE) }]))}`,
  ]);
  const zx = await extractAggregateReports(z);
  assert.deepEqual(zx.outcomes.map((o) => [o.ok, o.part]), [[true, 'google.com!example.test!1!2.xml']]);

  const bare = Buffer.from(`From: a@b.example\r\nSubject: Report Domain: example.test\r\nContent-Type: application/gzip\r\nContent-Transfer-Encoding: base64\r\n\r\n${b64(gzipSync(Buffer.from(YAHOO_MICROSOFT_STYLE)))}\r\n`);
  const bx = await extractAggregateReports(bare);
  assert.ok(bx.outcomes.length === 1 && bx.outcomes[0]!.ok && bx.outcomes[0]!.part === 'part 1');
});

test('messages: ordinary mail is not a report; report-looking mail that is broken is flagged with the part and the reason', async () => {
  const plain = Buffer.from('From: alice@example.org\r\nTo: postmaster@example.test\r\nSubject: your server\r\n\r\nHello postmaster.\r\n');
  assert.deepEqual(await extractAggregateReports(plain), { looksLikeReport: false, outcomes: [] });
  const noAttachment = Buffer.from('From: a@b.example\r\nSubject: Report Domain: example.test Submitter: b.example\r\n\r\nsee attached (not)\r\n');
  assert.deepEqual(await extractAggregateReports(noAttachment), { looksLikeReport: true, outcomes: [{ ok: false, part: 'message', reason: 'no XML, gzip or ZIP attachment (RFC 7489 §7.2.1.1)' }] });
  const broken = mime('hello', [`Content-Type: application/gzip; name="x.xml.gz"\r\nContent-Transfer-Encoding: base64\r\n\r\n${b64(Buffer.from('not gzip at all'))}`]);
  const bx = await extractAggregateReports(broken);
  assert.equal(bx.looksLikeReport, true);
  assert.deepEqual(bx.outcomes, [{ ok: false, part: 'x.xml.gz', reason: '"x.xml.gz" is neither XML, gzip nor ZIP' }]);
  const badXml = mime('hello', [`Content-Type: text/xml; name="r.xml"\r\n\r\n<feedback><report_metadata>`]);
  const bad = await extractAggregateReports(badXml);
  assert.ok(!bad.outcomes[0]!.ok && /^XML: /.test(bad.outcomes[0]!.reason));
});
