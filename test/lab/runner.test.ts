/**
 * The lab's verdict rules, without starting servers: a scenario PASSes only when it made checks
 * and all passed; a failed check, an error or a timeout is FAIL; a defence that is not built is
 * NOT BUILT and its scenario is never run. Plus scenario selection and the scorecard table.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runScenario } from '../../src/lab/run.ts';
import { formatScorecard, wrap } from '../../src/lab/scorecard.ts';
import { SCENARIOS, selectScenarios } from '../../src/lab/scenarios/index.ts';
import { explainSmtpReply, explainSmtpCommand } from '../../src/lab/explain.ts';
import type { Scenario } from '../../src/lab/scenario.ts';
import type { Lab } from '../../src/lab/topology.ts';
import { Wire } from '../../src/lab/wire.ts';

/** Just what runScenario touches of a lab. */
const lab = { runId: 'abc123', wire: new Wire(() => ({ host: '127.0.0.1', port: 1 })) } as unknown as Lab;

const base = { id: 99, name: 'x', title: 'X', attack: 'an attack', defence: 'a defence' };

test('PASS needs at least one check, all passed', async () => {
  const ok: Scenario = { ...base, built: () => null, run: async (c) => void c.check(true, 'it held') };
  assert.equal((await runScenario(lab, ok)).status, 'PASS');
  const none: Scenario = { ...base, built: () => null, run: async (c) => c.saw('something happened') };
  assert.equal((await runScenario(lab, none)).status, 'FAIL', 'no check made: nothing verified, never PASS');
  const one: Scenario = { ...base, built: () => null, run: async (c) => void (c.check(true, 'a') && c.check(false, 'b')) };
  const r = await runScenario(lab, one);
  assert.equal(r.status, 'FAIL');
  assert.deepEqual(r.checks, [{ ok: true, what: 'a' }, { ok: false, what: 'b' }]);
});

test('an error or a timeout is FAIL, with the reason', async () => {
  const boom: Scenario = { ...base, built: () => null, run: async (c) => { c.check(true, 'first'); throw new Error('connection refused'); } };
  const r = await runScenario(lab, boom);
  assert.equal(r.status, 'FAIL');
  assert.equal(r.error, 'connection refused');
  const slow: Scenario = { ...base, built: () => null, run: () => new Promise(() => undefined) };
  const t = await runScenario(lab, slow, 200);
  assert.equal(t.status, 'FAIL');
  assert.match(t.error!, /timed out after 0\.2 s/);
});

test('NOT BUILT: never run, the missing piece named; a built defence without a run is still NOT BUILT', async () => {
  let ran = false;
  const missing: Scenario = { ...base, built: () => 'the widget (src/widget/) is not built yet', run: async (c) => { ran = true; c.check(true, 'x'); } };
  const r = await runScenario(lab, missing);
  assert.equal(ran, false);
  assert.equal(r.status, 'NOT BUILT');
  assert.equal(r.missing, 'the widget (src/widget/) is not built yet');
  const unwired: Scenario = { ...base, built: () => null };
  const u = await runScenario(lab, unwired);
  assert.equal(u.status, 'NOT BUILT');
  assert.match(u.missing!, /not wired into the lab yet/);
});

test('the wire is put back to an honest router after a scenario, whatever happened', async () => {
  const mitm: Scenario = { ...base, built: () => null, run: async (c) => { c.lab.wire.mode = { kind: 'tamper', replace: { from: 'a', to: 'b' } }; throw new Error('x'); } };
  await runScenario(lab, mitm);
  assert.deepEqual(lab.wire.mode, { kind: 'pass' });
  assert.equal(lab.wire.onEvent, null);
});

test('scenarios: the issue\'s 14, selected by name or number; unknown names reported', () => {
  assert.deepEqual(SCENARIOS.map((s) => s.id), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14]);
  assert.equal(new Set(SCENARIOS.map((s) => s.name)).size, 14);
  assert.deepEqual(selectScenarios(['smuggling', '2', 'FORGED-REJECT']).selected.map((s) => s.id), [2, 12]);
  assert.deepEqual(selectScenarios(['nope', '15']).unknown, ['nope', '15']);
  assert.equal(selectScenarios([]).selected.length, 14);
  for (const s of SCENARIOS) assert.ok(s.defence.length > 10 && s.attack.length > 10, `${s.name} names its attack and defence`);
});

test('scorecard: columns wrap, the result column says exactly PASS / FAIL / NOT BUILT', async () => {
  assert.deepEqual(wrap('the quick brown fox jumps', 10), ['the quick', 'brown fox', 'jumps']);
  assert.deepEqual(wrap('x'.repeat(12), 5), ['xxxxx', 'xxxxx', 'xx']);
  const results = [
    await runScenario(lab, { ...base, id: 1, built: () => null, run: async (c) => { c.saw('550 5.7.1 refused'); c.check(true, 'refused'); } }),
    await runScenario(lab, { ...base, id: 2, built: () => 'MTA-STS is not built yet' }),
    await runScenario(lab, { ...base, id: 3, built: () => null, run: async (c) => void c.check(false, 'must be refused') }),
  ];
  const text = formatScorecard(results, 1234);
  assert.match(text, /^#  \| scenario +\| attack +\| expected defence +\| what happened +\| result$/m);
  assert.match(text, /^1 +\| X .*\| 550 5\.7\.1 refused +\| PASS$/m);
  assert.match(text, /^2 +\| X .*\| MTA-STS is not built yet +\| NOT BUILT$/m);
  assert.match(text, /^3 +\| X .*\| NOT OK: must be refused +\| FAIL$/m);
  assert.match(text, /PASS 1 {3}FAIL 1 {3}NOT BUILT 1 {3}\(1\.2 s\)/);
});

test('transcript explanations name the rule', () => {
  assert.match(explainSmtpCommand('MAIL FROM:<a@b.test>'), /SPF/);
  assert.match(explainSmtpCommand('RCPT TO:<victim%remote.test@example.test>'), /%-hack/);
  assert.match(explainSmtpCommand('AUTH PLAIN AGFsaWNl'), /not encryption/);
  assert.match(explainSmtpReply(538, '538 5.7.11 encryption required'), /encryption first/);
  assert.match(explainSmtpReply(550, '550 5.6.11 bare LF'), /smuggled/);
  assert.match(explainSmtpReply(354, '354 go ahead'), /send the message/);
});
