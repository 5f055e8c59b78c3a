/**
 * Runs lab scenarios one after the other against a started lab, each bounded in time, and turns
 * each into a scorecard row: PASS only when the scenario made checks and all passed; FAIL on a
 * failed check, an error or a timeout; NOT BUILT when the defence (or the scenario's wiring) does
 * not exist yet.
 */
import type { Lab } from './topology.ts';
import type { Check, Scenario, ScenarioContext, Status } from './scenario.ts';
import { Transcript, type TranscriptLine } from './transcript.ts';

export interface ScenarioResult {
  id: number;
  name: string;
  title: string;
  attack: string;
  defence: string;
  status: Status;
  /** What happened: replies, folders, headers. */
  happened: string[];
  checks: Check[];
  /** NOT BUILT: what is missing. */
  missing?: string;
  /** FAIL by error or timeout. */
  error?: string;
  durationMs: number;
  transcript: TranscriptLine[];
}

export const SCENARIO_TIMEOUT_MS = 45_000;

const WIRE_CHANNEL = 'the wire gmail.test -> icloud.test, as a router on the path sees it';

export async function runScenario(lab: Lab, s: Scenario, timeoutMs = SCENARIO_TIMEOUT_MS): Promise<ScenarioResult> {
  const base = { id: s.id, name: s.name, title: s.title, attack: s.attack, defence: s.defence };
  const missing = s.built();
  if (missing !== null || !s.run) {
    const why = missing ?? `the defence exists, but scenario ${s.id} is not wired into the lab yet`;
    return { ...base, status: 'NOT BUILT', happened: [], checks: [], missing: why, durationMs: 0, transcript: [] };
  }
  const t = new Transcript();
  const happened: string[] = [];
  const checks: Check[] = [];
  const ctx: ScenarioContext = {
    lab,
    t,
    subject: (text) => `[lab ${lab.runId}/${s.id}] ${text}`,
    saw: (text) => void happened.push(text),
    check(ok, what) {
      checks.push({ ok, what });
      t.add('lab', '*', `${ok ? 'ok' : 'NOT OK'}: ${what}`);
      return ok;
    },
  };
  lab.wire.onEvent = (e) => t.event(WIRE_CHANNEL, e.who === 'W' ? '*' : e.who, e.text, e.why);
  const started = Date.now();
  let error: string | undefined;
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      s.run(ctx),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs / 1000} s`)), timeoutMs);
      }),
    ]);
  } catch (e) {
    error = e instanceof Error ? e.message : String(e);
    t.note(`error: ${error}`);
  } finally {
    clearTimeout(timer);
    lab.wire.onEvent = null;
    lab.wire.mode = { kind: 'pass' };
  }
  const status: Status = error === undefined && checks.length > 0 && checks.every((c) => c.ok) ? 'PASS' : 'FAIL';
  return { ...base, status, happened, checks, ...(error !== undefined ? { error } : {}), durationMs: Date.now() - started, transcript: t.lines };
}

export async function runScenarios(lab: Lab, scenarios: readonly Scenario[], onResult?: (r: ScenarioResult) => void): Promise<ScenarioResult[]> {
  const out: ScenarioResult[] = [];
  for (const s of scenarios) {
    const r = await runScenario(lab, s);
    onResult?.(r);
    out.push(r);
  }
  return out;
}
