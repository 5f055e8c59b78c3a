/** `mailwarden queue list|show|retry|delete`: the outbound queue. */
import type { Command } from 'commander';
import type { QueueEntry } from '../store/ports.ts';
import { fail, printJson, printTable, withStore, type GlobalOptions, UsageError } from './common.ts';

const iso = (t: number | null) => (t === null ? null : new Date(t).toISOString());

function entryJson(e: QueueEntry) {
  return {
    id: e.id,
    from: e.mailFrom,
    domain: e.domain,
    size: e.size,
    createdAt: iso(e.createdAt),
    nextAttemptAt: iso(e.nextAttemptAt),
    attempts: e.attempts,
    leased: e.leaseUntil > Date.now(),
    lastError: e.lastError,
    warnedAt: iso(e.warnedAt),
    recipients: e.recipients.map((r) => ({ address: r.address, status: r.status, statusCode: r.statusCode, lastReply: r.lastReply, remoteMta: r.remoteMta, tls: r.tls, notified: r.notified })),
  };
}

function id(s: string): number {
  const n = Number(s);
  if (!Number.isInteger(n) || n <= 0) throw new UsageError(`queue id must be a positive number, not ${JSON.stringify(s)}`);
  return n;
}

export function registerQueue(program: Command, global: () => GlobalOptions): void {
  const cmd = program.command('queue').description('the outbound mail queue');
  cmd.command('list').description('list queued messages (one entry per destination domain)').option('--json', 'JSON output').action((o: { json?: boolean }) =>
    withStore(global(), async (store) => {
      const q = await store.listQueue();
      if (o.json) return printJson(q.map(entryJson));
      printTable(
        q.map((e) => [String(e.id), e.mailFrom || '<>', e.domain, String(e.recipients.filter((r) => r.status === 'pending').length), String(e.attempts), new Date(e.nextAttemptAt).toISOString(), (e.lastError ?? '').slice(0, 60)]),
        ['ID', 'FROM', 'DOMAIN', 'PENDING', 'TRIES', 'NEXT', 'LAST ERROR'],
      );
    }).catch(fail));
  cmd.command('show <id>').description('one entry: recipients, their status, and the delivery log').option('--json', 'JSON output').action((s: string, o: { json?: boolean }) =>
    withStore(global(), async (store) => {
      const e = await store.getQueueEntry(id(s));
      if (!e) throw new UsageError(`no queue entry ${s}`);
      const log = (await store.listDeliveryLog(e.id)).map((l) => ({ at: iso(l.at), recipient: l.address, result: l.result, statusCode: l.statusCode, reply: l.reply, remoteMta: l.remoteMta, tls: l.tls }));
      if (o.json) return printJson({ ...entryJson(e), log });
      const j = entryJson(e);
      process.stdout.write(`entry ${j.id}: from ${j.from || '<>'} to domain ${j.domain}, ${j.size} bytes\n  arrived ${j.createdAt}, ${j.attempts} attempt(s), next ${j.nextAttemptAt}${j.leased ? ' (being delivered now)' : ''}\n`);
      if (j.lastError) process.stdout.write(`  last error: ${j.lastError}\n`);
      printTable(j.recipients.map((r) => [r.address, r.status, r.statusCode ?? '', r.tls ?? '', r.remoteMta ?? '', (r.lastReply ?? '').slice(0, 70)]), ['RECIPIENT', 'STATUS', 'CODE', 'TLS', 'MX', 'LAST REPLY']);
      if (log.length) {
        process.stdout.write('log:\n');
        for (const l of log) process.stdout.write(`  ${l.at} ${l.recipient} ${l.result} ${l.statusCode} via ${l.remoteMta ?? '-'} tls=${l.tls ?? '-'}: ${l.reply}\n`);
      }
    }).catch(fail));
  cmd.command('retry <id>').description('make an entry due now (a running server picks it up within its poll interval)').action((s: string) =>
    withStore(global(), async (store) => {
      if (!(await store.retryQueueEntry(id(s), Date.now()))) throw new UsageError(`no queue entry ${s}`);
      process.stdout.write(`queue entry ${s} is due now\n`);
    }).catch(fail));
  cmd.command('delete <id>').description('drop an entry without a bounce (its pending recipients never get the message)').action((s: string) =>
    withStore(global(), async (store) => {
      if (!(await store.deleteQueueEntry(id(s)))) throw new UsageError(`no queue entry ${s}`);
      process.stdout.write(`queue entry ${s} deleted\n`);
    }).catch(fail));
}
