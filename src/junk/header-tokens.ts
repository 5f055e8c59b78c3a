/**
 * Header tokens of the Bayesian filter: what the sender's side wrote in the header (Subject,
 * From/Reply-To, recipients, mail program, Message-ID and Date shapes, thread and list fields),
 * each marked with its field ("subject:free", "from:domain:example.com").
 *
 * Sources: Paul Graham, "Better Bayesian Filtering" (2003: header words are tokens of their own,
 * "Subject*free"); SpamBayes tokenizer.py (address parts of From/To, the shape of Message-ID,
 * counts of recipients, and its warning that fields added on the *collection* path — Received,
 * the collector's own tags — predict how a corpus was gathered rather than what the mail is);
 * RFC 5322 §3.6 (the fields), §3.3 (date-time), §3.6.4 (msg-id = "<" id-left "@" id-right ">");
 * RFC 2369 / RFC 2919 (List-* fields, List-Id); RFC 2047 (encoded-words).
 *
 * Only fields the sender's side writes are read; Received lines only when the caller asks (off by
 * default, see docs/spam.md). Pure and bounded: every value is cut before it is examined, shapes
 * are capped, nothing is looked up (no DNS), nothing throws on content.
 */
import { parseAddressList } from '../mail/mime/address.ts';
import type { HeaderField } from '../mail/mime/header.ts';
import { getDomain } from 'tldts';
import { decodeEncodedWords } from './decode.ts';
import { extractUrls, textTokens, type TokenSink } from './words.ts';

export interface HeaderTokenOptions {
  received: boolean;
  messageIdShape: boolean;
  dateShape: boolean;
  threadHeaders: boolean;
  caseTokens: boolean;
  numberShapes: boolean;
  urlShapes: boolean;
  subjectPairs: boolean;
}

/** Fields never tokenized: forgeable verdicts, our own output, signatures (random blobs). */
const IGNORED = /^(x-spam-|x-mailwarden-|authentication-results$|arc-|dkim-signature$|domainkey-signature$|x-virus)/i;

export function headerTokens(all: readonly HeaderField[], sink: TokenSink, o: HeaderTokenOptions): void {
  // One pass: the first value of each field by lower-case name, To/Cc values, Received values.
  const first = new Map<string, string>();
  const recipients: string[] = [];
  const received: string[] = [];
  for (const f of all) {
    const name = f.name.toLowerCase();
    if (IGNORED.test(name)) continue;
    if (!first.has(name)) first.set(name, f.value);
    if (name === 'to' || name === 'cc') recipients.push(f.value);
    else if (name === 'received') received.push(f.value);
  }
  const field = (name: string): string | null => first.get(name) ?? null;

  const subject = field('subject');
  if (subject !== null) subjectTokens(decodeEncodedWords(subject), sink, o);
  else sink.add('subject:none');

  const from = addressTokens(field('from'), 'from', sink);
  const replyTo = addressTokens(field('reply-to'), 'reply-to', sink);
  if (replyTo !== null && from !== null && replyTo !== from) sink.add('reply-to:differs');

  let count = 0;
  for (const v of recipients) count += (parseAddressList(v.slice(0, 20000)) ?? []).filter((a) => a.host !== null).length;
  sink.add(`to:count:${bucket(count)}`);
  if (!first.has('to')) sink.add('to:none');

  if (!first.has('content-type')) sink.add('content-type:none');
  for (const name of ['x-mailer', 'user-agent']) {
    const v = field(name);
    if (v !== null) textTokens(v.slice(0, 200), sink, 'x-mailer:');
  }
  const messageId = field('message-id');
  if (messageId === null) sink.add('message-id:none');
  else if (o.messageIdShape) messageIdTokens(messageId, from, sink);
  const date = field('date');
  if (date === null) sink.add('date:none');
  else if (o.dateShape) sink.add(`date:shape:${dateShape(date)}`);
  if (o.threadHeaders) threadTokens(first, sink);
  if (o.received) receivedTokens(received, sink);
}

/** Word pairs kept from one Subject (subjectPairs). */
const MAX_SUBJECT_PAIRS = 20;

function subjectTokens(subject: string, sink: TokenSink, o: HeaderTokenOptions): void {
  const s = subject.slice(0, 1000);
  // Subject pairs use the sink's pair budget for this call only (body pairs are bounded separately).
  const saved = sink.bigramsLeft;
  if (o.subjectPairs) sink.bigramsLeft = MAX_SUBJECT_PAIRS;
  textTokens(extractUrls(s, sink, 5, o.urlShapes), sink, { prefix: 'subject:', bigrams: o.subjectPairs, caseTokens: o.caseTokens, numberShapes: o.numberShapes });
  sink.bigramsLeft = saved;
  const letters = s.replace(/[^\p{L}]/gu, '');
  if (letters.length >= 4 && letters === letters.toUpperCase() && letters !== letters.toLowerCase()) sink.add('subject:all-caps');
  for (const m of s.matchAll(/[!?$%]{2,}/g)) sink.add(`subject:punct:${m[0].slice(0, 3)}`);
  // A run of blanks typed into the Subject (padding that pushes a tracking code out of view). Not
  // folding: tokenize.ts unfolds with foldAsSpace, so a long Subject folded onto a second line
  // (RFC 5322 §2.2.3, the continuation indented by a tab or several spaces) is one space there.
  if (/\s{3,}/.test(s)) sink.add('subject:spaced');
}

/** Tokens of the first address of From or Reply-To; returns its registrable domain. */
function addressTokens(value: string | null, field: string, sink: TokenSink): string | null {
  if (value === null) {
    sink.add(`${field}:none`);
    return null;
  }
  const first = (parseAddressList(value.slice(0, 2000)) ?? []).find((a) => a.host !== null);
  if (first === undefined) {
    sink.add(`${field}:invalid`);
    return null;
  }
  const host = first.host!.toLowerCase();
  const domain = getDomain(host) ?? host;
  sink.add(`${field}:addr:${(first.mailbox ?? '').toLowerCase()}@${host}`);
  sink.add(`${field}:domain:${domain}`);
  if (first.name === null || first.name.trim() === '') {
    sink.add(`${field}:name:none`);
  } else {
    const name = decodeEncodedWords(first.name).slice(0, 200);
    if (name.includes('@')) sink.add(`${field}:name:has-address`);
    textTokens(name, sink, `${field}:name:`);
  }
  return domain;
}

/**
 * The shape of an identifier (a Message-ID's left part, a MIME boundary): each run of letters
 * and digits becomes a class — "9" digits only, "h" hex with digits and letters (a counter or a
 * hash), "x" other mixes of letters and digits, "a" letters only — and everything else is kept.
 * Mail programs and bulk mailers have recognisable shapes: "----=_NextPart_000_004E_01C2580D.1BC61260"
 * is "----=_a_9_h_h.h". Letters never pass through, so no word, name or host does either.
 */
export function shape(value: string, max = 40): string {
  const s = value.slice(0, 200).toLowerCase();
  let out = '';
  let i = 0;
  while (i < s.length && out.length < max) {
    const c = s.charCodeAt(i);
    if (!((c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x7a))) {
      out += c < 0x20 || c > 0x7e ? '?' : s[i];
      i++;
      continue;
    }
    let j = i;
    let digits = 0;
    let other = 0;
    for (; j < s.length; j++) {
      const d = s.charCodeAt(j);
      if (d >= 0x30 && d <= 0x39) digits++;
      else if (d >= 0x67 && d <= 0x7a) other++;
      else if (!(d >= 0x61 && d <= 0x66)) break;
    }
    out += digits === j - i ? '9' : digits === 0 ? 'a' : other === 0 ? 'h' : 'x';
    i = j;
  }
  return out.slice(0, max);
}

/**
 * RFC 5322 §3.6.4 msg-id: the shape of id-left ("message-id:shape:9.9.javamail.a"), and what
 * id-right is — the From domain ("from-domain"), another domain, an address literal ("ip"), a
 * single label ("nodot", e.g. "localhost") — or that the value has no "@" ("message-id:invalid").
 */
function messageIdTokens(value: string, fromDomain: string | null, sink: TokenSink): void {
  const v = value.slice(0, 500);
  const lt = v.indexOf('<');
  const inner = lt >= 0 ? v.slice(lt + 1, v.indexOf('>', lt) < 0 ? undefined : v.indexOf('>', lt)) : v.trim();
  const at = inner.lastIndexOf('@');
  if (at <= 0) {
    sink.add('message-id:invalid');
    return;
  }
  sink.add(`message-id:shape:${shape(inner.slice(0, at))}`);
  const right = inner.slice(at + 1).toLowerCase().replace(/\.$/, '');
  let kind: string;
  if (right.startsWith('[') || /^[0-9.]+$/.test(right)) kind = 'ip';
  else if (!right.includes('.')) kind = 'nodot';
  else kind = fromDomain !== null && (getDomain(right) ?? right) === fromDomain ? 'from-domain' : 'other';
  sink.add(`message-id:host:${kind}`);
}

/**
 * The shape of a Date field (RFC 5322 §3.3): letters become "a", digits "9" each, runs of space
 * one space: "Mon, 9 Sep 2002 14:28:04 +0530" is "a, 9 a 9999 99:99:99 +9999". Mail programs
 * write dates their own way (zero-padded days, a zone name comment, no weekday), bulk mailers
 * too; the values themselves (when, which zone) are left out.
 */
export function dateShape(value: string): string {
  const s = value.slice(0, 60);
  let out = '';
  for (let i = 0; i < s.length && out.length < 40; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x30 && c <= 0x39) out += '9';
    else if ((c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a)) {
      if (!out.endsWith('a')) out += 'a';
    } else if (c === 0x20 || c === 0x09) {
      if (!out.endsWith(' ')) out += ' ';
    } else out += c < 0x20 || c > 0x7e ? '?' : s[i];
  }
  return out.trim();
}

/**
 * Fields the author's program or a mailing list writes about the conversation: presence of
 * In-Reply-To and References (a reply in a thread), the List-* fields of RFC 2369 and List-Id
 * (RFC 2919), Precedence, the priority fields, Organization, MIME-Version. Never fields a
 * receiving system adds.
 */
const THREAD_FIELDS = ['in-reply-to', 'references', 'list-id', 'list-unsubscribe', 'list-post', 'list-help', 'list-subscribe', 'list-archive', 'organization', 'mime-version', 'sender', 'errors-to'];

function threadTokens(first: ReadonlyMap<string, string>, sink: TokenSink): void {
  for (const name of THREAD_FIELDS) if (first.has(name)) sink.add(`header:${name}`);
  for (const name of ['precedence', 'x-priority', 'x-msmail-priority', 'importance']) {
    const v = first.get(name);
    if (v !== undefined) sink.add(`${name}:${v.trim().toLowerCase().replace(/[^a-z0-9-].*$/, '').slice(0, 12)}`);
  }
}

/** Relay networks and domains from the "from" clauses of the first Received fields. */
function receivedTokens(values: readonly string[], sink: TokenSink): void {
  let n = 0;
  for (const value of values) {
    if (++n > 8) continue;
    const v = value.slice(0, 500).toLowerCase();
    const from = /\bfrom\s+([a-z0-9.-]{1,253})/.exec(v)?.[1];
    if (from !== undefined && from.includes('.')) sink.add(`received:domain:${getDomain(from) ?? from}`);
    for (const ip of v.matchAll(/\[([0-9]{1,3})\.([0-9]{1,3})\.([0-9]{1,3})\.[0-9]{1,3}\]/g)) {
      sink.add(`received:ip:${ip[1]}.${ip[2]}.${ip[3]}`);
      sink.add(`received:ip:${ip[1]}.${ip[2]}`);
    }
  }
  sink.add(`received:count:${bucket(n)}`);
}

function bucket(n: number): string {
  return n <= 2 ? String(n) : n <= 5 ? '3-5' : n <= 10 ? '6-10' : 'many';
}
