/**
 * Scenarios whose defence is being built elsewhere. Each names the defence and the piece that is
 * missing; `built()` looks for that piece, and until it exists the scenario is reported NOT BUILT
 * (never PASS). Once it exists and `run()` is still absent, the scorecard says the defence exists
 * but the scenario is not wired into the lab yet (still NOT BUILT).
 *
 * Wiring notes for later:
 *  - 13: the wire (wire.ts, mode "tamper") already strips STARTTLS; publish an MTA-STS policy for
 *    icloud.test with mode enforce and check gmail.test keeps the message queued instead.
 */
import { needsSource, type Scenario } from '../scenario.ts';

export const mtaSts: Scenario = {
  id: 13,
  name: 'mta-sts',
  title: 'STARTTLS stripped toward an MTA-STS domain',
  attack: 'a man in the middle strips STARTTLS between gmail.test and icloud.test, which publishes MTA-STS mode enforce',
  defence: 'MTA-STS (RFC 8461): the sender refuses to deliver in clear text and keeps the message queued',
  built: needsSource('standards/mtasts', 'MTA-STS (RFC 8461: policy fetch over HTTPS and enforcement in outbound delivery, src/standards/mtasts/) is not built yet'),
};
