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
