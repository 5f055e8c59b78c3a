/**
 * The message page: actions (Spam / Not spam, Forget training when this user's statistics hold
 * the message, read/unread, flag, delete), phishing warnings on top,
 * the header fields, our authentication verdicts, the spam panel (verdict, score, cutoffs, clues),
 * attachments, and the body as escaped text — or, when asked, the HTML part in a sandboxed iframe
 * (no scripts, no same-origin, its own CSP: routes in app.ts).
 */
import { html, type Html } from '../../web/html.ts';
import type { ParsedSpamField } from '../../junk/header.ts';
import type { Label } from '../../junk/ports.ts';
import type { ParsedPhishingField } from '../phishing-field.ts';
import type { AuthResultEntry } from '../../standards/authresults/authresults.ts';
import type { MessageView, ShownAddress } from '../message.ts';
import type { WebSession } from '../session.ts';
import { boxUrl, csrfField, formatSize, formatTime, messageUrl } from './layout.ts';
import { spamBadge, strongSignals } from './list.ts';

const addr = (a: ShownAddress) => (a.name ? html`${a.name} <span class="muted">&lt;${a.address}&gt;</span>` : html`${a.address}`);
const addrs = (list: readonly ShownAddress[]) => list.map((a, i) => html`${i ? ', ' : ''}${addr(a)}`);

function phishingAlert(p: ParsedPhishingField | null): Html | string {
  if (!p || p.verdict === 'none' || (p.warnings.length === 0 && p.more === 0)) return '';
  if (strongSignals(p) === 0) return html`<p class="notice">${p.warnings[0]!.explanation} <code>${p.warnings[0]!.detail}</code></p>`;
  return html`<section class="alert" role="alert"><h2>Warning: this message may be phishing</h2><ul>${p.warnings.map(
    (w) => html`<li>${w.explanation} <code>${w.kind}${w.detail ? ` ${w.detail}` : ''}</code></li>`,
  )}${p.more ? html`<li>and ${p.more} more signals</li>` : ''}</ul><p class="muted">Do not click links or open attachments unless you are sure who sent it.</p></section>`;
}

/** One line under the spam panel's heading: what this user taught the filter with this message. */
function trainedLine(label: Label | null): Html | string {
  if (label === null) return '';
  return html`<p>You trained the filter with this message as <b>${label === 'spam' ? 'spam' : 'not spam'}</b>. <i>Forget training</i> undoes it exactly (the message stays where it is).</p>`;
}

function spamPanel(s: ParsedSpamField | null, trainedAs: Label | null = null): Html {
  const panel = (title: Html | string, body: Html) => html`<section class="panel"><h2>${title}</h2>${trainedLine(trainedAs)}${body}</section>`;
  if (!s) return panel('Spam filter', html`<p class="muted">This message was not scored (it did not come in through our MX).</p>`);
  if (s.verdict === 'untrained')
    return panel(html`Spam filter ${spamBadge(s)}`, html`<p class="muted">Not trained enough to judge yet${s.trained ? ` (${s.trained.ham} ham, ${s.trained.spam} spam trained)` : ''}. Use the Spam and Not spam buttons to train it.</p>`);
  if (s.verdict === 'error') return panel(html`Spam filter ${spamBadge(s)}`, html`<p class="muted">The filter failed on this message.</p>`);
  const clues = s.clues.length
    ? html`<table><thead><tr><th>Clue (token)</th><th>f(w)</th></tr></thead><tbody>${s.clues.map((c) => html`<tr><td><code>${c.token}</code></td><td>${c.probability.toFixed(3)}</td></tr>`)}</tbody></table>`
    : html`<p class="muted">No strong clues.</p>`;
  return panel(html`Spam filter ${spamBadge(s)}`, html`<p>Score <b>${s.score.toFixed(4)}</b>${
    s.cutoffs ? html` (ham below ${s.cutoffs.ham.toFixed(2)}, spam from ${s.cutoffs.spam.toFixed(2)})` : ''
  }. f(w) near 1 points to spam, near 0 to ham.</p>${clues}`);
}

function authPanel(entries: readonly AuthResultEntry[], authservId: string): Html {
  const rows = entries.map(
    (e) => html`<tr><td>${e.method}</td><td><span class="badge ${e.result === 'pass' ? 'ham' : e.result === 'fail' ? 'spam' : 'unsure'}">${e.result}</span></td><td>${e.properties.map((p, i) => html`${i ? ' ' : ''}<code>${p.ptype}.${p.property}=${p.value}</code>`)}${e.reason ? html` <span class="muted">${e.reason}</span>` : ''}</td></tr>`,
  );
  return html`<section class="panel"><h2>Sender authentication (checked by ${authservId})</h2>${
    entries.length ? html`<table><tbody>${rows}</tbody></table>` : html`<p class="muted">No verdicts from our server (the message did not come in through our MX).</p>`
  }</section>`;
}

export function messageView(opts: {
  session: WebSession; box: string; uid: number; isJunk: boolean; seen: boolean; flagged: boolean; size: number; internalDate: number; view: MessageView; showHtml: boolean; authservId: string;
  /** The label this user's own statistics hold for the message (Forget training is offered), or null. */
  trainedAs?: Label | null;
  /** A fixed text from actions.ts DONE_TEXT after an action that stays on the page. */
  notice?: string;
}): Html {
  const trainedAs = opts.trainedAs ?? null;
  const { session, box, uid, view: v } = opts;
  const url = messageUrl(box, uid);
  const button = (action: string, label: string, cls = '') => html`<button type="submit" name="action" value="${action}"${cls ? html` class="${cls}"` : ''}>${label}</button>`;
  const actions = html`<div class="actions"><a href="${boxUrl(box)}">&larr; ${box}</a><form method="post" action="${url}/action">${csrfField(session)}${
    opts.isJunk ? button('notspam', 'Not spam') : button('spam', 'Spam')
  } ${trainedAs !== null ? html`${button('forget', 'Forget training')} ` : ''}${opts.seen ? button('unseen', 'Mark unread') : button('seen', 'Mark read')} ${opts.flagged ? button('unflag', 'Unflag') : button('flag', 'Flag')} ${button('delete', 'Delete', 'danger')}</form><a href="${url}/raw">Raw source</a></div>`;
  const headers = html`<table class="headers"><tbody><tr><th>From</th><td>${addrs(v.from)}</td></tr>${
    v.replyTo.length && v.replyTo.some((r) => !v.from.some((f) => f.address === r.address)) ? html`<tr><th>Reply-To</th><td>${addrs(v.replyTo)}</td></tr>` : ''
  }<tr><th>To</th><td>${addrs(v.to)}</td></tr>${v.cc.length ? html`<tr><th>Cc</th><td>${addrs(v.cc)}</td></tr>` : ''}<tr><th>Date</th><td>${v.time !== null ? `${formatTime(v.time)} UTC` : v.date || formatTime(opts.internalDate)}</td></tr><tr><th>Subject</th><td>${v.subject || '(no subject)'}</td></tr><tr><th>Size</th><td>${formatSize(opts.size)}</td></tr></tbody></table>`;
  const attachments = v.attachments.length
    ? html`<section class="panel"><h2>Attachments</h2><ul>${v.attachments.map(
        (a) => html`<li><a href="${url}/part/${a.path}">${a.name}</a> <span class="muted">${a.contentType}, ${formatSize(a.size)}</span></li>`,
      )}</ul><p class="muted">Downloads are saved as files, never opened in the browser.</p></section>`
    : '';
  let body: Html;
  if (opts.showHtml && v.html) {
    body = html`<p class="notice">HTML view: scripts, forms and remote images are blocked. <a href="${url}">Back to text</a></p><iframe class="html" sandbox="" src="${url}/html" title="HTML version of the message" referrerpolicy="no-referrer"></iframe>`;
  } else {
    const htmlNote = v.html
      ? html`<p class="notice">${v.body.from === 'html' ? 'This message is HTML only and is shown as text; links show their real target. ' : ''}<a href="${url}?view=html">Show HTML</a> <span class="muted">(remote images stay blocked)</span></p>`
      : '';
    body = html`${htmlNote}<pre class="body">${v.body.text || '(no text)'}</pre>${v.body.truncated ? html`<p class="muted">The text was cut; see the raw source for all of it.</p>` : ''}`;
  }
  const notice = opts.notice ? html`<p class="notice" role="status">${opts.notice}</p>` : '';
  return html`${actions}${notice}${phishingAlert(v.phishing)}<h1>${v.subject || '(no subject)'}</h1>${headers}${body}${attachments}${spamPanel(v.spam, trainedAs)}${authPanel(v.auth, opts.authservId)}`;
}
