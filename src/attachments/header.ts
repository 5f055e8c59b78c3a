/**
 * The X-Mailwarden-Attachments header field, added on the MX to every message that has
 * attachments (or was given to the virus scanner), folded per RFC 5322 §2.2.3 between items:
 *
 *   X-Mailwarden-Attachments: flag; scanned=1; "report.docm": Office macros
 *    (macro-enabled format .docm)
 *
 *   outcome   clean | flag (delivered, with the findings listed) | junk (delivered to Junk)
 *   scanned   attachments looked at
 *   clamd     ok | error (only when a virus scanner is configured)
 *   then one item per finding: the file (and the archive path to it), and why (policy.ts).
 *
 * ASCII only: names are shown by names.ts displayName (non-ASCII as <U+XXXX>, quotes escaped).
 * The route stage strips any X-Mailwarden-Attachments field the message brought.
 */
import { describeFinding, describePath, type Outcome, type PolicyFinding } from './policy.ts';
import { foldItems } from '../mail/field-format.ts';

export const ATTACHMENTS_HEADER = 'X-Mailwarden-Attachments';
export const MAX_SHOWN = 10;

export interface AttachmentsHeaderInput {
  outcome: Exclude<Outcome, 'reject'>;
  scanned: number;
  clamd: 'ok' | 'error' | null;
  findings: readonly PolicyFinding[];
}

export function describeItem(f: PolicyFinding): string {
  return f.path.length ? `${describePath(f.path)}: ${describeFinding(f)}` : describeFinding(f);
}

export function attachmentsHeaderField(h: AttachmentsHeaderInput): string {
  const items = [h.outcome, `scanned=${h.scanned}`, ...(h.clamd ? [`clamd=${h.clamd}`] : []), ...h.findings.slice(0, MAX_SHOWN).map(describeItem)];
  if (h.findings.length > MAX_SHOWN) items.push(`more=${h.findings.length - MAX_SHOWN}`);
  const out = foldItems(ATTACHMENTS_HEADER, items);
  return `${out}\r\n`;
}
