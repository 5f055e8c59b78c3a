#!/usr/bin/env node
/** The mailwarden command line: thin commands over app/, directory/ and store/. */
import { Command } from 'commander';
import { registerServe } from './serve.ts';
import { registerDomain } from './domain.ts';
import { registerUser } from './user.ts';
import { registerAlias } from './alias.ts';
import { registerList } from './list.ts';
import { registerConfig } from './config.ts';
import { registerQueue } from './queue.ts';
import { registerDns } from './dns.ts';
import { registerDkim } from './dkim.ts';
import { registerSpam } from './spam.ts';
import { registerDmarc } from './dmarc.ts';
import { registerTlsRpt } from './tlsrpt.ts';
import { registerLab } from './lab.ts';
import { registerAuth } from './auth.ts';
import type { GlobalOptions } from './common.ts';

const program = new Command();
program
  .name('mailwarden')
  .description('A secure-by-default mail server. Without --config, ./mailwarden.toml is read if present, else built-in defaults.')
  .option('-c, --config <path>', 'configuration file (TOML)')
  .showHelpAfterError();
const global = (): GlobalOptions => program.opts<GlobalOptions>();
registerServe(program, global);
registerDomain(program, global);
registerUser(program, global);
registerAlias(program, global);
registerList(program, global);
registerConfig(program, global);
registerQueue(program, global);
registerDns(program, global);
registerDkim(program, global);
registerSpam(program, global);
registerDmarc(program, global);
registerTlsRpt(program, global);
registerLab(program, global);
registerAuth(program, global);
await program.parseAsync(process.argv);
