/**
 * Stage "attachments" (MX and submission, after "authenticate"): the attachment policy of
 * src/attachments on every attachment of the message, then the optional ClamAV daemon.
 *
 *   a blocked file (extension, content, bidi name), or a virus  -> 550 5.7.1 naming it ([attachments]
 *                                                                 action = "reject"), or Junk ("junk")
 *   macros / encrypted archives / unscannable                   -> per their own setting: flag, junk, reject
 *   clamd unreachable                                           -> 451 4.3.0 (clamd_on_error = "tempfail") or accept
 *
 * On the MX the message gets an X-Mailwarden-Attachments field when it has attachments (or was
 * scanned by clamd). On submission nothing is added (outgoing mail does not carry our verdicts),
 * and what would go to Junk is refused: users cannot send what the MX would refuse.
 *
 * Never: hold more than one attachment in memory (content.ts streams them), inflate past the
 * message's budget (scan.ts), or deliver a message whose check failed on our side (a read error
 * is a 451).
 */
import { contentPass, type ContentPass } from './content.ts';
import type { HeaderField } from '../../mail/headers.ts';
import { Budget, scanAttachment, type ScanOptions } from '../../attachments/scan.ts';
import { decide, describeFinding, describePath, type PolicyFinding, type PolicyOptions } from '../../attachments/policy.ts';
import { attachmentsHeaderField, describeItem } from '../../attachments/header.ts';
import { clamdScan, type ClamdTarget } from '../../attachments/clamd.ts';
import { displayName } from '../../attachments/names.ts';
import { replies } from '../../smtp/replies.ts';
import { cont, reject, tempfail, type SessionContext, type Verdict } from '../types.ts';

export interface AttachmentsOptions {
  scan: ScanOptions;
  policy: PolicyOptions;
  maxInflateBytes: number;
  clamd: { target: ClamdTarget; timeoutMs: number; onError: 'tempfail' | 'accept' } | null;
}

export interface AttachmentsOutcome {
  /** The X-Mailwarden-Attachments field (CRLF-terminated), or ''. */
  header: string;
  mailbox: 'INBOX' | 'Junk';
}

/** What the pipeline logs (and stores with the message). */
export interface AttachmentsSummary {
  outcome: 'clean' | 'flag' | 'junk' | 'reject' | 'error';
  scanned: number;
  findings: string[];
  clamd?: 'ok' | 'virus' | 'error';
  clamdError?: string;
  error?: string;
}

export interface AttachmentsResult {
  verdict: Verdict<AttachmentsOutcome>;
  summary: AttachmentsSummary;
  /** The decoded HTML parts, when asked for (for the phishing stage). */
  html: string[] | null;
}

/** The reply text naming the finding that refused the message. */
function refusal(f: PolicyFinding) {
  if (f.kind === 'virus') return replies.virusFound(displayName(f.signature));
  return replies.attachmentRefused(f.path.length ? `attachment ${describePath(f.path)}: ${describeFinding(f)}` : describeFinding(f));
}

export async function attachmentsStage(
  opts: AttachmentsOptions,
  ctx: SessionContext,
  fields: readonly HeaderField[],
  message: () => AsyncIterable<Buffer>,
  wantHtml: boolean,
): Promise<AttachmentsResult> {
  const budget = new Budget(opts.maxInflateBytes);
  const findings: PolicyFinding[] = [];
  let pass: ContentPass;
  try {
    pass = await contentPass(message, fields, {
      attachmentHeadBytes: opts.scan.maxScanBytes,
      html: wantHtml,
      onAttachment: async (c) => {
        findings.push(...(await scanAttachment(c.leaf.filename, c, opts.scan, budget)));
      },
    });
  } catch (e) {
    return { verdict: tempfail(replies.localError()), summary: { outcome: 'error', scanned: 0, findings: [], error: String(e) }, html: null };
  }
  if (pass.truncated) findings.push({ kind: 'unscannable', path: [], why: 'the message has more MIME parts or nesting than can be checked' });
  let decision = decide(findings, opts.policy, ctx.mode);
  const summary: AttachmentsSummary = { outcome: decision.outcome, scanned: pass.attachments, findings: findings.slice(0, 10).map(describeItem) };
  if (decision.outcome === 'reject') return { verdict: reject(refusal(decision.decisive!)), summary, html: pass.html };

  let clamd: 'ok' | 'error' | null = null;
  if (opts.clamd) {
    const r = await clamdScan(opts.clamd.target, message(), opts.clamd.timeoutMs);
    if (r.result === 'virus') {
      findings.push({ kind: 'virus', path: [], signature: r.signature });
      decision = decide(findings, opts.policy, ctx.mode);
      summary.clamd = 'virus';
      summary.outcome = decision.outcome;
      summary.findings = findings.slice(0, 10).map(describeItem);
      if (decision.outcome === 'reject') return { verdict: reject(refusal(decision.decisive!)), summary, html: pass.html };
      clamd = 'ok';
    } else if (r.result === 'error') {
      summary.clamd = 'error';
      summary.clamdError = r.error;
      if (opts.clamd.onError === 'tempfail') return { verdict: tempfail(replies.virusScanUnavailable()), summary, html: pass.html };
      clamd = 'error';
    } else {
      summary.clamd = 'ok';
      clamd = 'ok';
    }
  }
  const outcome = decision.outcome; // a refusal returned above
  const header = ctx.mode === 'mx' && (pass.attachments > 0 || clamd !== null || findings.length > 0)
    ? attachmentsHeaderField({ outcome, scanned: pass.attachments, clamd, findings })
    : '';
  return { verdict: cont({ header, mailbox: outcome === 'junk' ? 'Junk' : 'INBOX' }), summary, html: pass.html };
}
