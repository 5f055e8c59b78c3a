/**
 * Shared by the filter's end-to-end tests (spam.test.ts, postgres-statistics.test.ts): the CLI as
 * a child process, synthetic ham and spam for alice@example.test, one message to the MX over raw
 * SMTP, and reading what was delivered.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TestServer } from '../helpers/server.ts';
import { RawSmtp, message, type SmtpReply } from '../helpers/smtp-client.ts';

/** The CLI's entry point. */
export const MAIN = new URL('../../src/cli/main.ts', import.meta.url).pathname;

/** `mailwarden --config CONFIG ...ARGS` on this Node, with extra environment variables and `stdin` as its input. */
export function cli(config: string, args: string[], env: NodeJS.ProcessEnv = {}, stdin = ''): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(process.execPath, [MAIN, '--config', config, ...args], { timeout: 60000, maxBuffer: 64 * 1024 * 1024, env: { ...process.env, ...env } }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
    child.stdin!.end(stdin);
  });
}

const HAM_WORDS = ['meeting', 'agenda', 'quarterly', 'report', 'project', 'deadline', 'team', 'review', 'minutes', 'budget', 'schedule', 'colleagues'];
const SPAM_WORDS = ['viagra', 'casino', 'lottery', 'winner', 'prize', 'cheap', 'pills', 'unsubscribe', 'bonus', 'jackpot', 'discount', 'pharmacy'];

/** n words of the list, a different selection for each i. */
function pick(words: string[], i: number, n: number): string {
  return Array.from({ length: n }, (_, k) => words[(i * 7 + k * 5) % words.length]).join(' ');
}

/** The i-th synthetic ham (a colleague's note) and spam (an offer) to alice@example.test. */
export const hamMsg = (i: number) => message('Paul Colleague <paul@partner.test>', 'alice@example.test', `Re: ${pick(HAM_WORDS, i, 3)}`, `Hi Alice,\r\nthe ${pick(HAM_WORDS, i, 8)} notes are attached.\r\nPaul\r\n`);
export const spamMsg = (i: number) => message('Best Offer <offer@promo.test>', 'alice@example.test', `${pick(SPAM_WORDS, i, 3)}!!!`, `Dear friend, ${pick(SPAM_WORDS, i, 8)} click http://promo.test/win now!\r\n`);

/** Writes `n` synthetic ham and `n` spam as files under DIR/corpus/{ham,spam} (for `spam train`). */
export function writeCorpus(dir: string, n: number): { ham: string; spam: string } {
  const ham = join(dir, 'corpus', 'ham');
  const spam = join(dir, 'corpus', 'spam');
  mkdirSync(ham, { recursive: true });
  mkdirSync(spam, { recursive: true });
  for (let i = 0; i < n; i++) {
    writeFileSync(join(ham, `${i}.eml`), hamMsg(i));
    writeFileSync(join(spam, `${i}.eml`), spamMsg(i));
  }
  return { ham, spam };
}

/** Sends one message to the MX; the reply to the end of DATA. */
export async function send(srv: TestServer, msg: string, to = 'alice@example.test'): Promise<SmtpReply> {
  const c = await RawSmtp.open(srv.port('mx'));
  await c.cmd('EHLO sender.test');
  await c.cmd('MAIL FROM:<sender@partner.test>');
  await c.cmd(`RCPT TO:<${to}>`);
  await c.cmd('DATA');
  const reply = await c.cmd(`${msg}.`);
  c.close();
  return reply;
}

/** alice's message in `mailbox` that contains `marker`. */
export const find = async (srv: TestServer, marker: string, mailbox: string) => (await srv.mailbox('alice@example.test', mailbox)).find((m) => m.includes(marker));

/** The X-Mailwarden-Spam field of a message (folded lines included), or null. */
export const spamField = (m: string) => /^X-Mailwarden-Spam:.*(?:\r\n[ \t].*)*/im.exec(m)?.[0] ?? null;
