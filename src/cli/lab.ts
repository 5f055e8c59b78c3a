/**
 * `mailwarden lab`: starts the lab (several mailwarden servers on 127.0.0.x, a DNS server with the
 * lab zone), replays the classic e-mail attacks against it and prints the scorecard. Exit status
 * 1 when a defence failed. docs/lab.md.
 */
import type { Command } from 'commander';
import { createLogger, silentLogger } from '../lib/logger.ts';
import { startLab, type Lab } from '../lab/topology.ts';
import { SCENARIOS, selectScenarios } from '../lab/scenarios/index.ts';
import { runScenarios, type ScenarioResult } from '../lab/run.ts';
import { formatScorecard, formatTranscripts, keepInstructions, scorecardJson, summarize } from '../lab/scorecard.ts';
import { fail, printJson, printTable, UsageError, type GlobalOptions } from './common.ts';

interface LabCliOptions {
  json?: boolean;
  scenario: string[];
  transcript?: boolean;
  keep?: boolean;
  teaching?: boolean;
  list?: boolean;
  verbose?: boolean;
}

const collect = (v: string, prev: string[]) => [...prev, v];
/** The whole run (start, scenarios, stop) must end within this, whatever happens. */
const RUN_LIMIT_MS = 180_000;

export function registerLab(program: Command, _global: () => GlobalOptions): void {
  program
    .command('lab')
    .description('start a lab of mailwarden servers on 127.0.0.x, replay the classic e-mail attacks against them and print which defence stopped each (docs/lab.md)')
    .option('--scenario <name>', 'run only this scenario, by name or number (repeatable; see --list)', collect, [])
    .option('--list', 'list the scenarios and exit')
    .option('--json', 'print the scorecard as JSON')
    .option('--transcript', 'print every SMTP/IMAP line of each scenario with a one-line explanation')
    .option('--keep', 'leave the lab running after the scenarios and print how to connect by hand (Ctrl-C stops it; data is kept)')
    .option('--teaching', 'allow AUTH without TLS from loopback on every lab server (auth.plaintext = "loopback"), so a class can type AUTH PLAIN over telnet; scenario 9 then FAILs')
    .option('-v, --verbose', 'server logs on standard error')
    .addHelpText(
      'after',
      `
Hosts (each its own loopback address and domain; MX on port 2525, submission 5870, IMAPS 9930 ...):
  127.0.0.2 gmail.test (DMARC p=reject)   127.0.0.3 icloud.test (the victim MX)   127.0.0.4 lists.test
  127.0.0.5 quarantine.test (p=quarantine)   127.0.0.6 none.test (p=none)
  127.0.0.9 attacker.test (no server, no protections)   127.0.0.10:5353 the lab DNS server
If a standard lab port is taken, the lab uses free ports (printed with --keep and in --json).
Exit status: 0 when no scenario FAILed (NOT BUILT is not a failure), 1 when one did (or on a usage error), 2 when the lab could not start.

Examples:
  mailwarden lab                                # everything, scorecard
  mailwarden lab --scenario forged-reject --transcript
  mailwarden lab --keep --scenario legitimate   # then type SMTP yourself`,
    )
    .action((o: LabCliOptions) => runLabCommand(o).catch(fail));
}

async function runLabCommand(o: LabCliOptions): Promise<void> {
  if (o.list) {
    const rows = SCENARIOS.map((s) => [String(s.id), s.name, s.built() === null ? (s.run ? 'ready' : 'not wired') : 'NOT BUILT', s.defence]);
    printTable(rows, ['#', 'name', 'status', 'expected defence']);
    return;
  }
  const { selected, unknown } = selectScenarios(o.scenario);
  if (unknown.length) throw new UsageError(`unknown scenario ${unknown.join(', ')}; known: ${SCENARIOS.map((s) => s.name).join(', ')}`);
  const guard = setTimeout(() => {
    process.stderr.write(`mailwarden lab: did not finish within ${RUN_LIMIT_MS / 1000} s\n`);
    process.exit(1);
  }, RUN_LIMIT_MS);
  guard.unref();
  const progress = (line: string) => {
    if (!o.json) process.stderr.write(`${line}\n`);
  };
  const logger = o.verbose ? createLogger('info', process.stderr) : silentLogger();
  const started = Date.now();
  progress('mailwarden lab: starting the DNS server and 5 mail servers on 127.0.0.2-127.0.0.10 ...');
  let lab: Lab;
  try {
    lab = await startLab({ logger, ...(o.teaching ? { teaching: true } : {}) });
  } catch (e) {
    // e.g. EADDRNOTAVAIL (LabError says what to do about it), or a port that stayed taken
    process.stderr.write(`mailwarden lab: the lab did not start: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(2);
  }
  progress(`mailwarden lab: up in ${((Date.now() - started) / 1000).toFixed(1)} s (${lab.ports === 'lab' ? 'standard lab ports' : 'free ports: a standard lab port was taken'}); running ${selected.length} scenario(s)`);
  let results: ScenarioResult[] = [];
  try {
    results = await runScenarios(lab, selected, (r) => progress(`  ${String(r.id).padStart(2)} ${r.name.padEnd(24)} ${r.status}${r.status === 'NOT BUILT' ? '' : ` (${(r.durationMs / 1000).toFixed(1)} s)`}`));
  } finally {
    if (!o.keep) await lab.close();
  }
  const total = Date.now() - started;
  if (o.json) printJson(scorecardJson(lab, results, total, { transcript: o.transcript === true, kept: o.keep === true }));
  else {
    if (o.transcript) process.stdout.write(formatTranscripts(results));
    process.stdout.write(formatScorecard(results, total));
  }
  const code = summarize(results).fail > 0 ? 1 : 0;
  if (!o.keep) process.exit(code);
  clearTimeout(guard);
  (o.json ? process.stderr : process.stdout).write(keepInstructions(lab));
  const stop = () =>
    void lab.close({ keepData: true }).then(() => {
      process.stderr.write(`mailwarden lab: stopped; the data stays in ${lab.dir}\n`);
      process.exit(code);
    });
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}
