/**
 * Scenario 13, STARTTLS stripped toward an MTA-STS domain. icloud.test publishes MTA-STS
 * (RFC 8461): its `_mta-sts.icloud.test` TXT record goes live in the lab DNS now, and
 * https://mta-sts.icloud.test/.well-known/mta-sts.txt (icloud.test's own HTTPS listener) serves
 * "mode: enforce, mx: mx.icloud.test". The wire between gmail.test and icloud.test then strips
 * STARTTLS from the EHLO reply, as in scenario 11. gmail.test fetches and caches the policy,
 * sees that mx.icloud.test offers no STARTTLS and, because the policy says enforce (§4.2, §5),
 * does not send the message in clear text: it stays queued with a temporary failure that names
 * MTA-STS. Once the wire is an honest router again, the next retry delivers it over TLS with a
 * verified certificate.
 */
import type { Scenario } from '../scenario.ts';
import { buildMessage, findMessage, loggedInSubmission, oneLine } from '../actions.ts';
import { fetchStsPolicy } from '../../standards/mtasts/fetch.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export const mtaSts: Scenario = {
  id: 13,
  name: 'mta-sts',
  title: 'STARTTLS stripped toward an MTA-STS domain',
  attack: 'a man in the middle strips STARTTLS between gmail.test and icloud.test, which publishes MTA-STS mode enforce',
  defence: 'MTA-STS (RFC 8461): the sender refuses to deliver in clear text and keeps the message queued',
  built: () => null,
  async run(ctx) {
    const { lab } = ctx;
    const gmail = lab.host('gmail');
    const icloud = lab.host('icloud');
    const subject = ctx.subject('Contract draft');
    // 1. icloud.test publishes MTA-STS: the TXT record in DNS, the policy over HTTPS
    lab.publishMtaSts();
    ctx.t.note(`DNS: icloud.test publishes ${lab.mtaStsRecord.replace(/\s+/g, ' ')}`);
    const https = icloud.endpoint('https');
    const served = await fetchStsPolicy('icloud.test', { addresses: [https.host], portOf: () => https.port, ca: lab.ca, timeoutMs: 5000 });
    if (!ctx.check(served.ok, 'https://mta-sts.icloud.test/.well-known/mta-sts.txt serves the policy (certificate valid for mta-sts.icloud.test)')) return;
    ctx.saw(`icloud.test's policy: ${served.ok ? served.text.trim().split(/\r?\n/).join('; ') : ''}`);
    ctx.check(served.ok && /^mode: enforce$/m.test(served.text), 'the policy is in mode enforce');
    // gmail.test's resolver may hold a negative answer for up to 1 s (the icloud.test SOA): wait for the record
    let seen = false;
    for (let i = 0; i < 30 && !seen; i++) {
      const txt = await gmail.app.resolver.txt('_mta-sts.icloud.test');
      seen = txt.status === 'ok' && txt.records.some((r) => r.text.startsWith('v=STSv1'));
      if (!seen) await sleep(200);
    }
    if (!ctx.check(seen, 'gmail.test\'s resolver sees _mta-sts.icloud.test')) return;

    // 2. the man in the middle strips STARTTLS; alice sends to bob
    const t0 = Date.now();
    const stats = { ...lab.wire.stats };
    lab.wire.mode = { kind: 'tamper', replace: { from: 'never-present-text', to: 'x' } };
    ctx.t.note('the wire between gmail.test and icloud.test is now a man in the middle that strips STARTTLS');
    try {
      const { c, auth } = await loggedInSubmission(ctx, gmail, 'alice@gmail.test');
      if (!ctx.check(auth.code === 235, 'alice is logged in (AUTH over TLS)')) return;
      await c.cmd('MAIL FROM:<alice@gmail.test>');
      await c.cmd('RCPT TO:<bob@icloud.test>');
      const done = await c.data(buildMessage({ from: 'Alice <alice@gmail.test>', to: 'bob@icloud.test', subject }, ['Hi Bob,', '', 'the contract draft is attached in spirit.', '', 'Alice']));
      await c.quit();
      if (!ctx.check(done.code === 250, `gmail.test accepted it for delivery (${oneLine(done)})`)) return;
      let refused: { reply: string; statusCode: string } | undefined;
      for (let i = 0; i < 100 && !refused; i++) {
        refused = (await gmail.app.store.listDeliveryLog()).find((l) => l.address === 'bob@icloud.test' && l.at >= t0);
        if (!refused) await sleep(100);
      }
      ctx.check(lab.wire.stats.stripped > stats.stripped, 'the MITM removed STARTTLS from the EHLO reply');
      if (refused) ctx.saw(`gmail.test delivery log: ${refused.statusCode} ${refused.reply}`);
      ctx.check(refused !== undefined && /^MTA-STS enforce: STARTTLS not offered by mx\.icloud\.test/.test(refused.reply) && refused.statusCode.startsWith('4'), 'gmail.test refused to send in clear text: a temporary failure naming MTA-STS enforce');
      const queued = (await gmail.app.store.listQueue()).find((e) => e.domain === 'icloud.test' && e.recipients.some((r) => r.address === 'bob@icloud.test' && r.status === 'pending'));
      ctx.check(queued !== undefined, 'the message stays in gmail.test\'s queue (to be retried)');
      ctx.check((await findMessage(ctx, icloud, 'bob@icloud.test', subject)) === null, 'bob has not received it');
      ctx.check((await gmail.app.store.listDeliveryLog()).every((l) => !(l.address === 'bob@icloud.test' && l.at >= t0 && l.result === 'delivered')), 'nothing was delivered in clear text');

      // 3. the path is honest again: the next retry goes over verified TLS
      lab.wire.mode = { kind: 'pass' };
      ctx.t.note('the wire is an honest router again; gmail.test retries');
      if (queued) await gmail.app.store.retryQueueEntry(queued.id, Date.now());
      gmail.app.queue.wake();
      const found = await findMessage(ctx, icloud, 'bob@icloud.test', subject, { waitMs: 20_000 });
      ctx.check(found !== null, 'after the retry bob has the message');
      const log = (await gmail.app.store.listDeliveryLog()).find((l) => l.address === 'bob@icloud.test' && l.at >= t0 && l.result === 'delivered');
      if (log) ctx.saw(`gmail.test delivery log: delivered to ${log.remoteMta}, TLS ${log.tls}`);
      ctx.check(log?.tls === 'verified', 'delivered over STARTTLS with a verified certificate for mx.icloud.test');
    } finally {
      lab.wire.mode = { kind: 'pass' };
    }
  },
};
