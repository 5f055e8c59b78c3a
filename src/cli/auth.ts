/**
 * `mailwarden auth check|spf`: the MX's sender authentication (SPF, DKIM, ARC, DMARC) run by hand on
 * a message file, with the MX's own code (inbound/stages/authenticate.ts authenticateMessage) and
 * either the configured resolver or a zone file (--zone, docs/dns.md: failure rules included).
 *
 * Exit status (what the MX would do): 0 deliver to the inbox, 2 refuse (550), 3 try later (451),
 * 4 deliver to Junk (DMARC quarantine); `auth spf`: 0 pass, 2 fail, 3 temperror, 4 any other
 * result. 1 is an error of ours (bad arguments, unreadable file or zone).
 */
import type { Command } from 'commander';
import { readFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { createResolver, type Resolver } from '../dns/index.ts';
import { resolverFromConfig } from '../app/outbound.ts';
import { authenticateMessage, type AuthEvaluation } from '../inbound/stages/authenticate.ts';
import { checkSpf, type SpfCheck } from '../standards/spf/spf.ts';
import { canonical, parsePathArgument } from '../mail/address.ts';
import { headerEnd, parseHeaderSection } from '../mail/headers.ts';
import { config, fail, printJson, UsageError, type GlobalOptions } from './common.ts';

/** Exit status of `auth check` by what the MX would do. */
export const CHECK_EXIT = { inbox: 0, reject: 2, tempfail: 3, junk: 4 } as const;
/** Exit status of `auth spf` by result. */
export const SPF_EXIT = { pass: 0, fail: 2, temperror: 3, other: 4 } as const;

interface EnvelopeOptions {
  ip: string;
  helo: string;
  mailFrom: string;
  zone?: string;
  json?: boolean;
}

function envelope(o: EnvelopeOptions): { ip: string; helo: string; mailFrom: string } {
  if (!isIP(o.ip)) throw new UsageError(`--ip ${o.ip} is not an IP address`);
  const inner = o.mailFrom.trim().replace(/^<(.*)>$/, '$1');
  let mailFrom = '';
  if (inner !== '') {
    const p = parsePathArgument(`<${inner}>`, true);
    if ('error' in p) throw new UsageError(`--mail-from ${o.mailFrom}: ${p.error}`);
    if (p.path.kind === 'mailbox') mailFrom = canonical(p.path.address);
  }
  return { ip: o.ip, helo: o.helo.trim(), mailFrom };
}

/** --zone: answer from this file only (no cache: a lab file is read fresh); else the configured [dns]. */
async function resolverFor(o: EnvelopeOptions, global: GlobalOptions): Promise<Resolver> {
  if (o.zone === undefined) return resolverFromConfig(config(global));
  try {
    return await createResolver({ zoneFile: o.zone, cache: false });
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    throw new UsageError(msg.startsWith('zone file') ? msg : `--zone ${o.zone}: ${msg}`);
  }
}

/** The message as the MX would see it on the wire: CRLF line ends (a file on disk usually has LF). */
async function readMessage(file: string): Promise<Buffer> {
  let data: Buffer;
  if (file === '-') {
    const chunks: Buffer[] = [];
    for await (const c of process.stdin) chunks.push(c as Buffer);
    data = Buffer.concat(chunks);
  } else {
    try {
      data = await readFile(file);
    } catch (e) {
      throw new UsageError(`cannot read ${file}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  if (!data.length) throw new UsageError(`${file === '-' ? 'standard input' : file} is empty: no message to check`);
  return Buffer.from(data.toString('latin1').replace(/\r?\n/g, '\r\n'), 'latin1');
}

function checkExit(e: AuthEvaluation): number {
  const d = e.decision;
  if (d.action === 'reject') return CHECK_EXIT.reject;
  if (d.action === 'tempfail') return CHECK_EXIT.tempfail;
  return d.mailbox === 'Junk' ? CHECK_EXIT.junk : CHECK_EXIT.inbox;
}

export function spfExit(s: SpfCheck): number {
  if (s.result === 'pass' || s.result === 'fail' || s.result === 'temperror') return SPF_EXIT[s.result];
  return SPF_EXIT.other;
}

const replyText = (r: { code: number; enhanced: string | null; text: string | string[] }) => `${r.code}${r.enhanced ? ` ${r.enhanced}` : ''} ${Array.isArray(r.text) ? r.text.join(' ') : r.text}`;
const row = (label: string, result: string, detail: string) => `${label.padEnd(6)} ${result.padEnd(10)} ${detail}`.trimEnd();

function spfLine(s: SpfCheck): string {
  const who = s.identity === 'helo' ? `helo=${s.helo ?? s.domain}` : `mailfrom=${s.sender}`;
  const extra = [s.record ? `record "${s.record}"` : '', s.comment ?? ''].filter(Boolean).join('; ');
  return row('SPF', s.result, `${who} ip=${s.ip}${extra ? ` (${extra})` : ''}`);
}

function formatCheck(e: AuthEvaluation): string {
  const v = e.verdicts;
  const lines = [spfLine(v.spf)];
  if (!v.dkim.length) lines.push(row('DKIM', 'none', '(no DKIM-Signature)'));
  for (const s of v.dkim) lines.push(row('DKIM', s.result, `d=${s.domain} s=${s.selector} a=${s.algorithm}${s.reason ? ` (${s.reason})` : ''}${s.risks.length ? ` risks: ${s.risks.join(', ')}` : ''}`));
  lines.push(row('ARC', v.arc.chain, v.arc.instances ? `${v.arc.instances} set(s), sealers ${v.arc.sealers.join(', ')}${v.arc.reason ? ` (${v.arc.reason})` : ''}` : ''));
  const d = v.dmarc;
  const policy = 'disposition' in d ? ` policy=${d.policy} disposition=${d.disposition}${d.policyDomain ? ` (record at _dmarc.${d.policyDomain})` : ''}` : '';
  lines.push(row('DMARC', d.result, `header.from=${d.fromDomain || '(none)'}${policy}${d.reason ? ` (${d.reason})` : ''}${v.override ? ` override: ${v.override}` : ''}`));
  const dec = e.decision;
  lines.push(row('MX', dec.action === 'deliver' ? `deliver` : dec.action, dec.action === 'deliver' ? `to ${dec.mailbox}, with the fields below` : `${replyText(dec.reply)}${dec.action === 'reject' ? ' (the fields below describe the results; a refused message is not stored)' : ''}`));
  return `${lines.join('\n')}\n\n${e.headers.replace(/\r\n/g, '\n')}`;
}

export function registerAuth(program: Command, global: () => GlobalOptions): void {
  const cmd = program
    .command('auth')
    .description('check a message the way the MX does: SPF, DKIM, ARC, DMARC and the Authentication-Results field (docs/dmarc.md)');
  const envelopeOptions = (c: Command) =>
    c
      .requiredOption('--ip <address>', 'the SMTP client\'s IP address')
      .requiredOption('--helo <name>', 'the EHLO/HELO name')
      .requiredOption('--mail-from <address>', 'the MAIL FROM address; "<>" or "" for the null sender (then the HELO identity is checked)')
      .option('--zone <file>', 'answer DNS from this zone file only (RFC 1035 master file or JSON; SERVFAIL/TIMEOUT rules: docs/dns.md); default: the configured [dns] resolver')
      .option('--json', 'JSON output');
  envelopeOptions(
    cmd
      .command('check [file]')
      .description('authenticate a message (a file, or "-" / nothing for standard input; LF line ends are read as CRLF) and print the results, the header fields the MX would add and what it would do. Exit status: 0 inbox, 2 refused (550), 3 try later (451), 4 Junk, 1 error'),
  ).action(async (file: string | undefined, o: EnvelopeOptions) => {
    try {
      const env = envelope(o);
      const message = await readMessage(file ?? '-');
      const cfg = config(global());
      const resolver = await resolverFor(o, global());
      const end = headerEnd(message);
      const { fields } = parseHeaderSection(end < 0 ? message : message.subarray(0, end));
      const e = await authenticateMessage(
        { resolver, authservId: cfg.hostname, trustedSealers: cfg.arc.trusted_sealers, trustedForwarders: cfg.dmarc.trusted_forwarders },
        { ...env, fields, message: async function* () { yield message; } },
      );
      const exit = checkExit(e);
      if (o.json) {
        const d = e.decision;
        printJson({
          spf: e.verdicts.spf,
          dkim: e.verdicts.dkim,
          arc: e.verdicts.arc,
          dmarc: e.verdicts.dmarc,
          override: e.verdicts.override,
          decision: d.action === 'deliver' ? { action: 'deliver', mailbox: d.mailbox } : { action: d.action, reply: replyText(d.reply) },
          headers: e.headers,
          exitStatus: exit,
        });
      } else process.stdout.write(formatCheck(e));
      process.exitCode = exit;
    } catch (e) {
      fail(e);
    }
  });
  envelopeOptions(
    cmd
      .command('spf')
      .description('check SPF (RFC 7208) for the MAIL FROM identity, or the HELO identity for the null sender, and print the result and the Received-SPF field. Exit status: 0 pass, 2 fail, 3 temperror, 4 other results (none, neutral, softfail, permerror), 1 error'),
  ).action(async (o: EnvelopeOptions) => {
    try {
      const env = envelope(o);
      const cfg = config(global());
      const resolver = await resolverFor(o, global());
      const s = await checkSpf({ ...env, resolver, receiver: cfg.hostname });
      if (o.json) printJson(s);
      else process.stdout.write(`${spfLine(s)}${s.explanation ? `\nexplanation (from the domain owner): ${s.explanation}` : ''}\n\n${s.receivedSpf.replace(/\r\n/g, '\n')}\n`);
      process.exitCode = spfExit(s);
    } catch (e) {
      fail(e);
    }
  });
}
