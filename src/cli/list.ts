/** `mailwarden list add|del|show|member add|member del` — simple mailing lists (docs/lists.md). */
import type { Command } from 'commander';
import { normalizeAddress } from '../mail/address.ts';
import { listIdOf } from '../lists/headers.ts';
import type { MailingList, Store } from '../store/ports.ts';
import { fail, printJson, printTable, withStore, type GlobalOptions, UsageError } from './common.ts';

function address(s: string): string {
  const a = normalizeAddress(s);
  if (typeof a !== 'string') throw new UsageError(`${s}: ${a.error}`);
  return a;
}

async function mustList(store: Store, s: string): Promise<MailingList> {
  const l = await store.lists.get(address(s));
  if (!l) throw new UsageError(`no such list ${s}`);
  return l;
}

const view = (l: MailingList, members?: string[]) => ({
  address: l.address,
  listId: listIdOf(l.address),
  name: l.name,
  subjectTag: l.subjectTag,
  posting: l.posting,
  fromRewrite: l.fromRewrite,
  owner: l.owner,
  ...(members ? { members } : {}),
  createdAt: new Date(l.createdAt).toISOString(),
});

export function registerList(program: Command, global: () => GlobalOptions): void {
  const cmd = program.command('list').description('mailing lists: an address that sends each message to every member, ARC-sealed and DKIM-signed (docs/lists.md)');
  cmd
    .command('add <address>')
    .description('create a list at a local domain')
    .option('--name <name>', 'display name (List-Id phrase); default: the local part')
    .option('--subject-tag <tag>', 'prefix for subjects (ASCII; "" for none); default: "[<name>]"')
    .option('--posting <who>', 'who may post: members (by From or envelope sender) or anyone', 'members')
    .option('--from-rewrite <when>', 'rewrite From to the list address: never, dmarc (authors whose domain has p=quarantine/reject), always', 'never')
    .option('--owner <user>', 'local user who gets bounces and mail to <list>-owner@')
    .action((a: string, o: { name?: string; subjectTag?: string; posting: string; fromRewrite: string; owner?: string }) =>
      withStore(global(), async (store) => {
        const addr = address(a);
        if (!['members', 'anyone'].includes(o.posting)) throw new UsageError('--posting must be members or anyone');
        if (!['never', 'dmarc', 'always'].includes(o.fromRewrite)) throw new UsageError('--from-rewrite must be never, dmarc or always');
        const name = (o.name ?? addr.slice(0, addr.lastIndexOf('@'))).trim();
        if (!name || /[\r\n]/.test(name)) throw new UsageError('--name must be one line of text');
        const tag = o.subjectTag ?? `[${name}]`;
        if (!/^[\x20-\x7e]*$/.test(tag)) throw new UsageError('--subject-tag must be printable ASCII');
        const l = await store.lists.add({ address: addr, name, subjectTag: tag.trim(), posting: o.posting as MailingList['posting'], fromRewrite: o.fromRewrite as MailingList['fromRewrite'], owner: o.owner ? address(o.owner) : null });
        process.stdout.write(`list ${l.address} added (List-Id <${listIdOf(l.address)}>, posting: ${l.posting}, From rewrite: ${l.fromRewrite})\n`);
      }).catch(fail));
  cmd
    .command('del <address>')
    .description('delete a list and its member list')
    .action((a: string) =>
      withStore(global(), async (store) => {
        if (!(await store.lists.delete(address(a)))) throw new UsageError(`no such list ${a}`);
        process.stdout.write(`list ${a} deleted\n`);
      }).catch(fail));
  cmd
    .command('show [address]')
    .description('show one list with its members, or all lists')
    .option('--json', 'JSON output')
    .action((a: string | undefined, o: { json?: boolean }) =>
      withStore(global(), async (store) => {
        if (a) {
          const l = await mustList(store, a);
          const members = await store.lists.members(l.id);
          if (o.json) return printJson(view(l, members));
          printTable(Object.entries(view(l)).map(([k, v]) => [k, String(v ?? '-')]), ['FIELD', 'VALUE']);
          process.stdout.write(`members (${members.length}):\n${members.map((m) => `  ${m}\n`).join('')}`);
          return;
        }
        const all = await store.lists.all();
        if (o.json) return printJson(await Promise.all(all.map(async (l) => view(l, await store.lists.members(l.id)))));
        printTable(await Promise.all(all.map(async (l) => [l.address, l.name, String((await store.lists.members(l.id)).length), l.posting, l.fromRewrite])), ['LIST', 'NAME', 'MEMBERS', 'POSTING', 'FROM REWRITE']);
      }).catch(fail));
  const member = cmd.command('member').description('list membership');
  member
    .command('add <list> <addresses...>')
    .description('subscribe addresses (local or external)')
    .action((l: string, as: string[]) =>
      withStore(global(), async (store) => {
        const list = await mustList(store, l);
        for (const m of as.map(address)) process.stdout.write(`${m}: ${(await store.lists.addMember(list.id, m)) ? 'added' : 'already a member'}\n`);
      }).catch(fail));
  member
    .command('del <list> <addresses...>')
    .description('unsubscribe addresses')
    .action((l: string, as: string[]) =>
      withStore(global(), async (store) => {
        const list = await mustList(store, l);
        let missing = 0;
        for (const m of as.map(address)) {
          const removed = await store.lists.removeMember(list.id, m);
          if (!removed) missing++;
          process.stdout.write(`${m}: ${removed ? 'removed' : 'not a member'}\n`);
        }
        if (missing) process.exitCode = 1;
      }).catch(fail));
}
