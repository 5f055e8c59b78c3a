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
import { legacyMessageKey, messageKey, scopesFor, train, type TrainOutcome } from './train.ts';
import type { JunkStore, Label } from './ports.ts';

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
