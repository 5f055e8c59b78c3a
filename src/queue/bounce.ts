/**
 * Bounces and delay warnings: the DSN (standards/dsn) for a queue entry's failed or delayed
 * recipients goes to the envelope sender — into the local mailbox when the sender is one of our
 * users, into the queue otherwise — and commits together with the note that it was sent
 * (IngestRequest.dsnFor), so a crash can neither lose it nor send it twice.
 *
 * Never bounces a bounce: a message with the null reverse-path gets no DSN (RFC 5321 §4.5.5,
 * RFC 3461 §6.2); its failed recipients are just marked done. DSNs themselves are sent with the
 * null reverse-path.
 */
import type { Logger } from '../lib/logger.ts';
import type { QueueEntry, QueueRecipient, Store } from '../store/ports.ts';
import { buildDsn, type DsnRecipient } from '../standards/dsn/dsn.ts';

/** `remote.address`: where the DSN really goes when the sender was an SRS address of ours (the original sender). */
export type LocalResolution = { kind: 'local'; userIds: number[] } | { kind: 'unknown' } | { kind: 'remote'; address?: string };

export interface BounceDeps {
  store: Pick<Store, 'ingest' | 'streamBlob' | 'markQueueNotified'>;
  /** Is this address one of our users (deliver the DSN locally), an unknown local address, or remote? */
  resolveLocal(address: string): Promise<LocalResolution>;
  hostname: string;
  logger: Logger;
  onQueued?: () => void;
}

/** The header section of a stored message (up to 64 KiB), for the DSN's third part. */
async function headerSection(store: BounceDeps['store'], blobId: number): Promise<Buffer> {
  const limit = 64 * 1024;
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of store.streamBlob(blobId)) {
    chunks.push(c);
    size += c.length;
    const all = Buffer.concat(chunks);
    const end = all.indexOf('\r\n\r\n');
    if (end >= 0) return all.subarray(0, end + 2);
    if (size > limit) return all.subarray(0, limit);
  }
  return Buffer.concat(chunks);
}

export async function sendDsn(deps: BounceDeps, entry: QueueEntry, recipients: QueueRecipient[], kind: 'failure' | 'delay', now: number, expireAt: number): Promise<void> {
  const addresses = recipients.map((r) => r.address);
  if (entry.mailFrom === '') {
    if (kind === 'failure') await deps.store.markQueueNotified(entry.id, addresses);
    deps.logger.info({ queueId: entry.id, recipients: addresses, kind }, 'dsn: none for the null reverse-path (never bounce a bounce)');
    return;
  }
  const dest = await deps.resolveLocal(entry.mailFrom);
  if (dest.kind === 'unknown') {
    if (kind === 'failure') await deps.store.markQueueNotified(entry.id, addresses);
    deps.logger.warn({ queueId: entry.id, sender: entry.mailFrom }, 'dsn: sender is not a local user any more; DSN dropped');
    return;
  }
  const dsnRecipients: DsnRecipient[] = recipients.map((r) => ({
    address: r.address,
    action: kind === 'failure' ? 'failed' : 'delayed',
    status: r.statusCode ?? (kind === 'failure' ? '5.0.0' : '4.0.0'),
    diagnostic: r.lastReply,
    remoteMta: r.remoteMta,
    lastAttempt: new Date(now),
    ...(kind === 'delay' ? { willRetryUntil: new Date(expireAt) } : {}),
  }));
  const { message, messageId } = buildDsn({
    kind,
    reportingMta: deps.hostname,
    to: entry.mailFrom,
    arrivalDate: new Date(entry.createdAt),
    recipients: dsnRecipients,
    originalHeaders: await headerSection(deps.store, entry.blobId),
    date: new Date(now),
  });
  const res = await deps.store.ingest({
    blob: { kind: 'buffer', data: message },
    mailFrom: '', // RFC 3464 §2 / RFC 5321 §4.5.5: DSNs use the null reverse-path
    internalDate: now,
    deliveries: dest.kind === 'local' ? dest.userIds.map((userId) => ({ userId, mailbox: 'INBOX' })) : [],
    outbound: dest.kind === 'remote' ? [{ address: dest.address ?? entry.mailFrom }] : [],
    dsnFor: { queueId: entry.id, kind, addresses },
  });
  deps.logger.info({ queueId: entry.id, sender: entry.mailFrom, recipients: addresses, kind, messageId, local: dest.kind === 'local', queued: res.queueIds }, 'dsn: sent');
  if (res.queueIds.length) deps.onQueued?.();
}
