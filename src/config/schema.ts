/**
 * The configuration schema: one TOML file (mailwarden.toml). Every field carries a doc string;
 * `mailwarden config example` and docs/config.md are generated from this file, so the schema,
 * the example and the docs cannot drift apart.
 */
import { z } from 'zod';
import { isIP } from 'node:net';
import { parseHostPort } from '../lib/net.ts';
import { DURATION_PATTERN } from '../lib/duration.ts';
import { DEFAULT_BLOCKED_EXTENSIONS } from '../attachments/names.ts';

const listenList = (doc: string, def: string[]) =>
  z
    .array(
      z.string().superRefine((v, ctx) => {
        const r = parseHostPort(v);
        if (typeof r === 'string') ctx.addIssue({ code: 'custom', message: r });
      }),
    )
    .default(def)
    .describe(doc);

const KiB = 1024;
const MiB = 1024 * KiB;

export const listenSchema = z
  .object({
    mx: listenList(
      'Inbound MX listeners (port 25 in production): mail for local recipients only, STARTTLS offered, no AUTH.',
      ['127.0.0.1:2525'],
    ),
    submission: listenList(
      'Submission listeners (RFC 6409, port 587 in production): STARTTLS, AUTH required before MAIL.',
      ['127.0.0.1:5870'],
    ),
    submissions: listenList(
      'Submission over implicit TLS (RFC 8314, port 465 in production): AUTH required before MAIL.',
      ['127.0.0.1:4650'],
    ),
    pop3: listenList(
      'POP3 listeners (RFC 1939, port 110 in production): STLS offered (RFC 2595); USER/PASS and AUTH only after it.',
      ['127.0.0.1:1100'],
    ),
    pop3s: listenList(
      'POP3 over implicit TLS (RFC 8314, port 995 in production).',
      ['127.0.0.1:9950'],
    ),
    imap: listenList(
      'IMAP listeners (RFC 9051, port 143 in production): STARTTLS offered; LOGIN and AUTHENTICATE only after it.',
      ['127.0.0.1:1430'],
    ),
    imaps: listenList(
      'IMAP over implicit TLS (RFC 8314, port 993 in production).',
      ['127.0.0.1:9930'],
    ),
    https: listenList(
      'HTTPS listeners (port 443 in production, same TLS certificate): today the mailing lists\' one-click unsubscribe endpoint (RFC 8058).',
      ['127.0.0.1:8443'],
    ),
  })
  .strict()
  .prefault({})
  .describe('Network listeners: each a list of "host:port"; an empty list disables that listener.');

export const tlsSchema = z
  .object({
    cert: z.string().optional().describe('PEM certificate chain file. Default: a self-signed certificate generated under data_dir/tls.'),
    key: z.string().optional().describe('PEM private key file (required when cert is set).'),
    min_version: z.enum(['TLSv1.2', 'TLSv1.3']).default('TLSv1.2').describe('Oldest TLS version accepted. SSLv3, TLS 1.0 and 1.1 are never offered.'),
  })
  .strict()
  .refine((t) => (t.cert === undefined) === (t.key === undefined), { message: 'cert and key must be set together' })
  .prefault({})
  .describe('TLS for STARTTLS and implicit-TLS listeners.');

export const authSchema = z
  .object({
    plaintext: z
      .enum(['never', 'loopback'])
      .default('never')
      .describe('"never": AUTH only after TLS (538 5.7.11 otherwise). "loopback": also allow AUTH without TLS from 127.0.0.0/8 and ::1 (teaching labs only).'),
    cram_md5: z
      .boolean()
      .default(false)
      .describe('Offer CRAM-MD5. It needs a plaintext-equivalent secret stored per user (set with the next `user passwd`), so it is off by default.'),
    max_failures_per_ip: z.number().int().min(1).default(10).describe('Failed AUTH attempts from one client IP within failure_window_seconds before that IP is locked out.'),
    max_failures_per_account_ip: z.number().int().min(1).default(5).describe('Failed attempts on one account from one IP before that (account, IP) pair is locked out. Other IPs are not affected, so an attacker cannot lock the real user out.'),
    max_failures_per_account: z.number().int().min(1).default(50).describe('Failed attempts on one account from all IPs before further attempts on it are slowed down (delayed, never locked).'),
    failure_window_seconds: z.number().int().min(1).default(900).describe('Window over which failures are counted.'),
    lockout_seconds: z.number().int().min(1).default(900).describe('How long a lockout lasts.'),
    pop_before_smtp_minutes: z.number().int().min(0).max(1440).default(0).describe('Legacy POP-before-SMTP: after a POP3 or IMAP login from an IP, submission from that IP may send without AUTH for this many minutes, as that user (sender restriction still applies). 0 = off. SMTP AUTH is better: see docs/security.md.'),
  })
  .strict()
  .prefault({})
  .describe('Authentication policy.');

export const limitsSchema = z
  .object({
    max_message_size: z.number().int().min(1 * KiB).default(25 * MiB).describe('Largest message accepted, in bytes; announced in the EHLO SIZE keyword (552 5.3.4 above it).'),
    max_recipients: z.number().int().min(1).default(100).describe('Recipients per message (452 4.5.3 above it, RFC 5321 §4.5.3.1.8 requires at least 100).'),
    max_line_length: z.number().int().min(512).default(1000).describe('Longest command line or message line, CRLF included (500 5.5.2 above it; RFC 5321 §4.5.3.1.4-6 sets 512 for commands and 1000 for text).'),
    max_header_size: z.number().int().min(4 * KiB).default(256 * KiB).describe('Largest header section of a message, in bytes.'),
    command_timeout_seconds: z.number().int().min(1).default(300).describe('Idle time allowed between commands before the connection is closed with 421 (RFC 5321 §4.5.3.2.7).'),
    data_timeout_seconds: z.number().int().min(1).default(600).describe('Idle time allowed while receiving message data.'),
    max_connections: z.number().int().min(1).default(1000).describe('Concurrent SMTP connections, all listeners together (421 above it).'),
    max_connections_per_ip: z.number().int().min(1).default(20).describe('Concurrent SMTP connections from one client IP (421 above it).'),
    max_errors: z.number().int().min(1).default(10).describe('Syntax or sequence errors in one session before it is closed with 421.'),
    greeting_delay_ms: z.number().int().min(0).max(30000).default(0).describe('Wait this long before the 220 greeting and refuse clients that talk first (554 5.5.0). 0 disables the early-talker check.'),
    memory_spool_bytes: z.number().int().min(0).default(256 * KiB).describe('Messages up to this size are kept in memory while received; larger ones stream to a spool file.'),
  })
  .strict()
  .prefault({})
  .describe('Limits on connections, commands and messages.');

export const pop3Schema = z
  .object({
    idle_timeout_seconds: z
      .number()
      .int()
      .min(1)
      .default(600)
      .describe('Idle time allowed between commands before the connection is closed, without deleting anything. RFC 1939 §3 asks for at least 600; lower values are for labs and tests.'),
    max_line_length: z.number().int().min(255).default(1024).describe('Longest command line, CRLF included (-ERR above it). RFC 2449 §4 lets commands be up to 255 octets; SASL responses can be longer.'),
    max_connections: z.number().int().min(1).default(500).describe('Concurrent POP3 connections, both POP3 listeners together (-ERR [SYS/TEMP] above it).'),
    max_connections_per_ip: z.number().int().min(1).default(10).describe('Concurrent POP3 connections from one client IP (-ERR [SYS/TEMP] above it).'),
    max_errors: z.number().int().min(1).default(10).describe('Unknown commands, syntax errors and failed logins in one POP3 session before it is closed.'),
  })
  .strict()
  .prefault({})
  .describe('The POP3 server (RFC 1939): timeouts and limits. Login throttling is shared with SMTP ([auth]).');

export const imapSchema = z
  .object({
    idle_timeout_seconds: z
      .number()
      .int()
      .min(1)
      .default(1800)
      .describe('Idle time allowed an authenticated IMAP client (also during IDLE) before it is logged out with BYE. RFC 9051 §5.4 asks for at least 30 minutes; lower values are for labs and tests.'),
    login_timeout_seconds: z.number().int().min(1).default(60).describe('Time allowed to log in after connecting (or between commands before login).'),
    max_line_length: z.number().int().min(1024).default(65536).describe('Longest command line without its literals, CRLF included (BAD [LIMIT] above it). RFC 7162 §4 asks for at least 8192.'),
    max_literal_size: z.number().int().min(1024).default(256 * KiB).describe('Largest string literal in a command other than APPEND (refused with BAD [TOOBIG] before it is read).'),
    max_message_size: z.number().int().min(1 * KiB).default(25 * MiB).describe('Largest message APPEND accepts, in bytes; announced as APPENDLIMIT (RFC 7889). Refused before a single octet of it is read.'),
    max_connections: z.number().int().min(1).default(1000).describe('Concurrent IMAP connections, both IMAP listeners together (BYE above it).'),
    max_connections_per_ip: z.number().int().min(1).default(20).describe('Concurrent IMAP connections from one client IP (BYE above it). Clients open several per account (one per watched folder).'),
    max_connections_per_user: z.number().int().min(1).default(30).describe('Concurrent logged-in IMAP sessions of one user (LOGIN answers NO [LIMIT] above it).'),
    max_errors: z.number().int().min(1).default(20).describe('BAD commands and failed logins in one session before it is closed with BYE.'),
    max_mailboxes: z.number().int().min(10).default(1000).describe('Mailboxes one user may have (CREATE answers NO [LIMIT] above it).'),
  })
  .strict()
  .prefault({})
  .describe('The IMAP server (RFC 9051 IMAP4rev2, RFC 3501 IMAP4rev1): timeouts and limits. Login throttling is shared with SMTP and POP3 ([auth]).');

export const logSchema = z
  .object({
    level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info').describe('Log level (structured JSON on standard output).'),
  })
  .strict()
  .prefault({})
  .describe('Logging.');

const duration = (doc: string, def: string) =>
  z.string().regex(DURATION_PATTERN, 'must be a duration like "30s", "5m", "4h", "5d", or "0"').default(def).describe(doc);

export const dnsSchema = z
  .object({
    servers: z
      .array(z.string())
      .default([])
      .describe('Recursive DNS servers to ask, "ip[:port]" ("127.0.0.1:5353", "[::1]:53"). Empty: the system resolver (/etc/resolv.conf). Ignored when zone_file is set.'),
    zone_file: z
      .string()
      .default('')
      .describe('Answer every DNS question from this zone file (RFC 1035 master file or the JSON form, see docs/dns.md) and never use the network: for labs and tests. Empty: off.'),
    timeout: duration('Time allowed for one DNS query attempt (upstream and system resolvers).', '2s'),
    tries: z.number().int().min(1).max(5).default(2).describe('Rounds over the servers before a lookup is a temporary failure.'),
  })
  .strict()
  .prefault({})
  .describe('DNS: how mailwarden looks up MX, A/AAAA and TXT records (outbound delivery, and later SPF/DKIM/DMARC). See docs/dns.md.');

export const outboundSchema = z
  .object({
    enabled: z.boolean().default(true).describe('Run the queue runner with `serve`. false: mail for remote domains is queued but never delivered (a lab node with no way out).'),
    port: z.number().int().min(1).max(65535).default(25).describe('TCP port of the remote MX hosts (25 on the Internet; labs and tests deliver to loopback high ports).'),
    port_map: z
      .record(z.string(), z.number().int().min(1).max(65535))
      .default({})
      .describe('Lab routing: deliver to this port instead of `port` when an MX host resolves to this IP address, e.g. { "127.0.0.2" = 2526 }. Lets several mailwarden instances share one host.'),
    helo: z.string().default('').describe('Name sent in EHLO. Empty: the top-level hostname.'),
    source_address: z
      .string()
      .refine((v) => v === '' || isIP(v) !== 0, 'must be an IP address of this host, or empty')
      .default('')
      .describe('Local IP address outbound connections are made from (Postfix smtp_bind_address), so receivers check SPF against it; it must be one of this host\'s addresses. Empty: the system chooses. The lab gives each instance its own 127.0.0.x.'),
    retry_schedule: z
      .array(z.string().regex(DURATION_PATTERN, 'must be a duration like "5m"'))
      .min(1)
      .default(['5m', '10m', '30m', '1h', '2h', '4h'])
      .describe('Waits between delivery attempts after a temporary failure (4xx, connection or DNS trouble): the n-th retry waits the n-th value; the last value repeats until expire_after.'),
    expire_after: duration('How long a message is retried before it is returned to the sender as undeliverable (RFC 5321 §4.5.4.1 suggests 4-5 days).', '5d'),
    delay_warning_after: duration('Send the sender one "delayed" delivery status notification (RFC 3464, Action: delayed) once a message has waited this long. "0": never.', '4h'),
    concurrency: z.number().int().min(1).max(1000).default(20).describe('Outbound SMTP connections open at once, all destinations together.'),
    per_domain_concurrency: z.number().int().min(1).max(100).default(2).describe('Outbound SMTP connections open at once to one destination domain.'),
    connect_timeout: duration('Time allowed to connect and receive the greeting (RFC 5321 §4.5.3.2.1 suggests 5 minutes for the greeting).', '30s'),
    command_timeout: duration('Time allowed for each command reply, and for the reply after the message data (RFC 5321 §4.5.3.2 suggests 5 and 10 minutes).', '5m'),
    require_tls: z.boolean().default(false).describe('Deliver only over STARTTLS: a host that does not offer it is a temporary failure. false: STARTTLS whenever offered (opportunistic, RFC 3207), plaintext otherwise.'),
    verify_certificates: z
      .enum(['record', 'require'])
      .default('record')
      .describe('"record": check the MX certificate (chain and host name) and record verified/unverified per recipient, but deliver either way (opportunistic TLS, RFC 7435). "require": an unverified certificate is a temporary failure for that host.'),
    tls_ca_file: z.string().default('').describe('PEM file of extra CA certificates trusted when verifying MX certificates, besides the system ones (labs: another instance\'s self-signed certificate).'),
    lease: duration('How long a runner holds a queue entry it is delivering; renewed while it works. After a crash, the entry is retried once the lease has run out.', '2m'),
    poll_interval: duration('How often the runner looks for due entries (new mail wakes it at once).', '10s'),
    mta_sts: z.boolean().default(true).describe('Apply the MTA-STS policies of recipient domains (RFC 8461): for a domain whose policy is in mode "enforce", deliver only to MX hosts the policy names and only over STARTTLS with a certificate valid for the MX host (chain against the system CAs plus tls_ca_file); otherwise the message stays queued and is retried. Mode "testing": deliver anyway and log the failure. Policies are fetched over HTTPS from mta-sts.<domain> and cached in the store. See docs/outbound.md.'),
    mta_sts_port_map: z
      .record(z.string(), z.number().int().min(1).max(65535))
      .default({})
      .describe('Lab routing for MTA-STS policy fetches: fetch from this HTTPS port instead of 443 when mta-sts.<domain> resolves to this IP address, e.g. { "127.0.0.3" = 8443 }.'),
  })
  .strict()
  .prefault({})
  .describe('Outbound delivery: the queue runner, retries, bounces, TLS policy. See docs/outbound.md.');

export const mtaStsSchema = z
  .object({
    mode: z
      .enum(['testing', 'enforce', 'none'])
      .default('testing')
      .describe('The MTA-STS policy (RFC 8461) this server publishes for its domains at https://mta-sts.<domain>/.well-known/mta-sts.txt (the [listen] https listener; its certificate must be valid for mta-sts.<domain>). "testing" (default): senders that support MTA-STS deliver even when TLS to us fails, and may report it; the safe first step, like DMARC p=none. "enforce": such senders refuse to deliver unless they reach our MX over STARTTLS with a certificate valid for `hostname` — set it once that is true. "none": no policy (withdraws a published one); `dns records` then prints no MTA-STS records.'),
    max_age: z.number().int().min(60).max(31557600).default(604800).describe('max_age of the published policy, seconds (RFC 8461 §3.2: at most 31557600; one week by default): how long senders keep using it without fetching it again.'),
  })
  .strict()
  .prefault({})
  .describe('The MTA-STS policy we publish (receiving side). Outbound enforcement of other domains\' policies is [outbound] mta_sts. See docs/outbound.md.');

export const dmarcSchema = z
  .object({
    enabled: z.boolean().default(true).describe('Check SPF, DKIM, ARC and DMARC on every message the MX receives and apply the sender domain\'s DMARC policy (reject: 550 5.7.1; quarantine: Junk; none: delivered and flagged). Needs working DNS ([dns]).'),
    trusted_forwarders: z.array(z.string()).default([]).describe('Client IP addresses (e.g. your own backup MX or a forwarding service) whose mail is delivered even when it fails DMARC; the override is noted in Authentication-Results.'),
    report_interval: duration('How often aggregate reports (RFC 7489 §7.2) of the recorded DMARC evaluations are sent to the rua= addresses of the domains that ask for them; also `mailwarden dmarc send-reports`. "0": never on a schedule.', '24h'),
    report_from: z.string().regex(/^$|^[^@\s]+@[^@\s]+$/, 'must be an e-mail address').default('').describe('From (and envelope sender) of the aggregate reports we send. Empty: postmaster@ the domain of `hostname` (its Organizational Domain). Reports are DKIM-signed when that domain is one of ours.'),
    report_mailbox: z
      .array(z.string().regex(/^[^@\s<>]+@(<domain>|[^@\s<>]+)$/, 'must be an address like dmarc-reports@<domain> or dmarc@example.org'))
      .default(['postmaster@<domain>'])
      .describe('Where other receivers send us DMARC aggregate reports (the rua= address we publish; `dns records` publishes postmaster@). Mail to these addresses that carries a report (an XML, gzip or ZIP attachment, or the Subject "Report Domain: ...") is parsed and stored for `mailwarden dmarc reports`; a broken one is stored flagged with the reason. `<domain>` stands for every local domain. The address must still be a user or alias: its owners get the message as usual. [] turns this off. See docs/dmarc.md.'),
  })
  .strict()
  .prefault({})
  .describe('Inbound sender authentication (RFC 7208 SPF, RFC 6376 DKIM, RFC 7489 DMARC). See docs/standards.md.');

export const tlsrptSchema = z
  .object({
    enabled: z.boolean().default(true).describe('Count the TLS outcome of every outbound SMTP session per recipient domain (success, or the RFC 8460 §4.3 failure: starttls-not-supported, certificate-host-mismatch, certificate-expired, certificate-not-trusted, validation-failure) with the MTA-STS policy applied, and send the reports. false: nothing is counted or sent.'),
    report_interval: duration('How often SMTP TLS reports (RFC 8460) of our outbound TLS sessions are sent to each recipient domain that publishes a `_smtp._tls.<domain>` TXT record with a rua=mailto: address (https: rua is not supported); also `mailwarden tlsrpt send-reports`. "0": never on a schedule (sessions are still counted while `enabled`; send them with the command).', '24h'),
    report_from: z.string().regex(/^$|^[^@\s]+@[^@\s]+$/, 'must be an e-mail address').default('').describe('From (and envelope sender) of the TLS reports we send. Empty: postmaster@ the domain of `hostname` (its Organizational Domain). Reports are DKIM-signed when that domain is one of ours.'),
  })
  .strict()
  .prefault({})
  .describe('SMTP TLS Reporting (RFC 8460), sending side: daily reports to recipient domains about the TLS of our deliveries to them. See docs/outbound.md "TLS reporting".');

export const arcSchema = z
  .object({
    trusted_sealers: z.array(z.string()).default([]).describe('ARC sealer domains (d= of ARC-Seal) trusted to vouch for mail they forwarded: when DMARC fails but such a sealer\'s valid chain says the original passed, the message is delivered (RFC 8617 §7.2).'),
  })
  .strict()
  .prefault({})
  .describe('ARC (RFC 8617) for forwarded mail and mailing lists.');

/** A postgresql:// or postgres:// URL (the statistics database, [spam] statistics). */
function isPostgresUrl(v: string): boolean {
  if (!/^postgres(ql)?:\/\/[^\s]+$/i.test(v)) return false;
  try {
    new URL(v);
    return true;
  } catch {
    return false;
  }
}

export const spamSchema = z
  .object({
    enabled: z.boolean().default(true).describe('Score every message the MX receives with the trainable Bayesian filter (src/junk, docs/spam.md): add the X-Mailwarden-Spam header, deliver to Junk at or above junk_threshold. Users train it by moving mail into and out of Junk; `mailwarden spam train` trains from files.'),
    ham_threshold: z.number().min(0).max(1).default(0.2).describe('Below this score a message is "ham"; from here up to junk_threshold it is "unsure" (delivered to the inbox, marked in the header).'),
    junk_threshold: z.number().min(0).max(1).default(0.95).describe('At or above this score a message is "spam" and is delivered to the Junk mailbox (never lost: the user can move it back, which trains the filter).'),
    reject: z.boolean().default(false).describe('Refuse messages scoring at or above reject_threshold at the end of DATA (550 5.7.1). Off by default: a refused false positive is lost to the recipient, while one in Junk is not.'),
    reject_threshold: z.number().min(0).max(1).default(0.999).describe('With reject = true: the score at or above which a message is refused.'),
    min_trained: z.number().int().min(1).default(20).describe('The global statistics score only once they hold at least this many trained ham AND this many trained spam messages; before that the header says "untrained" and nothing goes to Junk.'),
    user_min_trained: z.number().int().min(1).default(50).describe('A user\'s own statistics (trained by their moves into and out of Junk) take precedence over the global ones once they hold this many ham and this many spam messages.'),
    train_global: z.boolean().default(true).describe('A user\'s move into or out of Junk also trains the global statistics (false: only the user\'s own; the global ones are then trained by `mailwarden spam train` alone).'),
    statistics: z
      .string()
      .refine((v) => v === 'store' || isPostgresUrl(v), { message: 'must be "store" or a postgresql:// (or postgres://) URL' })
      .default('store')
      .describe('Where the filter keeps its token statistics. "store": in the main store (SQLite under data_dir), one database per server. A PostgreSQL URL, e.g. "postgresql://mailwarden@db.example.org/mailwarden?sslmode=verify-full": in that database, which several mailwarden servers can share to score with, and train, one site database (the server, `mailwarden spam` and `user del` all use it; docs/spam.md "Storage"). Password: in the URL, else statistics_password_file, else PGPASSWORD; logs, errors, the start banner and `config check` show the URL with it replaced by *** (postgresql://user:***@host/db). TLS: sslmode=verify-full checks the server\'s certificate and name (sslrootcert=<absolute path> for a private CA); without sslmode (or PGSSLMODE) the connection is not encrypted. An unreachable database stops the start; one lost while running leaves mail delivered with "X-Mailwarden-Spam: error".'),
    statistics_namespace: z
      .string()
      .regex(/^$|^[A-Za-z0-9._-]{1,253}$/, 'letters, digits, ".", "_" and "-" only')
      .default('')
      .describe('With PostgreSQL statistics: the prefix of this server\'s per-user statistics (scope "user:<namespace>:<user id>"), because a user id names a person only within one server\'s store. Empty: `hostname`. Servers that share one user directory (the same users under the same ids) may set the same namespace to share users\' own statistics; the global statistics are shared by every server using the database. Changing it later orphans the users\' statistics (they start again empty).'),
    statistics_password_file: z.string().default('').describe('With PostgreSQL statistics: a file whose first line is the database password, used when the URL carries none (keep it readable by the server only). Empty: the URL\'s password, else PGPASSWORD.'),
  })
  .strict()
  .refine((s) => s.ham_threshold <= s.junk_threshold && (!s.reject || s.junk_threshold <= s.reject_threshold), { message: 'need ham_threshold <= junk_threshold (<= reject_threshold when reject is on)' })
  .prefault({})
  .describe('The Bayesian spam filter on the MX. See docs/spam.md.');

export const forwardingSchema = z
  .object({
    srs_secret_file: z.string().default('').describe('The SRS key (HMAC secret) for rewriting the envelope sender of forwarded mail; created with 32 random bytes on first start. Empty: <data_dir>/srs.key. Keep it when moving servers, or bounces to addresses rewritten before the move are refused.'),
    srs_max_age_days: z.number().int().min(1).max(1000).default(21).describe('How many days a rewritten (SRS) address accepts the bounce of a forwarded message.'),
  })
  .strict()
  .prefault({})
  .describe('Aliases that forward to external addresses: SRS and ARC sealing. See docs/forwarding.md.');

export const listsSchema = z
  .object({
    public_url: z.string().regex(/^$|^https:\/\/[^\s/]+(\/[^\s]*)?$/, 'must be an https:// URL').default('').describe('The public https:// base URL of this server\'s [listen] https endpoint, for the one-click unsubscribe links in list mail (RFC 8058). Empty: https://<hostname>:<port of the first https listener> (443 is left out).'),
  })
  .strict()
  .prefault({})
  .describe('Mailing lists (`mailwarden list`). See docs/lists.md.');

export const phishingSchema = z
  .object({
    enabled: z.boolean().default(true).describe('Look for phishing signals in every message the MX receives (src/phishing, docs/phishing.md): display-name tricks, look-alike domains, links whose text and target differ, first contact. Adds the X-Mailwarden-Phishing header (signals and the spam score they raise); never refuses a message.'),
    protected_brands: z.array(z.string().min(1).max(128)).max(500).default([]).describe('Brand or organisation names that mail from outside may not use as a display name, e.g. ["Seccamp Bank"]: "Seccamp Bank Official" <x@elsewhere.test> is flagged unless the address is in protected_domains or a local domain. Compared by Unicode confusable skeleton, as whole words.'),
    protected_domains: z.array(z.string().min(1).max(253)).max(500).default([]).describe('Domains of those brands (and any domain worth protecting besides the local ones), e.g. ["seccampbank.test"]: mail from them may use a brand name, and names that imitate them (confusable characters, Punycode, one or two typos, any suffix) are flagged as look-alikes. Local domains are always protected.'),
    protected_names: z.array(z.string().min(1).max(128)).max(500).default([]).describe('Person names that mail from outside may not use as a display name (CEO fraud), besides every local user\'s display name (`user add --name`).'),
    first_contact: z.boolean().default(true).describe('Flag senders none of the recipients has exchanged mail with (the correspondents store: addresses users sent to, and senders of mail they received without a warning). A weak signal alone.'),
    junk: z.boolean().default(true).describe('Deliver to Junk when the spam score raised by the signals reaches [spam] junk_threshold (alone, only a look-alike of a local domain does). false: only add the header.'),
  })
  .strict()
  .prefault({})
  .describe('Phishing signals on the MX, added to the spam score and shown as warnings. See docs/phishing.md.');

const attachmentAction = (doc: string, def: 'flag' | 'junk' | 'reject') => z.enum(['flag', 'junk', 'reject']).default(def).describe(doc);

export const attachmentsSchema = z
  .object({
    enabled: z.boolean().default(true).describe('Check the attachments of every message, on the MX and on submission (src/attachments, docs/phishing.md): executable and script files by name and by content, also inside ZIP archives; Office macros; encrypted archives. Users cannot send what the MX would refuse.'),
    action: z.enum(['reject', 'junk']).default('reject').describe('What a blocked attachment (blocked extension or content, bidirectional-override name, virus) does on the MX: "reject" refuses the message at the end of DATA with 550 5.7.1 naming the file; "junk" delivers it to Junk. On submission it is always refused.'),
    blocked_extensions: z
      .array(z.string().regex(/^[a-z0-9][a-z0-9_-]{0,31}$/, 'an extension without the dot, lower case, e.g. "exe"'))
      .default([...DEFAULT_BLOCKED_EXTENSIONS])
      .describe('File name extensions (without the dot) refused wherever they appear: as an attachment, as a double extension ("invoice.pdf.exe"), or inside an archive.'),
    blocked_content: z
      .array(z.enum(['pe', 'elf', 'macho', 'script', 'lnk', 'disk-image', 'msi', 'jar']))
      .default(['pe', 'elf', 'macho', 'script', 'lnk', 'disk-image', 'msi', 'jar'])
      .describe('File contents refused whatever their name, recognised by their first octets: pe (Windows programs), elf, macho (and Java classes), script ("#!"), lnk (Windows shortcuts), disk-image (ISO 9660/UDF/VHD), msi, jar (ZIP with META-INF/MANIFEST.MF).'),
    macros: attachmentAction('Office documents with macros (OOXML vbaProject.bin, .docm/.xlsm..., OLE2 VBA projects, OpenDocument Basic): "flag" lists them in X-Mailwarden-Attachments; "junk"; "reject".', 'flag'),
    encrypted_archives: attachmentAction('ZIP archives with encrypted entries (their content cannot be checked; names still are): "flag", "junk" or "reject".', 'flag'),
    unscannable: attachmentAction('Attachments a limit stopped checking (archives nested deeper than max_archive_depth, more than max_archive_entries entries, more inflated data than max_inflate_bytes: zip bombs, too many MIME parts): "flag", "junk" or "reject".', 'reject'),
    max_scan_bytes: z.number().int().min(64 * KiB).max(256 * MiB).default(8 * MiB).describe('Decoded octets of one attachment held for checking; of a larger one the first max_scan_bytes and the last 1 MiB (where a ZIP keeps its directory) are checked. Also the largest archive entry inflated to look inside it.'),
    max_archive_depth: z.number().int().min(1).max(10).default(3).describe('Archives inside archives opened: an attached ZIP is level 1.'),
    max_archive_entries: z.number().int().min(1).max(1_000_000).default(10_000).describe('Entries one archive may list.'),
    max_inflate_bytes: z.number().int().min(1 * MiB).max(1024 * MiB).default(32 * MiB).describe('Octets inflated from archives per message, all attachments together: a zip bomb stops here.'),
    clamd: z
      .string()
      .regex(/^$|^\/.+|^unix:\/.+|^(\[[0-9a-fA-F:.]+\]|[^:\s]+):\d{1,5}$/, 'must be "host:port" or an absolute unix socket path')
      .default('')
      .describe('Optional ClamAV daemon to scan each message (INSTREAM): "127.0.0.1:3310" or "/run/clamav/clamd.ctl". Empty: none (never required).'),
    clamd_timeout: duration('Time allowed for one clamd scan.', '30s'),
    clamd_on_error: z.enum(['tempfail', 'accept']).default('tempfail').describe('When clamd cannot be reached or fails: "tempfail" answers 451 4.3.0 so the sender retries later; "accept" delivers (noting clamd=error in X-Mailwarden-Attachments).'),
  })
  .strict()
  .prefault({})
  .describe('Attachment policy on the MX and on submission. See docs/phishing.md.');

export const webmailSchema = z
  .object({
    enabled: z.boolean().default(true).describe('Serve the webmail at https://<[listen] https>/mail/ (docs/webmail.md): read mail, see the spam filter\'s verdict and the phishing warnings, train the filter with Spam / Not spam. Login with the account password, throttled with IMAP, POP3 and SMTP AUTH ([auth]).'),
    session_idle: duration('A webmail session ends after this long without a request. Sessions are kept in memory: a restart logs everybody out.', '30m'),
    session_max: duration('A webmail session ends this long after login, however active.', '12h'),
  })
  .strict()
  .refine((w) => w.session_idle !== '0' && w.session_max !== '0', { message: 'session_idle and session_max must be longer than 0' })
  .prefault({})
  .describe('The webmail on the HTTPS listener. See docs/webmail.md.');

export const configSchema = z
  .object({
    hostname: z
      .string()
      .regex(/^[a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?(\.[a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?)*$/, 'must be a host name like mx.example.org')
      .default('mx.example.test')
      .describe('This server\'s host name: used in the SMTP greeting, EHLO and Received headers, and in the self-signed certificate.'),
    data_dir: z.string().default('./data').describe('Where the store, spool, blobs and generated TLS files live. $MAILWARDEN_HOME overrides the default.'),
    subaddress_separator: z.string().max(1).default('+').describe('user+tag@domain delivers to user@domain (RFC 5233 style). Empty string disables.'),
    listen: listenSchema,
    tls: tlsSchema,
    auth: authSchema,
    limits: limitsSchema,
    pop3: pop3Schema,
    imap: imapSchema,
    log: logSchema,
    dns: dnsSchema,
    outbound: outboundSchema,
    mta_sts: mtaStsSchema,
    dmarc: dmarcSchema,
    tlsrpt: tlsrptSchema,
    arc: arcSchema,
    spam: spamSchema,
    phishing: phishingSchema,
    attachments: attachmentsSchema,
    forwarding: forwardingSchema,
    lists: listsSchema,
    webmail: webmailSchema,
  })
  .strict();

export type Config = z.infer<typeof configSchema>;
