/**
 * The Bayesian filter wired into the server: `mailwarden spam train|classify|eval` against a test
 * server's data dir, the MX's X-Mailwarden-Spam header, delivery to Junk, 550 5.7.1 above the
 * reject threshold when configured, an untrained filter that junks nothing, and training by IMAP
 * MOVE into and out of Junk (spam, then ham, never counted twice).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { message } from '../helpers/smtp-client.ts';
import { cli, find, hamMsg, send, spamField, spamMsg, writeCorpus } from './helpers.ts';
import { selected } from '../helpers/imap-client.ts';
import { GLOBAL, userScope } from '../../src/junk/ports.ts';

/** Writes a ham and a spam directory of `n` synthetic messages each, and a config for the CLI. */
function corpus(srv: TestServer, n: number): { config: string; ham: string; spam: string } {
  const { ham, spam } = writeCorpus(srv.dir, n);
  const config = join(srv.dir, 'mailwarden.toml');
  writeFileSync(config, `hostname = "mx.example.test"\ndata_dir = "${srv.dir}"\n`);
  return { config, ham, spam };
}

test('untrained filter: header says "untrained", nothing goes to Junk, a forged X-Mailwarden-Spam is removed', async (t) => {
  const srv = await startTestServer();
  t.after(() => srv.close());
  const r = await send(srv, message('Best Offer <offer@promo.test>', 'alice@example.test', 'untrained viagra casino', 'cheap pills\r\n', 'X-Mailwarden-Spam: ham; forged\r\n'));
  assert.equal(r.code, 250);
  const m = await find(srv, 'untrained viagra', 'INBOX');
  assert.ok(m, 'delivered to INBOX');
  assert.equal(m.match(/^X-Mailwarden-Spam:/gim)?.length, 1, m);
  assert.match(spamField(m)!, /^X-Mailwarden-Spam: untrained; trained=0\/0$/);
  assert.equal((await srv.mailbox('alice@example.test', 'Junk')).length, 0);
});

test('CLI train/classify/eval, then the MX: header on every message, spam to Junk, ham to INBOX; IMAP MOVE trains and untrains', async (t) => {
  const srv = await startTestServer();
  t.after(() => srv.close());
  const { config, ham, spam } = corpus(srv, 25);
  const tr = await cli(config, ['spam', 'train', '--mode', 'all', '--ham', ham, '--spam', spam]);
  assert.equal(tr.code, 0, tr.stderr);
  assert.match(tr.stdout, /50 messages: 50 trained, 0 relabelled, 0 already trained\n/);
  assert.match(tr.stdout, /global statistics: 25 ham, 25 spam/);
  assert.match(tr.stderr, /training .*50\/50/, 'progress on stderr');
  const again = await cli(config, ['spam', 'train', '--spam', spam]);
  assert.match(again.stdout, /25 messages: 0 trained, 0 relabelled, 25 already trained/, 'never counted twice');
  assert.deepEqual(await srv.app.store.junk.getTotals(GLOBAL), { ham: 25, spam: 25 });

  writeFileSync(join(srv.dir, 'probe.eml'), spamMsg(99));
  const cl = await cli(config, ['spam', 'classify', join(srv.dir, 'probe.eml')]);
  assert.equal(cl.code, 0, cl.stderr);
  assert.match(cl.stdout, /^score: (0\.9\d+|1\.0000)\nverdict: spam\nscope: global \(25 ham, 25 spam trained\)\nclues:\n/);
  assert.match(cl.stdout, /"(viagra|casino|lottery|winner|prize|cheap|pills|jackpot|bonus|discount|pharmacy|unsubscribe)"/);
  const ev = await cli(config, ['spam', 'eval', '--ham', ham, '--spam', spam, '--json']);
  assert.equal(ev.code, 0, ev.stderr);
  const e = JSON.parse(ev.stdout) as { ham: number; spam: number; falsePositiveRate: number; falseNegativeRate: number; unsureRate: number; messagesPerSecond: number };
  assert.deepEqual([e.ham, e.spam, e.falsePositiveRate, e.falseNegativeRate], [25, 25, 0, 0]);
  assert.ok(e.messagesPerSecond > 0);
  const evText = await cli(config, ['spam', 'eval', '--ham', ham, '--spam', spam]);
  assert.match(evText.stdout, /false-positive rate: 0\.00%[\s\S]*false-negative rate: 0\.00%[\s\S]*unsure rate: [\d.]+%[\s\S]*messages\/second/);

  // the MX
  assert.equal((await send(srv, hamMsg(40).replace('Subject: ', 'Subject: hammy '))).code, 250);
  assert.equal((await send(srv, spamMsg(40).replace('Subject: ', 'Subject: spammy '))).code, 250, 'no reject by default');
  const h = await find(srv, 'Subject: hammy', 'INBOX');
  assert.ok(h, 'ham in INBOX');
  assert.match(spamField(h)!, /^X-Mailwarden-Spam: ham; score=0\.\d{4}; cutoffs=0\.20\/0\.95; clues=/);
  const s = await find(srv, 'Subject: spammy', 'Junk');
  assert.ok(s, 'spam in Junk');
  assert.match(spamField(s)!, /^X-Mailwarden-Spam: spam; score=(0\.9[5-9]\d\d|1\.0000); cutoffs=0\.20\/0\.95;/);
  assert.equal(await find(srv, 'Subject: spammy', 'INBOX'), undefined);

  // IMAP MOVE into Junk trains spam (the user's scope and the global one), back out trains ham
  const alice = (await srv.app.store.getUser('alice@example.test'))!;
  const c = await selected(srv, 'alice@example.test');
  t.after(() => c.socket.destroy());
  const uidOf = async (marker: string) => {
    const r = await c.cmd('UID SEARCH ALL');
    const uids = r.untagged.find((l) => l.startsWith('* SEARCH'))!.split(' ').slice(2).map(Number);
    for (const u of uids) {
      const f = await c.cmd(`UID FETCH ${u} BODY.PEEK[HEADER.FIELDS (SUBJECT)]`);
      if (f.untagged.join('\n').includes(marker)) return u;
    }
    throw new Error(`no ${marker}`);
  };
  const uid = await uidOf('hammy');
  assert.match((await c.cmd(`UID MOVE ${uid} Junk`)).tagged, / OK /);
  assert.deepEqual(await srv.app.store.junk.getTotals(GLOBAL), { ham: 25, spam: 26 });
  assert.deepEqual(await srv.app.store.junk.getTotals(userScope(alice.id)), { ham: 0, spam: 1 });
  assert.match((await c.cmd('SELECT Junk')).tagged, / OK /);
  const back = await uidOf('hammy');
  assert.match((await c.cmd(`UID MOVE ${back} INBOX`)).tagged, / OK /);
  assert.deepEqual(await srv.app.store.junk.getTotals(GLOBAL), { ham: 26, spam: 25 }, 'the spam training was undone, the message counted once as ham');
  assert.deepEqual(await srv.app.store.junk.getTotals(userScope(alice.id)), { ham: 1, spam: 0 });
  // a copy within INBOX-like mailboxes trains nothing; copying the same message out of Junk again changes nothing
  assert.match((await c.cmd('SELECT INBOX')).tagged, / OK /);
  assert.match((await c.cmd(`UID COPY ${await uidOf('hammy')} Archive`)).tagged, / OK /);
  assert.deepEqual(await srv.app.store.junk.getTotals(GLOBAL), { ham: 26, spam: 25 });
  await c.cmd('LOGOUT');
});

test('CLI train, thick mode (the default): a warm-up of min_trained each, then only what the statistics get wrong; a second run trains nothing', async (t) => {
  const srv = await startTestServer();
  t.after(() => srv.close());
  const { config, ham, spam } = corpus(srv, 40);
  const tr = await cli(config, ['spam', 'train', '--ham', ham, '--spam', spam]);
  assert.equal(tr.code, 0, tr.stderr);
  const m = /^80 messages: (\d+) trained, 0 relabelled, 0 already trained, (\d+) already scored right \(thick mode\)$/m.exec(tr.stdout);
  assert.ok(m, tr.stdout);
  const trained = Number(m[1]);
  assert.equal(trained + Number(m[2]), 80);
  assert.ok(trained >= 40 && trained < 80, `warm-up of 20 each, then errors only: ${trained}`);
  const totals = await srv.app.store.junk.getTotals(GLOBAL);
  assert.ok(totals.ham >= 20 && totals.spam >= 20, JSON.stringify(totals));
  assert.equal(totals.ham + totals.spam, trained);
  assert.match(tr.stderr, /reading .*80\/80/);
  assert.match(tr.stderr, /training, pass 1 .*80\/80/);
  const again = await cli(config, ['spam', 'train', '--ham', ham, '--spam', spam]);
  assert.match(again.stdout, new RegExp(`^80 messages: 0 trained, 0 relabelled, ${trained} already trained, ${80 - trained} already scored right`, 'm'));
  assert.deepEqual(await srv.app.store.junk.getTotals(GLOBAL), totals, 'never counted twice');
  // the statistics sort new mail
  writeFileSync(join(srv.dir, 'probe-spam.eml'), spamMsg(99));
  writeFileSync(join(srv.dir, 'probe-ham.eml'), hamMsg(99));
  assert.match((await cli(config, ['spam', 'classify', join(srv.dir, 'probe-spam.eml')])).stdout, /^score: [\d.]+\nverdict: spam\n/);
  assert.match((await cli(config, ['spam', 'classify', join(srv.dir, 'probe-ham.eml')])).stdout, /^score: [\d.]+\nverdict: ham\n/);
  const bad = await cli(config, ['spam', 'train', '--mode', 'sometimes', '--ham', ham]);
  assert.notEqual(bad.code, 0);
  assert.match(bad.stderr, /--mode must be thick or all/);
});

test('reject = true: 550 5.7.1 above reject_threshold at the end of DATA, nothing delivered; ham still accepted', async (t) => {
  const srv = await startTestServer({ spam: { reject: true, reject_threshold: 0.99 } } as never);
  t.after(() => srv.close());
  const { config, ham, spam } = corpus(srv, 25);
  assert.equal((await cli(config, ['spam', 'train', '--ham', ham, '--spam', spam])).code, 0);
  const r = await send(srv, spamMsg(41).replace('Subject: ', 'Subject: refused '));
  assert.equal(r.code, 550);
  assert.match(r.text, /^550 5\.7\.1 message refused: content filter scored it as spam \(score (0\.99\d\d|1\.0000)\)/);
  assert.equal(await find(srv, 'Subject: refused', 'Junk'), undefined);
  assert.equal(await find(srv, 'Subject: refused', 'INBOX'), undefined);
  assert.equal((await send(srv, hamMsg(41))).code, 250);
});
