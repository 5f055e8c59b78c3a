/**
 * Scenarios 5 and 6, phishing that passes SPF/DKIM/DMARC because the attacker uses their own
 * domain: a display name that impersonates ("Seccamp Bank Official", or a display name that is
 * another address), and look-alike domains (gmai1.test, a homoglyph of icloud.test in punycode,
 * RFC 3492). DMARC cannot stop these (the From domain really is the attacker's); the defence is
 * the phishing detector (src/phishing/, being built): a visible warning header
 * (X-Mailwarden-Phishing) and a higher spam score. Until src/phishing/ exists both report NOT
 * BUILT; the attack steps below are ready for it.
 */
import { needsSource, type Scenario, type ScenarioContext } from '../scenario.ts';
import { buildMessage, findMessage, headerFields, oneLine, smtpFrom } from '../actions.ts';
import { ATTACKER, ATTACKER_DOMAINS } from '../topology.ts';

const PHISHING_HEADER = 'X-Mailwarden-Phishing';
const missing = 'the phishing detector (src/phishing/: display-name and look-alike checks, X-Mailwarden-Phishing header, spam score) is not built yet';
const phishingBuilt = needsSource('phishing', missing);

/** Sends one message from the attacker to bob and reports the warning header bob sees. */
async function sendAndInspect(ctx: ScenarioContext, envelope: string, from: string, label: string, baseline = 0): Promise<number> {
  const icloud = ctx.lab.host('icloud');
  const subject = ctx.subject(`Account verification (${label})`);
  const c = await smtpFrom(ctx, 'attacker', icloud);
  await c.cmd(`EHLO ${ATTACKER.domain}`);
  await c.cmd(`MAIL FROM:<${envelope}>`);
  await c.cmd('RCPT TO:<bob@icloud.test>');
  const r = await c.data(buildMessage({ from, to: 'bob@icloud.test', subject }, ['Your account will be closed. Verify your password here: http://login.attacker.test/']));
  await c.quit();
  ctx.saw(`${label}: ${oneLine(r)}`);
  const found = r.code === 250 ? await findMessage(ctx, icloud, 'bob@icloud.test', subject) : null;
  const warning = found ? headerFields(found.header, PHISHING_HEADER) : [];
  const spam = found ? headerFields(found.header, 'X-Mailwarden-Spam') : [];
  ctx.saw(`${label}: ${found ? `bob's ${found.folder}` : 'not delivered'}; ${PHISHING_HEADER}: ${warning.join(' | ') || '(none)'}; X-Mailwarden-Spam: ${spam.join(' | ') || '(none)'}`);
  // A temporary refusal (4xx) stops nothing: the attacker retries. Only a permanent refusal or a warning counts.
  ctx.check(r.code >= 500 || (r.code === 250 && warning.length > 0), `${label}: refused (5xx), or delivered with a visible ${PHISHING_HEADER} warning`);
  const score = Number(/\bscore=([\d.]+)/.exec(warning[0] ?? '')?.[1] ?? 0);
  if (r.code === 250 && warning.length) ctx.check(score > baseline, `${label}: the warning raises the spam score above the same message without the trick (score=${score} > ${baseline})`);
  return score;
}

/** The score of the same kind of message from the attacker's domain with an honest display name. */
async function baselineScore(ctx: ScenarioContext): Promise<number> {
  const icloud = ctx.lab.host('icloud');
  const subject = ctx.subject('Account verification (honest display name)');
  const c = await smtpFrom(ctx, 'attacker', icloud);
  await c.cmd(`EHLO ${ATTACKER.domain}`);
  await c.cmd(`MAIL FROM:<x@${ATTACKER.domain}>`);
  await c.cmd('RCPT TO:<bob@icloud.test>');
  await c.data(buildMessage({ from: `Mallory <x@${ATTACKER.domain}>`, to: 'bob@icloud.test', subject }, ['Your account will be closed. Verify your password here: http://login.attacker.test/']));
  await c.quit();
  const found = await findMessage(ctx, icloud, 'bob@icloud.test', subject);
  const score = Number(/\bscore=([\d.]+)/.exec(found ? (headerFields(found.header, PHISHING_HEADER)[0] ?? '') : '')?.[1] ?? 0);
  ctx.saw(`baseline (From: Mallory <x@${ATTACKER.domain}>): score=${score}`);
  return score;
}

export const displayName: Scenario = {
  id: 5,
  name: 'display-name',
  title: 'Display-name impersonation',
  attack: 'From: "Seccamp Bank Official" <x@attacker.test>, and a display name that is another address',
  defence: 'phishing detector: visible warning header (X-Mailwarden-Phishing) and a higher spam score',
  built: phishingBuilt,
  async run(ctx) {
    const base = await baselineScore(ctx);
    await sendAndInspect(ctx, `x@${ATTACKER.domain}`, `"Seccamp Bank Official" <x@${ATTACKER.domain}>`, 'bank display name', base);
    await sendAndInspect(ctx, `x@${ATTACKER.domain}`, `"alice@gmail.test" <x@${ATTACKER.domain}>`, 'address as display name', base);
  },
};

export const lookalike: Scenario = {
  id: 6,
  name: 'lookalike',
  title: 'Look-alike domains',
  attack: 'From: billing@gmai1.test, and from a punycode homoglyph of icloud.test (Cyrillic "і")',
  defence: 'phishing detector: look-alike of a local or well-known domain flagged (X-Mailwarden-Phishing)',
  built: phishingBuilt,
  async run(ctx) {
    await sendAndInspect(ctx, 'billing@gmai1.test', 'Gmail Billing <billing@gmai1.test>', 'gmai1.test');
    const homoglyph = ATTACKER_DOMAINS[2]!; // "іcloud.test" with CYRILLIC SMALL LETTER BYELORUSSIAN-UKRAINIAN I
    await sendAndInspect(ctx, `support@${homoglyph}`, `iCloud Support <support@${homoglyph}>`, homoglyph);
  },
};
