/**
 * Scenario 10, forwarding through a mailing list (RFC 7960 §3.2.3): alice@gmail.test (DMARC
 * p=reject) posts to team@lists.test. The list adds a subject tag and List-* fields, so gmail.test's
 * DKIM signature breaks, and it sends from lists.test's address, so SPF is lists.test's: at the last
 * hop DMARC for gmail.test fails. lists.test ARC-seals each copy (RFC 8617) and signs it with its
 * own DKIM key. icloud.test trusts lists.test as a sealer (`[arc] trusted_sealers`) and delivers,
 * saying why in Authentication-Results; none.test does not trust it, so gmail.test's p=reject makes
 * it refuse the copy (550 5.7.1), and the list's owner gets the bounce.
 */
import type { Scenario } from '../scenario.ts';
import { authResults, buildMessage, findMessage, headerFields, loggedInSubmission, oneLine } from '../actions.ts';

export const LIST = 'team@lists.test';

export const mailingListArc: Scenario = {
  id: 10,
  name: 'mailing-list-arc',
  title: 'Forwarding through a mailing list',
  attack: 'none: alice@gmail.test (p=reject) posts to team@lists.test, which tags the subject, adds List-* fields and forwards it to bob@icloud.test and postmaster@none.test',
  defence: 'ARC (RFC 8617): DMARC fails at the last hop; icloud.test trusts lists.test\'s seal and delivers, none.test does not and refuses',
  built: () => null,
  async run(ctx) {
    const { lab } = ctx;
    const lists = lab.host('lists');
    const icloud = lab.host('icloud');
    const none = lab.host('none');
    // The list, as `mailwarden list add` / `list member add` would make it on lists.test.
    const store = lists.app.store;
    const list = (await store.lists.get(LIST)) ?? (await store.lists.add({ address: LIST, name: 'team', subjectTag: '[team]', posting: 'members', fromRewrite: 'never', owner: 'postmaster@lists.test' }));
    for (const m of ['alice@gmail.test', 'bob@icloud.test', 'postmaster@none.test']) await store.lists.addMember(list.id, m);
    ctx.t.note(`lists.test: list ${LIST} (owner postmaster@lists.test), members alice@gmail.test, bob@icloud.test, postmaster@none.test`);

    const subject = ctx.subject('Agenda for Monday');
    const t0 = Date.now();
    const { c } = await loggedInSubmission(ctx, lab.host('gmail'), 'alice@gmail.test');
    await c.cmd('MAIL FROM:<alice@gmail.test>');
    await c.cmd(`RCPT TO:<${LIST}>`);
    const done = await c.data(buildMessage({ from: 'Alice <alice@gmail.test>', to: `team <${LIST}>`, subject }, ['Hi team,', '', 'the agenda is attached in spirit.', '', 'Alice']));
    await c.quit();
    ctx.saw(`post: ${oneLine(done)}`);
    if (!ctx.check(done.code === 250, 'gmail.test accepted alice\'s post')) return;

    // icloud.test trusts lists.test's ARC seal
    const found = await findMessage(ctx, icloud, 'bob@icloud.test', subject, { waitMs: 25_000 });
    if (!ctx.check(found !== null, 'bob finds the list copy over IMAP')) return;
    ctx.saw(`bob's ${found!.folder}: Subject: ${headerFields(found!.header, 'Subject')[0]}`);
    ctx.check(found!.folder === 'INBOX', 'delivered to INBOX');
    ctx.check(headerFields(found!.header, 'Subject')[0]?.startsWith('[team] ') === true, 'the list tagged the subject');
    ctx.check(headerFields(found!.header, 'List-Id')[0] === 'team <team.lists.test>', 'List-Id: team <team.lists.test> (RFC 2919)');
    ctx.check(/^<https:\/\/[^>]+\/lists\/unsubscribe\?/.test(headerFields(found!.header, 'List-Unsubscribe')[0] ?? ''), 'List-Unsubscribe with an RFC 8058 one-click https link');
    const seal = headerFields(found!.header, 'ARC-Seal')[0] ?? '';
    ctx.check(/\bi=1;/.test(seal) && /\bd=lists\.test;/.test(seal) && /\bcv=none;/.test(seal), 'ARC-Seal i=1 by lists.test');
    const ar = authResults(found!.header, icloud) ?? '';
    ctx.saw(`icloud.test Authentication-Results: ${ar.replace(/\s+/g, ' ')}`);
    ctx.check(/\bdkim=fail[^;]*header\.d=gmail\.test/.test(ar), 'gmail.test\'s DKIM signature broke on the list (dkim=fail)');
    ctx.check(/\bdkim=pass[^;]*header\.d=lists\.test/.test(ar), 'the list\'s own DKIM signature verifies');
    ctx.check(/\bspf=pass smtp\.mailfrom=team-bounces@lists\.test/.test(ar), 'SPF passes for the list\'s envelope sender, not for gmail.test');
    ctx.check(/\bdmarc=fail\b/.test(ar), 'DMARC fails for gmail.test at the last hop');
    ctx.check(/\barc=pass\b/.test(ar) && /DMARC failure overridden: ARC chain sealed by trusted lists\.test/.test(ar), 'arc=pass, and Authentication-Results say the trusted seal overrode the DMARC failure');

    // none.test does not trust lists.test: gmail.test's p=reject applies
    const refused = async () => (await lists.app.store.listDeliveryLog()).find((l) => l.address === 'postmaster@none.test' && l.at >= t0 && l.result === 'failed');
    let log = await refused();
    for (const end = Date.now() + 20_000; !log && Date.now() < end; log = await refused()) await new Promise((r) => setTimeout(r, 250));
    if (ctx.check(log !== undefined, 'lists.test\'s copy to none.test was refused')) {
      ctx.saw(`lists.test delivery log for postmaster@none.test: ${log!.reply}`);
      ctx.check(log!.statusCode === '5.7.1', 'refused with 5.7.1 (DMARC p=reject of gmail.test, no trusted ARC seal)');
    }
    const atNone = await findMessage(ctx, none, 'postmaster@none.test', subject);
    ctx.check(atNone === null, 'nothing reached none.test');
  },
};
