/** Every lab scenario, in the order of a typical e-mail security lecture (the numbering). */
import type { Scenario } from '../scenario.ts';
import { legitimate } from './legitimate.ts';
import { forgedReject } from './forged-reject.ts';
import { forgedQuarantineNone } from './forged-quarantine-none.ts';
import { senderRestriction } from './sender-restriction.ts';
import { displayName, lookalike } from './phishing.ts';
import { openRelay } from './open-relay.ts';
import { passwordGuessing } from './password-guessing.ts';
import { plaintextAuth } from './plaintext-auth.ts';
import { mtaSts } from './mta-sts.ts';
import { spamAttachments } from './spam-attachments.ts';
import { mailingListArc } from './mailing-list.ts';
import { dkimTamper } from './dkim-tamper.ts';
import { smuggling } from './smuggling.ts';

export const SCENARIOS: readonly Scenario[] = [
  legitimate,
  forgedReject,
  forgedQuarantineNone,
  senderRestriction,
  displayName,
  lookalike,
  openRelay,
  passwordGuessing,
  plaintextAuth,
  mailingListArc,
  dkimTamper,
  smuggling,
  mtaSts,
  spamAttachments,
];

/** Finds scenarios by name or number ("forged-reject", "2"); unknown names are returned in `unknown`. */
export function selectScenarios(names: readonly string[]): { selected: Scenario[]; unknown: string[] } {
  if (!names.length) return { selected: [...SCENARIOS], unknown: [] };
  const unknown: string[] = [];
  const selected = new Set<Scenario>();
  for (const n of names) {
    const s = SCENARIOS.find((x) => x.name === n.toLowerCase() || String(x.id) === n);
    if (s) selected.add(s);
    else unknown.push(n);
  }
  return { selected: SCENARIOS.filter((s) => selected.has(s)), unknown };
}
