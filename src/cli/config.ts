/**
 * `mailwarden config check|example|docs`. `check --json` prints the effective configuration with
 * the password of every URL-valued setting (e.g. [spam] statistics = "postgresql://user:pw@host/db")
 * replaced by *** (lib/redact.ts): its output goes to terminals, tickets and chat.
 */
import type { Command } from 'commander';
import { loadConfig } from '../config/load.ts';
import { exampleConfig, configMarkdown } from '../config/docs.ts';
import { fail, printJson, type GlobalOptions } from './common.ts';
import { redactUrls } from '../lib/redact.ts';

export function registerConfig(program: Command, global: () => GlobalOptions): void {
  const cmd = program.command('config').description('configuration file tools');
  cmd.command('check').description('validate the configuration and print the effective values').option('--json', 'JSON output').action((o: { json?: boolean }) => {
    try {
      const { config, path } = loadConfig(global().config);
      if (o.json) return printJson(redactUrls(config));
      process.stdout.write(`${path ?? 'built-in defaults'}: OK\n`);
    } catch (e) {
      fail(e);
    }
  });
  cmd.command('example').description('print an example mailwarden.toml with every key, its default and its meaning').action(() => void process.stdout.write(exampleConfig()));
  cmd.command('docs').description('print the configuration reference (docs/config.md)').action(() => void process.stdout.write(configMarkdown()));
}
