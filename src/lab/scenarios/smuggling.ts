/**
 * Scenario 12, SMTP smuggling (SEC Consult, 2023): inside DATA the attacker ends the message with
 * a non-standard end-of-data sequence (bare LF "." and other variants) and appends a second,
 * forged SMTP transaction. A server that accepts the variant as the end of data runs the rest as
 * commands and creates a second message. Only CRLF "." CRLF ends DATA (RFC 5321 §4.1.1.4), and
 * bare CR or LF is refused (§2.3.8): one 550 5.6.11 for the whole thing, no second message.
 * Sent to icloud.test's MX from the attacker, and on gmail.test's submission by a logged-in user
 * (where a smuggled message would inherit gmail.test's SPF and DKIM).
 */
import { Buffer } from 'node:buffer';
import type { LabSmtp } from '../smtp.ts';
import type { Scenario, ScenarioContext } from '../scenario.ts';
import { findMessage, loggedInSubmission, oneLine, smtpFrom } from '../actions.ts';
import { ATTACKER } from '../topology.ts';

/** End-of-data variants (hex) used by the public smuggling scanners; none of them may end DATA. */
const SEQUENCES: Array<[string, string]> = [
  ['<LF>.<LF>', '0a2e0a'],
  ['<LF>.<CR><LF>', '0a2e0d0a'],
  ['<CR><LF>.<LF>', '0d0a2e0a'],
  ['<CR>.<CR>', '0d2e0d'],
];

async function smuggle(ctx: ScenarioContext, c: LabSmtp, label: string, hex: string, from: string, to: string, carrier: string, smuggled: string) {
  await c.cmd(`MAIL FROM:<${from}>`);
  await c.cmd(`RCPT TO:<${to}>`);
  const go = await c.cmd('DATA');
  if (go.code !== 354) return { reply: go, noop: null };
  const payload = Buffer.concat([
    Buffer.from(`From: ${from}\r\nTo: ${to}\r\nSubject: ${carrier}\r\n\r\nharmless first message\r\n`),
    Buffer.from(hex, 'hex'),
    Buffer.from(`MAIL FROM:<alice@gmail.test>\r\nRCPT TO:<${to}>\r\nDATA\r\nFrom: alice@gmail.test\r\nTo: ${to}\r\nSubject: ${smuggled}\r\n\r\nsmuggled\r\n.\r\n`),
  ]);
  c.raw(payload, `(carrier message) ${label} MAIL FROM:<alice@gmail.test> RCPT TO:<${to}> DATA (smuggled message) <CR><LF>.<CR><LF>`, `a fake end of data, ${label}, then a second transaction hidden in the first`);
  const reply = await c.read();
  const noop = await c.cmd('NOOP');
  return { reply, noop };
}

export const smuggling: Scenario = {
  id: 12,
  name: 'smuggling',
  title: 'SMTP smuggling',
  attack: 'DATA ending in bare-LF "." (and 3 other variants) followed by a hidden second transaction forging alice@gmail.test',
  defence: 'strict end of data (CRLF.CRLF only) and bare CR/LF refused (RFC 5321 §2.3.8, §4.1.1.4): 550 5.6.11',
  built: () => null,
  async run(ctx) {
    const icloud = ctx.lab.host('icloud');
    for (const [label, hex] of SEQUENCES) {
      const carrier = ctx.subject(`carrier ${label}`);
      const smuggled = ctx.subject(`SMUGGLED ${label}`);
      const c = await smtpFrom(ctx, 'attacker', icloud);
      await c.cmd(`EHLO ${ATTACKER.domain}`);
      const { reply, noop } = await smuggle(ctx, c, label, hex, `mallory@${ATTACKER.domain}`, 'bob@icloud.test', carrier, smuggled);
      await c.quit();
      ctx.saw(`MX, ${label}: ${oneLine(reply)}`);
      ctx.check(reply.code === 550 && /5\.6\.11/.test(reply.text), `MX, ${label}: one reply for everything, 550 5.6.11 (bare CR/LF)`);
      ctx.check(noop?.code === 250, `MX, ${label}: NOOP answers 250 - nothing hidden ran as a command`);
      ctx.check((await findMessage(ctx, icloud, 'bob@icloud.test', smuggled)) === null, `MX, ${label}: no smuggled message in bob's mailbox`);
    }
    // On submission: a logged-in user trying to make gmail.test relay a second message.
    const gmail = ctx.lab.host('gmail');
    const { c, auth } = await loggedInSubmission(ctx, gmail, 'alice@gmail.test');
    if (!ctx.check(auth.code === 235, 'alice is logged in on gmail.test submission')) return;
    const queuedBefore = (await gmail.app.store.listQueue()).length;
    const { reply } = await smuggle(ctx, c, '<LF>.<LF>', '0a2e0a', 'alice@gmail.test', 'bob@icloud.test', ctx.subject('carrier (submission)'), ctx.subject('SMUGGLED (submission)'));
    await c.quit();
    ctx.saw(`submission, <LF>.<LF>: ${oneLine(reply)}`);
    ctx.check(reply.code === 550 && /5\.6\.11/.test(reply.text), 'submission: refused with 550 5.6.11');
    ctx.check((await gmail.app.store.listQueue()).length === queuedBefore, 'submission: nothing queued');
  },
};
