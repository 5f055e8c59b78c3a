/**
 * The queue runner: takes due entries from the store under a lease (so two runners, even in two
 * processes, never deliver the same entry), delivers them through the DeliveryAgent with limits
 * overall and per destination domain, records every recipient outcome before moving on, sends
 * DSNs (bounce.ts), then retires finished entries (releasing the blob) or schedules the next try
 * (schedule.ts).
 *
 * Crash safety: everything that matters is in the store — the queue entry until it is retired,
 * each recipient's status as soon as its reply is known, the DSN together with its "notified"
 * mark. A killed runner's leases simply run out and another (or the restarted) runner goes on:
 * recipients already delivered are never sent again; at worst a recipient whose 250 arrived in
 * the instant before the crash gets the message twice (RFC 5321 §6.1 accepts that window).
 */
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import type { Logger } from '../lib/logger.ts';
import type { QueueEntry, Store } from '../store/ports.ts';
import type { DeliveryAgent, OutboundMessage } from './agent.ts';
import { delayWarningDue, isExpired, nextAttemptAt, type ScheduleOptions } from './schedule.ts';
import { sendDsn, type LocalResolution } from './bounce.ts';

export interface RunnerOptions extends ScheduleOptions {
  concurrency: number;
  perDomainConcurrency: number;
  leaseMs: number;
  pollMs: number;
  /** Messages sent over one connection before it is closed and the next batch taken. */
  batchSize?: number;
}

export interface RunnerDeps {
  store: Store;
  agent: DeliveryAgent;
  resolveLocal(address: string): Promise<LocalResolution>;
  hostname: string;
  logger: Logger;
  /** Milliseconds since the epoch; injectable for tests. */
  clock?: () => number;
}

export class QueueRunner {
  private readonly deps: RunnerDeps;
  private readonly opts: RunnerOptions;
  private readonly owner = `runner-${process.pid}-${randomBytes(4).toString('hex')}`;
  private readonly now: () => number;
  /** Leased entries waiting for a worker, per domain. */
  private readonly backlog = new Map<string, QueueEntry[]>();
  private readonly workers = new Map<string, number>();
  /** Entry ids this runner holds (for lease renewal). */
  private readonly held = new Set<number>();
  private active = 0;
  private timer: NodeJS.Timeout | null = null;
  private heartbeat: NodeJS.Timeout | null = null;
  private pumping = false;
  private again = false;
  private started = false;
  private stopping = false;
  private idleWaiters: Array<() => void> = [];

  constructor(deps: RunnerDeps, opts: RunnerOptions) {
    this.deps = deps;
    this.opts = opts;
    this.now = deps.clock ?? Date.now;
  }

  /** Starts the timer loop (with `serve`). */
  start(): void {
    if (this.started) return;
    this.started = true;
    this.heartbeat = setInterval(() => void this.renew(), Math.max(250, Math.floor(this.opts.leaseMs / 3)));
    this.heartbeat.unref();
    this.wake();
  }

  /** New mail or `queue retry`: look for due entries now. */
  wake(): void {
    if (!this.started || this.stopping) return;
    void this.pump();
  }

  /** Processes everything due now and waits until it is done (tests, and `serve`'s first pass). */
  async runOnce(): Promise<void> {
    await this.pump();
    await this.idle();
  }

  /** Stops taking entries, waits up to `graceMs` for deliveries in flight, releases nothing else. */
  async stop(graceMs = 10_000): Promise<void> {
    this.stopping = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.heartbeat) clearInterval(this.heartbeat);
    // Entries taken but not started yet are handed back at once (lease 0), not after the lease runs out.
    const waiting = [...this.backlog.values()].flat().map((e) => e.id);
    this.backlog.clear();
    for (const id of waiting) this.held.delete(id);
    await this.deps.store.renewQueueLeases(this.owner, waiting, 0).catch(() => undefined);
    await Promise.race([this.idle(), new Promise((r) => setTimeout(r, graceMs).unref())]);
  }

  private idle(): Promise<void> {
    if (this.active === 0 && this.totalBacklog() === 0 && !this.pumping) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private checkIdle(): void {
    if (this.active === 0 && this.totalBacklog() === 0 && !this.pumping) {
      const w = this.idleWaiters;
      this.idleWaiters = [];
      for (const f of w) f();
    }
  }

  private totalBacklog(): number {
    let n = 0;
    for (const l of this.backlog.values()) n += l.length;
    return n;
  }

  private async renew(): Promise<void> {
    if (!this.held.size) return;
    try {
      await this.deps.store.renewQueueLeases(this.owner, [...this.held], this.now() + this.opts.leaseMs);
    } catch (e) {
      this.deps.logger.error({ err: e }, 'queue: lease renewal failed');
    }
  }

  /** Claims due entries while there is room, starts workers, then sleeps until the next due time. */
  private async pump(): Promise<void> {
    if (this.pumping) {
      this.again = true;
      return;
    }
    this.pumping = true;
    try {
      do {
        this.again = false;
        while (!this.stopping && this.totalBacklog() < this.opts.concurrency * 4) {
          const room = this.opts.concurrency * 4 - this.totalBacklog();
          const now = this.now();
          const got = await this.deps.store.claimQueue({ now, limit: Math.min(room, 200), owner: this.owner, leaseUntil: now + this.opts.leaseMs });
          if (!got.length) break;
          for (const e of got) {
            this.held.add(e.id);
            const l = this.backlog.get(e.domain) ?? [];
            l.push(e);
            this.backlog.set(e.domain, l);
          }
          this.startWorkers();
          if (got.length < Math.min(room, 200)) break;
        }
        this.startWorkers();
      } while (this.again && !this.stopping);
    } catch (e) {
      this.deps.logger.error({ err: e }, 'queue: cannot read the queue');
    } finally {
      this.pumping = false;
    }
    await this.scheduleNext();
    this.checkIdle();
  }

  private async scheduleNext(): Promise<void> {
    if (!this.started || this.stopping) return;
    if (this.timer) clearTimeout(this.timer);
    let wait = this.opts.pollMs;
    try {
      const due = await this.deps.store.nextQueueDue();
      if (due !== null) wait = Math.min(wait, Math.max(0, due - this.now()) + 5);
    } catch {
      /* store closing; the poll interval will do */
    }
    if (this.stopping) return;
    // Not unref'd: a running queue keeps `serve` alive even with no listeners configured.
    this.timer = setTimeout(() => void this.pump(), wait);
  }

  private startWorkers(): void {
    for (const [domain, list] of this.backlog) {
      while (list.length && this.active < this.opts.concurrency && (this.workers.get(domain) ?? 0) < this.opts.perDomainConcurrency) {
        this.active++;
        this.workers.set(domain, (this.workers.get(domain) ?? 0) + 1);
        void this.worker(domain).finally(() => {
          this.active--;
          this.workers.set(domain, (this.workers.get(domain) ?? 1) - 1);
          if (!this.backlog.get(domain)?.length) this.backlog.delete(domain);
          if (!this.stopping) this.startWorkers();
          this.checkIdle();
          if (!this.stopping && this.totalBacklog() === 0) void this.pump();
        });
      }
    }
  }

  /** Takes batches of one domain's entries and delivers each batch over one connection. */
  private async worker(domain: string): Promise<void> {
    for (;;) {
      const list = this.backlog.get(domain);
      if (!list?.length || this.stopping) return;
      const batch = list.splice(0, this.opts.batchSize ?? 20);
      try {
        await this.deliverBatch(domain, batch);
      } catch (e) {
        this.deps.logger.error({ err: e, domain }, 'queue: delivery batch failed');
        for (const e2 of batch) await this.reschedule(e2, 'internal error during delivery').catch(() => undefined);
      } finally {
        for (const e of batch) this.held.delete(e.id);
      }
    }
  }

  private async deliverBatch(domain: string, batch: QueueEntry[]): Promise<void> {
    const store = this.deps.store;
    const messages: OutboundMessage[] = [];
    for (const e of batch) {
      const pending = e.recipients.filter((r) => r.status === 'pending').map((r) => r.address);
      if (!pending.length) continue;
      messages.push({ queueId: e.id, mailFrom: e.mailFrom, recipients: pending, size: e.size, open: () => Readable.from(store.streamBlob(e.blobId)) });
    }
    if (messages.length) {
      await this.deps.agent.deliver(domain, messages, async (msg, results) => {
        // Recorded (durably) before the agent sends the next message.
        await store.recordQueueResults(msg.queueId, results, this.now());
        for (const r of results) this.deps.logger.info({ queueId: msg.queueId, from: msg.mailFrom || '<>', to: r.address, result: r.result, status: r.statusCode, mx: r.remoteMta, tls: r.tls, reply: r.reply }, `delivery: ${r.result}`);
      });
    }
    for (const e of batch) await this.finish(e.id);
  }

  /** After an attempt: expire, send DSNs, then retire the entry or schedule its next attempt. */
  private async finish(id: number): Promise<void> {
    const store = this.deps.store;
    let entry = await store.getQueueEntry(id);
    if (!entry) return; // deleted meanwhile (queue delete)
    const now = this.now();
    const expireAt = entry.createdAt + this.opts.expireMs;
    let pending = entry.recipients.filter((r) => r.status === 'pending');
    if (pending.length && isExpired(this.opts, entry.createdAt, now)) {
      // RFC 5321 §4.5.4.1: retried long enough; report the last temporary error as final.
      await store.recordQueueResults(id, pending.map((r) => ({
        address: r.address,
        result: 'failed',
        reply: `gave up after ${entry!.attempts + 1} attempts: ${r.lastReply ?? 'no answer'}`,
        statusCode: r.statusCode?.startsWith('4') ? r.statusCode : '4.4.7',
        remoteMta: r.remoteMta,
        tls: r.tls,
      })), now);
      entry = (await store.getQueueEntry(id))!;
      pending = [];
    }
    const bounceDeps = { store, resolveLocal: this.deps.resolveLocal, hostname: this.deps.hostname, logger: this.deps.logger, onQueued: () => this.wake() };
    const unnotified = entry.recipients.filter((r) => r.status === 'failed' && !r.notified);
    try {
      if (unnotified.length) await sendDsn(bounceDeps, entry, unnotified, 'failure', now, expireAt);
      else if (pending.length && entry.warnedAt === null && entry.mailFrom !== '' && delayWarningDue(this.opts, entry.createdAt, now)) {
        await sendDsn(bounceDeps, entry, pending, 'delay', now, expireAt);
      }
    } catch (e) {
      this.deps.logger.error({ err: e, queueId: id }, 'queue: DSN could not be committed; will retry');
      await this.reschedule(entry, 'DSN not committed yet', now + Math.min(60_000, this.opts.scheduleMs[0] ?? 60_000));
      return;
    }
    if (!pending.length) {
      await store.deleteQueueEntry(id); // retire: releases the queue's blob reference
      this.deps.logger.info({ queueId: id, delivered: entry.recipients.filter((r) => r.status === 'delivered').length, failed: entry.recipients.filter((r) => r.status === 'failed').length }, 'queue: entry done');
      return;
    }
    await this.reschedule(entry, pending.map((r) => `${r.address}: ${r.lastReply ?? '?'}`).join('; '));
  }

  private async reschedule(entry: QueueEntry, lastError: string, at?: number): Promise<void> {
    const now = this.now();
    const next = at ?? nextAttemptAt(this.opts, entry.createdAt, entry.attempts, now);
    await this.deps.store.rescheduleQueueEntry(entry.id, next, lastError.slice(0, 2000));
  }
}
