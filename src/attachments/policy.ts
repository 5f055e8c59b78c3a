/**
 * The attachment policy: what each finding (scan.ts) and the virus scanner's verdict (clamd.ts)
 * mean for the message, per [attachments] configuration:
 *
 *   blocked-extension, blocked-content, bidi-name, virus   -> `action`             (reject | junk)
 *   macro                                                   -> `macros`             (flag | junk | reject)
 *   encrypted                                               -> `encrypted_archives` (flag | junk | reject)
 *   unscannable                                             -> `unscannable`        (flag | junk | reject)
 *
 * The message gets the strongest outcome: reject > junk > flag > clean. A refusal names the first
 * finding that asked for it (its file name, the archive path to it, and why) in a 550 5.7.1
 * reply: RFC 3463 §3.8 X.7.1 "Delivery not authorized, message refused" is the security-policy
 * refusal, and the same code our other policy refusals use (DMARC, spam); 552 would claim a
 * storage problem (RFC 5321 §4.2.3) and X.6.x a media conversion problem, neither of which this is.
 *
 * On submission every finding that would junk is a refusal too (there is no Junk folder on the
 * way out: the sender learns at once, which is what "do not let users send malware" needs).
 */
import { CONTENT_KINDS } from './sniff.ts';
import { displayName } from './names.ts';
import type { Finding } from './scan.ts';

export type Action = 'reject' | 'junk' | 'flag';
export type Outcome = 'clean' | 'flag' | 'junk' | 'reject';

export interface PolicyOptions {
  action: 'reject' | 'junk';
  macros: Action;
  encryptedArchives: Action;
  unscannable: Action;
}

/** A finding, or the virus scanner's. */
export type PolicyFinding = Finding | { kind: 'virus'; path: string[]; signature: string };

export function actionFor(f: PolicyFinding, p: PolicyOptions): Action {
  switch (f.kind) {
    case 'blocked-extension':
    case 'blocked-content':
    case 'bidi-name':
    case 'virus':
      return p.action;
    case 'macro':
      return p.macros;
    case 'encrypted':
      return p.encryptedArchives;
    case 'unscannable':
      return p.unscannable;
  }
}

/** Why, in a few words (for replies, headers and logs; ASCII). */
export function describeFinding(f: PolicyFinding): string {
  switch (f.kind) {
    case 'blocked-extension':
      return f.double ? `blocked file type .${f.ext} (double extension .${f.double})` : `blocked file type .${f.ext}`;
    case 'blocked-content':
      return `content is a ${CONTENT_KINDS[f.content]}`;
    case 'bidi-name':
      return 'name hides its real extension with bidirectional override characters';
    case 'macro':
      return `Office macros (${f.why})`;
    case 'encrypted':
      return 'encrypted archive: its content cannot be checked';
    case 'unscannable':
      return `could not be checked: ${f.why}`;
    case 'virus':
      return `virus ${displayName(f.signature)} found by the virus scanner`;
  }
}

/** "invoice.pdf.exe", or "docs.zip" > "run.js" for a file inside an archive. */
export function describePath(path: readonly string[]): string {
  return path.map((p) => `"${displayName(p)}"`).join(' > ');
}

export interface Decision {
  outcome: Outcome;
  /** The finding that decided a refusal or junking (the first of the strongest). */
  decisive: PolicyFinding | null;
  findings: PolicyFinding[];
}

const RANK: Record<Outcome, number> = { clean: 0, flag: 1, junk: 2, reject: 3 };

export function decide(findings: readonly PolicyFinding[], p: PolicyOptions, mode: 'mx' | 'submission'): Decision {
  let outcome: Outcome = 'clean';
  let decisive: PolicyFinding | null = null;
  for (const f of findings) {
    let a: Outcome = actionFor(f, p);
    if (mode === 'submission' && a === 'junk') a = 'reject';
    if (RANK[a] > RANK[outcome]) {
      outcome = a;
      decisive = f;
    }
  }
  return { outcome, decisive, findings: [...findings] };
}
