/**
 * The header section of a mailing-list copy (docs/lists.md). Pure.
 *
 * - RFC 2919 §2-3: `List-Id: name <local.domain>` — the list's address with "@" turned into ".".
 * - RFC 2369 §3: List-Post, List-Owner, List-Unsubscribe as angle-bracketed URLs; fields the
 *   message brought from an upstream list are replaced, so a reader sees this list's.
 * - RFC 8058 §3.1: `List-Unsubscribe-Post: List-Unsubscribe=One-Click` next to an https
 *   List-Unsubscribe; both are covered by the list's DKIM signature (stage list, §4).
 * - Subject tag: "[tag] " in front unless the subject already carries it (a reply).
 * - From rewriting (the DMARC mitigation lists use, RFC 7960 §4.1.3.1): the author's domain
 *   publishes p=quarantine/reject and our changes break its DKIM signature, so From becomes the
 *   list's address with "Name via List" and the author moves to Reply-To.
 */
import { splitFields, type RawField } from '../standards/dkim/canonical.ts';
import type { MailingList } from '../store/ports.ts';

/** The fields a list sets; copies of them in an incoming message are replaced. */
const LIST_FIELDS = new Set(['list-id', 'list-post', 'list-owner', 'list-help', 'list-subscribe', 'list-unsubscribe', 'list-unsubscribe-post', 'list-archive', 'precedence']);

/** RFC 2919 §2 list-id (list-label is a dot-atom-text): "team.lists.test" for team@lists.test. */
export function listIdOf(address: string): string {
  const at = address.lastIndexOf('@');
  return `${address.slice(0, at).replace(/[^A-Za-z0-9.!#$%&'*+\-/=?^_`{|}~]/g, '-')}.${address.slice(at + 1)}`.toLowerCase();
}

/** The list-id inside an existing List-Id value, lower case, or null. */
export function parseListId(value: string): string | null {
  const m = /<([^<>]+)>/.exec(value);
  return m ? m[1]!.trim().toLowerCase() : null;
}

/** A display-name phrase: atoms as they are, anything else quoted, non-ASCII as an RFC 2047 encoded-word. */
export function phrase(text: string): string {
  const clean = text.replace(/[\r\n]+/g, ' ').trim();
  if (/[^\x20-\x7e]/.test(clean)) return `=?UTF-8?B?${Buffer.from(clean, 'utf8').toString('base64')}?=`;
  if (/^[A-Za-z0-9!#$%&'*+\-/=?^_`{|}~ ]*$/.test(clean)) return clean;
  return `"${clean.replace(/(["\\])/g, '\\$1')}"`;
}

export interface ListHeadOptions {
  list: MailingList;
  /** https URL for RFC 8058 one-click unsubscribe of this member, or null (then only mailto to the owner). */
  unsubscribeUrl: string | null;
  /** Rewrite From to the list address (and move the author to Reply-To). */
  rewriteFrom: boolean;
  /** The author as parsed from From (display name decoded). */
  author: { name: string; address: string };
}

const raw = (f: RawField) => `${f.name}:${f.value}\r\n`;
const nameOf = (f: RawField) => f.name.trim().toLowerCase();

/** The new header section (latin1 bytes, ends with the blank line) of one list copy. */
export function listHead(head: Buffer, o: ListHeadOptions): Buffer {
  const fields = splitFields(head.toString('latin1'));
  const { list } = o;
  const at = list.address.lastIndexOf('@');
  const local = list.address.slice(0, at);
  const domain = list.address.slice(at + 1);
  const ours: string[] = [`List-Id: ${phrase(list.name)} <${listIdOf(list.address)}>`, `List-Post: <mailto:${list.address}>`];
  if (list.owner) ours.push(`List-Owner: <mailto:${local}-owner@${domain}>`);
  if (o.unsubscribeUrl) ours.push(`List-Unsubscribe: <${o.unsubscribeUrl}>`, 'List-Unsubscribe-Post: List-Unsubscribe=One-Click');
  else if (list.owner) ours.push(`List-Unsubscribe: <mailto:${local}-owner@${domain}?subject=unsubscribe>`);
  ours.push('Precedence: list');

  const out: string[] = ours.map((l) => `${l}\r\n`);
  const hasReplyTo = fields.some((f) => nameOf(f) === 'reply-to');
  for (const f of fields) {
    const n = nameOf(f);
    if (LIST_FIELDS.has(n)) continue;
    if (n === 'subject' && list.subjectTag) {
      const value = f.value.replace(/^\s+/, '');
      out.push(value.toLowerCase().includes(list.subjectTag.toLowerCase()) ? raw(f) : `${f.name}: ${list.subjectTag} ${value}\r\n`);
      continue;
    }
    if (n === 'from' && o.rewriteFrom) {
      const who = o.author.name || o.author.address;
      out.push(`From: ${phrase(`${who} via ${list.name}`)} <${list.address}>\r\n`);
      if (!hasReplyTo) out.push(`Reply-To:${f.value}\r\n`);
      continue;
    }
    out.push(raw(f));
  }
  if (list.subjectTag && !fields.some((f) => nameOf(f) === 'subject')) out.push(`Subject: ${list.subjectTag}\r\n`);
  return Buffer.from(`${out.join('')}\r\n`, 'latin1');
}
