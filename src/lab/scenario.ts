/**
 * What a lab scenario is: one attack (or one legitimate exchange), the defence expected to stop it,
 * named as in the literature, a `built()` check that says whether that defence exists in this
 * mailwarden yet, and `run()`, which plays it against the live lab and records what happened and
 * what was checked. A scenario passes only when every check it made passed; one whose defence is
 * not built is reported as NOT BUILT and never run (never PASS).
 */
import { existsSync } from 'node:fs';
import type { Lab } from './topology.ts';
import type { Transcript } from './transcript.ts';

export type Status = 'PASS' | 'FAIL' | 'NOT BUILT';

export interface Check {
  ok: boolean;
  what: string;
}

export interface ScenarioContext {
  lab: Lab;
  t: Transcript;
  /** A subject unique to this lab run and scenario ("[lab ab12cd/2] ..."). */
  subject(text: string): string;
  /** Records what happened (a reply, a folder, a header): the scorecard's "what happened". */
  saw(text: string): void;
  /** Records one verification; returns `ok`. */
  check(ok: boolean, what: string): boolean;
}

export interface Scenario {
  id: number;
  /** For --scenario: lower case, dashes. */
  name: string;
  title: string;
  /** The attack (or exchange), one sentence. */
  attack: string;
  /** The defence expected to stop it, named as in the literature. */
  defence: string;
  /** null when the defence exists; otherwise the missing piece, named. */
  built(): string | null;
  /** Absent: the defence may exist but this scenario is not wired into the lab yet (NOT BUILT). */
  run?(ctx: ScenarioContext): Promise<void>;
}

/** built() helper: null when `path` (relative to src/) exists, else `missing`. */
export function needsSource(path: string, missing: string): () => string | null {
  return () => (existsSync(new URL(`../${path}`, import.meta.url)) ? null : missing);
}
