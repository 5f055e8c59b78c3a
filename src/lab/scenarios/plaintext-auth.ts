/**
 * Scenario 9, a password in clear text: a client sends AUTH PLAIN on the submission port before
 * STARTTLS. RFC 4954 §4 lets the server refuse a mechanism that exposes the password without
 * encryption: 538 5.7.11 (RFC 5248), and AUTH is not even offered before TLS. IMAP likewise says
 * LOGINDISABLED and refuses LOGIN before TLS (RFC 9051 §6.2.3). With `mailwarden lab --teaching`
 * (auth.plaintext = "loopback") the servers allow it from loopback on purpose, and this scenario
 * reports FAIL: the defence is then off.
 */
import type { Scenario } from '../scenario.ts';
import { oneLine, smtpFrom } from '../actions.ts';
import { LabImap } from '../imap.ts';
import { CLIENT_IP } from '../topology.ts';

export const plaintextAuth: Scenario = {
  id: 9,
  name: 'plaintext-auth',
  title: 'AUTH PLAIN without TLS',
  attack: 'a client sends alice\'s password with AUTH PLAIN (and IMAP LOGIN) before STARTTLS, readable by anyone on the path',
  defence: 'no plaintext AUTH: 538 5.7.11 before TLS (RFC 4954 §4), IMAP LOGINDISABLED',
  built: () => null,
  async run(ctx) {
    const gmail = ctx.lab.host('gmail');
    if (ctx.lab.teaching) ctx.t.note('teaching mode is on (auth.plaintext = "loopback"): expect this defence to be off');
    const c = await smtpFrom(ctx, 'client', gmail, 'submission');
    const ehlo = await c.cmd(`EHLO laptop.${gmail.spec.domain}`);
    ctx.check(!ehlo.lines.some((l) => /^250[ -]AUTH\b/.test(l)), 'AUTH is not advertised before STARTTLS');
    const r = await c.authPlain('alice@gmail.test', ctx.lab.password('alice@gmail.test'));
    await c.quit();
    ctx.saw(`SMTP AUTH PLAIN before STARTTLS: ${oneLine(r)}`);
    ctx.check(r.code === 538 && /5\.7\.11/.test(r.text), 'refused with 538 5.7.11 (encryption required)');

    const e = gmail.endpoint('imap');
    const imap = await LabImap.open({ ...e, localAddress: CLIENT_IP, t: ctx.t, channel: `alice ${CLIENT_IP} -> ${gmail.hostname} ${e.host}:${e.port} (IMAP, before STARTTLS)` });
    const caps = await imap.cmd('CAPABILITY');
    const capLine = caps.untagged.map((b) => b.toString('utf8')).find((l) => l.startsWith('* CAPABILITY')) ?? '';
    const login = await imap.cmd(`LOGIN "alice@gmail.test" "${ctx.lab.password('alice@gmail.test')}"`);
    await imap.logout();
    ctx.saw(`IMAP LOGIN before STARTTLS: ${login.tagged.replace(/^\S+ /, '')}`);
    ctx.check(/\bLOGINDISABLED\b/.test(capLine), 'IMAP CAPABILITY says LOGINDISABLED before TLS');
    ctx.check(/^\S+ NO \[PRIVACYREQUIRED\]/.test(login.tagged), 'IMAP LOGIN before TLS: NO [PRIVACYREQUIRED]');
  },
};
