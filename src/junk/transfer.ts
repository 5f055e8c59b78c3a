/**
 * Export and import of the Bayesian filter's statistics through the JunkStore port, in the
 * portable format of export.ts: `mailwarden spam export` and `spam import` (src/cli/spam.ts).
 *
 * Export streams JunkStore.records() (paged by the engine, bounded memory) and names each user
 * scope by the user's address; records of a user id the store no longer has are skipped and
 * counted. Import maps each address to the local user (a user missing here is skipped and
 * counted, never created) and trains the records with the exactly-once rule of every other
 * training (trainScope, train.ts): a record already present with the same label is left alone
 * ("unchanged"), with the other label it is relabelled (the stored record undone exactly, the
 * imported one counted), absent it is added, with its own trainedAt. Importing one file twice
 * therefore changes nothing the second time. The records of one scope are committed in batches
 * (IMPORT_BATCH, one transaction each: JunkStore.commitBatch) as new records, each a
 * compare-and-swap on "no record yet"; a record the statistics already hold fails it, changes
 * nothing, and is trained on its own through trainScope. A format error stops the import after
 * the records before its line are committed.
 *
 * Never: create a user, write into a scope the file does not name through a local address, or
 * hold more than one page of records (export) or one batch (import: IMPORT_BATCH records and
 * about IMPORT_BATCH_TOKEN_CHARS of tokens, plus one line) in memory beyond the small per-user
 * caches.
 */
import { GLOBAL, userScope, type JunkStore, type RecordChange, type Scope, type TrainingRecord } from './ports.ts';
import { headerLine, recordLine, trailerLine, type Owner, type PortableRecord } from './export.ts';
import { trainScope } from './train.ts';

/** How user ids and addresses map in the store whose statistics these are. */
export interface UserDirectory {
  /** The canonical address of user `id`, or null when there is no such user (any more). */
  addressOf(id: number): Promise<string | null>;
  /** The id of the user with this address (already lower case), or null when there is none. */
  idOf(address: string): Promise<number | null>;
}

export interface ExportSummary {
  records: number;
  /** Of `records`, in the global scope. */
  global: number;
  /** Users whose records were exported. */
  users: number;
  /** Records left out because their user id has no user in the store, and how many such ids. */
  skipped: { records: number; userIds: number[] };
}

/** Writes the whole export through `write` (which may wait, for backpressure); the summary. */
export async function exportStatistics(junk: JunkStore, users: UserDirectory, write: (text: string) => void | Promise<void>, onRecord?: (written: number) => void): Promise<ExportSummary> {
  const sum: ExportSummary = { records: 0, global: 0, users: 0, skipped: { records: 0, userIds: [] } };
  await write(headerLine());
  // records() yields a scope's records together: the last scope's owner is all the cache needed.
  let last = null as { id: number; owner: Owner | null } | null;
  for await (const { scope, record } of junk.records()) {
    let owner: Owner | null = { kind: 'global' };
    if (scope.kind === 'user') {
      if (last?.id !== scope.userId) {
        const address = await users.addressOf(scope.userId);
        last = { id: scope.userId, owner: address === null ? null : { kind: 'user', address } };
        if (address === null) sum.skipped.userIds.push(scope.userId);
        else sum.users++;
      }
      owner = last.owner;
    }
    if (owner === null) {
      sum.skipped.records++;
      continue;
    }
    await write(recordLine({ owner, record }));
    sum.records++;
    if (owner.kind === 'global') sum.global++;
    onRecord?.(sum.records);
  }
  await write(trailerLine(sum.records));
  return sum;
}

export interface ImportSummary {
  records: number;
  added: number;
  relabelled: number;
  unchanged: number;
  /** Records of addresses with no user here, and those addresses (in file order, each once). */
  skipped: { records: number; users: string[] };
}

/** Records committed per transaction by `spam import` (measured in docs/spam.md "Export and import"). */
export const IMPORT_BATCH = 200;
/** A batch is also committed once its tokens reach this many characters (records may be large). */
export const IMPORT_BATCH_TOKEN_CHARS = 4 * 1024 * 1024;

/** A batch being gathered: records of one scope, each key once. */
interface PendingBatch {
  scope: Scope;
  records: TrainingRecord[];
  keys: Set<string>;
  chars: number;
}

/**
 * Commits one batch; counts what happened to each record into `sum`. Optimistic: every record is
 * added as new (an import usually fills statistics that do not have it); the batch leaves alone
 * each one already there, which is then trained on its own (trainScope reads it: the same label
 * is "unchanged", the other relabelled).
 */
async function commitPending(junk: JunkStore, batch: PendingBatch, sum: ImportSummary): Promise<void> {
  const { scope } = batch;
  const changes: RecordChange[] = batch.records.map((r) => ({ key: r.key, remove: null, add: { key: r.key, label: r.label, tokens: [...new Set(r.tokens)], trainedAt: r.trainedAt } }));
  const held = await junk.commitBatch(scope, changes);
  for (const [i, c] of changes.entries()) {
    const outcome = held[i] ? 'trained' : await trainScope(junk, scope, { key: c.key, tokens: c.add!.tokens }, c.add!.label, { now: c.add!.trainedAt });
    if (outcome === 'trained') sum.added++;
    else if (outcome === 'relabelled') sum.relabelled++;
    else sum.unchanged++;
  }
}

/**
 * Trains every record of `entries` (readExport's output) into `junk`, `batchSize` records of a
 * scope per transaction; the summary. A format error thrown by `entries` propagates once the
 * records before it have been imported (importing the corrected file again adds only the rest);
 * `onRecord` has then seen the summary of what was imported.
 */
export async function importStatistics(junk: JunkStore, users: UserDirectory, entries: AsyncIterable<PortableRecord>, onRecord?: (sum: ImportSummary) => void, opts: { batchSize?: number } = {}): Promise<ImportSummary> {
  const batchSize = opts.batchSize ?? IMPORT_BATCH;
  if (!Number.isSafeInteger(batchSize) || batchSize < 1) throw new Error(`spam import: bad batch size ${String(batchSize)}`);
  const sum: ImportSummary = { records: 0, added: 0, relabelled: 0, unchanged: 0, skipped: { records: 0, users: [] } };
  const missing = new Set<string>();
  let last = null as { address: string; scope: Scope | null } | null;
  let pending: PendingBatch | null = null;
  const flush = async () => {
    if (pending === null) return;
    const batch: PendingBatch = pending;
    pending = null;
    await commitPending(junk, batch, sum);
    onRecord?.(sum);
  };
  const it = entries[Symbol.asyncIterator]();
  for (;;) {
    let next: IteratorResult<PortableRecord>;
    try {
      next = await it.next();
    } catch (e) {
      // A bad line: what came before it is imported, then the error goes on.
      await flush();
      throw e;
    }
    if (next.done) break;
    const { owner, record } = next.value;
    sum.records++;
    let scope: Scope | null = GLOBAL;
    if (owner.kind === 'user') {
      const address = owner.address.toLowerCase();
      if (last?.address !== address) {
        const id: number | null = missing.has(address) ? null : await users.idOf(address);
        last = { address, scope: id === null ? null : userScope(id) };
        if (id === null && !missing.has(address)) {
          missing.add(address);
          sum.skipped.users.push(address);
        }
      }
      scope = last.scope;
    }
    if (scope === null) sum.skipped.records++;
    else {
      // One scope per batch, each key once in it (a repeated key is judged after the first is committed).
      const p: PendingBatch | null = pending;
      if (p !== null && (!sameScope(p.scope, scope) || p.keys.has(record.key))) await flush();
      const batch: PendingBatch = pending ?? { scope, records: [], keys: new Set(), chars: 0 };
      pending = batch;
      batch.records.push(record);
      batch.keys.add(record.key);
      for (const t of record.tokens) batch.chars += t.length;
      if (batch.records.length >= batchSize || batch.chars >= IMPORT_BATCH_TOKEN_CHARS) await flush();
    }
    onRecord?.(sum);
  }
  await flush();
  return sum;
}

const sameScope = (a: Scope, b: Scope): boolean => (a.kind === 'global' ? b.kind === 'global' : b.kind === 'user' && a.userId === b.userId);
