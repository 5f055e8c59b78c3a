/**
 * Export and import of the Bayesian filter's statistics through the JunkStore port, in the
 * portable format of export.ts: `mailwarden spam export` and `spam import` (src/cli/spam.ts).
 *
 * Export streams JunkStore.records() (paged by the engine, bounded memory) and names each user
 * scope by the user's address; records of a user id the store no longer has are skipped and
 * counted. Import maps each address to the local user (a user missing here is skipped and
 * counted, never created) and trains the record through trainScope (train.ts), whose
 * compare-and-swap gives the exactly-once rule of every other training: a record already present
 * with the same label is left alone ("unchanged"), with the other label it is relabelled (the
 * stored record undone exactly, the imported one counted), absent it is added, with its own
 * trainedAt. Importing one file twice therefore changes nothing the second time.
 *
 * Never: create a user, write into a scope the file does not name through a local address, or
 * hold more than one page of records (export) or one line (import) in memory beyond the small
 * per-user caches.
 */
import { GLOBAL, userScope, type JunkStore, type Scope } from './ports.ts';
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

/**
 * Trains every record of `entries` (readExport's output) into `junk`; the summary. A format
 * error thrown by `entries` propagates: the records before it have been imported (importing the
 * corrected file again adds only the rest).
 */
export async function importStatistics(junk: JunkStore, users: UserDirectory, entries: AsyncIterable<PortableRecord>, onRecord?: (sum: ImportSummary) => void): Promise<ImportSummary> {
  const sum: ImportSummary = { records: 0, added: 0, relabelled: 0, unchanged: 0, skipped: { records: 0, users: [] } };
  const missing = new Set<string>();
  let last = null as { address: string; scope: Scope | null } | null;
  for await (const { owner, record } of entries) {
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
      const outcome = await trainScope(junk, scope, { key: record.key, tokens: record.tokens }, record.label, { now: record.trainedAt });
      if (outcome === 'trained') sum.added++;
      else if (outcome === 'relabelled') sum.relabelled++;
      else sum.unchanged++;
    }
    onRecord?.(sum);
  }
  return sum;
}
