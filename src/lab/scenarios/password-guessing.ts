/**
 * Scenario 8, online password guessing on submission: the attacker tries common passwords for
 * alice@gmail.test over TLS. After `[auth] max_failures_per_account_ip` failures that (account, IP)
 * pair is locked out (454 4.7.0), so even the right password is refused from the attacker's
 * address; the real alice, from her own device, still logs in (the lockout is per address, so an
 * attacker cannot lock the real user out). src/directory/throttle.ts.
 */
import type { Scenario } from '../scenario.ts';
import { oneLine, smtpFrom } from '../actions.ts';
import { ATTACKER } from '../topology.ts';

const GUESSES = ['123456', 'password', 'qwerty', 'alice2026', 'letmein', 'iloveyou', 'dragon', 'monkey'];

export const passwordGuessing: Scenario = {
  id: 8,
  name: 'password-guessing',
  title: 'Password guessing on submission',
  attack: 'attacker.test tries common passwords for alice@gmail.test on the submission port (over TLS)',
  defence: 'login throttling: the (account, address) pair is locked out; the real user on another address is not',
  built: () => null,
  async run(ctx) {
    const gmail = ctx.lab.host('gmail');
    const limit = gmail.app.config.auth.max_failures_per_account_ip;
    ctx.t.note(`gmail.test locks an (account, address) pair out after ${limit} failures ([auth] max_failures_per_account_ip)`);
    const c = await smtpFrom(ctx, 'attacker', gmail, 'submissions');
    await c.cmd(`EHLO ${ATTACKER.domain}`);
    let failed = 0;
    let lockedAt = -1;
    for (const [i, guess] of GUESSES.slice(0, limit + 1).entries()) {
      const r = await c.authPlain('alice@gmail.test', guess);
      if (r.code === 535) failed++;
      if (r.code === 454 && lockedAt < 0) lockedAt = i;
      if (c.closed) break;
    }
    ctx.saw(`${failed} wrong guesses answered 535 5.7.8`);
    ctx.check(failed === limit, `the first ${limit} wrong guesses are refused with 535`);
    ctx.check(lockedAt === limit, `guess ${limit + 1} is refused with 454 4.7.0 (locked out)`);
    const right = c.closed ? null : await c.authPlain('alice@gmail.test', ctx.lab.password('alice@gmail.test'));
    ctx.saw(`the RIGHT password from ${ATTACKER.ip}: ${right ? oneLine(right) : 'connection closed'}`);
    ctx.check(right?.code === 454, 'from the attacker\'s address even the right password is refused now (454 4.7.0): guessing is over');
    await c.quit();

    const real = await smtpFrom(ctx, 'client', gmail, 'submissions');
    await real.cmd(`EHLO laptop.${gmail.spec.domain}`);
    const ok = await real.authPlain('alice@gmail.test', ctx.lab.password('alice@gmail.test'));
    await real.quit();
    ctx.saw(`alice from her laptop (127.0.0.1): ${oneLine(ok)}`);
    ctx.check(ok.code === 235, 'the real alice, from another address, logs in (235)');
  },
};
