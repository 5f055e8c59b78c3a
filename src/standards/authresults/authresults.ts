/**
 * Authentication-Results, RFC 8601: the header field that carries our verdicts to the mail
 * reader and to later hops, and the forgery defence around it.
 *
 * - formatAuthResults(): builds the field for our authserv-id (§2.2 syntax, §2.7 methods and
 *   properties: spf smtp.mailfrom/smtp.helo, dkim header.d/i/s/a/b, dmarc header.from,
 *   arc smtp.remote-ip per RFC 8617 §6), one resinfo per line.
 * - stripAuthResults(): §5: an MTA MUST remove (or rename) every existing field that claims its
 *   own authserv-id before adding its own; a sender could otherwise forge our verdict.
 * - collectAuthResults(): the merged payload of the fields carrying one authserv-id, which an
 *   ARC sealer copies into the ARC-Authentication-Results (RFC 8617 §4.1.1, §5.1).
 *
 * Must never: copy third-party text (SPF explanations, other ADMDs' fields) into our field;
 * keep a field claiming our authserv-id that we did not write.
 */
import { headerEnd } from '../../mail/headers.ts';
import { authservIdOf, splitResinfo } from './parse.ts';

export { parseAuthResults, splitResinfo, type AuthResultEntry, type AuthResultsPayload, type AuthProperty } from './parse.ts';

/** The parts of each standard's result this module reads (structural: the adapters' results fit). */
export type SpfForAr = { result: string; identity: 'mailfrom' | 'helo'; sender: string; helo?: string; domain: string };
export type DkimForAr = { result: string; domain: string; selector: string; algorithm: string; headerB: string; reason?: string; auid?: string };
export type DmarcForAr = { result: string; fromDomain: string; policy: string; disposition: string; record?: unknown };
export type ArcForAr = { chain: string };

export type AuthResultsInput = {
  /** Our authserv-id (§2.5), usually the MX host name. */
  authservId: string;
  spf?: SpfForAr;
  /** The HELO check, when done separately (RFC 7208 §2.3). */
  helo?: SpfForAr;
  /** Every DKIM signature result; an empty list is reported as dkim=none. */
  dkim?: readonly DkimForAr[];
  dmarc?: DmarcForAr;
  arc?: ArcForAr;
  /** The client IP, for arc's smtp.remote-ip (RFC 8617 §6). */
  remoteIp?: string;
};

/** RFC 2045 §5.1 token: no specials, no space, no controls. */
const TOKEN = /^[!#$%&'*+\-.0-9A-Z^_`a-z{|}~]+$/;
/** RFC 5321 mailbox-ish / domain pvalue (§2.2 `[ [ local-part ] "@" ] domain-name`). */
const DOMAIN = /^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*\.?$/;
const DOT_ATOM = /^[A-Za-z0-9!#$%&'*+\-/=?^_`{|}~]+(?:\.[A-Za-z0-9!#$%&'*+\-/=?^_`{|}~]+)*$/;

/** RFC 5322 §3.2.4 quoted-string. */
function quote(s: string): string {
  return `"${s.replace(/[\\"]/g, (c) => `\\${c}`).replace(/[\r\n]+/g, ' ')}"`;
}

/** A §2.2 value: token or quoted-string. */
export function arValue(s: string): string {
  return TOKEN.test(s) ? s : quote(s);
}

/** A §2.2 pvalue: value, or [local-part] "@" domain-name, or a domain name. */
export function arPvalue(s: string): string {
  if (DOMAIN.test(s)) return s;
  const at = s.lastIndexOf('@');
  if (at >= 0 && (at === s.length - 1 || DOMAIN.test(s.slice(at + 1)))) {
    const local = s.slice(0, at);
    if (local === '' || DOT_ATOM.test(local)) return s;
  }
  return arValue(s);
}

/** A §2.2 comment, with the characters that would end it escaped. */
function comment(s: string): string {
  return `(${s.replace(/[\\()]/g, (c) => `\\${c}`).replace(/[\r\n]+/g, ' ')})`;
}

function spfResinfo(spf: SpfForAr): string {
  // §2.7.2: smtp.mailfrom is the MAIL FROM identity checked, smtp.helo the HELO identity.
  return spf.identity === 'helo'
    ? `spf=${spf.result} smtp.helo=${arPvalue(spf.helo ?? spf.domain)}`
    : `spf=${spf.result} smtp.mailfrom=${arPvalue(spf.sender)}`;
}

function dkimResinfo(d: DkimForAr): string {
  const parts = [`dkim=${d.result}`];
  if (d.reason !== undefined && d.result !== 'pass') parts.push(`reason=${arValue(d.reason)}`);
  // §2.7.1: header.d (signing domain), header.i (AUID), header.s, header.a; header.b from RFC 6008.
  if (d.domain) parts.push(`header.d=${arPvalue(d.domain)}`);
  if (d.auid) parts.push(`header.i=${arPvalue(d.auid)}`);
  if (d.selector) parts.push(`header.s=${arValue(d.selector)}`);
  if (d.algorithm) parts.push(`header.a=${arValue(d.algorithm)}`);
  if (d.headerB) parts.push(`header.b=${arValue(d.headerB)}`);
  return parts.join(' ');
}

function dmarcResinfo(d: DmarcForAr): string {
  const note = d.record === undefined ? '' : ` ${comment(`p=${d.policy.toUpperCase()} dis=${d.disposition.toUpperCase()}`)}`;
  return `dmarc=${d.result}${note} header.from=${arPvalue(d.fromDomain)}`;
}

/** The payload (field value) of our Authentication-Results, §2.2. */
export function authResultsPayload(input: AuthResultsInput): string {
  const resinfo: string[] = [];
  if (input.helo) resinfo.push(spfResinfo(input.helo));
  if (input.spf) resinfo.push(spfResinfo(input.spf));
  if (input.dkim !== undefined) {
    if (input.dkim.length === 0) resinfo.push('dkim=none');
    else for (const d of input.dkim) resinfo.push(dkimResinfo(d));
  }
  if (input.dmarc) resinfo.push(dmarcResinfo(input.dmarc));
  if (input.arc) resinfo.push(`arc=${input.arc.chain}${input.remoteIp ? ` smtp.remote-ip=${arPvalue(input.remoteIp)}` : ''}`);
  const id = arValue(input.authservId);
  // §2.2 no-result: "none" when no method was applied.
  return resinfo.length === 0 ? `${id}; none` : [id, ...resinfo].join(';\r\n\t');
}

/** The whole field, folded one resinfo per line (RFC 5322 §2.2.3), without the final CRLF. */
export function formatAuthResults(input: AuthResultsInput): string {
  return `Authentication-Results: ${authResultsPayload(input)}`;
}

type RawField = { name: string; raw: string };

/** The header section split into raw fields (bytes kept as latin1 text), and the rest. */
function splitHeader(message: Buffer): { fields: RawField[]; body: Buffer } {
  const end = headerEnd(message);
  const headerBytes = end < 0 ? message : message.subarray(0, end - 2);
  const body = end < 0 ? Buffer.alloc(0) : message.subarray(end - 2);
  const text = headerBytes.toString('latin1');
  const fields: RawField[] = [];
  for (const line of text.split(/(?<=\r\n)/)) {
    if ((line.startsWith(' ') || line.startsWith('\t')) && fields.length > 0) {
      (fields[fields.length - 1] as RawField).raw += line; // RFC 5322 §2.2.3 continuation
      continue;
    }
    const colon = line.indexOf(':');
    fields.push({ name: colon > 0 ? line.slice(0, colon).trim().toLowerCase() : '', raw: line });
  }
  return { fields, body };
}

const valueOf = (f: RawField) => f.raw.slice(f.raw.indexOf(':') + 1);
const sameId = (a: string | undefined, b: string) => a !== undefined && a.toLowerCase() === b.toLowerCase();

/**
 * §5: remove every Authentication-Results field that claims `authservId`. Returns the message
 * without them and the removed field values (for the log: a forgery attempt, or a loop).
 */
export function stripAuthResults(message: Buffer, authservId: string): { message: Buffer; removed: string[] } {
  const { fields, body } = splitHeader(message);
  const removed: string[] = [];
  const kept = fields.filter((f) => {
    if (f.name !== 'authentication-results') return true;
    const value = valueOf(f);
    // An unreadable field that mentions our id first is treated as a claim too (fail safe).
    const id = authservIdOf(value) ?? value.trim().split(/[\s;]/)[0];
    if (!sameId(id, authservId)) return true;
    removed.push(value.trim());
    return false;
  });
  if (removed.length === 0) return { message, removed };
  return { message: Buffer.concat([Buffer.from(kept.map((f) => f.raw).join(''), 'latin1'), body]), removed };
}

/**
 * The merged payload of every Authentication-Results field carrying `authservId`, in header
 * order: "id; r1; r2 ...", or "id; none" when there is none. For the AAR (RFC 8617 §4.1.1).
 */
export function collectAuthResults(message: Buffer, authservId: string): string {
  const results: string[] = [];
  for (const f of splitHeader(message).fields) {
    if (f.name !== 'authentication-results') continue;
    const value = valueOf(f);
    if (!sameId(authservIdOf(value), authservId)) continue;
    // Keep each resinfo as written (comments included), unfolded.
    const unfolded = value.replace(/\r\n/g, '').trim();
    const parts = splitResinfo(unfolded).slice(1).filter((p) => p !== '' && p.toLowerCase() !== 'none');
    results.push(...parts);
  }
  return results.length === 0 ? `${arValue(authservId)}; none` : [arValue(authservId), ...results].join('; ');
}
