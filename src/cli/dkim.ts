/** `mailwarden dkim rotate|list`: signing keys per domain. Private keys are never printed. */
import type { Command } from 'commander';
import { rotateDkimKeys } from '../directory/dkim-keys.ts';
import { dkimTxtValue } from '../standards/dkim/keys.ts';
import { fail, printJson, printTable, withStore, type GlobalOptions, UsageError } from './common.ts';

export function registerDkim(program: Command, global: () => GlobalOptions): void {
  const cmd = program.command('dkim').description('DKIM signing keys (RSA-2048 and Ed25519 per domain)');
  cmd
    .command('rotate <domain>')
    .description('make new keys (new date-named selectors); the old ones stop signing at once')
    .option('--json', 'JSON output')
    .action((domain: string, o: { json?: boolean }) =>
      withStore(global(), async (store) => {
        const d = domain.trim().toLowerCase();
        if (!(await store.getDomain(d))) throw new UsageError(`${d} is not a local domain`);
        const keys = await rotateDkimKeys(store, d);
        const out = keys.map((k) => ({ selector: k.selector, algorithm: k.algorithm, name: `${k.selector}._domainkey.${d}`, txt: dkimTxtValue(k.algorithm, k.publicKey) }));
        if (o.json) return printJson(out);
        process.stdout.write(`new DKIM keys for ${d}; publish these TXT records (or run: mailwarden dns records ${d}):\n`);
        for (const k of out) process.stdout.write(`  ${k.name}  "${k.txt}"\n`);
        process.stdout.write('Keep the previous records published for a few days so mail already sent still verifies.\n');
      }).catch(fail));
  cmd
    .command('list <domain>')
    .description('list the domain\'s keys (selectors, algorithms, active or retired)')
    .option('--json', 'JSON output')
    .action((domain: string, o: { json?: boolean }) =>
      withStore(global(), async (store) => {
        const d = domain.trim().toLowerCase();
        const keys = await store.listDkimKeys(d, true);
        const rows = keys.map((k) => ({ selector: k.selector, algorithm: k.algorithm, active: k.active, createdAt: new Date(k.createdAt).toISOString() }));
        if (o.json) return printJson(rows);
        printTable(rows.map((r) => [r.selector, r.algorithm, r.active ? 'active' : 'retired', r.createdAt]), ['SELECTOR', 'ALGORITHM', 'STATE', 'CREATED']);
      }).catch(fail));
}
