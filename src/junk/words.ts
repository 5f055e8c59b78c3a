/**
 * Text to tokens: words, CJK/Thai character bigrams, URLs and their domains.
 *
 * Sources: Paul Graham, "A Plan for Spam" (tokens are runs of word characters, "$" kept; each
 * token counted once per message); SpamBayes tokenizer.py (lower-case words of 3..12
 * characters, longer ones reduced to "skip:" length tokens, URL pieces as "url:" tokens); Gary
 * Robinson, "A Statistical Approach to the Spam Problem" (why rare, short-lived tokens are
 * harmless once f(w) shrinks them towards x). Japanese, Chinese and Thai are written without
 * spaces, so a run of such characters becomes overlapping character bigrams (the approach of
 * bogofilter's and SpamAssassin's CJK patches) instead of one "word" per line.
 *
 * Word pairs (optional, off by default): SpamBayes' x-use_bigrams and CRM114's word pairs, as
 * "first second", bounded per message by the sink's bigramsLeft. Optional shapes (docs/spam.md,
 * third round): money and percent amounts ("money:$9,999"), URL path and query shapes
 * (RFC 3986 §3.3, §3.4), and Graham's case tokens ("FREE", "!!!"; 2003, off by default).
 *
 * Pure: text in, tokens into a bounded sink. Never keeps a token longer than the sink allows,
 * never looks up a URL (no DNS, no HTTP), never throws on content.
 */
import { getDomain } from 'tldts';

/** Receives tokens; returns false once full (the caller then stops producing). */
export interface TokenSink {
  add(token: string): boolean;
  readonly full: boolean;
  readonly maxWordLength: number;
  /** Word pairs this message may still add (textTokens with `bigrams`); counts down. */
  bigramsLeft: number;
}

/** Distinct tokens, at most maxTokens of them, each at most maxTokenLength characters. */
export class BoundedTokenSet implements TokenSink {
  readonly tokens = new Set<string>();
  full = false;
  readonly maxWordLength: number;
  bigramsLeft: number;
  private readonly maxTokens: number;
  private readonly maxTokenLength: number;
  constructor(maxTokens: number, maxWordLength: number, maxTokenLength: number, maxBigrams = 0) {
    this.maxTokens = maxTokens;
    this.maxWordLength = maxWordLength;
    this.maxTokenLength = maxTokenLength;
    this.bigramsLeft = maxBigrams;
  }
  add(token: string): boolean {
    if (this.full) return false;
    this.tokens.add(token.length > this.maxTokenLength ? token.slice(0, this.maxTokenLength) : token);
    if (this.tokens.size >= this.maxTokens) this.full = true;
    return !this.full;
  }
}

/** Scripts written without spaces between words: tokenized as character bigrams. */
const NO_SPACE = String.raw`\p{sc=Han}\p{sc=Hiragana}\p{sc=Katakana}\p{sc=Thai}\p{sc=Lao}\p{sc=Khmer}\p{sc=Myanmar}\u30fc\u3005`;
/** A run of no-space script characters, at a given position (sticky). */
const NO_SPACE_RUN = new RegExp(`[${NO_SPACE}]+`, 'yv');
/** A word run: letters, marks, digits and $'_.@- outside the no-space scripts (sticky). */
const WORD_RUN = new RegExp(String.raw`[[\p{L}\p{M}\p{N}$'_.@\-]--[${NO_SPACE}]]+`, 'yv');
const URL_RE = /\b(?:(?:https?|ftp):\/\/|www\.)[^\s<>"'`{}|\\^]{1,500}/gi;

const MIN_WORD = 3;

/** ASCII word characters (the ASCII part of WORD_RUN): a table instead of a regex per character. */
const ASCII_WORD = new Uint8Array(128);
for (let c = 0; c < 128; c++) ASCII_WORD[c] = /[A-Za-z0-9$'_.@-]/.test(String.fromCharCode(c)) ? 1 : 0;

export interface TextTokenOptions {
  /** Prefix marking the field ("subject:"); "" for body text. */
  prefix?: string;
  /**
   * Also emit each pair of adjacent words as one token ("click here"), while the sink's
   * bigramsLeft lasts (SpamBayes' x-use_bigrams, CRM114's word pairs, bounded).
   */
  bigrams?: boolean;
  /**
   * Graham's case and punctuation tokens ("Better Bayesian Filtering", 2003): an all-caps ASCII
   * word also as itself ("FREE" besides "free"), and runs of two or more "!" ("!!", "!!!").
   */
  caseTokens?: boolean;
  /** Money and percent amounts as shapes: "$1,000.00" → "money:$9,999.99", "50%" → "percent:99%". */
  numberShapes?: boolean;
}

/** Amounts: a currency sign before digits, or digits before "%" (bounded, no nested quantifiers). */
const AMOUNT_RE = /[$€£¥]\s?[0-9][0-9,]{0,14}(?:\.[0-9]{1,2})?|[0-9][0-9.,]{0,8}\s?%/g;
/** Amount shapes per text. */
const MAX_AMOUNTS = 50;

/** Money and percent shapes of a text: digits become "9", spaces go, the rest is kept. */
function amountTokens(lower: string, sink: TokenSink, prefix: string): void {
  let n = 0;
  for (const m of lower.matchAll(AMOUNT_RE)) {
    if (++n > MAX_AMOUNTS || sink.full) break;
    // A "," after the amount stays in the shape ("$ 25," → "money:$99,"), as measured.
    const shape = m[0].replace(/[0-9]/g, '9').replace(/\s/g, '');
    sink.add(`${prefix}${shape.endsWith('%') ? 'percent' : 'money'}:${shape}`);
  }
}

/**
 * Words of one text. One pass over the text: ASCII runs through a lookup table, only non-ASCII
 * positions through the Unicode-property regexes (sticky, at that position).
 */
export function textTokens(text: string, sink: TokenSink, opts: TextTokenOptions | string = {}): void {
  const o = typeof opts === 'string' ? { prefix: opts } : opts;
  const prefix = o.prefix ?? '';
  const lower = text.toLowerCase();
  const n = lower.length;
  const state: PairState = { prev: null, pairs: o.bigrams === true };
  // Case tokens need the original text at the same offsets (toLowerCase keeps ASCII lengths;
  // a text where it changed a length, e.g. "İ", is tokenized without them).
  const cased = o.caseTokens === true && text.length === n ? text : null;
  if (o.numberShapes === true && (lower.includes('$') || lower.includes('%') || /[€£¥]/.test(lower))) amountTokens(lower, sink, prefix);
  let i = 0;
  while (i < n) {
    if (sink.full) return;
    const c = lower.charCodeAt(i);
    if (c < 128) {
      if (ASCII_WORD[c] === 0) {
        if (c === 0x21 && cased !== null) {
          // Graham: "!" runs are tokens of their own ("!!", "!!!", capped at three).
          let j = i + 1;
          while (j < n && lower.charCodeAt(j) === 0x21) j++;
          if (j - i >= 2) sink.add(`${prefix}${'!'.repeat(Math.min(3, j - i))}`);
          i = j;
          continue;
        }
        i++;
        continue;
      }
      let j = i + 1;
      while (j < n) {
        const d = lower.charCodeAt(j);
        if (d >= 128 || ASCII_WORD[d] === 0) break;
        j++;
      }
      let caps = false;
      if (j < n && lower.charCodeAt(j) >= 128) {
        // The run goes on in non-ASCII letters ("café"): let the Unicode regex find its end.
        WORD_RUN.lastIndex = i;
        WORD_RUN.test(lower);
        j = Math.max(j, WORD_RUN.lastIndex);
      } else if (cased !== null) caps = allCaps(cased, i, j);
      word(lower.slice(i, j), sink, prefix, state, caps);
      i = j;
      continue;
    }
    NO_SPACE_RUN.lastIndex = i;
    if (NO_SPACE_RUN.test(lower)) {
      bigrams(lower.slice(i, NO_SPACE_RUN.lastIndex), sink, prefix);
      state.prev = null;
      i = NO_SPACE_RUN.lastIndex;
      continue;
    }
    WORD_RUN.lastIndex = i;
    if (WORD_RUN.test(lower)) {
      word(lower.slice(i, WORD_RUN.lastIndex), sink, prefix, state);
      i = WORD_RUN.lastIndex;
      continue;
    }
    i += c >= 0xd800 && c < 0xdc00 ? 2 : 1; // a separator (one code point)
  }
}

interface PairState {
  /** The previous plain word, for word pairs (null after anything else). */
  prev: string | null;
  pairs: boolean;
}

/** Overlapping character bigrams ("東京都" → "東京", "京都"); a lone character stands alone. */
function bigrams(run: string, sink: TokenSink, prefix: string): void {
  const chars = Array.from(run);
  if (chars.length === 1) {
    sink.add(prefix + chars[0]!);
    return;
  }
  for (let i = 0; i + 1 < chars.length && !sink.full; i++) sink.add(prefix + chars[i]! + chars[i + 1]!);
}

/** Characters trimmed from both ends of a word: they only end or start a sentence or quote. */
const isTrim = (c: number): boolean => c === 0x2e || c === 0x27 || c === 0x2d || c === 0x5f || c === 0x40; // . ' - _ @

/** An ASCII run with at least two capital letters and no small ones ("FREE", "$100 OFF"). */
function allCaps(text: string, i: number, j: number): boolean {
  let upper = 0;
  for (let k = i; k < j; k++) {
    const c = text.charCodeAt(k);
    if (c >= 0x61 && c <= 0x7a) return false;
    if (c >= 0x41 && c <= 0x5a) upper++;
  }
  return upper >= 2;
}

/** One lower-case word run; `caps`: it was written in capitals (also kept as such). */
function word(raw: string, sink: TokenSink, prefix: string, state: PairState, caps = false): void {
  let a = 0;
  let b = raw.length;
  while (a < b && isTrim(raw.charCodeAt(a))) a++;
  while (b > a && isTrim(raw.charCodeAt(b - 1))) b--;
  if (a === b) return;
  let w = a === 0 && b === raw.length ? raw : raw.slice(a, b);
  const at = w.indexOf('@');
  if (at > 0) {
    // An address in text: its domain is the useful part, the local part is mostly noise.
    const d = w.slice(at + 1);
    if (d.includes('.')) sink.add(`${prefix}email:${getDomain(d) ?? d}`);
    w = w.slice(0, at);
    state.prev = null;
  }
  if (w.length < MIN_WORD) return;
  if (w.length > sink.maxWordLength) {
    // SpamBayes: a long "word" is usually an encoded blob or a URL; keep only its shape.
    sink.add(`${prefix}skip:${w[0]}:${Math.min(10, Math.floor(w.length / 10)) * 10}`);
    state.prev = null;
    return;
  }
  sink.add(prefix + w);
  if (caps) sink.add(prefix + w.toUpperCase());
  if (state.pairs) {
    if (state.prev !== null && sink.bigramsLeft > 0) {
      sink.bigramsLeft--;
      sink.add(`${prefix}${state.prev} ${w}`);
    }
    state.prev = w;
  }
}

/** Replace every URL in `text` by a space, emitting its tokens; returns the rest of the text. */
export function extractUrls(text: string, sink: TokenSink, maxUrls: number, shapes = false): string {
  let n = 0;
  return text.replace(URL_RE, (u) => {
    if (n++ < maxUrls) urlTokens(u, sink, shapes);
    return ' ';
  });
}

const IPV4 = /^[0-9]{1,3}(?:\.[0-9]{1,3}){3}$/;

/**
 * Tokens for one URL: scheme, host and registrable domain, path pieces; with `shapes`, also the
 * shape of the path and query (urlShapeTokens).
 */
export function urlTokens(url: string, sink: TokenSink, shapes = false): void {
  let rest = url.trim().slice(0, 500);
  const scheme = /^([a-z][a-z0-9+.-]{0,15}):/i.exec(rest);
  if (scheme !== null) {
    const s = scheme[1]!.toLowerCase();
    if (s === 'mailto') {
      const d = /@([^?&\s>]+)/.exec(rest)?.[1]?.toLowerCase();
      sink.add(d === undefined ? 'url:mailto' : `url:mailto:${getDomain(d) ?? d}`);
      return;
    }
    if (s !== 'http' && s !== 'https' && s !== 'ftp') {
      sink.add(`url:scheme:${s}`);
      return;
    }
    sink.add(`url:scheme:${s}`);
    rest = rest.slice(scheme[0].length).replace(/^\/+/, '');
  } else if (!/^www\./i.test(rest)) {
    return; // relative links say nothing about where mail points
  }
  const end = rest.search(/[/?#]/);
  let authority = (end < 0 ? rest : rest.slice(0, end)).toLowerCase();
  const path = end < 0 ? '' : rest.slice(end);
  const userinfo = authority.lastIndexOf('@');
  if (userinfo >= 0) {
    sink.add('url:userinfo'); // "http://bank.example@evil.example/" hides the real host
    authority = authority.slice(userinfo + 1);
  }
  const port = /:([0-9]{1,5})$/.exec(authority);
  if (port !== null) {
    sink.add('url:port');
    authority = authority.slice(0, port.index);
  }
  if (authority.includes('%')) sink.add('url:encoded-host');
  const host = authority.replace(/\.$/, '');
  if (host.length === 0) return;
  if (IPV4.test(host) || /^[0-9]+$/.test(host) || host.startsWith('[')) {
    sink.add('url:ip');
  } else {
    const domain = getDomain(host);
    sink.add(`url:domain:${domain ?? host}`);
    if (domain !== null && domain !== host) sink.add(`url:host:${host}`);
  }
  if (shapes) urlShapeTokens(path, sink);
  let pieces = 0;
  for (const p of path.toLowerCase().split(/[/?#&=.;,+_~%-]+/)) {
    if (p.length < MIN_WORD || p.length > 20 || /^[0-9a-f]{8,}$/.test(p)) continue;
    if (++pieces > 8 || sink.full) break;
    sink.add(`url:${p}`);
  }
}

/**
 * The shape of a URL's path and query (RFC 3986 §3.3, §3.4): letters become "a", digits "9",
 * other characters are kept, the whole cut to 24 characters ("/cgi-bin/r.cgi?id=123" →
 * "url:shape:/a-a/a.a?a=9"); the number of query parameters ("url:query:2") and the last
 * segment's extension ("url:ext:php"). Tracking links and bulk-mail software write recognisable
 * ones; no word of the path passes through.
 */
function urlShapeTokens(path: string, sink: TokenSink): void {
  const p = path.slice(0, 200).toLowerCase();
  const q = p.indexOf('?');
  const pathPart = (q < 0 ? p : p.slice(0, q)).replace(/#.*$/, '');
  if (q >= 0) sink.add(`url:query:${Math.min(5, p.slice(q + 1).split('&').length)}`);
  const ext = /\.([a-z0-9]{1,5})$/.exec(pathPart)?.[1];
  if (ext !== undefined) sink.add(`url:ext:${ext}`);
  if (p.length > 1) sink.add(`url:shape:${p.replace(/[a-z]+/g, 'a').replace(/[0-9]+/g, '9').slice(0, 24)}`);
}
