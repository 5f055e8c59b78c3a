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
import type { Classification, ClassifierOptions } from './classify.ts';
import { DEFAULT_CLASSIFIER } from './classify.ts';

export const SPAM_HEADER = 'X-Mailwarden-Spam';

/** Clue tokens longer than this are shown shortened (with "..."). */
const MAX_TOKEN_SHOWN = 40;
const LINE = 78;

/** A token as a safe quoted-string: printable ASCII kept, the rest percent-encoded UTF-8. */
export function quoteToken(token: string): string {
  const chars = Array.from(token);
  const shown = chars.length > MAX_TOKEN_SHOWN ? `${chars.slice(0, MAX_TOKEN_SHOWN).join('')}...` : token;
  let out = '';
  for (const ch of shown) {
    const c = ch.codePointAt(0)!;
    if (ch === '%') out += '%25';
    else if (ch === '"' || ch === '\\') out += `\\${ch}`;
    else if (c >= 0x20 && c < 0x7f) out += ch;
    else for (const b of Buffer.from(ch, 'utf8')) out += `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return `"${out}"`;
}

/** Join words with single spaces, folding (CRLF + one space) before a word that would pass 78. */
export function fold(name: string, words: readonly string[]): string {
  let out = `${name}:`;
  let lineLen = out.length;
  for (const w of words) {
    if (lineLen + 1 + w.length > LINE && lineLen > 1) {
      out += `\r\n ${w}`;
      lineLen = 1 + w.length;
    } else {
      out += ` ${w}`;
      lineLen += 1 + w.length;
    }
  }
  return out;
}

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
  return fold(SPAM_HEADER, words);
}
