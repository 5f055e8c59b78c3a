/**
 * Scenario 1, legitimate mail: alice@gmail.test submits with AUTH over TLS (RFC 6409, RFC 3207,
 * RFC 4954), gmail.test signs it with DKIM (RFC 6376) and finds icloud.test's MX by DNS
 * (RFC 5321 §5.1), relays it with STARTTLS, and icloud.test's MX records SPF, DKIM and DMARC
 * pass (RFC 8601 Authentication-Results); bob reads it over IMAP.
 */
import type { Scenario } from '../scenario.ts';
import { authResults, buildMessage, findMessage, headerFields, loggedInSubmission, oneLine } from '../actions.ts';

export const legitimate: Scenario = {
  id: 1,
  name: 'legitimate',
  title: 'Legitimate mail',
  attack: 'none: alice@gmail.test writes to bob@icloud.test the normal way (AUTH over TLS, MX lookup, STARTTLS relay)',
  defence: 'SMTP AUTH over TLS, DKIM signing, STARTTLS between servers; SPF, DKIM and DMARC pass at the MX',
  built: () => null,
  async run(ctx) {
    const { lab } = ctx;
    const gmail = lab.host('gmail');
    const icloud = lab.host('icloud');
    const subject = ctx.subject('Lunch on Friday?');
    const t0 = Date.now();
    const { c, auth, tlsVerified } = await loggedInSubmission(ctx, gmail, 'alice@gmail.test');
    ctx.check(tlsVerified, 'the submission certificate verifies for mx.gmail.test');
    ctx.check(auth.code === 235, `AUTH over TLS accepted (${oneLine(auth)})`);
    await c.cmd('MAIL FROM:<alice@gmail.test>');
    await c.cmd('RCPT TO:<bob@icloud.test>');
    const done = await c.data(buildMessage({ from: 'Alice <alice@gmail.test>', to: 'Bob <bob@icloud.test>', subject }, ['Hi Bob,', '', 'lunch on Friday at noon?', '', 'Alice']));
    await c.quit();
    ctx.saw(`submission: ${oneLine(done)}`);
    if (!ctx.check(done.code === 250, 'gmail.test accepted the message for delivery')) return;

    // What gmail.test's queue does next: look up the MX of icloud.test in the lab DNS.
    const mx = await lab.resolver.mx('icloud.test');
    const mxHost = mx.status === 'ok' ? mx.records[0]?.exchange : undefined;
    const a = mxHost ? await lab.resolver.a(mxHost) : undefined;
    ctx.t.note(`DNS: icloud.test MX -> ${mxHost ?? mx.status}; ${mxHost} A -> ${a?.status === 'ok' ? a.records.join(', ') : a?.status}`);
    ctx.check(mxHost === icloud.hostname && a?.status === 'ok' && a.records.includes(icloud.spec.ip), `the lab DNS answers icloud.test MX ${icloud.hostname} (${icloud.spec.ip})`);

    const found = await findMessage(ctx, icloud, 'bob@icloud.test', subject, { waitMs: 20_000 });
    if (!ctx.check(found !== null, 'bob finds the message over IMAP')) return;
    ctx.saw(`bob's ${found!.folder} (IMAP)`);
    ctx.check(found!.folder === 'INBOX', 'delivered to INBOX');
    const ar = authResults(found!.header, icloud) ?? '';
    ctx.saw(`Authentication-Results: ${ar.replace(/\s+/g, ' ')}`);
    ctx.check(/\bspf=pass smtp\.mailfrom=alice@gmail\.test/.test(ar), 'SPF pass for alice@gmail.test (sent from 127.0.0.2, listed in the SPF record)');
    ctx.check((ar.match(/\bdkim=pass header\.d=gmail\.test/g) ?? []).length === 2, 'DKIM pass for both gmail.test signatures (RSA and Ed25519)');
    ctx.check(/\bdmarc=pass\b.*header\.from=gmail\.test/.test(ar), 'DMARC pass for gmail.test');
    const received = headerFields(found!.header, 'Received').find((r) => r.includes(`by ${icloud.hostname}`)) ?? '';
    ctx.check(/from mx\.gmail\.test \(\[127\.0\.0\.2\]\).* with ESMTPS /.test(received), 'icloud.test received it from mx.gmail.test over TLS (Received: ... with ESMTPS)');

    // gmail.test's own record of the relay: the MX it reached and the TLS outcome.
    const log = (await gmail.app.store.listDeliveryLog()).find((l) => l.address === 'bob@icloud.test' && l.result === 'delivered' && l.at >= t0);
    if (ctx.check(log !== undefined, 'gmail.test logged the delivery')) {
      ctx.saw(`gmail.test delivery log: ${log!.remoteMta}, TLS ${log!.tls}, ${log!.statusCode}`);
      ctx.check(log!.remoteMta === icloud.hostname && log!.tls === 'verified', 'relayed to mx.icloud.test over STARTTLS with a verified certificate');
    }
  },
};
