/**
 * Scenario 2, spoofing a p=reject domain: the attacker types SMTP by hand to the victim's MX
 * (icloud.test) from its own address and writes `From: alice@gmail.test`. SPF (RFC 7208) fails or
 * does not align, there is no DKIM signature, so DMARC (RFC 7489 §6.6) fails and gmail.test's
 * p=reject makes the MX refuse it with 550 5.7.1, naming the SPF and DKIM results.
 * Two variants: the envelope forged too (SPF fail), and an innocent envelope of the attacker's
 * own domain (SPF none, and not aligned with the From domain anyway).
 */
import type { Scenario, ScenarioContext } from '../scenario.ts';
import { buildMessage, findMessage, oneLine, smtpFrom } from '../actions.ts';
import { ATTACKER } from '../topology.ts';

async function forge(ctx: ScenarioContext, envelope: string, subject: string) {
  const c = await smtpFrom(ctx, 'attacker', ctx.lab.host('icloud'));
  await c.cmd(`EHLO ${ATTACKER.domain}`);
  await c.cmd(`MAIL FROM:<${envelope}>`);
  await c.cmd('RCPT TO:<bob@icloud.test>');
  const r = await c.data(buildMessage({ from: 'Alice <alice@gmail.test>', to: 'bob@icloud.test', subject }, ['Bob, please buy three gift cards and send me the codes today.', 'Alice']));
  await c.quit();
  return r;
}

export const forgedReject: Scenario = {
  id: 2,
  name: 'forged-reject',
  title: 'Forged From of a p=reject domain',
  attack: 'attacker.test types SMTP by hand to mx.icloud.test claiming From: alice@gmail.test',
  defence: 'DMARC p=reject (SPF + DKIM alignment) at the MX: 550 5.7.1',
  built: () => null,
  async run(ctx) {
    const icloud = ctx.lab.host('icloud');
    const variants: Array<[string, string, RegExp, string]> = [
      ['alice@gmail.test', ctx.subject('Gift cards (envelope forged)'), /SPF fail \(gmail\.test\)/, 'SPF fail for gmail.test'],
      [`mallory@${ATTACKER.domain}`, ctx.subject('Gift cards (own envelope)'), /SPF none \(attacker\.test\)/, 'SPF none for attacker.test (not aligned with gmail.test)'],
    ];
    for (const [envelope, subject, spf, spfText] of variants) {
      const r = await forge(ctx, envelope, subject);
      ctx.saw(`MAIL FROM:<${envelope}>: ${oneLine(r)}`);
      ctx.check(r.code === 550 && /^550[ -]5\.7\.1 /.test(r.lines[0]!), `MAIL FROM:<${envelope}>: refused with 550 5.7.1`);
      ctx.check(/DMARC policy of gmail\.test is reject/.test(r.text), 'the reason names DMARC and gmail.test\'s policy');
      ctx.check(spf.test(r.text) && /no DKIM signature/.test(r.text), `the reason gives the SPF and DKIM results (${spfText}, no DKIM signature)`);
      const found = await findMessage(ctx, icloud, 'bob@icloud.test', subject);
      ctx.check(found === null, 'nothing in bob\'s INBOX or Junk');
    }
    ctx.saw('bob\'s INBOX and Junk: no forged message');
  },
};
