/**
 * Scenario 14, content that passes every authentication check because it comes from the
 * attacker's own domain: bulk spam, and malware as an attachment.
 *  - The Bayesian filter (src/junk, docs/spam.md) of icloud.test is first trained the way an
 *    operator would with `mailwarden spam train`: a small corpus of bob's normal mail (ham) and of
 *    spam. A new spam message then scores as spam and lands in bob's Junk, with the verdict and
 *    the deciding tokens in X-Mailwarden-Spam.
 *  - The attachment policy (src/attachments, docs/phishing.md) refuses an executable at the end
 *    of DATA with 550 5.7.1 naming the file: a Windows PE program named like a PDF
 *    ("invoice.pdf.exe", the double-extension trick), and a script inside a zip archive.
 */
import type { Scenario, ScenarioContext } from '../scenario.ts';
import { buildMessage, findMessage, headerFields, oneLine, smtpFrom } from '../actions.ts';
import { ATTACKER } from '../topology.ts';
import { messageKey, train } from '../../junk/train.ts';
import { messageTokens } from '../../junk/message.ts';
import { GLOBAL } from '../../junk/ports.ts';
import { rfc5322Date } from '../../mail/date.ts';
import { peSample, zip } from '../../attachments/samples.ts';
import { base64Lines } from '../../mail/mime/encode.ts';

const HAM_WORDS = 'meeting agenda project review lunch friday team schedule report draft budget minutes slides kernel patch release notes build tests deploy server backup invoice attached thanks regards family weekend dinner photos garden football concert library course homework lecture seminar'.split(' ');
const SPAM_WORDS = 'viagra casino winner lottery prize jackpot bitcoin investment guaranteed profit miracle pills weight loss cheap replica watches exclusive offer limited urgent claim reward congratulations selected millions unclaimed inheritance wire transfer pharmacy discount'.split(' ');

/** A deterministic little corpus: `n` messages drawn from `words`. */
function corpus(words: readonly string[], n: number, from: string, seed: number): Buffer[] {
  let x = seed;
  const next = () => (x = (x * 1103515245 + 12345) % 2147483648);
  const out: Buffer[] = [];
  for (let i = 0; i < n; i++) {
    const pick = (k: number) => Array.from({ length: k }, () => words[next() % words.length]).join(' ');
    out.push(Buffer.from(`From: ${from}\r\nTo: bob@icloud.test\r\nSubject: ${pick(3)}\r\nDate: ${rfc5322Date(new Date(Date.UTC(2026, 0, 1 + i)))}\r\nMessage-ID: <c${seed}.${i}@corpus.lab>\r\n\r\n${pick(40)}\r\n${pick(40)}\r\n`));
  }
  return out;
}

async function attack(ctx: ScenarioContext, subject: string, message: string) {
  const c = await smtpFrom(ctx, 'attacker', ctx.lab.host('icloud'));
  await c.cmd(`EHLO ${ATTACKER.domain}`);
  await c.cmd(`MAIL FROM:<promo@${ATTACKER.domain}>`);
  await c.cmd('RCPT TO:<bob@icloud.test>');
  const r = await c.data(message);
  await c.quit();
  return r;
}

/** A multipart message with one base64 attachment. */
function withAttachment(subject: string, filename: string, type: string, content: Buffer): string {
  const b = 'lab-boundary-14';
  return buildMessage({ from: `Accounts <billing@${ATTACKER.domain}>`, to: 'bob@icloud.test', subject, extra: ['MIME-Version: 1.0', `Content-Type: multipart/mixed; boundary="${b}"`] }, [
    `--${b}`, 'Content-Type: text/plain; charset=utf-8', '', 'Please find your invoice attached.', '',
    `--${b}`, `Content-Type: ${type}; name="${filename}"`, `Content-Disposition: attachment; filename="${filename}"`, 'Content-Transfer-Encoding: base64', '',
    base64Lines(content), '', `--${b}--`,
  ]);
}

export const spamAttachments: Scenario = {
  id: 14,
  name: 'spam-attachments',
  title: 'Spam content and executable attachments',
  attack: 'bulk spam from the attacker\'s own (authenticated) domain, then an invoice.pdf.exe program and a zip holding a script, sent to bob@icloud.test',
  defence: 'Bayesian filter (trained) -> Junk with X-Mailwarden-Spam; attachment policy -> 550 5.7.1 naming the file',
  built: () => null,
  async run(ctx) {
    const icloud = ctx.lab.host('icloud');
    // what `mailwarden spam train --ham DIR --spam DIR` does on icloud.test
    const hostname = icloud.app.config.hostname;
    const ham = corpus(HAM_WORDS, 30, 'Colleague <colleague@icloud.test>', 7);
    const spam = corpus(SPAM_WORDS, 30, `Offers <deals@${ATTACKER.domain}>`, 11);
    for (const [label, msgs] of [['ham', ham], ['spam', spam]] as const) {
      for (const raw of msgs) await train(icloud.app.junk, [GLOBAL], { key: messageKey(raw), tokens: messageTokens(raw, hostname) }, label);
    }
    ctx.t.note(`icloud.test: Bayesian filter trained on ${ham.length} ham and ${spam.length} spam messages (mailwarden spam train)`);

    const subject = ctx.subject('Congratulations winner: claim your casino jackpot');
    const r = await attack(ctx, subject, buildMessage({ from: `Offers <deals@${ATTACKER.domain}>`, to: 'bob@icloud.test', subject }, ['Congratulations! You were selected: claim your guaranteed casino jackpot prize today.', 'Exclusive offer, limited time: cheap pills, bitcoin investment with guaranteed profit.']));
    ctx.saw(`spam: ${oneLine(r)}`);
    if (ctx.check(r.code === 250, 'the spam message is accepted (the filter files it, it does not refuse it by default)')) {
      const found = await findMessage(ctx, icloud, 'bob@icloud.test', subject, { waitMs: 5000 });
      const verdict = found ? (headerFields(found.header, 'X-Mailwarden-Spam')[0] ?? '') : '';
      ctx.saw(`spam: bob's ${found?.folder ?? '(not found)'}; X-Mailwarden-Spam: ${verdict.slice(0, 160)}`);
      ctx.check(found?.folder === 'Junk', 'the Bayesian filter put it in Junk');
      ctx.check(/^spam; score=/.test(verdict), 'X-Mailwarden-Spam says spam, with its score and clues');
    }

    const exe = await attack(ctx, ctx.subject('Your invoice'), withAttachment(ctx.subject('Your invoice'), 'invoice.pdf.exe', 'application/pdf', peSample()));
    ctx.saw(`invoice.pdf.exe: ${oneLine(exe)}`);
    ctx.check(exe.code === 550 && /^550[ -]5\.7\.1 /.test(exe.lines[0]!) && /invoice\.pdf\.exe/.test(exe.text), 'the program disguised as a PDF is refused with 550 5.7.1 naming invoice.pdf.exe');
    const zipped = await attack(ctx, ctx.subject('Documents'), withAttachment(ctx.subject('Documents'), 'documents.zip', 'application/zip', zip([{ name: 'documents/open-me.js', data: 'WScript.Echo("hi")\r\n' }])));
    ctx.saw(`documents.zip: ${oneLine(zipped)}`);
    ctx.check(zipped.code === 550 && /documents\.zip/.test(zipped.text) && /open-me\.js/.test(zipped.text), 'a script inside a zip archive is refused, naming the archive and the file');
  },
};
