/** A mailbox page: messages newest first, 50 a page, each with its spam and phishing badges. */
import { html, type Html } from '../../web/html.ts';
import type { ParsedSpamField } from '../../junk/header.ts';
import type { ParsedPhishingField } from '../phishing-field.ts';
import type { ListPage, ListRow } from '../listing.ts';
import type { ShownAddress } from '../message.ts';
import { boxUrl, formatSize, formatTime, messageUrl } from './layout.ts';

/** ham/unsure/spam with the score; untrained/error as such; nothing when the field is absent. */
export function spamBadge(s: ParsedSpamField | null): Html | string {
  if (!s) return '';
  if (s.verdict === 'untrained' || s.verdict === 'error') return html`<span class="badge ${s.verdict}" title="spam filter">${s.verdict}</span>`;
  return html`<span class="badge ${s.verdict}" title="spam filter score">${s.verdict} ${s.score.toFixed(2)}</span>`;
}

/** Signals beyond first contact (which alone only says the sender is new). */
export const strongSignals = (p: ParsedPhishingField) => p.warnings.filter((w) => w.kind !== 'first-contact').length + p.more;

export function phishingBadge(p: ParsedPhishingField | null): Html | string {
  if (!p || p.verdict === 'none') return '';
  if (strongSignals(p) === 0) return html`<span class="badge untrained" title="nobody here has exchanged mail with this sender">new sender</span>`;
  return html`<span class="badge phishing" title="${p.warnings.map((w) => w.kind).join(', ')}">phishing?</span>`;
}

export const shortAddress = (a: ShownAddress | undefined) => (a ? a.name || a.address : '');

function row(box: string, r: ListRow): Html {
  const when = r.time ?? r.internalDate;
  return html`<tr${r.seen ? '' : html` class="unseen"`}><td>${r.flagged ? html`<span title="flagged">&#9873;</span>` : ''}</td><td>${shortAddress(r.from[0])}</td><td><a href="${messageUrl(box, r.uid)}">${r.subject || '(no subject)'}</a> ${spamBadge(r.spam)} ${phishingBadge(r.phishing)}</td><td class="date">${formatTime(when)}</td><td class="size">${formatSize(r.size)}</td></tr>`;
}

export function listView(box: string, p: ListPage, notice?: string): Html {
  const pager = html`<div class="pager">${p.page > 0 ? html`<a href="${boxUrl(box)}?page=${p.page - 1}">&larr; Newer</a>` : ''}<span class="muted">page ${p.page + 1} of ${p.pages} (${p.total} messages)</span>${
    p.page < p.pages - 1 ? html`<a href="${boxUrl(box)}?page=${p.page + 1}">Older &rarr;</a>` : ''
  }</div>`;
  const rows = p.rows.length
    ? html`<table><thead><tr><th></th><th>From</th><th>Subject</th><th>Date (UTC)</th><th>Size</th></tr></thead><tbody>${p.rows.map((r) => row(box, r))}</tbody></table>`
    : html`<p class="muted">No messages.</p>`;
  return html`<h1>${box}</h1>${notice ? html`<p class="notice" role="status">${notice}</p>` : ''}${rows}${pager}`;
}
