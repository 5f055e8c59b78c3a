/**
 * Webmail test helpers: a tiny browser over node:https (cookie jar, forms, every request bounded
 * by a timeout) and delivery through the real MX over SMTP.
 */
import { request } from 'node:https';
import type { IncomingHttpHeaders } from 'node:http';
import { RawSmtp } from '../helpers/smtp-client.ts';
import { PASSWORD, type TestServer } from '../helpers/server.ts';

export interface Page {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
  raw: Buffer;
}

export class Browser {
  readonly cookies = new Map<string, string>();
  readonly port: number;
  /** Sent with every request (e.g. a browser's Sec-Fetch-Site). */
  readonly extra: Record<string, string>;

  constructor(port: number, extra: Record<string, string> = {}) {
    this.port = port;
    this.extra = extra;
  }

  fetch(method: string, path: string, opts: { form?: Record<string, string>; headers?: Record<string, string> } = {}): Promise<Page> {
    const body = opts.form ? new URLSearchParams(opts.form).toString() : undefined;
    const cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    const headers: Record<string, string> = { ...this.extra, ...(cookie ? { cookie } : {}), ...(body !== undefined ? { 'content-type': 'application/x-www-form-urlencoded', 'content-length': String(Buffer.byteLength(body)) } : {}), ...opts.headers };
    return new Promise((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port: this.port, method, path, headers, rejectUnauthorized: false, timeout: 10_000 }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          for (const sc of res.headers['set-cookie'] ?? []) {
            const [pair = '', ...attrs] = sc.split(';');
            const eq = pair.indexOf('=');
            const name = pair.slice(0, eq).trim();
            if (attrs.some((a) => /^\s*max-age=0\s*$/i.test(a))) this.cookies.delete(name);
            else this.cookies.set(name, pair.slice(eq + 1).trim());
          }
          const raw = Buffer.concat(chunks);
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: raw.toString('utf8'), raw });
        });
        res.on('error', reject);
      });
      req.on('timeout', () => req.destroy(new Error(`${method} ${path}: timed out`)));
      req.on('error', reject);
      req.end(body);
    });
  }

  get(path: string, headers?: Record<string, string>) {
    return this.fetch('GET', path, { headers });
  }

  post(path: string, form: Record<string, string>, headers?: Record<string, string>) {
    return this.fetch('POST', path, { form, headers });
  }

  /** Logs in through the form; returns the login POST's response. */
  async login(username: string, password = PASSWORD): Promise<Page> {
    const form = await this.get('/mail/login');
    return this.post('/mail/login', { login_token: hidden(form.body, 'login_token'), username, password });
  }

  /** A page's CSRF token (the hidden field of its forms). */
  async csrf(path = '/mail/'): Promise<string> {
    return hidden((await this.get(path)).body, 'csrf');
  }

  /** POSTs an action on a message with the page's own CSRF token. */
  async act(box: string, uid: number, action: string): Promise<Page> {
    const url = `/mail/box/${encodeURIComponent(box)}/${uid}`;
    return this.post(`${url}/action`, { csrf: await this.csrf(url), action });
  }
}

/** The value of a hidden input in a page. */
export function hidden(body: string, name: string): string {
  const m = new RegExp(`name="${name}" value="([^"]*)"`).exec(body);
  if (!m) throw new Error(`no hidden field ${name} in:\n${body.slice(0, 500)}`);
  return m[1]!;
}

/** Sends messages through the real MX, one SMTP transaction each, on one connection. */
export async function sendMx(srv: TestServer, to: string, ...messages: string[]): Promise<void> {
  const c = await RawSmtp.open(srv.port('mx'));
  try {
    await c.cmd('EHLO sender.test');
    for (const msg of messages) {
      await c.cmd('MAIL FROM:<sender@partner.test>');
      const rcpt = await c.cmd(`RCPT TO:<${to}>`);
      if (rcpt.code !== 250) throw new Error(`RCPT: ${rcpt.text}`);
      await c.cmd('DATA');
      const data = msg.replace(/^\./gm, '..');
      const r = await c.cmd(`${data}${data.endsWith('\r\n') ? '' : '\r\n'}.`);
      if (r.code !== 250) throw new Error(`DATA: ${r.text}`);
    }
    await c.cmd('QUIT');
  } finally {
    c.close();
  }
}

/** The UID of the newest message in a user's mailbox whose bytes contain `marker`. */
export async function uidOf(srv: TestServer, address: string, marker: string, mailbox = 'INBOX'): Promise<number> {
  const s = srv.app.store;
  const u = (await s.getUser(address))!;
  const mb = (await s.getMailbox(u.id, mailbox))!;
  for (const m of (await s.listMessages(mb.id)).reverse()) if ((await s.readBlob(m.blobId)).includes(marker)) return m.uid;
  throw new Error(`no message with ${marker} in ${address} ${mailbox}`);
}
