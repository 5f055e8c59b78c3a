/**
 * DMARC table tests. No public DMARC policy-evaluation suite exists as data (see
 * shared/conformance/README.md "dmarc/": only the PSL vectors, which orgdomain.test.ts runs), so
 * every case here is derived from the RFC 7489 text and cites the section it comes from.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MockResolver, type MockData } from '../../dns/mock.ts';
import { authorDomain } from './author.ts';
import { aligns, evaluateDmarc, type DmarcDkimInput, type DmarcEvaluation, type DmarcSpfInput } from './dmarc.ts';
import { effectivePolicies, parseDmarcRecord } from './record.ts';

const dmarc = (name: string, ...records: string[]): MockData => ({ [`_dmarc.${name}`]: { TXT: records } });
const spfPass = (domain: string): DmarcSpfInput => ({ result: 'pass', domain });
const spfNone: DmarcSpfInput = { result: 'none', domain: '' };
const dkimPass = (domain: string, risks: string[] = []): DmarcDkimInput => ({ result: 'pass', domain, selector: 's1', risks });

type Case = {
  name: string;
  zone: MockData;
  from: string;
  spf?: DmarcSpfInput;
  dkim?: DmarcDkimInput[];
  random?: number;
  expect: Partial<Pick<DmarcEvaluation, 'result' | 'policy' | 'disposition' | 'policyDomain' | 'sampled' | 'orgDomain'>> & {
    spfAligned?: boolean;
    dkimAligned?: boolean;
  };
};

const CASES: Case[] = [
  // §6.6.3: no record at the From domain nor at its Organizational Domain → none.
  { name: 'no record anywhere', zone: {}, from: 'example.com', spf: spfPass('example.com'), expect: { result: 'none', disposition: 'none' } },
  // §3.1.2 relaxed SPF: mail.example.com and example.com share an Organizational Domain.
  {
    name: 'relaxed SPF alignment passes',
    zone: dmarc('example.com', 'v=DMARC1; p=reject'),
    from: 'example.com',
    spf: spfPass('mail.example.com'),
    expect: { result: 'pass', policy: 'reject', disposition: 'none', spfAligned: true },
  },
  // §3.1.2 strict SPF (aspf=s): the domains must be identical.
  {
    name: 'strict SPF alignment rejects a subdomain',
    zone: dmarc('example.com', 'v=DMARC1; p=reject; aspf=s'),
    from: 'example.com',
    spf: spfPass('mail.example.com'),
    expect: { result: 'fail', disposition: 'reject', spfAligned: false },
  },
  // §3.1.1 relaxed DKIM: d=example.com aligns with From news.example.com.
  {
    name: 'relaxed DKIM alignment passes',
    zone: dmarc('news.example.com', 'v=DMARC1; p=quarantine'),
    from: 'news.example.com',
    dkim: [dkimPass('example.com')],
    expect: { result: 'pass', dkimAligned: true },
  },
  // §3.1.1 strict DKIM (adkim=s).
  {
    name: 'strict DKIM alignment rejects the parent domain',
    zone: dmarc('news.example.com', 'v=DMARC1; p=quarantine; adkim=s'),
    from: 'news.example.com',
    dkim: [dkimPass('example.com')],
    expect: { result: 'fail', disposition: 'quarantine', dkimAligned: false },
  },
  // §4.2 / §6.6.2: only a *passing* authentication counts, aligned or not.
  {
    name: 'aligned but failing DKIM and softfail SPF do not pass',
    zone: dmarc('example.com', 'v=DMARC1; p=reject'),
    from: 'example.com',
    spf: { result: 'softfail', domain: 'example.com' },
    dkim: [{ result: 'fail', domain: 'example.com' }],
    expect: { result: 'fail', disposition: 'reject' },
  },
  // §3.2: relaxed alignment across a public suffix is not alignment.
  {
    name: 'different registrable domains under co.uk do not align',
    zone: dmarc('example.co.uk', 'v=DMARC1; p=reject'),
    from: 'example.co.uk',
    spf: spfPass('evil.co.uk'),
    dkim: [dkimPass('co.uk')],
    expect: { result: 'fail', disposition: 'reject' },
  },
  // §6.6.3 step 3 + §6.3 "sp": the Organizational Domain's record, with sp for the subdomain.
  {
    name: 'subdomain falls back to the Organizational Domain and gets sp',
    zone: dmarc('example.co.uk', 'v=DMARC1; p=reject; sp=quarantine'),
    from: 'a.b.example.co.uk',
    expect: { result: 'fail', policy: 'quarantine', disposition: 'quarantine', policyDomain: 'example.co.uk', orgDomain: 'example.co.uk' },
  },
  {
    name: 'subdomain fallback without sp uses p',
    zone: dmarc('example.com', 'v=DMARC1; p=reject'),
    from: 'mail.example.com',
    expect: { result: 'fail', policy: 'reject', policyDomain: 'example.com' },
  },
  // §6.3 "sp" only applies to records found at the Organizational Domain.
  {
    name: "a subdomain's own record uses its p, not sp",
    zone: { ...dmarc('mail.example.com', 'v=DMARC1; p=none; sp=reject'), ...dmarc('example.com', 'v=DMARC1; p=reject') },
    from: 'mail.example.com',
    expect: { result: 'fail', policy: 'none', disposition: 'none', policyDomain: 'mail.example.com' },
  },
  // §6.6.4: pct sampling; a message not selected gets the next weaker policy.
  {
    name: 'pct=50, sampled in (random 0.3) → reject',
    zone: dmarc('example.com', 'v=DMARC1; p=reject; pct=50'),
    from: 'example.com',
    random: 0.3,
    expect: { result: 'fail', disposition: 'reject', sampled: true },
  },
  {
    name: 'pct=50, sampled out (random 0.7) → quarantine',
    zone: dmarc('example.com', 'v=DMARC1; p=reject; pct=50'),
    from: 'example.com',
    random: 0.7,
    expect: { result: 'fail', policy: 'reject', disposition: 'quarantine', sampled: false },
  },
  {
    name: 'pct=0 quarantine → none',
    zone: dmarc('example.com', 'v=DMARC1; p=quarantine; pct=0'),
    from: 'example.com',
    random: 0,
    expect: { result: 'fail', disposition: 'none', sampled: false },
  },
  // §6.6.3 step 5: several DMARC records end discovery (reported as permerror, §11.2).
  {
    name: 'two DMARC records → permerror',
    zone: dmarc('example.com', 'v=DMARC1; p=reject', 'v=DMARC1; p=none'),
    from: 'example.com',
    expect: { result: 'permerror', disposition: 'none' },
  },
  // §6.6.3 step 2: TXT records without v=DMARC1 first are discarded.
  {
    name: 'non-DMARC TXT at _dmarc is ignored',
    zone: dmarc('example.com', 'v=spf1 -all', 'p=reject; v=DMARC1'),
    from: 'example.com',
    expect: { result: 'none' },
  },
  // §6.6.3 step 6.1: invalid p with a valid rua acts as p=none.
  {
    name: 'invalid p with rua acts as p=none',
    zone: dmarc('example.com', 'v=DMARC1; p=bogus; rua=mailto:d@example.com'),
    from: 'example.com',
    expect: { result: 'fail', policy: 'none', disposition: 'none' },
  },
  // §6.6.3 step 6.2: invalid p and no rua → no DMARC processing (reported as permerror).
  { name: 'invalid p without rua', zone: dmarc('example.com', 'v=DMARC1; p=bogus'), from: 'example.com', expect: { result: 'permerror', disposition: 'none' } },
  // RFC 6376 §3.2 (the tag-list syntax DMARC uses, §6.4): a duplicated tag invalidates the record.
  { name: 'duplicate tag', zone: dmarc('example.com', 'v=DMARC1; p=none; p=reject'), from: 'example.com', expect: { result: 'permerror' } },
  // Issue 5: a DNS temperror is never a silent pass (§6.6.3 last paragraph leaves it to us: 451).
  {
    name: 'DNS failure → temperror',
    zone: { '_dmarc.example.com': { temperror: true } },
    from: 'example.com',
    spf: spfPass('example.com'),
    expect: { result: 'temperror', disposition: 'none' },
  },
  // §6.6.2: DKIM alone is enough; a signature with l= is ranked after a full one.
  {
    name: 'DKIM pass with SPF fail',
    zone: dmarc('example.com', 'v=DMARC1; p=reject'),
    from: 'Example.COM',
    spf: { result: 'fail', domain: 'bounce.other.net' },
    dkim: [dkimPass('other.net'), dkimPass('example.com')],
    expect: { result: 'pass', dkimAligned: true, spfAligned: false },
  },
];

test('RFC 7489 table (alignment, org-domain fallback, p/sp/pct, errors)', async (t) => {
  let passed = 0;
  for (const c of CASES) {
    const out = await evaluateDmarc({
      fromDomain: c.from,
      spf: c.spf ?? spfNone,
      dkim: c.dkim ?? [],
      resolver: new MockResolver(c.zone),
      random: () => c.random ?? 0,
    });
    const { spfAligned, dkimAligned, ...fields } = c.expect;
    for (const [k, v] of Object.entries(fields)) assert.equal(out[k as keyof DmarcEvaluation], v, `${c.name}: ${k} (${JSON.stringify(out)})`);
    if (spfAligned !== undefined) assert.equal(out.alignment.spf.aligned, spfAligned, `${c.name}: spf alignment`);
    if (dkimAligned !== undefined) assert.equal(out.alignment.dkim.aligned, dkimAligned, `${c.name}: dkim alignment`);
    passed++;
  }
  t.diagnostic(`DMARC RFC 7489 table: ${passed}/${CASES.length} pass`);
});

test('the preferred aligned DKIM signature is one without l=', async () => {
  const out = await evaluateDmarc({
    fromDomain: 'example.com',
    spf: spfNone,
    dkim: [{ ...dkimPass('example.com', ['body-length-limit']), selector: 'limited' }, { ...dkimPass('mail.example.com'), selector: 'full' }],
    resolver: new MockResolver(dmarc('example.com', 'v=DMARC1; p=reject')),
  });
  assert.equal(out.alignment.dkim.selector, 'full');
});

test('alignment helper: case-insensitive, trailing dot, strict vs relaxed (§3.1)', () => {
  assert.equal(aligns('EXAMPLE.com.', 'example.com', 'strict'), true);
  assert.equal(aligns('a.example.com', 'b.example.com', 'relaxed'), true);
  assert.equal(aligns('a.example.com', 'b.example.com', 'strict'), false);
  assert.equal(aligns('', 'example.com', 'relaxed'), false);
});

test('author domain (RFC 7489 §6.6.1, RFC 5322 §3.6): no From or several From → reject', () => {
  assert.deepEqual(authorDomain({ fromFields: 0, addresses: [] }), { ok: false, reason: 'no-from-field' });
  assert.deepEqual(authorDomain({ fromFields: 2, addresses: ['a@example.com', 'b@example.com'] }), { ok: false, reason: 'multiple-from-fields' });
  assert.deepEqual(authorDomain({ fromFields: 1, addresses: ['a@example.com', 'b@evil.example'] }), { ok: false, reason: 'multiple-author-domains' });
  assert.deepEqual(authorDomain({ fromFields: 1, addresses: ['a@Example.com', 'b@example.com.'] }), { ok: true, domain: 'example.com' });
  assert.deepEqual(authorDomain({ fromFields: 1, addresses: ['undisclosed'] }), { ok: false, reason: 'no-author-domain' });
  assert.deepEqual(authorDomain({ fromFields: 1, addresses: ['a@[192.0.2.1]'] }), { ok: false, reason: 'invalid-author-domain' });
});

test('record parser: good and bad records (§6.3, §6.4, RFC 6376 §3.2)', () => {
  const good: [string, Record<string, unknown>][] = [
    // §6.3 / Appendix B examples
    ['v=DMARC1; p=none; rua=mailto:dmarc-feedback@example.com', { p: 'none', rua: ['mailto:dmarc-feedback@example.com'], pct: 100 }],
    ['v=DMARC1; p=quarantine; pct=10; adkim=s; aspf=s', { p: 'quarantine', pct: 10, adkim: 'strict', aspf: 'strict' }],
    ['v=DMARC1;p=Reject;sp=none;', { p: 'reject', sp: 'none' }], // values are ABNF literals: case-insensitive
    ['v = DMARC1 ; p = reject ; foo=bar', { p: 'reject' }], // §6.3: unknown tags are ignored
    ['v=DMARC1; p=none; rua=mailto:a@example.com!10m,mailto:b@example.net', { rua: ['mailto:a@example.com!10m', 'mailto:b@example.net'] }],
  ];
  for (const [txt, want] of good) {
    const r = parseDmarcRecord(txt);
    assert.ok(r.ok, txt);
    for (const [k, v] of Object.entries(want)) assert.deepEqual((r.record as Record<string, unknown>)[k], v, `${txt}: ${k}`);
  }
  const bad: [string, 'not-dmarc' | 'invalid', string][] = [
    ['p=reject; v=DMARC1', 'not-dmarc', 'v= must be the first tag (§6.3)'],
    ['v=DMARC2; p=reject', 'not-dmarc', 'the version must match exactly'],
    ['v=dmarc1; p=reject', 'not-dmarc', 'the value DMARC1 is case-sensitive (§6.3 "MUST match precisely")'],
    ['v=DMARC1; p=reject; p=none', 'invalid', 'duplicate tag (RFC 6376 §3.2)'],
    ['v=DMARC1; reject', 'invalid', 'not a tag=value pair'],
  ];
  for (const [txt, error, why] of bad) {
    const r = parseDmarcRecord(txt);
    assert.ok(!r.ok && r.error === error, `${txt}: ${why}`);
  }
  const pct = parseDmarcRecord('v=DMARC1; p=reject; pct=150; adkim=x');
  assert.ok(pct.ok && pct.record.pct === 100 && pct.record.adkim === 'relaxed' && pct.record.problems.length === 2, 'invalid pct/adkim fall back to defaults');
  const spBad = parseDmarcRecord('v=DMARC1; p=reject; sp=maybe');
  assert.ok(spBad.ok);
  assert.equal(effectivePolicies(spBad.record), undefined, '§6.6.3 step 6: invalid sp without rua → no processing');
});

test('dmarcbis mode: RFC 9989 Tree Walk via mailauth finds the record above the PSL boundary guess', async (t) => {
  // From a.b.c.example.com; only _dmarc.example.com publishes. The walk goes up label by label.
  const resolver = new MockResolver({ ...dmarc('example.com', 'v=DMARC1; p=reject; sp=quarantine'), 'a.b.c.example.com': { A: ['192.0.2.1'] } });
  const pass = await evaluateDmarc({ fromDomain: 'a.b.c.example.com', spf: spfNone, dkim: [dkimPass('c.example.com')], resolver, mode: 'dmarcbis' });
  assert.equal(pass.result, 'pass');
  assert.equal(pass.policyDomain, 'example.com');
  assert.equal(pass.orgDomain, 'example.com');
  const fail = await evaluateDmarc({ fromDomain: 'a.b.c.example.com', spf: spfNone, dkim: [], resolver, mode: 'dmarcbis' });
  assert.equal(fail.result, 'fail');
  assert.equal(fail.disposition, 'quarantine');
  // psd=n marks the Organizational Domain explicitly (RFC 9989 §4.7, §4.10.2).
  const psd = new MockResolver({ ...dmarc('b.c.example.com', 'v=DMARC1; p=none; psd=n'), ...dmarc('example.com', 'v=DMARC1; p=reject') });
  const walked = await evaluateDmarc({ fromDomain: 'a.b.c.example.com', spf: spfPass('x.b.c.example.com'), dkim: [], resolver: psd, mode: 'dmarcbis' });
  assert.equal(walked.result, 'pass');
  assert.equal(walked.orgDomain, 'b.c.example.com');
  const temp = await evaluateDmarc({ fromDomain: 'example.com', spf: spfNone, dkim: [], resolver: new MockResolver({ '_dmarc.example.com': { temperror: true } }), mode: 'dmarcbis' });
  assert.equal(temp.result, 'temperror');
  t.diagnostic('DMARC dmarcbis (RFC 9989 via mailauth): 4/4 pass');
});
