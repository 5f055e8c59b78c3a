/**
 * The filter applied to messages as the server holds them: tokens with our own authentication
 * verdicts, and training from stored messages (a user's move into or out of Junk).
 *
 * Sources: as src/junk (Graham, Robinson, SpamBayes: train on the user's corrections, once per
 * message); RFC 8601 (only Authentication-Results carrying our authserv-id are ours).
 *
 * The key of a stored message is messageKey() of its bytes (our X-Mailwarden-Spam field left
 * out), so a copy (same blob), another recipient's copy with their own verdict field, and the same
 * message trained from a file by `mailwarden spam train` are one message: never counted twice.
 * Records made before the field was left out are found through legacyMessageKey().
 * Never trusts an Authentication-Results field with another authserv-id, never throws past the
 * caller's catch for content (tokenize() does not throw on content).
 */
import { collectAuthResults } from '../standards/authresults/authresults.ts';
import { tokenize, verdictsFromAuthResults, type AuthVerdict } from './tokenize.ts';
import { keyIn, legacyMessageKey, messageKey, messageKeysOf, scopesFor, train, untrainScope, type TrainOutcome } from './train.ts';
import { GLOBAL, userScope, type JunkStore, type Label, type TrainingRecord } from './ports.ts';

/** The verdicts in OUR Authentication-Results fields (authserv-id `authservId`) of a message or header block. */
export function ourVerdicts(raw: Buffer, authservId: string): AuthVerdict[] {
  return verdictsFromAuthResults(collectAuthResults(raw, authservId));
}

/** The tokens of a message as stored (our Authentication-Results, if any, as verdict tokens). */
export function messageTokens(raw: Buffer, authservId: string | null): string[] {
  return tokenize(raw, authservId === null ? {} : { verdicts: ourVerdicts(raw, authservId) });
}

export interface StoredTrainingDeps {
  junk: JunkStore;
  readBlob(blobId: number): Promise<Buffer>;
  authservId: string;
  /** Also train the global scope (config [spam] train_global). */
  trainGlobal: boolean;
}

/** Train stored messages (by blob) as `label` for a user: their own scope and, optionally, the global one. */
export async function trainStored(deps: StoredTrainingDeps, userId: number, blobIds: readonly number[], label: Label): Promise<TrainOutcome[][]> {
  const out: TrainOutcome[][] = [];
  for (const blobId of new Set(blobIds)) {
    const raw = await deps.readBlob(blobId);
    const legacy = legacyMessageKey(raw);
    const msg = { key: messageKey(raw), tokens: messageTokens(raw, deps.authservId), ...(legacy === null ? {} : { aliases: [legacy] }) };
    out.push(await train(deps.junk, scopesFor(userId, deps.trainGlobal), msg, label));
  }
  return out;
}

/** The keys a stored message may be trained under: messageKey() and, if it differs, the legacy one. */
export interface StoredMessageKeys {
  key: string;
  aliases: string[];
}

/** The keys of a stored message, from its bytes as a stream (memory bounded by its header). */
export async function storedMessageKeys(blob: AsyncIterable<Uint8Array>): Promise<StoredMessageKeys> {
  const { key, legacy } = await messageKeysOf(blob);
  return { key, aliases: legacy === null ? [] : [legacy] };
}

/** The record a user's own statistics hold for a message (what their Spam / Not spam trained), or null. */
export async function userTraining(junk: JunkStore, userId: number, keys: StoredMessageKeys): Promise<TrainingRecord | null> {
  const scope = userScope(userId);
  return junk.getRecord(scope, await keyIn(junk, scope, { ...keys, tokens: [] }));
}

/**
 * Forgets a user's training of a message, exactly (train.ts untrainScope: the stored token list
 * subtracted): their own record, and, when their verdicts also train the global statistics
 * (`trainGlobal`), the global record of the message if it has the same label (one with the other
 * label is somebody else's later verdict, and stays). Outcomes per scope, the user's first; a
 * message the user has not trained forgets nothing (['absent']).
 */
export async function forgetTraining(deps: { junk: JunkStore; trainGlobal: boolean }, userId: number, keys: StoredMessageKeys): Promise<TrainOutcome[]> {
  const own = userScope(userId);
  const ownKey = await keyIn(deps.junk, own, { ...keys, tokens: [] });
  const record = await deps.junk.getRecord(own, ownKey);
  if (record === null) return ['absent'];
  const out = [await untrainScope(deps.junk, own, ownKey, { label: record.label })];
  if (deps.trainGlobal) out.push(await untrainScope(deps.junk, GLOBAL, await keyIn(deps.junk, GLOBAL, { ...keys, tokens: [] }), { label: record.label }));
  return out;
}
