/** RFC 8460: the _smtp._tls record (§3), the JSON report (§4.4), the gzip and the message (§5). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gunzipSync } from 'node:zlib';
import { mailtoAddress, parseTlsRptRecord, selectTlsRptRecord } from './record.ts';
import { buildTlsReport, buildTlsReportMessage, failureTypeOf } from './report.ts';

test('record: good (RFC 8460 §3 examples and variants)', () => {
  const good: Array<[string, string[]]> = [
    ['v=TLSRPTv1;rua=mailto:reports@example.com', ['mailto:reports@example.com']], // §3.1 example
    ['v=TLSRPTv1; rua=https://reporting.example.com/v1/tlsrpt', ['https://reporting.example.com/v1/tlsrpt']], // §3.1 example
    ['v=TLSRPTv1; rua=mailto:a@example.com, https://r.example.com/x ;', ['mailto:a@example.com', 'https://r.example.com/x']], // list, spaces, trailing ;
    ['v=TLSRPTv1; ext=1; rua=mailto:a@example.com', ['mailto:a@example.com']], // unknown field ignored
  ];
  for (const [text, rua] of good) assert.deepEqual(parseTlsRptRecord(text), { ok: true, record: { rua } }, text);
});

test('record: bad', () => {
  const bad = [
    'v=TLSRPTv2; rua=mailto:a@example.com', // wrong version
    'rua=mailto:a@example.com; v=TLSRPTv1', // v= must come first
    'v=TLSRPTv1', // rua is required
    'v=TLSRPTv1; rua=', // empty rua
    'v=TLSRPTv1; rua=ftp://example.com/x', // neither mailto: nor https:
    'v=TLSRPTv1; rua=mailto:a@example.com; rua=mailto:b@example.com', // two rua
    'v=TLSRPTv1; junk', // not key=value
  ];
  for (const text of bad) assert.equal(parseTlsRptRecord(text).ok, false, text);
});

test('record selection: none, one among others, two', () => {
  assert.equal(selectTlsRptRecord(['v=spf1 -all']).ok, false);
  assert.deepEqual(selectTlsRptRecord(['v=spf1 -all', 'v=TLSRPTv1; rua=mailto:r@example.com']), { ok: true, record: { rua: ['mailto:r@example.com'] } });
  assert.equal(selectTlsRptRecord(['v=TLSRPTv1; rua=mailto:r@example.com', 'v=TLSRPTv1; rua=mailto:s@example.com']).ok, false);
});

test('mailto addresses; https: is not supported', () => {
  assert.deepEqual(mailtoAddress('mailto:tls%2Breports@example.com'), { ok: true, address: 'tls+reports@example.com' });
  assert.equal(mailtoAddress('https://r.example.com/').ok, false);
  assert.equal(mailtoAddress('mailto:nobody').ok, false);
});

test('JSON report: the RFC 8460 §4.4 shape and counts', () => {
  const policyString = ['version: STSv1', 'mode: enforce', 'mx: mx.company-y.example', 'max_age: 86400'];
  const sts = { policyType: 'sts' as const, policyString, policyMx: ['mx.company-y.example'] };
  const r = buildTlsReport({
    organizationName: 'company-x.example',
    contactInfo: 'sts-reporting@company-x.example',
    reportId: '5065427c-23d3-47ca-b6e0-946ea0e8c4be',
    policyDomain: 'company-y.example',
    begin: Date.parse('2016-04-01T00:00:00Z') / 1000,
    end: Date.parse('2016-04-01T23:59:59Z') / 1000,
    sendingMtaIp: '2001:db8:abcd:0012::1',
    sessions: [
      { ...sts, mxHost: 'mx1.company-y.example', receivingIp: '203.0.113.56', result: 'success', count: 5326 },
      { ...sts, mxHost: 'mx2.company-y.example', receivingIp: '203.0.113.56', result: 'certificate-expired', count: 100 },
      { ...sts, mxHost: 'mx2.company-y.example', receivingIp: '203.0.113.56', result: 'certificate-expired', count: 3 },
      { ...sts, mxHost: 'mx3.company-y.example', receivingIp: '198.51.100.62', result: 'starttls-not-supported', count: 200 },
      { policyType: 'no-policy-found', policyString: [], policyMx: [], mxHost: 'mx4.company-y.example', receivingIp: '', result: 'success', count: 7 },
    ],
  });
  assert.deepEqual(r.json, {
    'organization-name': 'company-x.example',
    'date-range': { 'start-datetime': '2016-04-01T00:00:00Z', 'end-datetime': '2016-04-01T23:59:59Z' },
    'contact-info': 'sts-reporting@company-x.example',
    'report-id': '5065427c-23d3-47ca-b6e0-946ea0e8c4be',
    policies: [
      {
        policy: { 'policy-type': 'sts', 'policy-string': policyString, 'policy-domain': 'company-y.example', 'mx-host': ['mx.company-y.example'] },
        summary: { 'total-successful-session-count': 5326, 'total-failure-session-count': 303 },
        'failure-details': [
          { 'result-type': 'certificate-expired', 'sending-mta-ip': '2001:db8:abcd:0012::1', 'receiving-mx-hostname': 'mx2.company-y.example', 'receiving-ip': '203.0.113.56', 'failed-session-count': 103 },
          { 'result-type': 'starttls-not-supported', 'sending-mta-ip': '2001:db8:abcd:0012::1', 'receiving-mx-hostname': 'mx3.company-y.example', 'receiving-ip': '198.51.100.62', 'failed-session-count': 200 },
        ],
      },
      {
        policy: { 'policy-type': 'no-policy-found', 'policy-string': [], 'policy-domain': 'company-y.example', 'mx-host': [] },
        summary: { 'total-successful-session-count': 7, 'total-failure-session-count': 0 },
        'failure-details': [],
      },
    ],
  });
  assert.equal(r.successful, 5333);
  assert.equal(r.failed, 303);
  // §5.1 file name, and the gzip holds exactly the JSON
  assert.equal(r.filename, 'company-x.example!company-y.example!1459468800!1459555199.json.gz');
  assert.deepEqual(JSON.parse(gunzipSync(r.gzip).toString('utf8')), r.json);
});

test('report message: §5.3 subject, header fields, multipart/report with the gzip attachment', () => {
  const report = buildTlsReport({ organizationName: 'a.test', contactInfo: 'postmaster@a.test', reportId: 'r-1', policyDomain: 'b.test', begin: 0, end: 86399, sessions: [{ policyType: 'no-policy-found', policyString: [], policyMx: [], mxHost: 'mx.b.test', receivingIp: '', result: 'success', count: 1 }] });
  const text = buildTlsReportMessage({ report, from: 'postmaster@a.test', to: ['tls@b.test'], policyDomain: 'b.test', submitter: 'a.test', date: new Date(0), hostname: 'mx.a.test' }).toString();
  assert.match(text, /\r\nSubject: Report Domain: b\.test Submitter: a\.test Report-ID: <r-1>\r\n/);
  assert.match(text, /\r\nTLS-Report-Domain: b\.test\r\nTLS-Report-Submitter: a\.test\r\n/);
  assert.match(text, /\r\nContent-Type: multipart\/report; report-type="tlsrpt"; boundary="/);
  assert.match(text, /\r\nContent-Type: application\/tlsrpt\+gzip; name="a\.test!b\.test!0!86399\.json\.gz"\r\n/);
  const b64 = /filename="[^"]+"\r\n\r\n([A-Za-z0-9+/=\r\n]+?)\r\n--/.exec(text)![1]!;
  assert.deepEqual(JSON.parse(gunzipSync(Buffer.from(b64, 'base64')).toString()), report.json);
});

test('failure types from the TLS outcome (RFC 8460 §4.3.1)', () => {
  assert.equal(failureTypeOf('none', null), 'starttls-not-supported');
  assert.equal(failureTypeOf('unverified', 'ERR_TLS_CERT_ALTNAME_INVALID'), 'certificate-host-mismatch');
  assert.equal(failureTypeOf('unverified', 'CERT_HAS_EXPIRED'), 'certificate-expired');
  assert.equal(failureTypeOf('unverified', 'DEPTH_ZERO_SELF_SIGNED_CERT'), 'certificate-not-trusted');
  assert.equal(failureTypeOf('unverified', 'SOMETHING_ELSE'), 'validation-failure');
  assert.equal(failureTypeOf('handshake', null), 'validation-failure');
});
