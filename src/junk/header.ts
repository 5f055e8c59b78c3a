/**
 * The X-Mailwarden-Spam header field: verdict, score and the top clues, folded (RFC 5322 §2.2.3,
 * lines of at most 78 characters where a fold point exists, §2.1.1).
 *
 *   X-Mailwarden-Spam: spam; score=0.9987; cutoffs=0.20/0.95;
 *    clues="subject:free"=0.992 "url:domain:example.com"=0.987 "meeting"=0.031
 *
 * Sources: as the classifier (Graham "A Plan for Spam", Robinson "A Statistical Approach to the
 * Spam Problem", SpamBayes' X-Spambayes-Classification and X-Spambayes-Evidence fields).
 *
 * Never emits a CR, LF or other control character, nor a non-ASCII octet: a token (which comes
 * from the sender's text) is shown as a quoted-string with '"', '\\' and '%' escaped and every
 * character outside printable ASCII percent-encoded as UTF-8, so a hostile token cannot inject a
 * header field or break the folding. Inbound code must remove any X-Mailwarden-Spam field a
 * sender put in the message before adding ours.
 */
import { foldWords, quoteText } from '../mail/field-format.ts';
import type { Classification, ClassifierOptions } from './classify.ts';
import { DEFAULT_CLASSIFIER } from './classify.ts';

export const SPAM_HEADER = 'X-Mailwarden-Spam';

/** Clue tokens longer than this are shown shortened (with "..."). */
const MAX_TOKEN_SHOWN = 40;

/** A token as a safe quoted-string: printable ASCII kept, the rest percent-encoded UTF-8. */
export const quoteToken = (token: string): string => quoteText(token, MAX_TOKEN_SHOWN);

/** The whole field, folded, without the final CRLF. */
export function spamHeaderField(
  c: Pick<Classification, 'verdict' | 'score' | 'clues'>,
  opts: { maxClues?: number; cutoffs?: Pick<ClassifierOptions, 'hamCutoff' | 'spamCutoff'> } = {},
): string {
  const cut = opts.cutoffs ?? DEFAULT_CLASSIFIER;
  const words = [`${c.verdict};`, `score=${c.score.toFixed(4)};`, `cutoffs=${cut.hamCutoff.toFixed(2)}/${cut.spamCutoff.toFixed(2)};`];
  const clues = c.clues.slice(0, opts.maxClues ?? 8);
  if (clues.length === 0) words.push('clues=none');
  clues.forEach((clue, i) => words.push(`${i === 0 ? 'clues=' : ''}${quoteToken(clue.token)}=${clue.probability.toFixed(3)}`));
  return foldWords(SPAM_HEADER, words);
}

/** What an X-Mailwarden-Spam field says (for the webmail's spam panel): the inverse of spamHeaderField. */
export type ParsedSpamField =
  | { verdict: 'ham' | 'unsure' | 'spam'; score: number; cutoffs: { ham: number; spam: number } | null; clues: Array<{ token: string; probability: number }> }
  | { verdict: 'untrained'; trained: { ham: number; spam: number } | null }
  | { verdict: 'error' };

/** The text of a quoteToken()/quoteText() quoted-string (without its quotes): '\' escapes undone, %XX as UTF-8 octets. */
export function unquoteToken(inner: string): string {
  const bytes: number[] = [];
  for (let i = 0; i < inner.length; i++) {
    const ch = inner[i]!;
    if (ch === '\\' && i + 1 < inner.length) bytes.push(inner.charCodeAt(++i) & 0x7f);
    else if (ch === '%' && /^[0-9A-Fa-f]{2}$/.test(inner.slice(i + 1, i + 3))) {
      bytes.push(Number.parseInt(inner.slice(i + 1, i + 3), 16));
      i += 2;
    } else bytes.push(inner.charCodeAt(i) & 0x7f);
  }
  return Buffer.from(bytes).toString('utf8');
}

const NUMBER = '([0-9]+(?:\\.[0-9]+)?)';
const SCORED = new RegExp(`^(ham|unsure|spam); score=${NUMBER};(?: cutoffs=${NUMBER}/${NUMBER};)? clues=(.*)$`);
const CLUE = new RegExp(`^"((?:[^"\\\\]|\\\\.)*)"=${NUMBER}(?: |$)`);

/**
 * Parses the value of an X-Mailwarden-Spam field (unfolded or not; the field name may be left on).
 * Pure and total: anything that is not a field we write gives null, never an exception. Scores and
 * probabilities outside [0, 1] are refused.
 */
export function parseSpamHeaderField(value: string): ParsedSpamField | null {
  let v = value.replace(/\r?\n(?=[ \t])/g, '').replace(/[ \t]+/g, ' ').trim();
  if (v.toLowerCase().startsWith(`${SPAM_HEADER.toLowerCase()}:`)) v = v.slice(SPAM_HEADER.length + 1).trim();
  if (v === 'error') return { verdict: 'error' };
  const untrained = /^untrained(?:; trained=([0-9]+)\/([0-9]+))?$/.exec(v);
  if (untrained) return { verdict: 'untrained', trained: untrained[1] === undefined ? null : { ham: Number(untrained[1]), spam: Number(untrained[2]) } };
  const m = SCORED.exec(v);
  if (!m) return null;
  const unit = (s: string | undefined) => (s === undefined ? null : Number(s) <= 1 ? Number(s) : Number.NaN);
  const score = unit(m[2])!;
  const ham = unit(m[3]);
  const spam = unit(m[4]);
  if (Number.isNaN(score) || Number.isNaN(ham) || Number.isNaN(spam)) return null;
  const clues: Array<{ token: string; probability: number }> = [];
  let rest = m[5]!;
  if (rest !== 'none') {
    while (rest !== '') {
      const c = CLUE.exec(rest);
      const p = c ? unit(c[2]) : null;
      if (!c || p === null || Number.isNaN(p)) return null;
      clues.push({ token: unquoteToken(c[1]!), probability: p });
      rest = rest.slice(c[0].length);
    }
  }
  return { verdict: m[1] as 'ham' | 'unsure' | 'spam', score, cutoffs: ham === null || spam === null ? null : { ham, spam }, clues };
}
