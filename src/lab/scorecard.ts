/**
 * The scorecard: one row per scenario (scenario, attack, expected defence, what happened, result),
 * as a text table for people and as JSON for CI, plus the transcript when asked for.
 */
import type { ScenarioResult } from './run.ts';
import type { Lab } from './topology.ts';
import { ATTACKER, CLIENT_IP } from './topology.ts';
import { formatTranscript } from './transcript.ts';

export interface Summary {
  pass: number;
  fail: number;
  notBuilt: number;
}

export function summarize(results: readonly ScenarioResult[]): Summary {
  return {
    pass: results.filter((r) => r.status === 'PASS').length,
    fail: results.filter((r) => r.status === 'FAIL').length,
    notBuilt: results.filter((r) => r.status === 'NOT BUILT').length,
  };
}

/** What the "what happened" cell shows: the observations, then failed checks and errors. */
function happenedCell(r: ScenarioResult): string[] {
  if (r.status === 'NOT BUILT') return [r.missing ?? 'not built'];
  return [...r.happened, ...r.checks.filter((c) => !c.ok).map((c) => `NOT OK: ${c.what}`), ...(r.error ? [`ERROR: ${r.error}`] : [])];
}

/** Word-wraps `text` to `width` columns (long words are cut). */
export function wrap(text: string, width: number): string[] {
  const out: string[] = [];
  let line = '';
  for (let word of text.split(/\s+/).filter(Boolean)) {
    while (word.length > width) {
      if (line) {
        out.push(line);
        line = '';
      }
      out.push(word.slice(0, width));
      word = word.slice(width);
    }
    if (!line) line = word;
    else if (line.length + 1 + word.length <= width) line += ` ${word}`;
    else {
      out.push(line);
      line = word;
    }
  }
  if (line) out.push(line);
  return out.length ? out : [''];
}

const COLUMNS: Array<[string, number]> = [
  ['#', 2],
  ['scenario', 18],
  ['attack', 30],
  ['expected defence', 30],
  ['what happened', 50],
  ['result', 9],
];

export function formatScorecard(results: readonly ScenarioResult[], totalMs: number): string {
  const rule = COLUMNS.map(([, w]) => '-'.repeat(w)).join('-+-');
  const row = (cells: string[][]) => {
    const height = Math.max(...cells.map((c) => c.length));
    const lines: string[] = [];
    for (let i = 0; i < height; i++) lines.push(COLUMNS.map(([, w], j) => (cells[j]![i] ?? '').padEnd(w)).join(' | ').trimEnd());
    return lines.join('\n');
  };
  const out = [row(COLUMNS.map(([h]) => [h])), rule];
  for (const r of results) {
    const happened = happenedCell(r).flatMap((h) => wrap(h, COLUMNS[4]![1]));
    out.push(row([[String(r.id)], wrap(r.title, COLUMNS[1]![1]), wrap(r.attack, COLUMNS[2]![1]), wrap(r.defence, COLUMNS[3]![1]), happened, [r.status]]));
    out.push(rule);
  }
  const s = summarize(results);
  out.push(`PASS ${s.pass}   FAIL ${s.fail}   NOT BUILT ${s.notBuilt}   (${(totalMs / 1000).toFixed(1)} s)`);
  return `${out.join('\n')}\n`;
}

export function formatTranscripts(results: readonly ScenarioResult[]): string {
  const out: string[] = [];
  for (const r of results) {
    out.push(`== ${r.id}. ${r.title}: ${r.status} ==`);
    out.push(r.transcript.length ? formatTranscript(r.transcript) : `    (not run: ${r.missing ?? r.error ?? ''})`);
    out.push('');
  }
  return `${out.join('\n')}\n`;
}

/** The lab's hosts and addresses, for JSON and for --keep. */
export function describeLab(lab: Lab) {
  return {
    runId: lab.runId,
    dir: lab.dir,
    ports: lab.ports,
    teaching: lab.teaching,
    dns: lab.dns,
    zoneFile: lab.zoneFile,
    clients: CLIENT_IP,
    attacker: { domain: ATTACKER.domain, ip: ATTACKER.ip },
    hosts: lab.hosts.map((h) => ({
      name: h.spec.name,
      domain: h.spec.domain,
      hostname: h.hostname,
      ip: h.spec.ip,
      dmarc: h.spec.dmarc,
      role: h.spec.role,
      endpoints: Object.fromEntries(h.app.endpoints.map((e) => [e.name, `${e.address.host}:${e.address.port}`])),
    })),
    wire: lab.wire.address,
  };
}

export function scorecardJson(lab: Lab, results: readonly ScenarioResult[], totalMs: number, opts: { transcript: boolean; kept: boolean }) {
  const withTranscript = opts.transcript;
  const summary = summarize(results);
  return {
    ok: summary.fail === 0,
    summary,
    durationMs: totalMs,
    /** false: the lab has stopped and its data directory is gone. */
    kept: opts.kept,
    lab: describeLab(lab),
    scenarios: results.map(({ transcript, ...r }) => (withTranscript ? { ...r, transcript } : r)),
  };
}

/** How to connect to the kept lab by hand. */
export function keepInstructions(lab: Lab): string {
  const ep = (h: Lab['hosts'][number], name: Parameters<Lab['hosts'][number]['endpoint']>[0]) => {
    const e = h.endpoint(name);
    return `${e.host}:${e.port}`;
  };
  const lines = [
    '',
    'The lab keeps running (Ctrl-C stops it). Connect by hand:',
    `  DNS        dig @${lab.dns.host} -p ${lab.dns.port} gmail.test TXT      (zone: ${lab.zoneFile})`,
    `  TLS        add -CAfile ${lab.caFile} -verify_hostname mx.DOMAIN to openssl s_client to check the certificate`,
    '',
  ];
  for (const h of lab.hosts) {
    lines.push(`  ${h.spec.domain.padEnd(16)} ${h.hostname} (${h.spec.role})`);
    lines.push(`    MX, as the attacker:   nc -C -s ${ATTACKER.ip} ${ep(h, 'mx').replace(':', ' ')}        (or: telnet ${ep(h, 'mx').replace(':', ' ')})`);
    lines.push(`    MX with STARTTLS:      openssl s_client -starttls smtp -crlf -quiet -connect ${ep(h, 'mx')}`);
    lines.push(`    submission:            openssl s_client -starttls smtp -crlf -quiet -connect ${ep(h, 'submission')}`);
    lines.push(`    IMAPS:                 openssl s_client -crlf -quiet -connect ${ep(h, 'imaps')}`);
    lines.push(`    POP3S:                 openssl s_client -crlf -quiet -connect ${ep(h, 'pop3s')}`);
  }
  lines.push('', '  Accounts (passwords made for this run):');
  for (const u of lab.users) lines.push(`    ${u.address.padEnd(28)} ${u.password}`);
  lines.push(
    '',
    `  AUTH PLAIN needs base64 of "\\0user\\0password":  printf '\\0%s\\0%s' alice@gmail.test 'PASSWORD' | base64 -w0`,
    `  The CLI on a lab host:  mailwarden --config ${lab.hosts[0]!.configFile} queue list   (likewise user list, dmarc send-reports, auth check ...)`,
    `  Data: ${lab.dir} (kept after Ctrl-C)`,
    '',
  );
  return lines.join('\n');
}
