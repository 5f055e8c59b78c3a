/**
 * The page frame of the webmail: title, top bar with the user and a logout form, the mailbox
 * list with unseen/total counts. Every dynamic value goes through the escaping `html` template
 * (web/html.ts); no inline script or style (the CSP forbids both).
 */
import { html, type Html } from '../../web/html.ts';
import type { WebSession } from '../session.ts';

export interface BoxInfo {
  name: string;
  specialUse: string | null;
  unseen: number;
  total: number;
}

export const boxUrl = (name: string) => `/mail/box/${encodeURIComponent(name)}`;
export const messageUrl = (box: string, uid: number) => `${boxUrl(box)}/${uid}`;

/** The hidden field every POST form carries (csrf.ts). */
export const csrfField = (s: WebSession) => html`<input type="hidden" name="csrf" value="${s.csrf}">`;

export function formatSize(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(n < 10 * 1024 ? 1 : 0)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}

/** "2026-11-28 12:00" (UTC): unambiguous, no locale guessing on the server. */
export function formatTime(ms: number): string {
  return new Date(ms).toISOString().slice(0, 16).replace('T', ' ');
}

export function page(opts: { title: string; session: WebSession | null; boxes?: readonly BoxInfo[]; current?: string }, main: Html): string {
  const s = opts.session;
  const top = html`<header class="top"><span class="brand">mailwarden webmail</span>${
    s ? html`<span class="who">${s.address}</span><form method="post" action="/mail/logout">${csrfField(s)}<button type="submit">Log out</button></form>` : ''
  }</header>`;
  const nav = opts.boxes
    ? html`<nav class="boxes" aria-label="Mailboxes"><ul>${opts.boxes.map(
        (b) => html`<li${b.name === opts.current ? html` class="current"` : ''}><a href="${boxUrl(b.name)}">${b.name}</a> <span class="n">${b.unseen ? `${b.unseen}/` : ''}${b.total}</span></li>`,
      )}</ul></nav>`
    : '';
  const body = opts.boxes ? html`<div class="wrap">${nav}<main>${main}</main></div>` : html`<main class="narrow">${main}</main>`;
  return html`<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><meta name="referrer" content="no-referrer"><title>${opts.title}</title><link rel="stylesheet" href="/mail/style.css"></head><body>${top}${body}</body></html>`.html;
}
