/**
 * STORE / UID STORE: RFC 9051 §6.4.6, RFC 7162 §3.1.3 (UNCHANGEDSINCE).
 *
 *   store = "STORE" SP sequence-set [store-modifiers] SP store-att-flags
 *   store-modifiers = SP "(" store-modifier *(SP store-modifier) ")"
 *   store-modifier = "UNCHANGEDSINCE" SP mod-sequence-valzer
 *   store-att-flags = (["+" / "-"] "FLAGS" [".SILENT"]) SP (flag-list / (flag *(SP flag)))
 */
import type { ImapCommand } from './types.ts';
import type { Scanner } from './scanner.ts';

export function parseStore(s: Scanner, tag: string, uid: boolean): ImapCommand {
  s.sp();
  const set = s.sequenceSet();
  s.sp();
  let unchangedSince: bigint | null = null;
  if (s.peek() === 0x28) {
    const mods = s.list(() => {
      const mod = s.atom('store modifier').toUpperCase();
      if (mod !== 'UNCHANGEDSINCE') s.fail(`Unknown store modifier ${mod.slice(0, 40)}`);
      s.sp();
      return s.number64();
    });
    if (mods.length > 1) s.fail('Repeated UNCHANGEDSINCE');
    unchangedSince = mods[0] ?? null;
    s.sp();
  }
  const action = s.tryChar('+') ? 'add' : s.tryChar('-') ? 'remove' : 'replace';
  const item = s.atom('FLAGS').toUpperCase();
  if (item !== 'FLAGS' && item !== 'FLAGS.SILENT') s.fail(`Unknown store item ${item.slice(0, 40)}`);
  s.sp();
  let flags: string[];
  if (s.peek() === 0x28) {
    flags = s.flagList();
  } else {
    flags = [s.flag()];
    while (s.trySp()) flags.push(s.flag());
  }
  s.end();
  return { tag, name: 'STORE', uid, set, action, silent: item === 'FLAGS.SILENT', flags, unchangedSince };
}
