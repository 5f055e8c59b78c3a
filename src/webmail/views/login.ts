/** The login form: username, password, and the login CSRF token (double-submit, auth.ts). */
import { html } from '../../web/html.ts';
import { page } from './layout.ts';

export function loginPage(token: string, opts: { error?: string; username?: string } = {}): string {
  return page(
    { title: 'Log in', session: null },
    html`<h1>Log in</h1>${opts.error ? html`<p class="error" role="alert">${opts.error}</p>` : ''}
<form method="post" action="/mail/login"><input type="hidden" name="login_token" value="${token}">
<label for="u">Address</label><input id="u" type="text" name="username" autocomplete="username" autocapitalize="none" spellcheck="false" required value="${opts.username ?? ''}">
<label for="p">Password</label><input id="p" type="password" name="password" autocomplete="current-password" required>
<p><button type="submit">Log in</button></p></form>`,
  );
}
