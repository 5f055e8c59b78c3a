/**
 * The lab's topology: several complete mailwarden servers, each on its own loopback address with
 * its own domain, one authoritative DNS server answering the lab zone, the attacker's address,
 * and the wire between gmail.test and icloud.test (wire.ts). Everything on 127.0.0.0/8 only
 * (Linux routes all of it to the loopback interface; every socket is bound explicitly).
 *
 *   127.0.0.1    the users' own devices (alice's laptop, bob's phone) - lab clients
 *   127.0.0.2    mx.gmail.test        gmail.test       DMARC p=reject   alice
 *   127.0.0.3    mx.icloud.test       icloud.test      DMARC p=none     bob (the victim's MX)
 *   127.0.0.4    mx.lists.test        lists.test       DMARC p=none     (mailing list host)
 *   127.0.0.5    mx.quarantine.test   quarantine.test  DMARC p=quarantine
 *   127.0.0.6    mx.none.test         none.test        DMARC p=none
 *   127.0.0.9    attacker.test: no server, no SPF/DKIM/DMARC; a raw socket client (lab/smtp.ts)
 *   127.0.0.10   the lab DNS server (src/dns/server.ts), port 5353
 *
 * The zone is what `mailwarden dns records DOMAIN --ip ADDR` prints for each domain (the same
 * function, dns/publish.ts, with the lab's DMARC policy), plus the attacker's A record. icloud.test
 * serves an MTA-STS policy in mode enforce (its certificate also names mta-sts.icloud.test); its
 * `_mta-sts` TXT record is in the zone file, but the lab DNS serves it only once scenario 13
 * publishes it (`publishMtaSts()`), so
 * the earlier scenarios (11: STARTTLS stripped) see a domain without MTA-STS. The icloud.test
 * zone's SOA gives negative answers a 1 s TTL, so senders see the new record at once. Servers use
 * the standard lab ports on their own address (MX 2525, submission 5870, ...); if one is taken,
 * the whole lab moves to free ports. Data directories live in one temporary directory.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { stringify as stringifyToml } from 'smol-toml';
import { domainToASCII } from 'node:url';
import type { Logger } from '../lib/logger.ts';
import { validateConfig } from '../config/load.ts';
import { configSchema, listenSchema } from '../config/schema.ts';
import { startApp, type RunningApp } from '../app/app.ts';
import { SqliteStore } from '../store/sqlite/store.ts';
import { addDomain, addUser } from '../directory/accounts.ts';
import { ensureDkimKeys } from '../directory/dkim-keys.ts';
import { generatePassword } from '../directory/password.ts';
import { dkimTxtValue } from '../standards/dkim/keys.ts';
import { formatZone, recordsToPublish } from '../dns/publish.ts';
import { createResolver, parseZone, startDnsServer, type DnsServer, type Resolver } from '../dns/index.ts';
import { loadTls } from '../tls/certificates.ts';
import { Wire } from './wire.ts';
import { publishedMtaStsRecord } from '../app/mtasts.ts';

export type Endpoint = RunningApp['endpoints'][number]['name'];
export type DmarcPolicy = 'none' | 'quarantine' | 'reject';

/** The standard lab ports, the same on every host's own address (listeners this build has). */
const ALL_LAB_PORTS: Record<string, number> = { mx: 2525, submission: 5870, submissions: 4650, pop3: 1100, pop3s: 9950, imap: 1430, imaps: 9930, https: 8443 };
export const LAB_PORTS: Partial<Record<Endpoint, number>> = Object.fromEntries(Object.entries(ALL_LAB_PORTS).filter(([k]) => k in listenSchema.parse({})));
const MX_PORT = 2525;
export const DNS_PORT = 5353;
/** The wire listens on icloud.test's address, next to its MX. */
export const WIRE_PORT = 2526;
const HTTPS_PORT = 8443;
/** The lab host that publishes an MTA-STS policy in mode enforce (scenario 13). */
export const MTA_STS_HOST = 'icloud';

export interface HostSpec {
  name: string;
  domain: string;
  ip: string;
  dmarc: DmarcPolicy;
  /** Local parts of the users created. */
  users: string[];
  role: string;
}

export const HOSTS: readonly HostSpec[] = [
  { name: 'gmail', domain: 'gmail.test', ip: '127.0.0.2', dmarc: 'reject', users: ['alice', 'postmaster'], role: "alice's provider; its DMARC policy is p=reject" },
  { name: 'icloud', domain: 'icloud.test', ip: '127.0.0.3', dmarc: 'none', users: ['bob', 'postmaster'], role: "bob's provider: the MX the attacks are aimed at" },
  { name: 'lists', domain: 'lists.test', ip: '127.0.0.4', dmarc: 'none', users: ['postmaster'], role: 'a mailing-list host that forwards (scenario 10)' },
  { name: 'quarantine', domain: 'quarantine.test', ip: '127.0.0.5', dmarc: 'quarantine', users: ['postmaster'], role: 'a domain whose DMARC policy is p=quarantine' },
  { name: 'none', domain: 'none.test', ip: '127.0.0.6', dmarc: 'none', users: ['postmaster'], role: 'a domain whose DMARC policy is p=none (monitoring, reports)' },
];

export const ATTACKER = { domain: 'attacker.test', ip: '127.0.0.9', role: 'the attacker: no server and no SPF/DKIM/DMARC records, just a raw socket' } as const;
/** The attacker's own domains: attacker.test and the look-alikes (gmai1.test, "іcloud.test" in punycode, RFC 3492). */
export const ATTACKER_DOMAINS: readonly string[] = [ATTACKER.domain, 'gmai1.test', domainToASCII('\u0456cloud.test')];
/** Where the users' own mail clients connect from. */
export const CLIENT_IP = '127.0.0.1';
export const DNS_IP = '127.0.0.10';

export interface LabHost {
  spec: HostSpec;
  hostname: string;
  dir: string;
  /** Its mailwarden.toml, for the CLI on a kept lab. */
  configFile: string;
  app: RunningApp;
  endpoint(name: Endpoint): { host: string; port: number };
}

export interface Lab {
  dir: string;
  /** Short random id: every lab message carries it in its Subject. */
  runId: string;
  hosts: LabHost[];
  host(name: string): LabHost;
  password(address: string): string;
  users: Array<{ address: string; password: string }>;
  dns: { host: string; port: number };
  zoneFile: string;
  /** The lab servers' certificates in one PEM file (for openssl s_client -CAfile). */
  caFile: string;
  /** PEM certificates of the lab servers (what lab clients trust). */
  ca: string[];
  wire: Wire;
  /** icloud.test's `_mta-sts` TXT record (its line in zoneFile), not served until publishMtaSts(). */
  mtaStsRecord: string;
  /** Publishes icloud.test's `_mta-sts` TXT record in the lab DNS (scenario 13); idempotent. */
  publishMtaSts(): void;
  /** Lookups through the lab DNS server, as any client on the lab would make them. */
  resolver: Resolver;
  ports: 'lab' | 'free';
  teaching: boolean;
  close(opts?: { keepData?: boolean }): Promise<void>;
}

export class LabError extends Error {}

export interface LabOptions {
  logger: Logger;
  /** auth.plaintext = "loopback" on every server (scenario 9's defence is then off). */
  teaching?: boolean;
  /** 'lab': the standard ports (falls back to 'free' if taken); 'free': free ports from the start. */
  ports?: 'lab' | 'free';
}

interface Prepared {
  dir: string;
  runId: string;
  users: Array<{ address: string; password: string }>;
  zoneText: string;
  zoneFile: string;
  caFile: string;
  ca: string[];
  mtaStsRecord: string;
}

/** The policy the MTA-STS host serves ([mta_sts] mode enforce, mx = its hostname): the same function `serve` uses. */
function labMtaSts(h: HostSpec) {
  return h.name === MTA_STS_HOST ? publishedMtaStsRecord(configSchema.parse({ hostname: `mx.${h.domain}`, mta_sts: { mode: 'enforce' } })) : null;
}

/** Accounts, DKIM keys, certificates and the zone: everything before a socket is opened. */
async function prepare(): Promise<Prepared> {
  const dir = mkdtempSync(join(tmpdir(), 'mailwarden-lab-'));
  const users: Prepared['users'] = [];
  const zones: string[] = [];
  const ca: string[] = [];
  let mtaStsRecord = '';
  try {
    for (const h of HOSTS) {
      const hostDir = join(dir, h.name);
      const store = new SqliteStore({ dataDir: hostDir });
      try {
        await addDomain(store, h.domain);
        for (const local of h.users) {
          const address = `${local}@${h.domain}`;
          const password = generatePassword();
          await addUser(store, address, password, { cramMd5: false, displayName: local[0]!.toUpperCase() + local.slice(1) });
          users.push({ address, password });
        }
        const keys = await ensureDkimKeys(store, h.domain);
        const sts = labMtaSts(h);
        // exactly what `mailwarden dns records DOMAIN --ip ADDR` prints, with the lab's DMARC policy
        const published = recordsToPublish({
          domain: h.domain,
          mxHost: `mx.${h.domain}`,
          ips: [h.ip],
          dkim: keys.map((k) => ({ selector: k.selector, txt: dkimTxtValue(k.algorithm, k.publicKey) })),
          dmarcPolicy: h.dmarc,
          ...(sts ? { mtaSts: { id: sts.id, mode: sts.mode } } : {}),
        });
        const text = formatZone(published);
        // the _mta-sts TXT record is in the zone file but served only from scenario 13 on
        if (sts) mtaStsRecord = text.split('\n').find((l) => l.startsWith(`_mta-sts.${h.domain}.`)) ?? '';
        zones.push(text);
        // RFC 2308 §5: negative answers for icloud.test live 1 s (min of SOA TTL and MINIMUM)
        if (sts) zones.push(`${h.domain}. 60 IN SOA ns.${h.domain}. hostmaster.${h.domain}. 1 3600 600 86400 1\n`);
      } finally {
        await store.close();
      }
      ca.push((await loadTls({ dataDir: hostDir, hostname: `mx.${h.domain}`, ...(labMtaSts(h) ? { altNames: [`mta-sts.${h.domain}`] } : {}) })).cert);
    }
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
  const zoneText = [
    '; the mailwarden lab zone: `mailwarden dns records` for each lab domain, and the attacker',
    ...zones,
    `; ${ATTACKER.domain}: ${ATTACKER.role}`,
    "; and the look-alike domains the attacker registered (scenario 6): addresses only, no SPF, DKIM or DMARC",
    ...ATTACKER_DOMAINS.map((d) => `${d}. 300 IN A ${ATTACKER.ip}`),
    '',
  ].join('\n');
  const zoneFile = join(dir, 'lab.zone');
  writeFileSync(zoneFile, zoneText);
  const caFile = join(dir, 'lab-ca.pem');
  writeFileSync(caFile, ca.join(''));
  return { dir, runId: randomBytes(3).toString('hex'), users, zoneText, zoneFile, caFile, ca, mtaStsRecord };
}

/** A port that was free a moment ago on `host` (bound, then released). */
async function freePort(host: string): Promise<number> {
  const s = createServer();
  await new Promise<void>((resolve, reject) => {
    s.once('error', reject);
    s.listen(0, host, () => resolve());
  });
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

const errCode = (e: unknown) => (e instanceof Error && 'code' in e ? String((e as { code: unknown }).code) : '');

/** Starts the lab: DNS server, the wire, and one mailwarden per host. */
export async function startLab(opts: LabOptions): Promise<Lab> {
  const prepared = await prepare();
  try {
    if (opts.ports !== 'free') {
      try {
        return await bringUp(prepared, 'lab', opts);
      } catch (e) {
        if (errCode(e) !== 'EADDRINUSE') throw e;
        opts.logger.warn({ err: (e as Error).message }, 'a standard lab port is in use: the lab uses free ports instead');
      }
    }
    return await bringUp(prepared, 'free', opts);
  } catch (e) {
    rmSync(prepared.dir, { recursive: true, force: true });
    if (errCode(e) === 'EADDRNOTAVAIL') {
      throw new LabError(`${(e as Error).message}: the lab needs the loopback addresses 127.0.0.2-127.0.0.10 (Linux has all of 127.0.0.0/8; on macOS add them with: sudo ifconfig lo0 alias 127.0.0.N up)`);
    }
    throw e;
  }
}

async function bringUp(p: Prepared, ports: 'lab' | 'free', opts: LabOptions): Promise<Lab> {
  const started: Array<{ close(): Promise<void> }> = [];
  const mxPort = new Map<string, number>();
  const httpsPort = new Map<string, number>();
  try {
    for (const h of HOSTS) mxPort.set(h.name, ports === 'lab' ? MX_PORT : await freePort(h.ip));
    for (const h of HOSTS) httpsPort.set(h.name, ports === 'lab' ? HTTPS_PORT : await freePort(h.ip));
    // until scenario 13, the lab DNS serves the zone without icloud.test's _mta-sts record
    const initialZone = p.zoneText.split('\n').filter((l) => !p.mtaStsRecord || l !== p.mtaStsRecord).join('\n');
    const dnsServer: DnsServer = await startDnsServer({ zone: parsedZone(initialZone), listen: [{ host: DNS_IP, port: ports === 'lab' ? DNS_PORT : 0 }] });
    started.push(dnsServer);
    const dns = { host: DNS_IP, port: dnsServer.addresses[0]!.port };
    const icloud = HOSTS.find((h) => h.name === 'icloud')!;
    const wire = new Wire(() => ({ host: icloud.ip, port: mxPort.get('icloud')! }));
    const wireAt = await wire.listen({ host: icloud.ip, port: ports === 'lab' ? WIRE_PORT : 0 });
    started.push(wire);

    const hosts: LabHost[] = [];
    for (const h of HOSTS) {
      const hostDir = join(p.dir, h.name);
      const raw = hostConfig(h, { dir: hostDir, caFile: p.caFile, dns, mxPort, httpsPort, wirePort: wireAt.port, ports, teaching: opts.teaching ?? false });
      // the host's configuration as a file, so the CLI works on a kept lab (--config DIR/NAME.toml)
      const configFile = join(p.dir, `${h.name}.toml`);
      writeFileSync(configFile, `# mailwarden lab host ${h.name} (${h.domain})\n${stringifyToml(raw)}\n`);
      const config = validateConfig(raw, configFile, p.dir, {});
      const app = await startApp(config, opts.logger.child({ host: h.name }));
      started.push(app);
      hosts.push({
        spec: h,
        hostname: `mx.${h.domain}`,
        dir: hostDir,
        configFile,
        app,
        endpoint(name) {
          const e = app.endpoints.find((x) => x.name === name);
          if (!e) throw new Error(`${h.name} has no ${name} listener`);
          return { host: e.address.host, port: e.address.port };
        },
      });
    }
    const resolver = await createResolver({ servers: [`${dns.host}:${dns.port}`], cache: false, timeoutMs: 1000, tries: 2 });
    return {
      dir: p.dir,
      runId: p.runId,
      hosts,
      host(name) {
        const h = hosts.find((x) => x.spec.name === name);
        if (!h) throw new Error(`no lab host ${name}`);
        return h;
      },
      password(address) {
        const u = p.users.find((x) => x.address === address);
        if (!u) throw new Error(`no lab user ${address}`);
        return u.password;
      },
      users: p.users,
      dns,
      zoneFile: p.zoneFile,
      caFile: p.caFile,
      ca: p.ca,
      wire,
      mtaStsRecord: p.mtaStsRecord,
      publishMtaSts() {
        dnsServer.setZone(parsedZone(p.zoneText));
      },
      resolver,
      ports,
      teaching: opts.teaching ?? false,
      async close(o = {}) {
        // the servers together (each may wait for its sessions to finish), then the wire and DNS
        await Promise.all(hosts.map((h) => h.app.close().catch(() => undefined)));
        await wire.close();
        await dnsServer.close();
        if (!o.keepData) rmSync(p.dir, { recursive: true, force: true });
      },
    };
  } catch (e) {
    for (const s of started.reverse()) await s.close().catch(() => undefined);
    throw e;
  }
}

interface HostConfigInput {
  dir: string;
  caFile: string;
  dns: { host: string; port: number };
  mxPort: ReadonlyMap<string, number>;
  httpsPort: ReadonlyMap<string, number>;
  wirePort: number;
  ports: 'lab' | 'free';
  teaching: boolean;
}

/** One lab host's mailwarden.toml, as an object (validated by the config schema like any file). */
function hostConfig(h: HostSpec, c: HostConfigInput): Record<string, unknown> {
  const icloud = HOSTS.find((x) => x.name === 'icloud')!;
  // MX hosts are found by MX lookup in the lab zone; port_map only says which port each
  // address's MX listens on (and sends gmail.test's mail for icloud.test over the wire).
  const portMap: Record<string, number> = {};
  for (const other of HOSTS) portMap[other.ip] = c.mxPort.get(other.name)!;
  if (h.name === 'gmail') portMap[icloud.ip] = c.wirePort;
  const listen: Record<string, string[]> = {};
  for (const [name, port] of Object.entries(LAB_PORTS)) listen[name] = [`${h.ip}:${name === 'mx' ? c.mxPort.get(h.name)! : name === 'https' ? c.httpsPort.get(h.name)! : c.ports === 'lab' ? port : 0}`];
  // MTA-STS policy hosts (mta-sts.<domain>) resolve to each host's address; its HTTPS port is here
  const stsPortMap: Record<string, number> = {};
  for (const other of HOSTS) stsPortMap[other.ip] = c.httpsPort.get(other.name)!;
  return {
    hostname: `mx.${h.domain}`,
    data_dir: c.dir,
    listen,
    auth: { plaintext: c.teaching ? 'loopback' : 'never' },
    dns: { servers: [`${c.dns.host}:${c.dns.port}`], timeout: '1s', tries: 2 },
    outbound: {
      port: MX_PORT,
      port_map: portMap,
      source_address: h.ip, // SPF of each lab domain lists exactly this address
      retry_schedule: ['1s', '5s'],
      poll_interval: '250ms',
      connect_timeout: '5s',
      command_timeout: '15s',
      delay_warning_after: '0',
      tls_ca_file: c.caFile, // the lab servers' certificates: relays between them verify
      mta_sts_port_map: stsPortMap,
    },
    // icloud.test serves an MTA-STS policy in mode enforce (scenario 13); the others publish none
    mta_sts: { mode: labMtaSts(h) ? 'enforce' : 'none' },
    // reports only when a scenario (or `dmarc send-reports`) asks
    dmarc: { report_interval: '0' },
    // icloud.test believes lists.test's ARC seals (scenario 10); none.test does not
    arc: { trusted_sealers: h.name === 'icloud' ? ['lists.test'] : [] },
    // the lab world's well-known names, for the phishing checks (scenarios 5 and 6), when built
    ...section('phishing', { protected_brands: ['Seccamp Bank'], protected_domains: HOSTS.map((x) => x.domain) }),
  };
}

/** `{ [name]: value }` when this build's configuration has the section `name`, else nothing. */
function section(name: string, value: Record<string, unknown>): Record<string, unknown> {
  return name in configSchema.shape ? { [name]: value } : {};
}

function parsedZone(text: string) {
  const z = parseZone(text);
  if (!z.ok) throw new Error(`lab zone: ${JSON.stringify(z.error)}`);
  return z.zone;
}
