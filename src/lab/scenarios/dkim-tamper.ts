/**
 * Scenario 11, a message changed in transit: the wire between gmail.test and icloud.test becomes
 * a man in the middle (wire.ts, mode "tamper"). It strips STARTTLS from icloud.test's EHLO reply,
 * so gmail.test's opportunistic TLS falls back to clear text (RFC 3207 §6), and rewrites the bank
 * account number in the body. The MITM keeps gmail.test's address, so SPF still passes and DMARC
 * passes on the aligned SPF; but the DKIM body hash (RFC 6376 §3.7, §6.1.3) no longer matches:
 * icloud.test records dkim=fail "body hash did not verify" for both gmail.test signatures.
 * (Refusing clear text toward such a domain is MTA-STS's job: scenario 13.)
 */
import type { Scenario } from '../scenario.ts';
import { authResults, buildMessage, findMessage, loggedInSubmission, oneLine } from '../actions.ts';

const ORIGINAL = 'DE02 1001 0010 0123 4567 89';
const ATTACKERS = 'DE66 6666 6666 6666 6666 66';

export const dkimTamper: Scenario = {
  id: 11,
  name: 'dkim-tamper',
  title: 'Body tampered in transit',
  attack: 'a man in the middle between gmail.test and icloud.test strips STARTTLS and rewrites the IBAN in alice\'s message',
  defence: 'DKIM body hash (RFC 6376 §3.7): dkim=fail "body hash did not verify" in Authentication-Results',
  built: () => null,
  async run(ctx) {
    const { lab } = ctx;
    const gmail = lab.host('gmail');
    const icloud = lab.host('icloud');
    const subject = ctx.subject('Invoice 4711');
    const t0 = Date.now();
    lab.wire.mode = { kind: 'tamper', replace: { from: ORIGINAL, to: ATTACKERS } };
    ctx.t.note('the wire between gmail.test and icloud.test is now a man in the middle');
    const stats = { ...lab.wire.stats };
    try {
      const { c, auth } = await loggedInSubmission(ctx, gmail, 'alice@gmail.test');
      if (!ctx.check(auth.code === 235, 'alice is logged in (AUTH over TLS)')) return;
      await c.cmd('MAIL FROM:<alice@gmail.test>');
      await c.cmd('RCPT TO:<bob@icloud.test>');
      const done = await c.data(buildMessage({ from: 'Alice <alice@gmail.test>', to: 'bob@icloud.test', subject }, ['Hi Bob,', '', `please pay invoice 4711 to IBAN ${ORIGINAL}.`, '', 'Alice']));
      await c.quit();
      if (!ctx.check(done.code === 250, `gmail.test accepted and DKIM-signed it (${oneLine(done)})`)) return;
      const found = await findMessage(ctx, icloud, 'bob@icloud.test', subject, { waitMs: 20_000, whole: true });
      if (!ctx.check(found !== null, 'the tampered message reached bob')) return;
      ctx.check(lab.wire.stats.stripped > stats.stripped, 'the MITM removed STARTTLS from the EHLO reply');
      const tampered = found!.raw?.includes(ATTACKERS) === true && !found!.raw.includes(ORIGINAL);
      ctx.check(tampered, 'the body bob received carries the attacker\'s IBAN (the tampering happened)');
      const ar = authResults(found!.header, icloud) ?? '';
      ctx.saw(`bob's ${found!.folder}; Authentication-Results: ${ar.replace(/\s+/g, ' ')}`);
      const fails = ar.match(/dkim=fail (?:reason="body hash did not verify"|\(body hash did not verify\)) header\.d=gmail\.test/g) ?? [];
      ctx.check(fails.length === 2, 'both gmail.test DKIM signatures: dkim=fail (body hash did not verify)');
      ctx.check(!/dkim=pass/.test(ar), 'no DKIM signature passes');
      const log = (await gmail.app.store.listDeliveryLog()).find((l) => l.address === 'bob@icloud.test' && l.result === 'delivered' && l.at >= t0);
      if (log) ctx.saw(`gmail.test delivery log: TLS ${log.tls} (STARTTLS was stripped)`);
      ctx.check(log?.tls === 'none', 'gmail.test\'s log shows the relay went without TLS (what MTA-STS would prevent, scenario 13)');
    } finally {
      lab.wire.mode = { kind: 'pass' };
    }
  },
};
