/**
 * Scenario 7, open-relay attempts on the MX: the attacker asks icloud.test's MX to pass mail on to
 * another domain (gmail.test, a real lab domain, so a relay would really deliver): plainly, with
 * the %-hack, with a quoted local part hiding an "@", and with a source route (RFC 2505 §2.6-2.7,
 * RFC 5321 §4.1.2 and Appendix C, §7.1). All must be refused at RCPT and nothing queued.
 */
import type { Scenario } from '../scenario.ts';
import { oneLine, smtpFrom } from '../actions.ts';
import { ATTACKER } from '../topology.ts';

const TRICKS: Array<[string, string]> = [
  ['plain relay', '<alice@gmail.test>'],
  ['%-hack', '<alice%gmail.test@icloud.test>'],
  ['quoted local part', '<"alice@gmail.test"@icloud.test>'],
  ['source route', '<@icloud.test:alice@gmail.test>'],
];

export const openRelay: Scenario = {
  id: 7,
  name: 'open-relay',
  title: 'Open-relay attempts on the MX',
  attack: 'attacker.test asks mx.icloud.test to relay to alice@gmail.test: plain, %-hack, quoted local part, source route',
  defence: 'closed relay: the MX accepts only its own domains (RFC 5321 §7.1, RFC 2505)',
  built: () => null,
  async run(ctx) {
    const icloud = ctx.lab.host('icloud');
    const before = (await icloud.app.store.listQueue()).length;
    for (const [name, rcpt] of TRICKS) {
      const c = await smtpFrom(ctx, 'attacker', icloud);
      await c.cmd(`EHLO ${ATTACKER.domain}`);
      await c.cmd(`MAIL FROM:<mallory@${ATTACKER.domain}>`);
      const r = await c.cmd(`RCPT TO:${rcpt}`);
      await c.quit();
      ctx.saw(`${name} RCPT TO:${rcpt}: ${oneLine(r)}`);
      ctx.check(r.code === 550 && /5\.7\.1 .*relay denied/.test(r.text), `${name}: refused with 550 5.7.1 relay denied`);
    }
    const after = (await icloud.app.store.listQueue()).length;
    ctx.check(after === before, 'icloud.test queued nothing for another domain');
  },
};
