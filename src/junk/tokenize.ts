/**
 * Tokenizer of the Bayesian filter: a raw RFC 5322 message in, its distinct tokens out.
 *
 * Sources: Paul Graham, "A Plan for Spam" (2002) and "Better Bayesian Filtering" (2003: header
 * tokens marked with their field, "Subject*free"; URLs as tokens); Gary Robinson, "A Statistical
 * Approach to the Spam Problem" (2003); SpamBayes tokenizer.py (decode MIME first, skip HTML
 * tags, tokenize address parts and URL pieces, and — its default — do not mine Received lines).
 * MIME: RFC 2045/2046 via the shared walker (src/mail/mime/walker.ts), RFC 2047 encoded-words,
 * RFC 2231 parameters, RFC 2183 attachment names.
 *
 * What tokens look like: body words bare ("free"), header words prefixed by their field
 * ("subject:free", "from:domain:example.com", "received:ip:192.0.2"), structure as
 * "part:text/html", "charset:koi8-r", "attachment:ext:exe", links as "url:domain:example.com",
 * authentication as "auth:dkim:pass" — only from verdicts our server computed and passed in.
 *
 * Pure and bounded: only the first maxInputBytes are read, decoded text is capped per part and
 * per message, the token set is capped, so hostile input costs bounded time and memory. Never
 * trusts Authentication-Results, X-Spam-* or X-Mailwarden-Spam fields found in the message (a
 * sender can forge them, and our own verdict header must not train on itself), never fetches a
 * URL or resolves a name, never throws on content.
 */
import { parseAddressList } from '../mail/mime/address.ts';
import { firstField, param, parseHeaderBlock, type HeaderField, type Params } from '../mail/mime/header.ts';
import type { BodyNode } from '../mail/mime/structure.ts';
import { parseMessageStructure } from '../mail/mime/walker.ts';
import { getDomain } from 'tldts';
import { decodeEncodedWords, decodeExtendedParam, decodeText, decodeTransfer, htmlToText } from './decode.ts';
import { BoundedTokenSet, extractUrls, textTokens, urlTokens, type TokenSink } from './words.ts';

export interface TokenizeLimits {
  /** Only this prefix of the message is examined. */
  maxInputBytes: number;
  /** Decoded text over all parts. */
  maxDecodedBytes: number;
  /** Decoded octets of one part. */
  maxPartBytes: number;
  /** Distinct tokens kept from one message. */
  maxTokens: number;
  /** Longer words become "skip:" shape tokens (SpamBayes uses 12). */
  maxWordLength: number;
  /** Hard cap on any token, prefixes included. */
  maxTokenLength: number;
  /** URLs tokenized per text part. */
  maxUrls: number;
  maxParts: number;
  maxDepth: number;
  maxHeaderBytes: number;
}

export const DEFAULT_TOKENIZE_LIMITS: TokenizeLimits = {
  maxInputBytes: 1024 * 1024,
  maxDecodedBytes: 512 * 1024,
  maxPartBytes: 256 * 1024,
  maxTokens: 3000,
  maxWordLength: 20,
  maxTokenLength: 64,
  maxUrls: 100,
  maxParts: 100,
  maxDepth: 8,
  maxHeaderBytes: 64 * 1024,
};

/** An authentication result our own server computed (RFC 8601 method and result words). */
export interface AuthVerdict {
  method: string;
  result: string;
}

export interface TokenizeOptions {
  /** Header tokens (From, To, Subject, Content-Type, X-Mailer, ...). false: body only. */
  headers?: boolean;
  /**
   * Tokens from Received lines (relay domains and networks). Off by default: on collected
   * corpora they mostly describe the collection path, not the sender (see docs/spam.md).
   */
  received?: boolean;
  /** Verdicts from our own SPF/DKIM/DMARC/ARC checks, never from the message's own fields. */
  verdicts?: readonly AuthVerdict[];
  limits?: Partial<TokenizeLimits>;
}

/** Distinct tokens of a raw message (CRLF or LF line ends; a leading mbox "From " line is skipped). */
export function tokenize(raw: Uint8Array, options: TokenizeOptions = {}): string[] {
  const limits = { ...DEFAULT_TOKENIZE_LIMITS, ...options.limits };
  const sink = new BoundedTokenSet(limits.maxTokens, limits.maxWordLength, limits.maxTokenLength);
  let msg = Buffer.from(raw.buffer, raw.byteOffset, Math.min(raw.byteLength, limits.maxInputBytes));
  if (msg.length > 5 && msg.toString('latin1', 0, 5) === 'From ') {
    const lf = msg.indexOf(0x0a);
    msg = lf < 0 ? msg.subarray(msg.length) : msg.subarray(lf + 1);
  }
  const structure = parseMessageStructure(msg, { maxParts: limits.maxParts, maxDepth: limits.maxDepth, maxHeaderBytes: limits.maxHeaderBytes });
  for (const v of options.verdicts ?? []) sink.add(`auth:${v.method.toLowerCase()}:${v.result.toLowerCase()}`);
  if (options.headers !== false) {
    const headerBytes = msg.subarray(0, Math.min(structure.body.offsets.bodyStart, limits.maxHeaderBytes));
    headerTokens(parseHeaderBlock(headerBytes), sink, options.received === true);
  }
  const budget = { left: limits.maxDecodedBytes };
  bodyTokens(msg, structure.body, sink, limits, budget, 0);
  if (structure.truncated) sink.add('mime:truncated');
  return [...sink.tokens];
}

/** Verdicts from an Authentication-Results value that OUR server wrote (never one from the message). */
export function verdictsFromAuthResults(value: string): AuthVerdict[] {
  const out: AuthVerdict[] = [];
  for (const m of value.matchAll(/(?:^|[;\s])(spf|dkim|dmarc|arc|bimi|iprev|auth|dkim-atps)\s*=\s*([a-z]+)/gi)) {
    if (out.length >= 20) break;
    out.push({ method: m[1]!, result: m[2]! });
  }
  return out;
}

/** Fields never tokenized: forgeable verdicts, our own output, signatures (random blobs). */
const IGNORED = /^(x-spam-|x-mailwarden-|authentication-results$|arc-|dkim-signature$|domainkey-signature$|x-virus)/i;

function headerTokens(all: HeaderField[], sink: TokenSink, received: boolean): void {
  const fields = all.filter((f) => !IGNORED.test(f.name));
  const subject = firstField(fields, 'Subject');
  if (subject !== null) subjectTokens(decodeEncodedWords(subject), sink);
  else sink.add('subject:none');

  const from = addressTokens(firstField(fields, 'From'), 'from', sink);
  const replyTo = addressTokens(firstField(fields, 'Reply-To'), 'reply-to', sink);
  if (replyTo !== null && from !== null && replyTo !== from) sink.add('reply-to:differs');

  let recipients = 0;
  for (const f of fields) {
    const n = f.name.toLowerCase();
    if (n === 'to' || n === 'cc') recipients += (parseAddressList(f.value) ?? []).filter((a) => a.host !== null).length;
  }
  sink.add(`to:count:${bucket(recipients)}`);
  if (firstField(fields, 'To') === null) sink.add('to:none');

  const ct = firstField(fields, 'Content-Type');
  if (ct === null) sink.add('content-type:none');
  for (const name of ['X-Mailer', 'User-Agent']) {
    const v = firstField(fields, name);
    if (v !== null) textTokens(v.slice(0, 200), sink, 'x-mailer:');
  }
  if (firstField(fields, 'Message-ID') === null) sink.add('message-id:none');
  if (firstField(fields, 'Date') === null) sink.add('date:none');
  if (received) receivedTokens(fields, sink);
}

function subjectTokens(subject: string, sink: TokenSink): void {
  const s = subject.slice(0, 1000);
  textTokens(extractUrls(s, sink, 5), sink, 'subject:');
  const letters = s.replace(/[^\p{L}]/gu, '');
  if (letters.length >= 4 && letters === letters.toUpperCase() && letters !== letters.toLowerCase()) sink.add('subject:all-caps');
  for (const m of s.matchAll(/[!?$%]{2,}/g)) sink.add(`subject:punct:${m[0].slice(0, 3)}`);
  if (/\s{3,}/.test(s)) sink.add('subject:spaced');
}

/** Tokens of the first address of From or Reply-To; returns its registrable domain. */
function addressTokens(value: string | null, field: string, sink: TokenSink): string | null {
  if (value === null) {
    sink.add(`${field}:none`);
    return null;
  }
  const first = (parseAddressList(value) ?? []).find((a) => a.host !== null);
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

/** Relay networks and domains from the "from" clauses of the first Received fields. */
function receivedTokens(fields: readonly HeaderField[], sink: TokenSink): void {
  let n = 0;
  for (const f of fields) {
    if (f.name.toLowerCase() !== 'received') continue;
    if (++n > 8) continue;
    const v = f.value.slice(0, 500).toLowerCase();
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

/** RFC 2183 filename or Content-Type name, RFC 2231/2047 decoded. */
function fileName(node: BodyNode): string | null {
  const lookup = (params: Params): string | null => {
    for (const key of ['filename', 'name']) {
      const ext = param(params, `${key}*`);
      if (ext !== null) return decodeExtendedParam(ext);
      const plain = param(params, key);
      if (plain !== null) return decodeEncodedWords(plain);
    }
    return null;
  };
  return (node.disposition === null ? null : lookup(node.disposition.params)) ?? lookup(node.params);
}

function bodyTokens(msg: Buffer, node: BodyNode, sink: TokenSink, limits: TokenizeLimits, budget: { left: number }, depth: number): void {
  if (sink.full || depth > limits.maxDepth) return;
  const type = `${node.type}/${node.subtype}`.toLowerCase();
  sink.add(`part:${type}`);
  if (node.kind === 'multipart') {
    for (const p of node.parts) bodyTokens(msg, p, sink, limits, budget, depth + 1);
    return;
  }
  if (node.kind === 'message') {
    bodyTokens(msg, node.body, sink, limits, budget, depth + 1);
    return;
  }
  const encoding = node.encoding.toLowerCase();
  if (encoding !== '7bit') sink.add(`cte:${encoding.slice(0, 20)}`);
  const name = fileName(node);
  const attached = name !== null || node.disposition?.type.toLowerCase() === 'attachment';
  if (name !== null) attachmentTokens(name, type, sink);
  if (node.kind !== 'text' || (attached && type !== 'text/html' && type !== 'text/plain')) return;
  const charset = param(node.params, 'charset');
  if (charset !== null) sink.add(`charset:${charset.toLowerCase().slice(0, 30)}`);
  if (budget.left <= 0) return;
  const { bodyStart, end } = node.offsets;
  const bytes = decodeTransfer(msg.subarray(bodyStart, end), encoding, Math.min(limits.maxPartBytes, budget.left));
  budget.left -= bytes.length;
  let text = decodeText(bytes, charset);
  if (type === 'text/html') {
    const html = htmlToText(text, limits.maxUrls);
    for (const t of html.tags) sink.add(`html:${t}`);
    for (const link of html.links) urlTokens(link, sink);
    text = html.text;
  }
  textTokens(extractUrls(text, sink, limits.maxUrls), sink);
}

function attachmentTokens(name: string, type: string, sink: TokenSink): void {
  const lower = name.toLowerCase().slice(0, 200);
  sink.add(`attachment:type:${type}`);
  const parts = lower.split('.');
  if (parts.length > 1) {
    sink.add(`attachment:ext:${parts[parts.length - 1]!.slice(0, 10)}`);
    if (parts.length > 2) sink.add(`attachment:ext2:${parts.slice(-2).join('.').slice(0, 20)}`); // invoice.pdf.exe
  }
  textTokens(lower.replace(/[._]+/g, ' '), sink, 'filename:');
}
