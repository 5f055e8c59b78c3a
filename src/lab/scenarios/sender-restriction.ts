/**
 * Scenario 4, an authenticated user sending as someone else: alice is logged in to gmail.test's
 * submission service (RFC 6409) and tries another envelope sender (MAIL FROM) and then another
 * header From. RFC 6409 §6.1 lets the submission server check that the sender is the user; both
 * are refused with 550 5.7.1 and nothing is queued.
 */
import type { Scenario } from '../scenario.ts';
import { buildMessage, loggedInSubmission, oneLine } from '../actions.ts';

export const senderRestriction: Scenario = {
  id: 4,
  name: 'sender-restriction',
  title: 'Authenticated user sends as someone else',
  attack: 'alice, logged in on gmail.test, sends with MAIL FROM:<bob@icloud.test>, then with From: postmaster@gmail.test',
  defence: 'sender restriction on submission (RFC 6409 §6.1): 550 5.7.1',
  built: () => null,
  async run(ctx) {
    const gmail = ctx.lab.host('gmail');
    const queuedBefore = (await gmail.app.store.listQueue()).length;
    const { c, auth } = await loggedInSubmission(ctx, gmail, 'alice@gmail.test');
    if (!ctx.check(auth.code === 235, 'alice is logged in (AUTH over TLS)')) return;

    const env = await c.cmd('MAIL FROM:<bob@icloud.test>');
    ctx.saw(`MAIL FROM:<bob@icloud.test>: ${oneLine(env)}`);
    ctx.check(env.code === 550 && /5\.7\.1 sender address <bob@icloud\.test> is not yours/.test(env.text), 'someone else\'s envelope sender: 550 5.7.1 "not yours"');

    await c.cmd('MAIL FROM:<alice@gmail.test>');
    await c.cmd('RCPT TO:<bob@icloud.test>');
    const subject = ctx.subject('New bank details');
    const hdr = await c.data(buildMessage({ from: 'Postmaster <postmaster@gmail.test>', to: 'bob@icloud.test', subject }, ['Please update our bank details.']));
    ctx.saw(`From: postmaster@gmail.test: ${oneLine(hdr)}`);
    ctx.check(hdr.code === 550 && /5\.7\.1 From: header address <postmaster@gmail\.test> is not yours/.test(hdr.text), 'someone else\'s header From (even in her own domain): 550 5.7.1');

    // the session is still usable for what alice may do, and nothing forged was queued
    await c.cmd('RSET');
    await c.quit();
    const queued = (await gmail.app.store.listQueue()).length;
    ctx.saw(`gmail.test outbound queue: ${queued - queuedBefore} new entries`);
    ctx.check(queued === queuedBefore, 'nothing was queued for delivery');
  },
};
