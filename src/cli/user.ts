/** `mailwarden user add|list|passwd|del` */
import type { Command } from 'commander';
import { addUser, setPassword } from '../directory/accounts.ts';
import { generatePassword } from '../directory/password.ts';
import { fail, printJson, printTable, readPasswordStdin, withStatistics, withStore, type GlobalOptions, UsageError } from './common.ts';
import { userScope } from '../junk/ports.ts';

export function registerUser(program: Command, global: () => GlobalOptions): void {
  const cmd = program.command('user').description('manage mail users (accounts)');
  cmd
    .command('add <address>')
    .description('add a user; without --password-stdin a random password is generated and printed once')
    .option('--password-stdin', 'read the password from standard input')
    .option('--name <display name>', 'display name')
    .action((address: string, o: { passwordStdin?: boolean; name?: string }) =>
      withStore(global(), async (store, cfg) => {
        const password = o.passwordStdin ? await readPasswordStdin() : generatePassword();
        const u = await addUser(store, address, password, { cramMd5: cfg.auth.cram_md5, displayName: o.name });
        process.stdout.write(`user ${u.address} added\n`);
        if (!o.passwordStdin) process.stdout.write(`password: ${password}\n(shown once; change it with: mailwarden user passwd ${u.address} --password-stdin)\n`);
      }).catch(fail));
  cmd.command('list').description('list users').option('--domain <domain>', 'only this domain').option('--json', 'JSON output').action((o: { domain?: string; json?: boolean }) =>
    withStore(global(), async (store) => {
      const us = await store.listUsers(o.domain?.toLowerCase());
      if (o.json) return printJson(us.map((u) => ({ address: u.address, displayName: u.displayName, createdAt: new Date(u.createdAt).toISOString() })));
      printTable(us.map((u) => [u.address, u.displayName, new Date(u.createdAt).toISOString()]), ['USER', 'NAME', 'CREATED']);
    }).catch(fail));
  cmd
    .command('passwd <address>')
    .description('set a new password; without --password-stdin a random one is generated and printed once')
    .option('--password-stdin', 'read the password from standard input')
    .action((address: string, o: { passwordStdin?: boolean }) =>
      withStore(global(), async (store, cfg) => {
        const password = o.passwordStdin ? await readPasswordStdin() : generatePassword();
        await setPassword(store, address, password, { cramMd5: cfg.auth.cram_md5 });
        process.stdout.write(`password of ${address} changed\n`);
        if (!o.passwordStdin) process.stdout.write(`password: ${password}\n`);
      }).catch(fail));
  cmd.command('del <address>').description("delete a user, all their mail and their own spam filter statistics").action((address: string) =>
    withStatistics(global(), async (store, junk) => {
      // Statistics first, once the store allows the deletion: it may give this user's id to the
      // next user added, who must not inherit them ([spam] statistics in PostgreSQL keeps them
      // apart from the store).
      if (!(await store.deleteUser(address.toLowerCase(), (u) => junk.dropScope(userScope(u.id))))) throw new UsageError(`no such user ${address}`);
      process.stdout.write(`user ${address} deleted\n`);
    }).catch(fail));
}
