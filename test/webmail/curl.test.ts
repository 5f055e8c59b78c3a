/**
 * The webmail driven by curl (a real HTTP client with its own cookie engine, which enforces the
 * __Host- cookie rules): login -> list -> open -> Spam -> Not spam, as a person would click it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startTestServer, PASSWORD } from '../helpers/server.ts';
import { message } from '../helpers/smtp-client.ts';
import { hidden, sendMx } from './helpers.ts';
import { GLOBAL } from '../../src/junk/ports.ts';

test('curl: login, list, open, Spam, Not spam', async (t) => {
  const srv = await startTestServer();
  t.after(() => srv.close());
  await sendMx(srv, 'alice@example.test', message('Carl <carl@partner.test>', 'alice@example.test', 'curl me <please>', 'A message for curl.\r\n'));
  const base = `https://127.0.0.1:${srv.port('https')}`;
  const jar = join(srv.dir, 'cookies.txt');
  const curl = (path: string, ...args: string[]) =>
    new Promise<{ code: string; location: string; body: string }>((resolve, reject) => {
      execFile('curl', ['-k', '-s', '-S', '--max-time', '10', '-c', jar, '-b', jar, '-w', '\n%{http_code} %{redirect_url}', ...args, `${base}${path}`], { timeout: 15_000 }, (err, stdout, stderr) => {
        if (err) return reject(new Error(`curl ${path}: ${stderr || err.message}`));
        const nl = stdout.lastIndexOf('\n');
        const [code = '', location = ''] = stdout.slice(nl + 1).split(' ');
        resolve({ code, location: location.replace(base, ''), body: stdout.slice(0, nl) });
      });
    });
  const post = (path: string, form: Record<string, string>) => curl(path, ...Object.entries(form).flatMap(([k, v]) => ['--data-urlencode', `${k}=${v}`]));

  const form = await curl('/mail/login');
  assert.equal(form.code, '200');
  const login = await post('/mail/login', { login_token: hidden(form.body, 'login_token'), username: 'alice@example.test', password: PASSWORD });
  assert.equal(login.code, '303', login.body);
  assert.equal(login.location, '/mail/');
  assert.match(readFileSync(jar, 'utf8'), /^#HttpOnly_127\.0\.0\.1\tFALSE\t\/\tTRUE\t0\t__Host-mw_session\t[A-Za-z0-9_-]{43}$/m, 'curl kept the session cookie: HttpOnly, Secure, host-only, Path=/');

  const list = await curl('/mail/');
  assert.equal(list.code, '200');
  const link = /<a href="(\/mail\/box\/INBOX\/\d+)">curl me &#60;please&#62;<\/a>/.exec(list.body);
  assert.ok(link, list.body);
  const page = await curl(link[1]!);
  assert.equal(page.code, '200');
  assert.match(page.body, /<pre class="body">A message for curl\./);
  assert.match(page.body, /Spam filter <span class="badge untrained"/);

  const spam = await post(`${link[1]}/action`, { csrf: hidden(page.body, 'csrf'), action: 'spam' });
  assert.equal(spam.code, '303');
  assert.equal(spam.location, '/mail/box/INBOX?done=spam');
  assert.equal((await srv.app.store.junk.getTotals(GLOBAL)).spam, 1);
  const junk = await curl('/mail/box/Junk');
  const inJunk = /<a href="(\/mail\/box\/Junk\/\d+)">curl me/.exec(junk.body);
  assert.ok(inJunk, 'in Junk');
  assert.doesNotMatch((await curl('/mail/')).body, /curl me/);
  const junkPage = await curl(inJunk[1]!);
  assert.match(junkPage.body, /value="notspam">Not spam<\/button>/);
  const notSpam = await post(`${inJunk[1]}/action`, { csrf: hidden(junkPage.body, 'csrf'), action: 'notspam' });
  assert.equal(notSpam.code, '303');
  assert.equal(notSpam.location, '/mail/box/Junk?done=notspam');
  assert.match((await curl('/mail/')).body, /curl me &#60;please&#62;/);
  assert.deepEqual(await srv.app.store.junk.getTotals(GLOBAL), { ham: 1, spam: 0 });

  // without the token curl gets 403, and logout ends the session
  assert.equal((await post(`${link[1]}/action`, { action: 'spam' })).code, '403');
  const logout = await post('/mail/logout', { csrf: hidden((await curl('/mail/')).body, 'csrf') });
  assert.equal(logout.code, '303');
  assert.equal((await curl('/mail/')).code, '303');
});
