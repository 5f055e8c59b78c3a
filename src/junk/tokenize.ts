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
 * Header tokens are in header-tokens.ts; the token families that can be switched off (and the
 * measured defaults) are TokenizerFeatures.
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
import { param, parseHeaderBlock, type Params } from '../mail/mime/header.ts';
import type { BodyNode } from '../mail/mime/structure.ts';
import { parseMessageStructure } from '../mail/mime/walker.ts';
import { decodeEncodedWords, decodeExtendedParam, decodeText, decodeTransfer, htmlToText } from './decode.ts';
import { headerTokens, shape } from './header-tokens.ts';
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
  /** Word pairs (features.bigrams) kept from one message. */
  maxBigrams: number;
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
  maxBigrams: 1000,
};

/**
 * Token families that can be switched off (the benchmark's ablation, bench/spam-eval.ts); the
 * defaults are the measured best (docs/spam.md, "Measured, on real data").
 */
export interface TokenizerFeatures {
  /** Pairs of adjacent body words ("click here"), at most limits.maxBigrams per message. */
  bigrams: boolean;
  /**
   * "html:<tag>" tokens: for every tag an HTML part uses ('all'), only for the tags in
   * SIGNAL_TAGS ('signals'), or none.
   */
  htmlTags: 'all' | 'signals' | 'none';
  /** MIME parameters beyond charset and name ("mime:param:format=flowed"), boundary shapes. */
  mimeParams: boolean;
  /** The shape of the Message-ID and what its domain is ("message-id:host:from-domain"). */
  messageIdShape: boolean;
  /** The shape of the Date field ("date:shape:a, 9 a 9999 99:99:99 +9999"). */
  dateShape: boolean;
  /** In-Reply-To, References, List-*, Precedence and priority fields. */
  threadHeaders: boolean;
  /** Words of an HTML part that has a text/plain alternative (false: its tags and links only). */
  alternativeHtmlText: boolean;
  /** Graham's case tokens: all-caps words also as written ("FREE"), "!" runs ("!!"), body and Subject. */
  caseTokens: boolean;
  /** Money and percent shapes in body and Subject ("money:$9,999", "percent:99%"). */
  numberShapes: boolean;
  /** The shape of each URL's path and query, its parameter count and extension ("url:ext:php"). */
  urlShapes: boolean;
  /** One token per text part combining type, charset and encoding ("ctype:text/html;iso-8859-1;base64"). */
  contentCombo: boolean;
  /** Pairs of adjacent Subject words ("subject:click here"); body pairs are `bigrams`. */
  subjectPairs: boolean;
}

export const DEFAULT_FEATURES: TokenizerFeatures = {
  bigrams: false,
  htmlTags: 'signals',
  mimeParams: true,
  messageIdShape: true,
  dateShape: true,
  threadHeaders: false,
  alternativeHtmlText: true,
  caseTokens: false,
  numberShapes: true,
  urlShapes: true,
  contentCombo: false,
  subjectPairs: true,
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
  features?: Partial<TokenizerFeatures>;
}

/** Distinct tokens of a raw message (CRLF or LF line ends; a leading mbox "From " line is skipped). */
export function tokenize(raw: Uint8Array, options: TokenizeOptions = {}): string[] {
  const limits = { ...DEFAULT_TOKENIZE_LIMITS, ...options.limits };
  const features = { ...DEFAULT_FEATURES, ...options.features };
  const sink = new BoundedTokenSet(limits.maxTokens, limits.maxWordLength, limits.maxTokenLength, features.bigrams ? limits.maxBigrams : 0);
  let msg = Buffer.from(raw.buffer, raw.byteOffset, Math.min(raw.byteLength, limits.maxInputBytes));
  if (msg.length > 5 && msg.toString('latin1', 0, 5) === 'From ') {
    const lf = msg.indexOf(0x0a);
    msg = lf < 0 ? msg.subarray(msg.length) : msg.subarray(lf + 1);
  }
  const structure = parseMessageStructure(msg, { maxParts: limits.maxParts, maxDepth: limits.maxDepth, maxHeaderBytes: limits.maxHeaderBytes });
  for (const v of options.verdicts ?? []) sink.add(`auth:${v.method.toLowerCase()}:${v.result.toLowerCase()}`);
  if (options.headers !== false) {
    const headerBytes = msg.subarray(0, Math.min(structure.body.offsets.bodyStart, limits.maxHeaderBytes));
    headerTokens(parseHeaderBlock(headerBytes, { foldAsSpace: true }), sink, { ...features, received: options.received === true });
  }
  const walk: Walk = { msg, sink, limits, features, budget: limits.maxDecodedBytes, headers: options.headers !== false };
  bodyTokens(walk, structure.body, 0, false);
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

/** One message's walk: where the bytes are, where tokens go, what is left of the decode budget. */
interface Walk {
  msg: Buffer;
  sink: TokenSink;
  limits: TokenizeLimits;
  features: TokenizerFeatures;
  /** Decoded octets still allowed over all parts. */
  budget: number;
  /** Header-derived structure tokens (MIME parameters) too. */
  headers: boolean;
}

/** MIME parameters not tokenized elsewhere (charset, file names) or not worth it. */
const PARAMS_SKIPPED = new Set(['charset', 'name', 'name*', 'filename', 'filename*', 'boundary', 'size', 'creation-date', 'modification-date', 'read-date']);

/**
 * RFC 2045 §5.1 / RFC 2183 parameters as "mime:param:attr=value" (short values) or
 * "mime:param:attr", and the shape of a multipart boundary (RFC 2046 §5.1.1): mail programs and
 * bulk mailers each write their own.
 */
function mimeParamTokens(node: BodyNode, sink: TokenSink): void {
  let n = 0;
  for (const [attr, value] of node.params) {
    const a = attr.toLowerCase();
    if (a === 'boundary') sink.add(`mime:boundary:${shape(value)}`);
    if (PARAMS_SKIPPED.has(a) || ++n > 10) continue;
    const v = value.toLowerCase();
    sink.add(v.length <= 24 && /^[a-z0-9._/+-]*$/.test(v) ? `mime:param:${a.slice(0, 20)}=${v}` : `mime:param:${a.slice(0, 20)}`);
  }
  if (node.disposition !== null) sink.add(`mime:disposition:${node.disposition.type.toLowerCase().slice(0, 20)}`);
}

/**
 * Tags that say what an HTML part does rather than that it is HTML: images, forms, scripts,
 * embedded objects, image maps. The skeleton every HTML mail has (html, head, body, meta, p,
 * div, font, br ...) yields a dozen tokens that all repeat one fact, and the combining rule
 * assumes independent evidence.
 */
const SIGNAL_TAGS = new Set(['img', 'form', 'input', 'script', 'iframe', 'object', 'embed', 'map', 'area', 'base']);

function bodyTokens(w: Walk, node: BodyNode, depth: number, hasPlainAlternative: boolean): void {
  const { sink, limits } = w;
  if (sink.full || depth > limits.maxDepth) return;
  const type = `${node.type}/${node.subtype}`.toLowerCase();
  sink.add(`part:${type}`);
  if (w.features.mimeParams && w.headers) mimeParamTokens(node, sink);
  if (node.kind === 'multipart') {
    const plain = type === 'multipart/alternative' && node.parts.some((p) => p.kind === 'text' && p.subtype.toLowerCase() === 'plain');
    for (const p of node.parts) bodyTokens(w, p, depth + 1, plain);
    return;
  }
  if (node.kind === 'message') {
    bodyTokens(w, node.body, depth + 1, false);
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
  if (w.features.contentCombo) sink.add(`ctype:${type.slice(0, 30)};${(charset ?? 'none').toLowerCase().slice(0, 20)};${encoding.slice(0, 20)}`);
  if (w.budget <= 0) return;
  const { bodyStart, end } = node.offsets;
  const bytes = decodeTransfer(w.msg.subarray(bodyStart, end), encoding, Math.min(limits.maxPartBytes, w.budget));
  w.budget -= bytes.length;
  let text = decodeText(bytes, charset);
  if (type === 'text/html') {
    const html = htmlToText(text, limits.maxUrls);
    if (w.features.htmlTags !== 'none') for (const t of html.tags) if (w.features.htmlTags === 'all' || SIGNAL_TAGS.has(t)) sink.add(`html:${t}`);
    if (!hasPlainAlternative && w.features.htmlTags === 'signals') sink.add('html:only'); // HTML with no plain-text alternative
    for (const link of html.links) urlTokens(link, sink, w.features.urlShapes);
    if (hasPlainAlternative && !w.features.alternativeHtmlText) return;
    text = html.text;
  }
  const f = w.features;
  textTokens(extractUrls(text, sink, limits.maxUrls, f.urlShapes), sink, { bigrams: f.bigrams, caseTokens: f.caseTokens, numberShapes: f.numberShapes });
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
