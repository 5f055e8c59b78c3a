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
 * "first second", bounded per message by the sink's bigramsLeft.
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
  let i = 0;
  while (i < n) {
    if (sink.full) return;
    const c = lower.charCodeAt(i);
    if (c < 128) {
      if (ASCII_WORD[c] === 0) {
        i++;
        continue;
      }
      let j = i + 1;
      while (j < n) {
        const d = lower.charCodeAt(j);
        if (d >= 128 || ASCII_WORD[d] === 0) break;
        j++;
      }
      if (j < n && lower.charCodeAt(j) >= 128) {
        // The run goes on in non-ASCII letters ("café"): let the Unicode regex find its end.
        WORD_RUN.lastIndex = i;
        WORD_RUN.test(lower);
        j = Math.max(j, WORD_RUN.lastIndex);
      }
      word(lower.slice(i, j), sink, prefix, state);
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

/** One lower-case word run. */
function word(raw: string, sink: TokenSink, prefix: string, state: PairState): void {
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
  if (state.pairs) {
    if (state.prev !== null && sink.bigramsLeft > 0) {
      sink.bigramsLeft--;
      sink.add(`${prefix}${state.prev} ${w}`);
    }
    state.prev = w;
  }
}

/** Replace every URL in `text` by a space, emitting its tokens; returns the rest of the text. */
export function extractUrls(text: string, sink: TokenSink, maxUrls: number): string {
  let n = 0;
  return text.replace(URL_RE, (u) => {
    if (n++ < maxUrls) urlTokens(u, sink);
    return ' ';
  });
}

const IPV4 = /^[0-9]{1,3}(?:\.[0-9]{1,3}){3}$/;

/** Tokens for one URL: scheme, host and registrable domain, path pieces. */
export function urlTokens(url: string, sink: TokenSink): void {
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
  let pieces = 0;
  for (const p of path.toLowerCase().split(/[/?#&=.;,+_~%-]+/)) {
    if (p.length < MIN_WORD || p.length > 20 || /^[0-9a-f]{8,}$/.test(p)) continue;
    if (++pieces > 8 || sink.full) break;
    sink.add(`url:${p}`);
  }
}
