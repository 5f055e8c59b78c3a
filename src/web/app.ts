/**
 * The HTTP layer (hono): thin routes over the store. Today: the mailing lists' one-click
 * unsubscribe endpoint (RFC 8058). A GET shows a page with a button and changes nothing (link
 * scanners and previews fetch URLs, RFC 8058 §3.2); the POST unsubscribes — from the mail
 * client's one-click (body "List-Unsubscribe=One-Click") or from that page's form.
 *
 * And our MTA-STS policy (RFC 8461 §3.3): GET /.well-known/mta-sts.txt with the Host
 * `mta-sts.<one of our domains>` answers the policy as text/plain; any other host gets 404.
 */
import { Hono } from 'hono';
import type { Store } from '../store/ports.ts';
import type { Logger } from '../lib/logger.ts';
import { verifyUnsubscribe } from '../lists/unsubscribe.ts';
import { esc } from './html.ts';

export interface WebDeps {
  store: Store;
  /** The key of the unsubscribe links (lists/unsubscribe.ts). */
  unsubscribeSecret: Buffer;
  logger: Logger;
  /** The MTA-STS policy file text we publish (standards/mtasts/policy.ts); absent: mode none. */
  mtaStsPolicy?: string;
  /** The webmail routes (webmail/app.ts, all under /mail), when [webmail] is enabled. */
  webmail?: Hono;
}

const page = (title: string, body: string) =>
  `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>${esc(title)}</title></head><body><main><h1>${esc(title)}</h1>${body}</main></body></html>`;

export function webApp(deps: WebDeps): Hono {
  const app = new Hono();
  app.use('*', async (c, next) => {
    await next();
    // Defaults: a route that set its own (the webmail's policies) keeps them.
    const set = (name: string, value: string) => c.res.headers.has(name) || c.header(name, value);
    set('X-Content-Type-Options', 'nosniff');
    set('Content-Security-Policy', "default-src 'none'; form-action 'self'");
    set('Referrer-Policy', 'no-referrer');
    set('Cache-Control', 'no-store');
  });

  const params = (q: (k: string) => string | undefined) => ({ list: (q('list') ?? '').toLowerCase(), member: (q('member') ?? '').toLowerCase(), token: q('token') ?? '' });
  const valid = (p: { list: string; member: string; token: string }) => p.list !== '' && p.member !== '' && verifyUnsubscribe(deps.unsubscribeSecret, p.list, p.member, p.token);

  app.get('/lists/unsubscribe', (c) => {
    const p = params((k) => c.req.query(k));
    if (!valid(p)) return c.html(page('Invalid link', '<p>This unsubscribe link is not valid.</p>'), 400);
    const action = `/lists/unsubscribe?${new URLSearchParams(p).toString()}`;
    return c.html(page('Unsubscribe', `<p>Stop receiving mail from <b>${esc(p.list)}</b> at <b>${esc(p.member)}</b>?</p><form method="post" action="${esc(action)}"><input type="hidden" name="List-Unsubscribe" value="One-Click"><button type="submit">Unsubscribe</button></form>`));
  });

  app.post('/lists/unsubscribe', async (c) => {
    const p = params((k) => c.req.query(k));
    if (!valid(p)) return c.text('invalid unsubscribe link\n', 403);
    const form = await c.req.parseBody().catch(() => ({}) as Record<string, unknown>);
    // RFC 8058 §3.1: the POST body is "List-Unsubscribe=One-Click".
    if (form['List-Unsubscribe'] !== 'One-Click') return c.text('expected List-Unsubscribe=One-Click (RFC 8058)\n', 400);
    const list = await deps.store.lists.get(p.list);
    const removed = list ? await deps.store.lists.removeMember(list.id, p.member) : false;
    deps.logger.info({ list: p.list, member: p.member, removed }, 'list: one-click unsubscribe');
    return c.text(removed ? `${p.member} is unsubscribed from ${p.list}\n` : `${p.member} is not subscribed to ${p.list}\n`);
  });

  app.get('/.well-known/mta-sts.txt', async (c) => {
    // RFC 8461 §3.3: the policy host is mta-sts.<Policy Domain>; the Host header names it.
    const host = (c.req.header('host') ?? '').toLowerCase().replace(/:\d+$/, '').replace(/\.$/, '');
    const domain = host.startsWith('mta-sts.') ? host.slice('mta-sts.'.length) : '';
    if (!deps.mtaStsPolicy || !domain || !(await deps.store.getDomain(domain))) return c.text('not found\n', 404);
    return c.body(deps.mtaStsPolicy, 200, { 'Content-Type': 'text/plain; charset=utf-8' });
  });

  if (deps.webmail) app.route('/', deps.webmail);

  app.notFound((c) => c.text('not found\n', 404));
  app.onError((err, c) => {
    deps.logger.error({ err }, 'web: request failed');
    return c.text('internal error\n', 500);
  });
  return app;
}
