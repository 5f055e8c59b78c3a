/**
 * The ValiMail ARC validation suite (shared/conformance/arc/arc-draft-validation-tests.yml, MIT)
 * through validateArc() with each scenario's txt-records as DNS. Rules from the README "arc/":
 * LF → CRLF, duplicated YAML keys (last one wins), cv '' means fail, t= from 2017 is not
 * "expired" (no x= in the suite).
 */
import { readFileSync } from 'node:fs';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseAllDocuments } from 'yaml';
import { MockResolver, type MockData } from '../../dns/mock.ts';
import { validateArc } from './validate.ts';

const SUITE = new URL('../../../../shared/conformance/arc/arc-draft-validation-tests.yml', import.meta.url);

type ArcTest = { message: string; cv: string | null; description?: string };
type Scenario = { description: string; tests: Record<string, ArcTest>; 'txt-records'?: Record<string, string> };

/**
 * The explicit skip list: the one case where the suite disagrees with the RFC.
 * - ams_fields_h_empty: the suite expects Pass for an AMS with an empty h=. RFC 8617 §4.1.2
 *   takes h= from DKIM, and RFC 6376 §3.5 makes h= required with at least the From field
 *   (§5.4: "The From header field MUST be signed"). An AMS that signs no header field protects
 *   nothing; we say fail, and the conformance README lists this as a disputed expectation.
 */
const KNOWN_DEVIATIONS = new Map([['ams_fields_h_empty', 'fail']]);

function loadArcScenarios(): Scenario[] {
  const text = readFileSync(SUITE, 'utf8');
  // The file has 4 duplicated keys in one map: a loader that allows them, last one wins (README).
  return parseAllDocuments(text, { uniqueKeys: false }).map((d) => d.toJS() as Scenario);
}

function txtResolver(records: Record<string, string> | undefined): MockResolver {
  const data: MockData = {};
  for (const [name, value] of Object.entries(records ?? {})) data[name] = { TXT: [value.replace(/\s*\n\s*/g, '')] };
  return new MockResolver(data);
}

const crlf = (s: string) => Buffer.from(s.replace(/\r?\n/g, '\r\n'), 'utf8');

test('ARC validation suite (RFC 8617 §5.2), strict mode + our c= correction', async (t) => {
  let total = 0;
  let passed = 0;
  const failures: string[] = [];
  const deviations: string[] = [];
  const corrected: string[] = [];
  for (const scenario of loadArcScenarios()) {
    const resolver = txtResolver(scenario['txt-records']);
    for (const [id, c] of Object.entries(scenario.tests)) {
      total++;
      const expected = (c.cv ?? '').toLowerCase() || 'fail'; // README: cv '' → fail (§5.2 step 2)
      const got = await validateArc(crlf(c.message), resolver, { now: new Date('2018-01-01T00:00:00Z') });
      if (got.correction) corrected.push(id);
      const deviation = KNOWN_DEVIATIONS.get(id);
      if (deviation !== undefined) {
        assert.equal(got.chain, deviation, `${id}: the documented deviation changed (now ${got.chain}): update the skip list`);
        deviations.push(`${id} (suite ${expected}, we ${got.chain})`);
        continue;
      }
      if (got.chain === expected) passed++;
      else failures.push(`${id}: expected ${expected}, got ${got.chain} (${got.reason ?? ''})`);
    }
  }
  assert.equal(total, 171, 'the suite has 171 distinct test ids');
  t.diagnostic(`ARC validation: ${passed}/${total} pass, ${deviations.length} documented deviation(s): ${deviations.join(', ')}`);
  t.diagnostic(`  corrected by the adapter (AMS without c=, relaxed/relaxed): ${corrected.join(', ') || 'none'}`);
  for (const f of failures) t.diagnostic(`  ${f}`);
  assert.deepEqual(failures, []);
  assert.ok(passed >= 170, `ARC validation: ${passed}/${total}, expected at least 170`);
});

test('a passing chain exposes the sealers and the last hop AAR (for trusted_sealers overrides)', async () => {
  const [first] = loadArcScenarios();
  assert.ok(first);
  const c = first.tests['cv_pass_i2_1'];
  assert.ok(c, 'cv_pass_i2_1 exists');
  const got = await validateArc(crlf(c.message), txtResolver(first['txt-records']));
  assert.equal(got.chain, 'pass');
  assert.equal(got.instances, 2);
  assert.deepEqual(got.sealers, ['example.org', 'example.org']);
  assert.equal(got.aar?.instance, 2);
  assert.equal(got.aar?.authservId, 'lists.example.org');
  assert.deepEqual(got.aar?.results.map((r) => `${r.method}=${r.result}`), ['spf=pass', 'dkim=pass', 'dmarc=pass']);
  assert.deepEqual(got.sets.map((s) => s.seal.cv), ['none', 'pass']);
});

test('no ARC headers → none', async () => {
  const got = await validateArc(crlf('From: a@example.com\nTo: b@example.org\nSubject: x\n\nbody\n'), new MockResolver({}));
  assert.equal(got.chain, 'none');
  assert.equal(got.instances, 0);
  assert.deepEqual(got.sealers, []);
});
