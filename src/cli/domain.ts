/** `mailwarden domain add|list|del` */
import type { Command } from 'commander';
import { addDomain } from '../directory/accounts.ts';
import { fail, printJson, printTable, withStatistics, withStore, type GlobalOptions, UsageError } from './common.ts';
import { userScope } from '../junk/ports.ts';

export function registerDomain(program: Command, global: () => GlobalOptions): void {
  const cmd = program.command('domain').description('manage local mail domains');
  cmd.command('add <name>').description('add a local domain (mail for it is accepted on the MX)').action((name: string) =>
    withStore(global(), async (store) => {
      const d = await addDomain(store, name);
      process.stdout.write(`domain ${d.name} added\n`);
    }).catch(fail));
  cmd.command('list').description('list local domains').option('--json', 'JSON output').action((o: { json?: boolean }) =>
    withStore(global(), async (store) => {
      const ds = await store.listDomains();
      if (o.json) return printJson(ds.map((d) => ({ name: d.name, createdAt: new Date(d.createdAt).toISOString() })));
      printTable(ds.map((d) => [d.name, new Date(d.createdAt).toISOString()]), ['DOMAIN', 'CREATED']);
    }).catch(fail));
  cmd.command('del <name>').description('delete a domain (refused while it has users, aliases or lists, unless --force, and while an alias of another domain targets one of its users)').option('--force', "also delete its users, their mail and spam filter statistics, its aliases and its lists").action((name: string, o: { force?: boolean }) =>
    withStatistics(global(), async (store, junk) => {
      // The users' statistics first, once the store allows the deletion (see `user del`): a
      // refusal (users without --force, an alias of another domain targeting one of them) leaves
      // them in place.
      const dropStatistics = async (users: readonly { id: number }[]) => {
        for (const u of users) await junk.dropScope(userScope(u.id));
      };
      if (!(await store.deleteDomain(name.toLowerCase(), o.force, dropStatistics))) throw new UsageError(`no such domain ${name}`);
      process.stdout.write(`domain ${name} deleted\n`);
    }).catch(fail));
}
