/**
 * Scoring a message against the store: choose the scope (the user's own statistics once they
 * have enough data, else the global ones), group a message's recipients by the scope that scores
 * them (one score per group), fetch the counts, classify.
 *
 * Sources: Paul Graham, "A Plan for Spam" (per-user filters adapt to each user's mail);
 * Gary Robinson, "A Statistical Approach to the Spam Problem"; SpamBayes (a database needs a
 * few dozen messages of each class before its verdicts are worth much).
 *
 * Never mixes two scopes' counts in one score (the totals would not match the token counts),
 * and never writes to the store.
 */
import { classify, DEFAULT_CLASSIFIER, degenerate, type Classification, type ClassifierOptions } from './classify.ts';
import type { JunkStore, Scope } from './ports.ts';
import { GLOBAL, userScope } from './ports.ts';

export interface ScopePolicy {
  /** A user's own statistics take precedence once they hold this many trained ham messages ... */
  minHam: number;
  /** ... and this many trained spam messages. */
  minSpam: number;
}

export const DEFAULT_SCOPE_POLICY: ScopePolicy = { minHam: 50, minSpam: 50 };

/** The user's scope when it has enough data, else the global one. */
export async function chooseScope(store: JunkStore, userId: number | null, policy: ScopePolicy = DEFAULT_SCOPE_POLICY): Promise<Scope> {
  if (userId === null) return GLOBAL;
  const mine = userScope(userId);
  const t = await store.getTotals(mine);
  return t.ham >= policy.minHam && t.spam >= policy.minSpam ? mine : GLOBAL;
}

/** Personal scopes scored for one message at most; further users are scored with the global statistics. */
export const MAX_PERSONAL_SCOPES = 20;

/** Recipients who share one scope (so one score, one verdict and one header). */
export interface ScopeGroup {
  scope: Scope;
  userIds: number[];
}

/**
 * The recipients of one message grouped by the statistics that score them: each user whose own
 * statistics have enough data (chooseScope) is a group of their own, everyone else shares the
 * global group. Groups come out in user-id order, the global one (if any) first. At most
 * `maxPersonal` personal scopes: a message to many users costs at most that many lookups.
 * No users at all: one global group with no users (mail for remote or list recipients only).
 */
export async function groupByScope(store: JunkStore, userIds: readonly number[], policy: ScopePolicy = DEFAULT_SCOPE_POLICY, maxPersonal = MAX_PERSONAL_SCOPES): Promise<ScopeGroup[]> {
  const global: ScopeGroup = { scope: GLOBAL, userIds: [] };
  const personal: ScopeGroup[] = [];
  for (const u of [...new Set(userIds)].sort((a, b) => a - b)) {
    const scope = personal.length < maxPersonal ? await chooseScope(store, u, policy) : GLOBAL;
    if (scope.kind === 'global') global.userIds.push(u);
    else personal.push({ scope, userIds: [u] });
  }
  return global.userIds.length > 0 || personal.length === 0 ? [global, ...personal] : personal;
}

export interface ScoredMessage extends Classification {
  scope: Scope;
}

/** Score tokens (tokenize() output) for a recipient (null: no user, global statistics). */
export async function scoreTokens(
  store: JunkStore,
  userId: number | null,
  tokens: readonly string[],
  options: { classifier?: Partial<ClassifierOptions>; policy?: ScopePolicy } = {},
): Promise<ScoredMessage> {
  const scope = await chooseScope(store, userId, options.policy);
  return scoreIn(store, scope, tokens, options.classifier);
}

/** Score tokens with one scope's statistics (no choice of scope: e.g. while training that scope). */
export async function scoreIn(store: JunkStore, scope: Scope, tokens: readonly string[], classifier?: Partial<ClassifierOptions>): Promise<ScoredMessage> {
  const lookup = (classifier?.degenerate ?? DEFAULT_CLASSIFIER.degenerate) ? withDegenerate(tokens) : tokens;
  const [counts, totals] = await Promise.all([store.getCounts(scope, lookup), store.getTotals(scope)]);
  return { ...classify(tokens, counts, totals, classifier), scope };
}

/** The tokens and their plainer forms (classify's degeneration needs the counts of both). */
function withDegenerate(tokens: readonly string[]): string[] {
  const out = new Set(tokens);
  for (const t of tokens) {
    const d = degenerate(t);
    if (d !== null) out.add(d);
  }
  return [...out];
}
