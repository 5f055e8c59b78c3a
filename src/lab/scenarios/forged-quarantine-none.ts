/**
 * Scenario 3, spoofing domains with weaker DMARC policies (RFC 7489 §6.3): claiming
 * quarantine.test (p=quarantine) the message is delivered to bob's Junk folder; claiming none.test
 * (p=none) it is delivered and flagged dmarc=fail in Authentication-Results, and the next DMARC
 * aggregate report (RFC 7489 §7.2) icloud.test sends to none.test's rua= address counts it:
 * postmaster@none.test reads it over IMAP and finds the attacker's address in it.
 */
import { gunzipSync } from 'node:zlib';
import { simpleParser } from 'mailparser';
import type { Scenario, ScenarioContext } from '../scenario.ts';
import { authResults, buildMessage, findMessage, oneLine, smtpFrom } from '../actions.ts';
import { ATTACKER } from '../topology.ts';
import { Directory } from '../../directory/directory.ts';
import { dmarcReportDeps, sendDmarcReports } from '../../app/dmarc-reports.ts';
import { silentLogger } from '../../lib/logger.ts';

async function forge(ctx: ScenarioContext, domain: string, subject: string) {
  const c = await smtpFrom(ctx, 'attacker', ctx.lab.host('icloud'));
  await c.cmd(`EHLO ${ATTACKER.domain}`);
  await c.cmd(`MAIL FROM:<billing@${domain}>`);
  await c.cmd('RCPT TO:<bob@icloud.test>');
  const r = await c.data(buildMessage({ from: `Billing <billing@${domain}>`, to: 'bob@icloud.test', subject }, ['Your invoice is overdue. Pay within 24 hours.']));
  await c.quit();
  return r;
}

/** The DMARC records (RFC 7489 Appendix C) of a report's XML that came from `ip`. */
function recordsFrom(xml: string, ip: string): Array<{ count: number; disposition: string; headerFrom: string }> {
  const out: Array<{ count: number; disposition: string; headerFrom: string }> = [];
  for (const m of xml.matchAll(/<record>([\s\S]*?)<\/record>/g)) {
    const rec = m[1]!;
    if (!rec.includes(`<source_ip>${ip}</source_ip>`)) continue;
    out.push({
      count: Number(/<count>(\d+)<\/count>/.exec(rec)?.[1] ?? 0),
      disposition: /<disposition>(\w+)<\/disposition>/.exec(rec)?.[1] ?? '',
      headerFrom: /<header_from>([^<]+)<\/header_from>/.exec(rec)?.[1] ?? '',
    });
  }
  return out;
}

export const forgedQuarantineNone: Scenario = {
  id: 3,
  name: 'forged-quarantine-none',
  title: 'Forged From of p=quarantine and p=none domains',
  attack: 'the same forgery claiming billing@quarantine.test, then billing@none.test',
  defence: 'DMARC p=quarantine (Junk) and p=none (flagged, aggregate report to the domain owner)',
  built: () => null,
  async run(ctx) {
    const { lab } = ctx;
    const icloud = lab.host('icloud');
    // p=quarantine: accepted, but into Junk
    const qSubject = ctx.subject('Overdue invoice (quarantine.test)');
    const q = await forge(ctx, 'quarantine.test', qSubject);
    ctx.saw(`quarantine.test forgery: ${oneLine(q)}`);
    ctx.check(q.code === 250, 'p=quarantine: accepted (250)');
    const qFound = await findMessage(ctx, icloud, 'bob@icloud.test', qSubject);
    ctx.saw(`-> bob's ${qFound?.folder ?? 'nowhere'}`);
    ctx.check(qFound?.folder === 'Junk', 'p=quarantine: delivered to Junk, not INBOX');
    ctx.check(/dmarc=fail \(p=QUARANTINE dis=QUARANTINE\) header\.from=quarantine\.test/.test(authResults(qFound?.header ?? '', icloud) ?? ''), 'Authentication-Results: dmarc=fail (p=QUARANTINE dis=QUARANTINE)');

    // p=none: delivered, flagged, reported
    const nSubject = ctx.subject('Overdue invoice (none.test)');
    const n = await forge(ctx, 'none.test', nSubject);
    ctx.saw(`none.test forgery: ${oneLine(n)}`);
    ctx.check(n.code === 250, 'p=none: accepted (250)');
    const nFound = await findMessage(ctx, icloud, 'bob@icloud.test', nSubject);
    const nAr = authResults(nFound?.header ?? '', icloud) ?? '';
    ctx.saw(`-> bob's ${nFound?.folder ?? 'nowhere'}; ${(/dmarc=[^;]*/.exec(nAr)?.[0] ?? 'no dmarc result').replace(/\s+/g, ' ')}`);
    ctx.check(nFound?.folder === 'INBOX', 'p=none: delivered to INBOX');
    ctx.check(/dmarc=fail \(p=NONE dis=NONE\) header\.from=none\.test/.test(nAr), 'flagged: Authentication-Results dmarc=fail (p=NONE dis=NONE)');

    // The next aggregate report (what the daily schedule or `mailwarden dmarc send-reports` does on icloud.test)
    ctx.t.note('icloud.test sends its DMARC aggregate reports now (what `mailwarden dmarc send-reports` does)');
    const { config, store, resolver, queue } = icloud.app;
    const outcomes = await sendDmarcReports(
      dmarcReportDeps({ config, store, resolver, directory: new Directory(store, { subaddressSeparator: config.subaddress_separator }), logger: silentLogger(), onQueued: () => queue.wake() }),
    );
    const toNone = outcomes.find((o) => o.policyDomain === 'none.test');
    ctx.check(toNone?.sentTo.includes('postmaster@none.test') === true, 'icloud.test queued a report for none.test to its rua= address postmaster@none.test');
    const report = await findMessage(ctx, lab.host('none'), 'postmaster@none.test', 'Report Domain: none.test', { folders: ['INBOX'], waitMs: 20_000, whole: true });
    if (!ctx.check(report !== null, 'postmaster@none.test received the report over SMTP and reads it over IMAP')) return;
    const parsed = await simpleParser(report!.raw ?? '');
    const gz = parsed.attachments.find((a) => /gzip/.test(a.contentType));
    const xml = gz ? gunzipSync(gz.content, { maxOutputLength: 10 * 1024 * 1024 }).toString('utf8') : '';
    const recs = recordsFrom(xml, ATTACKER.ip).filter((r) => r.headerFrom === 'none.test');
    ctx.saw(`report ${gz?.filename ?? '(no attachment)'}: ${recs.map((r) => `source_ip ${ATTACKER.ip} count ${r.count} disposition ${r.disposition}`).join('; ') || 'no record of the attacker'}`);
    ctx.check(recs.length === 1 && recs[0]!.count >= 1 && recs[0]!.disposition === 'none', `the report counts the forgery from ${ATTACKER.ip} (header_from none.test, disposition none)`);
  },
};
