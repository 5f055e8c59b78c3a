/**
 * `mailwarden spam train|classify|eval|export|import`: the Bayesian filter (src/junk,
 * docs/spam.md) from the command line, against the server's statistics ([spam] statistics: the
 * store, safe while the server runs thanks to SQLite WAL, or the shared PostgreSQL database).
 * export/import move the statistics as JSON Lines (src/junk/export.ts), users by address
 * (src/junk/transfer.ts): a backup, or from the store to PostgreSQL, or to another node.
 *
 * Messages come from a directory (every regular file in it, recursively: one RFC 5322 message
 * per file, e.g. Maildir cur/ new/) or an mbox file (messages split at "From " lines, mboxrd
 * ">From " unquoted). A message's key is messageKey() of its bytes, so training the same
 * corpus twice counts nothing twice.
 */
import type { Command } from 'commander';
import { createReadStream, createWriteStream, readdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { join } from 'node:path';
import { DEFAULT_THICK, messageKey, train, trainThick, type BulkMessage, type TrainOutcome } from '../junk/train.ts';
import { messageTokens } from '../junk/message.ts';
import { scoreIn, scoreTokens } from '../junk/filter.ts';
import { GLOBAL, userScope, type JunkStore, type Label, type Scope } from '../junk/ports.ts';
import type { Config } from '../config/schema.ts';
import type { Store } from '../store/ports.ts';
import { ExportFormatError, readExport } from '../junk/export.ts';
import { exportStatistics, importStatistics, type ImportSummary, type UserDirectory } from '../junk/transfer.ts';
import { fail, printJson, withStatistics, type GlobalOptions, UsageError } from './common.ts';

/** Splits an mbox (RFC 4155) into messages; ">From " lines are unquoted (mboxrd). */
export function splitMbox(data: Buffer): Buffer[] {
  const text = data.toString('latin1');
  const out: Buffer[] = [];
  const starts: number[] = [];
  if (text.startsWith('From ')) starts.push(0);
  for (let i = text.indexOf('\nFrom '); i >= 0; i = text.indexOf('\nFrom ', i + 1)) starts.push(i + 1);
  for (let k = 0; k < starts.length; k++) {
    const chunk = text.slice(starts[k], k + 1 < starts.length ? starts[k + 1] : text.length);
    const body = chunk.slice(chunk.indexOf('\n') + 1).replace(/^>(>*From )/gm, '$1');
    out.push(Buffer.from(body, 'latin1'));
  }
  return out;
}

function filesUnder(dir: string, out: string[]): void {
  for (const e of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    if (e.name.startsWith('.')) continue;
    const p = join(dir, e.name);
    if (e.isDirectory()) filesUnder(p, out);
    else if (e.isFile()) out.push(p);
  }
}

/** The messages of a directory or mbox file, loaded lazily (directories) or split (mbox). */
export function messagesFrom(path: string): { count: number; get(i: number): Buffer } {
  const st = statSync(path);
  if (st.isDirectory()) {
    const files: string[] = [];
    filesUnder(path, files);
    return { count: files.length, get: (i) => readFileSync(files[i]!) };
  }
  const data = readFileSync(path);
  const msgs = data.subarray(0, 5).toString('latin1') === 'From ' ? splitMbox(data) : [data];
  return { count: msgs.length, get: (i) => msgs[i]! };
}

/** Without a known total, a progress line (not on a terminal) every this many items. */
const PROGRESS_EVERY = 10_000;

/**
 * A progress line on stderr, redrawn in place on a terminal, every 10% otherwise; with no known
 * total (null), the count alone, every PROGRESS_EVERY items when not on a terminal.
 */
function progress(label: string, total: number | null): { tick(done: number, note: string): void; end(): void } {
  const tty = process.stderr.isTTY === true;
  let lastShown = -1;
  return {
    tick(done, note) {
      if (total === null) {
        if (tty) process.stderr.write(`\r${label} ${done} ${note}`);
        else if (done > 0 && done % PROGRESS_EVERY === 0) process.stderr.write(`${label} ${done} ${note}\n`);
        return;
      }
      const pct = total ? Math.floor((done * 100) / total) : 100;
      if (tty) {
        const width = 30;
        const fill = Math.round((pct / 100) * width);
        process.stderr.write(`\r${label} [${'#'.repeat(fill)}${'.'.repeat(width - fill)}] ${done}/${total} ${note}`);
      } else if (Math.floor(pct / 10) !== lastShown || done === total) {
        lastShown = Math.floor(pct / 10);
        process.stderr.write(`${label} ${done}/${total} (${pct}%) ${note}\n`);
      }
    },
    end() {
      if (tty) process.stderr.write('\n');
    },
  };
}

async function scopeOf(store: Store, user: string | undefined): Promise<{ scope: Scope; userId: number | null }> {
  if (user === undefined) return { scope: GLOBAL, userId: null };
  const u = await store.getUser(user.toLowerCase());
  if (!u) throw new UsageError(`no such user ${user}`);
  return { scope: userScope(u.id), userId: u.id };
}

async function score(junk: JunkStore, cfg: Config, userId: number | null, raw: Buffer) {
  const s = cfg.spam;
  const tokens = messageTokens(raw, cfg.hostname);
  const scored = await scoreTokens(junk, userId, tokens, {
    classifier: { hamCutoff: s.ham_threshold, spamCutoff: s.junk_threshold },
    policy: { minHam: s.user_min_trained, minSpam: s.user_min_trained },
  });
  const totals = await junk.getTotals(scored.scope);
  const trained = totals.ham >= s.min_trained && totals.spam >= s.min_trained;
  return { ...scored, totals, trained };
}

/** User ids and addresses of the store (the statistics name users by id, exports by address). */
function directoryOf(store: Store): UserDirectory {
  return {
    addressOf: async (id) => (await store.getUserById(id))?.address ?? null,
    idOf: async (address) => (await store.getUser(address))?.id ?? null,
  };
}

/** Writes text to a stream in chunks of about 64 KiB, waiting for 'drain' when it is full. */
function chunkedWriter(out: Writable): { write(text: string): Promise<void>; flush(): Promise<void> } {
  let pending = '';
  const flush = async () => {
    const text = pending;
    pending = '';
    if (text && !out.write(text)) await once(out, 'drain');
  };
  return {
    async write(text) {
      pending += text;
      if (pending.length >= 64 * 1024) await flush();
    },
    flush,
  };
}

/** Lines in a file (a first pass, for import's progress total); null for standard input. */
async function lineCount(file: string): Promise<number | null> {
  if (file === '-') return null;
  let n = 0;
  for await (const chunk of createReadStream(file)) for (let i = (chunk as Buffer).indexOf(0x0a); i >= 0; i = (chunk as Buffer).indexOf(0x0a, i + 1)) n++;
  return n;
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** The one-line summary of an import; at most 5 missing users are named. */
function importSummary(s: ImportSummary): string {
  const named = s.skipped.users.slice(0, 5).join(', ') + (s.skipped.users.length > 5 ? `, and ${s.skipped.users.length - 5} more` : '');
  const skipped = s.skipped.records ? ` (${plural(s.skipped.users.length, 'user')} not here: ${named})` : '';
  return `${plural(s.records, 'record')}: ${s.added} added, ${s.relabelled} relabelled, ${s.unchanged} unchanged, ${s.skipped.records} skipped${skipped}`;
}

const list = (v: string, prev: string[] = []) => [...prev, v];

export function registerSpam(program: Command, global: () => GlobalOptions): void {
  const cmd = program.command('spam').description('the Bayesian spam filter: train, classify, evaluate, export and import its statistics (docs/spam.md)');
  cmd
    .command('train')
    .description('train from directories (one message per file) or mbox files; a message trained again with the other label is moved, never counted twice')
    .option('--ham <dir|mbox>', 'ham (wanted mail); repeatable', list)
    .option('--spam <dir|mbox>', 'spam; repeatable', list)
    .option('--user <address>', "train this user's own statistics instead of the global ones")
    .option('--mode <thick|all>', 'thick (default): train only the messages the statistics so far get wrong or nearly wrong, in passes (ranks better; the score calibration assumes it, docs/spam.md); all: train every message (scores then run higher)', 'thick')
    .option('--passes <n>', 'thick mode: at most this many passes', String(DEFAULT_THICK.passes))
    .action((o: { ham?: string[]; spam?: string[]; user?: string; mode: string; passes: string }) =>
      withStatistics(global(), async (store, junk, cfg) => {
        if (!o.ham?.length && !o.spam?.length) throw new UsageError('nothing to train: give --ham and/or --spam');
        if (o.mode !== 'thick' && o.mode !== 'all') throw new UsageError('--mode must be thick or all');
        const passes = Number(o.passes);
        if (!Number.isInteger(passes) || passes < 1 || passes > 20) throw new UsageError('--passes must be 1..20');
        const { scope } = await scopeOf(store, o.user);
        const sources: Array<{ label: Label; msgs: ReturnType<typeof messagesFrom> }> = [];
        for (const p of o.ham ?? []) sources.push({ label: 'ham', msgs: messagesFrom(p) });
        for (const p of o.spam ?? []) sources.push({ label: 'spam', msgs: messagesFrom(p) });
        const total = sources.reduce((n, s) => n + s.msgs.count, 0);
        let counts: Record<TrainOutcome, number> = { trained: 0, unchanged: 0, relabelled: 0, untrained: 0, absent: 0 };
        if (o.mode === 'all') {
          const bar = progress('training', total);
          let done = 0;
          for (const { label, msgs } of sources) {
            for (let i = 0; i < msgs.count; i++) {
              const raw = msgs.get(i);
              const [r] = await train(junk, [scope], { key: messageKey(raw), tokens: messageTokens(raw, cfg.hostname) }, label);
              counts[r!]++;
              bar.tick(++done, label);
            }
          }
          bar.end();
        } else {
          // Keys first (one read of each message), then the passes read and tokenize again: memory
          // holds keys, not messages or tokens.
          const keysBar = progress('reading', total);
          const messages: BulkMessage[] = [];
          for (const { label, msgs } of sources) {
            for (let i = 0; i < msgs.count; i++) {
              messages.push({ key: messageKey(msgs.get(i)), label, tokens: () => messageTokens(msgs.get(i), cfg.hostname) });
              keysBar.tick(messages.length, label);
            }
          }
          keysBar.end();
          let bar = progress('training, pass 1', total);
          let pass = 1;
          counts = await trainThick(junk, scope, messages, {
            passes,
            warmup: Math.max(cfg.spam.min_trained, scope.kind === 'user' ? cfg.spam.user_min_trained : 0),
            score: async (tokens) => (await scoreIn(junk, scope, tokens)).raw,
            onProgress: (p) => {
              if (p.pass !== pass) {
                bar.end();
                pass = p.pass;
                bar = progress(`training, pass ${pass}`, total);
              }
              bar.tick(p.done, `${p.trained} trained`);
            },
          });
          bar.end();
        }
        const t = await junk.getTotals(scope);
        process.stdout.write(`${total} messages: ${counts.trained} trained, ${counts.relabelled} relabelled, ${counts.unchanged} already trained${o.mode === 'thick' ? `, ${total - counts.trained - counts.relabelled - counts.unchanged} already scored right (thick mode)` : ''}\n`);
        process.stdout.write(`${o.user ? o.user.toLowerCase() : 'global'} statistics: ${t.ham} ham, ${t.spam} spam\n`);
      }).catch(fail));
  cmd
    .command('classify <file>')
    .description('score one message file: score, verdict and the tokens that decided it')
    .option('--user <address>', "score as for this user (their own statistics once trained enough)")
    .option('--json', 'JSON output')
    .action((file: string, o: { user?: string; json?: boolean }) =>
      withStatistics(global(), async (store, junk, cfg) => {
        const { userId } = await scopeOf(store, o.user);
        const r = await score(junk, cfg, userId, readFileSync(file));
        const verdict = r.trained ? r.verdict : 'untrained';
        const scope = r.scope.kind === 'global' ? 'global' : (o.user ?? '').toLowerCase();
        if (o.json) return printJson({ score: r.score, verdict, scope, trained: r.totals, clues: r.clues.slice(0, 20) });
        process.stdout.write(`score: ${r.score.toFixed(4)}\nverdict: ${verdict}\nscope: ${scope} (${r.totals.ham} ham, ${r.totals.spam} spam trained)\nclues:\n`);
        for (const c of r.clues.slice(0, 20)) process.stdout.write(`  ${c.probability.toFixed(3)}  ${JSON.stringify(c.token)}  (ham ${c.ham}, spam ${c.spam})\n`);
      }).catch(fail));
  cmd
    .command('eval')
    .description('classify labelled mail without training: false-positive, false-negative and unsure rates, messages/second')
    .requiredOption('--ham <dir|mbox>', 'ham', list)
    .requiredOption('--spam <dir|mbox>', 'spam', list)
    .option('--user <address>', 'score as for this user')
    .option('--json', 'JSON output')
    .action((o: { ham: string[]; spam: string[]; user?: string; json?: boolean }) =>
      withStatistics(global(), async (store, junk, cfg) => {
        const { userId } = await scopeOf(store, o.user);
        const sources: Array<{ label: Label; msgs: ReturnType<typeof messagesFrom> }> = [
          ...o.ham.map((p) => ({ label: 'ham' as const, msgs: messagesFrom(p) })),
          ...o.spam.map((p) => ({ label: 'spam' as const, msgs: messagesFrom(p) })),
        ];
        const total = sources.reduce((n, s) => n + s.msgs.count, 0);
        const n = { ham: 0, spam: 0, fp: 0, fn: 0, unsure: 0 };
        const bar = progress('evaluating', total);
        const t0 = process.hrtime.bigint();
        let done = 0;
        for (const { label, msgs } of sources) {
          for (let i = 0; i < msgs.count; i++) {
            const r = await score(junk, cfg, userId, msgs.get(i));
            n[label]++;
            if (r.verdict === 'unsure') n.unsure++;
            if (label === 'ham' && r.verdict === 'spam') n.fp++;
            if (label === 'spam' && r.verdict !== 'spam') n.fn++;
            bar.tick(++done, label);
          }
        }
        bar.end();
        const secs = Number(process.hrtime.bigint() - t0) / 1e9;
        const pct = (a: number, b: number) => (b ? (100 * a) / b : 0);
        const res = {
          ham: n.ham,
          spam: n.spam,
          falsePositiveRate: pct(n.fp, n.ham),
          falseNegativeRate: pct(n.fn, n.spam),
          unsureRate: pct(n.unsure, n.ham + n.spam),
          messagesPerSecond: secs > 0 ? done / secs : 0,
          thresholds: { ham: cfg.spam.ham_threshold, junk: cfg.spam.junk_threshold },
        };
        if (o.json) return printJson(res);
        process.stdout.write(
          `messages: ${n.ham} ham, ${n.spam} spam (spam at score >= ${cfg.spam.junk_threshold})\n` +
            `false-positive rate: ${res.falsePositiveRate.toFixed(2)}% (${n.fp} ham called spam)\n` +
            `false-negative rate: ${res.falseNegativeRate.toFixed(2)}% (${n.fn} spam not called spam)\n` +
            `unsure rate: ${res.unsureRate.toFixed(2)}% (${n.unsure})\n` +
            `speed: ${res.messagesPerSecond.toFixed(0)} messages/second\n`,
        );
      }).catch(fail));
  cmd
    .command('export')
    .description('write every training record of the statistics ([spam] statistics) as JSON Lines, users by address (docs/spam.md "Export and import"): a backup, or the input of `spam import` on another engine or node')
    .option('--output <file>', 'write to this file (created with mode 0600 under a temporary name, renamed when complete) instead of standard output')
    .action((o: { output?: string }) =>
      withStatistics(global(), async (store, junk) => {
        const tmp = o.output === undefined ? null : `${o.output}.tmp-${process.pid}`;
        const out: Writable = tmp === null ? process.stdout : createWriteStream(tmp, { flags: 'wx', mode: 0o600 });
        // A reader that stops early (`spam export | head`): stop quietly with the status of a
        // program ended by SIGPIPE (128 + 13), not with a stack trace.
        if (tmp === null) process.stdout.on('error', (e: NodeJS.ErrnoException) => {
          if (e.code !== 'EPIPE') throw e;
          process.exit(141);
        });
        if (tmp !== null) await once(out, 'open').catch((e: Error) => Promise.reject(new UsageError(`cannot write ${o.output}: ${e.message}`)));
        try {
          const writer = chunkedWriter(out);
          // no progress on a terminal that also shows the data
          const bar = tmp === null && process.stdout.isTTY ? { tick: () => undefined, end: () => undefined } : progress('exporting', null);
          const sum = await exportStatistics(junk, directoryOf(store), writer.write, (n) => bar.tick(n, 'records'));
          bar.end();
          await writer.flush();
          if (tmp !== null) {
            out.end();
            await once(out, 'finish');
            renameSync(tmp, o.output!);
          }
          const skipped = sum.skipped.records ? `; skipped ${plural(sum.skipped.records, 'record')} of ${plural(sum.skipped.userIds.length, 'user id')} the store no longer has (${sum.skipped.userIds.slice(0, 5).join(', ')}${sum.skipped.userIds.length > 5 ? ', ...' : ''})` : '';
          process.stderr.write(`exported ${plural(sum.records, 'record')} (${sum.global} global, ${sum.records - sum.global} of ${plural(sum.users, 'user')})${skipped}\n`);
        } catch (e) {
          if (tmp !== null) {
            out.destroy();
            rmSync(tmp, { force: true });
          }
          throw e;
        }
      }).catch(fail));
  cmd
    .command('import <file>')
    .description('add the training records of a `spam export` file ("-": standard input) to the statistics ([spam] statistics): users matched by address, a user missing here skipped (never created); a record already here with the same label is left alone, with the other label relabelled, absent it is added; importing a file twice changes nothing')
    .action((file: string) =>
      withStatistics(global(), async (store, junk) => {
        const name = file === '-' ? 'standard input' : file;
        if (file !== '-') {
          try {
            if (!statSync(file).isFile()) throw new Error('not a regular file');
          } catch (e) {
            throw new UsageError(`cannot read ${file}: ${(e as Error).message}`);
          }
        }
        const total = await lineCount(file);
        const bar = progress('importing', total === null ? null : Math.max(0, total - 2)); // less the header and end lines
        let done: ImportSummary | null = null;
        try {
          const input = file === '-' ? process.stdin : createReadStream(file);
          done = await importStatistics(junk, directoryOf(store), readExport(input), (s) => {
            done = s;
            bar.tick(s.records, `${s.added} added`);
          });
        } catch (e) {
          if (!(e instanceof ExportFormatError)) throw e;
          bar.end();
          const before = done as ImportSummary | null;
          throw new UsageError(`${name}: ${e.message}; ${before ? `stopped there, after ${importSummary(before)}` : 'nothing imported'}`);
        }
        bar.end();
        process.stdout.write(`${importSummary(done)}\n`);
      }).catch(fail));
}
