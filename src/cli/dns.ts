/** `mailwarden dns serve|records` */
import type { Command } from 'commander';
import { formatZoneError, loadZoneFile, startDnsServer } from '../dns/index.ts';
import { formatZone, recordsToPublish } from '../dns/publish.ts';
import { publishedMtaStsRecord } from '../app/mtasts.ts';
import { parseHostPort, type HostPort } from '../lib/net.ts';
import { ensureDkimKeys } from '../directory/dkim-keys.ts';
import { dkimTxtValue } from '../standards/dkim/keys.ts';
import { normalizeDomain } from '../mail/address.ts';
import { isIP } from 'node:net';
import { fail, printJson, withStore, type GlobalOptions, UsageError } from './common.ts';

const collect = (v: string, prev: string[]) => [...prev, v];
const withMtaSts = (p: ReturnType<typeof publishedMtaStsRecord>) => (p ? { mtaSts: { id: p.id, mode: p.mode } } : {});

export function registerDns(program: Command, global: () => GlobalOptions): void {
  const cmd = program.command('dns').description('DNS: the records to publish, and a small lab DNS server');
  cmd
    .command('serve')
    .description('answer DNS queries from a zone file over UDP and TCP (authoritative only, for labs)')
    .requiredOption('--zone <file>', 'zone file (RFC 1035 master file, or the JSON form; see docs/dns.md)')
    .option('--listen <host:port>', 'address to listen on (repeatable)', collect, [])
    .action(async (o: { zone: string; listen: string[] }) => {
      try {
        const loaded = await loadZoneFile(o.zone);
        if (!loaded.ok) throw new UsageError(`zone file ${formatZoneError(loaded.error, o.zone)}`);
        const listen = (o.listen.length ? o.listen : ['127.0.0.1:5353']).map((s) => {
          const hp = parseHostPort(s);
          if (typeof hp === 'string') throw new UsageError(hp);
          return hp as HostPort;
        });
        const server = await startDnsServer({ zone: loaded.zone, listen, onError: (e) => process.stderr.write(`mailwarden dns: ${e.message}\n`) });
        for (const a of server.addresses) process.stdout.write(`dns: listening on ${a.host.includes(':') ? `[${a.host}]` : a.host}:${a.port} (UDP and TCP), zones ${loaded.zone.apexes.join(', ')}\n`);
        const stop = () => void server.close().then(() => process.exit(0));
        process.on('SIGINT', stop);
        process.on('SIGTERM', stop);
      } catch (e) {
        if (e instanceof Error && 'code' in e && e.code === 'EADDRINUSE') fail(new UsageError(`${e.message}: the port is in use; choose another with --listen`));
        fail(e);
      }
    });
  cmd
    .command('records <domain>')
    .description('print the DNS records to publish for a local domain: MX, SPF, DKIM (both keys), DMARC, and MTA-STS (_mta-sts TXT, mta-sts A/AAAA) unless [mta_sts] mode = "none"')
    .option('--json', 'JSON output')
    .option('--ip <address>', 'this server\'s public IPv4/IPv6 address (repeatable): explicit SPF terms and A/AAAA for the MX host', collect, [])
    .option('--dmarc-policy <p>', 'the DMARC policy to publish: none (default: monitor first), quarantine or reject')
    .action((domain: string, o: { json?: boolean; ip: string[]; dmarcPolicy?: string }) =>
      withStore(global(), async (store, cfg) => {
        const d = normalizeDomain(domain);
        if (typeof d !== 'string') throw new UsageError(d.error);
        if (!(await store.getDomain(d))) throw new UsageError(`${d} is not a local domain; add it with: mailwarden domain add ${d}`);
        for (const ip of o.ip) if (!isIP(ip)) throw new UsageError(`--ip ${ip} is not an IP address`);
        const policy = o.dmarcPolicy ?? 'none';
        if (policy !== 'none' && policy !== 'quarantine' && policy !== 'reject') throw new UsageError(`--dmarc-policy must be none, quarantine or reject, not ${JSON.stringify(policy)}`);
        const keys = await ensureDkimKeys(store, d);
        const published = recordsToPublish({
          domain: d,
          mxHost: cfg.hostname.toLowerCase(),
          ips: o.ip,
          dkim: keys.map((k) => ({ selector: k.selector, txt: dkimTxtValue(k.algorithm, k.publicKey) })),
          dmarcPolicy: policy,
          ...withMtaSts(publishedMtaStsRecord(cfg)),
        });
        if (o.json) return printJson(published);
        process.stdout.write(formatZone(published));
      }).catch(fail));
}
