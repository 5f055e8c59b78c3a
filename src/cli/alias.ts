/** `mailwarden alias add|list|del` */
import type { Command } from 'commander';
import { addAlias } from '../directory/accounts.ts';
import { fail, printJson, printTable, withStore, type GlobalOptions, UsageError } from './common.ts';

export function registerAlias(program: Command, global: () => GlobalOptions): void {
  const cmd = program.command('alias').description('manage aliases (an address delivering to local users and/or forwarding to external addresses with SRS and an ARC seal)');
  cmd
    .command('add <source> <targets...>')
    .description('add an alias; source "@domain" is an explicit catch-all for that domain; targets outside our domains are forwarded to (docs/forwarding.md)')
    .action((source: string, targets: string[]) =>
      withStore(global(), async (store) => {
        const a = await addAlias(store, source, targets);
        process.stdout.write(`alias ${a.source} -> ${a.targets.join(', ')} added${a.source.startsWith('@') ? ' (catch-all: every unknown address at this domain is delivered)' : ''}\n`);
      }).catch(fail));
  cmd.command('list').description('list aliases').option('--domain <domain>', 'only this domain').option('--json', 'JSON output').action((o: { domain?: string; json?: boolean }) =>
    withStore(global(), async (store) => {
      const as = await store.listAliases(o.domain?.toLowerCase());
      if (o.json) return printJson(as.map((a) => ({ source: a.source, targets: a.targets, createdAt: new Date(a.createdAt).toISOString() })));
      printTable(as.map((a) => [a.source, a.targets.join(', ')]), ['ALIAS', 'TARGETS']);
    }).catch(fail));
  cmd.command('del <source>').description('delete an alias').action((source: string) =>
    withStore(global(), async (store) => {
      if (!(await store.deleteAlias(source.trim().toLowerCase()))) throw new UsageError(`no such alias ${source}`);
      process.stdout.write(`alias ${source} deleted\n`);
    }).catch(fail));
}
