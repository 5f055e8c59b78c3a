/**
 * SMTP envelope addresses (RFC 5321 §4.1.2, with RFC 6531 UTF-8 local parts and IDNA domains).
 *
 *   Reverse-path = Path / "<>"
 *   Path         = "<" [ A-d-l ":" ] Mailbox ">"        ; the source route is parsed and ignored (§C, §4.1.2)
 *   Mailbox      = Local-part "@" ( Domain / address-literal )
 *   Local-part   = Dot-string / Quoted-string
 *
 * Pure: no DNS, no store. What an address *means* for routing (local, alias, relay) is decided in
 * directory/; this module only says what the client wrote, including the tricks relay abusers use
 * (%-hack, !-paths, source routes, quoted local parts hiding an "@").
 */
import { domainToASCII } from 'node:url';

export interface MailboxAddress {
  /** Local part without quotes (escapes resolved). */
  local: string;
  /** Domain in lower-case ASCII (A-labels), or an address literal like "[192.0.2.1]". */
  domain: string;
  /** Whether the local part was a Quoted-string. */
  quoted: boolean;
  /** Source route domains (`<@a,@b:user@c>`), which RFC 5321 says to ignore; kept for policy and logs. */
  route: string[];
}

export type ParsedPath = { kind: 'null' } | { kind: 'mailbox'; address: MailboxAddress };

export type AddressError = { error: string };

// RFC 5322 §3.2.3 atext; RFC 6531 §3.3 adds any UTF-8 non-ASCII character.
const ATEXT = /^[A-Za-z0-9!#$%&'*+\-/=?^_`{|}~\u0080-\u{10FFFF}]+$/u;
const ATEXT_ASCII = /^[A-Za-z0-9!#$%&'*+\-/=?^_`{|}~]+$/;

function parseDomain(d: string, utf8: boolean): string | AddressError {
  if (d.startsWith('[')) {
    // address-literal, RFC 5321 §4.1.3
    if (!/^\[(\d{1,3}(\.\d{1,3}){3}|IPv6:[0-9A-Fa-f:.]+)\]$/.test(d)) return { error: `bad address literal ${d}` };
    return d;
  }
  if (!utf8 && /[^\x00-\x7f]/.test(d)) return { error: 'non-ASCII domain needs SMTPUTF8' };
  const ascii = domainToASCII(d.toLowerCase());
  if (!ascii) return { error: `"${d}" is not a valid domain name` };
  // §4.1.2 sub-domain = Let-dig [Ldh-str]; at least one dot is not required (e.g. "localhost"), trailing dot is not allowed.
  if (ascii.length > 255 || !/^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/.test(ascii)) return { error: `"${d}" is not a valid domain name` };
  return ascii;
}

/** Parses a Mailbox (no angle brackets): `local@domain`. */
export function parseMailbox(s: string, utf8 = false): MailboxAddress | AddressError {
  let local: string;
  let rest: string;
  let quoted = false;
  if (s.startsWith('"')) {
    // Quoted-string, §4.1.2: qtextSMTP / quoted-pairSMTP ("\" followed by any ASCII graphic or space)
    let i = 1;
    let out = '';
    for (; i < s.length; i++) {
      const c = s[i]!;
      if (c === '\\') {
        const n = s[i + 1];
        if (n === undefined || !/[\x20-\x7e]/.test(n)) return { error: 'bad quoted-pair in local part' };
        out += n;
        i++;
      } else if (c === '"') break;
      else if (/[\x20-\x7e]/.test(c) || (utf8 && c > '\x7f')) out += c;
      else return { error: 'control character in quoted local part' };
    }
    if (s[i] !== '"') return { error: 'unterminated quoted local part' };
    local = out;
    rest = s.slice(i + 1);
    quoted = true;
    if (!rest.startsWith('@')) return { error: 'missing @domain' };
    rest = rest.slice(1);
  } else {
    const at = s.lastIndexOf('@');
    if (at <= 0) return { error: at === 0 ? 'empty local part' : 'missing @domain' };
    local = s.slice(0, at);
    rest = s.slice(at + 1);
    // Dot-string = Atom *("." Atom)
    const atoms = local.split('.');
    const re = utf8 ? ATEXT : ATEXT_ASCII;
    if (atoms.some((a) => !re.test(a))) return { error: `"${local}" is not a valid local part${!utf8 && /[^\x00-\x7f]/.test(local) ? ' (non-ASCII needs SMTPUTF8)' : ''}` };
  }
  // §4.5.3.1 asks servers to accept longer objects where they can: SRS addresses (forwarded mail's
  // bounce path, standards/srs) carry a whole address in the local part, so they may use 255.
  const maxLocal = /^srs[01][=+-]/i.test(local) ? 255 : 64;
  if (Buffer.byteLength(local) > maxLocal) return { error: `local part longer than ${maxLocal} octets (RFC 5321 §4.5.3.1.1)` };
  const domain = parseDomain(rest, utf8);
  if (typeof domain !== 'string') return domain;
  return { local, domain, quoted, route: [] };
}

/**
 * Parses the argument of MAIL FROM:/RCPT TO: up to the parameters. Accepts the strict form
 * `<path> params` and, for hand-typed sessions, `addr params` without brackets (many MTAs do).
 * Returns the path and the rest (the ESMTP parameters).
 */
export function parsePathArgument(arg: string, utf8 = false): { path: ParsedPath; params: string } | AddressError {
  const a = arg.trimStart();
  let inner: string;
  let params: string;
  if (a.startsWith('<')) {
    // find the closing ">" outside quotes
    let i = 1;
    let inQuote = false;
    for (; i < a.length; i++) {
      const c = a[i];
      if (c === '\\' && inQuote) i++;
      else if (c === '"') inQuote = !inQuote;
      else if (c === '>' && !inQuote) break;
    }
    if (i >= a.length) return { error: 'missing closing ">"' };
    inner = a.slice(1, i);
    params = a.slice(i + 1);
    if (params && !params.startsWith(' ')) return { error: 'junk after ">"' };
  } else {
    const sp = a.indexOf(' ');
    inner = sp < 0 ? a : a.slice(0, sp);
    params = sp < 0 ? '' : a.slice(sp);
  }
  params = params.trim();
  if (inner === '') return { path: { kind: 'null' }, params };
  // A-d-l = At-domain *( "," At-domain ) ":" — the source route, §4.1.2 and Appendix C
  let route: string[] = [];
  const m = /^(@[^:,]+(?:,@[^:,]+)*):(.*)$/.exec(inner);
  if (m) {
    route = m[1]!.split(',').map((r) => r.slice(1).toLowerCase());
    inner = m[2]!;
  }
  const mb = parseMailbox(inner, utf8);
  if ('error' in mb) return mb;
  mb.route = route;
  return { path: { kind: 'mailbox', address: mb }, params };
}

/** The canonical form used as a key: local part lower-cased (we treat local parts case-insensitively), domain ASCII. */
export function canonical(a: MailboxAddress): string {
  return `${a.local.toLowerCase()}@${a.domain}`;
}

/** Formats for a reply or a header: quoted when needed. */
export function formatAddress(a: MailboxAddress): string {
  const local = a.quoted || !a.local.split('.').every((x) => ATEXT.test(x)) ? `"${a.local.replace(/(["\\])/g, '\\$1')}"` : a.local;
  return `${local}@${a.domain}`;
}

/**
 * Relay tricks (RFC 5321 §3.6 relaying; RFC 2505 §2.6-2.7 anti-relay guidance): a local part that
 * itself names another host. We never route these, whatever the domain.
 */
export function routingTrick(a: MailboxAddress): string | null {
  if (a.local.includes('@')) return 'a quoted local part containing "@"';
  if (a.local.includes('%')) return 'the %-hack (user%host)';
  if (a.local.includes('!')) return 'a UUCP !-path (host!user)';
  if (a.domain.startsWith('[')) return 'an address literal';
  return null;
}

/** Lower-cases and IDNA-normalises a configured address (CLI input); returns an error text if invalid. */
export function normalizeAddress(s: string): string | AddressError {
  const mb = parseMailbox(s.trim(), true);
  if ('error' in mb) return mb;
  if (mb.quoted || routingTrick(mb)) return { error: `${s}: local users and aliases must be plain addresses` };
  return canonical(mb);
}

export function normalizeDomain(s: string): string | AddressError {
  const d = parseDomain(s.trim().replace(/\.$/, ''), true);
  if (typeof d !== 'string') return d;
  if (d.startsWith('[') || !d.includes('.')) return { error: `"${s}" is not a fully qualified domain name` };
  return d;
}
