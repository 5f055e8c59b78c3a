/**
 * Reads and validates mailwarden.toml. Errors name the key and say what is wrong, e.g.
 * `limits.max_recipients: expected a number, got "x"`; nothing starts on an invalid file.
 */
import { readFileSync, existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parse as parseToml } from 'smol-toml';
import { configSchema, type Config } from './schema.ts';

export type { Config };

export class ConfigError extends Error {
  readonly problems: string[];
  constructor(source: string, problems: string[]) {
    super(`invalid configuration in ${source}:\n  ${problems.join('\n  ')}`);
    this.problems = problems;
  }
}

export interface LoadedConfig {
  config: Config;
  /** The file read, or undefined when running on built-in defaults. */
  path: string | undefined;
}

/** Validates a plain object (parsed TOML) and resolves data_dir against `baseDir`. */
export function validateConfig(raw: unknown, source: string, baseDir: string, env: NodeJS.ProcessEnv = process.env): Config {
  const input = (raw ?? {}) as Record<string, unknown>;
  if (input.data_dir === undefined && env.MAILWARDEN_HOME) input.data_dir = env.MAILWARDEN_HOME;
  const r = configSchema.safeParse(input);
  if (!r.success) {
    const problems = r.error.issues.map((i) => {
      const key = i.path.reduce<string>((acc, p) => (typeof p === 'number' ? `${acc}[${p}]` : acc ? `${acc}.${String(p)}` : String(p)), '');
      const unknown = i.code === 'unrecognized_keys' ? ` (${(i as { keys: string[] }).keys.map((k) => (key ? `${key}.${k}` : k)).join(', ')})` : '';
      return `${key || '(top level)'}: ${i.message}${unknown}`;
    });
    throw new ConfigError(source, problems);
  }
  const config = r.data;
  config.data_dir = resolve(baseDir, config.data_dir);
  if (config.tls.cert) config.tls.cert = resolve(baseDir, config.tls.cert);
  if (config.tls.key) config.tls.key = resolve(baseDir, config.tls.key);
  if (config.dns.zone_file) config.dns.zone_file = resolve(baseDir, config.dns.zone_file);
  if (config.outbound.tls_ca_file) config.outbound.tls_ca_file = resolve(baseDir, config.outbound.tls_ca_file);
  if (config.spam.statistics_password_file) config.spam.statistics_password_file = resolve(baseDir, config.spam.statistics_password_file);
  return config;
}

/**
 * Loads `path` if given (it must exist), else ./mailwarden.toml if present, else defaults.
 */
export function loadConfig(path?: string, env: NodeJS.ProcessEnv = process.env): LoadedConfig {
  const candidate = path ?? (existsSync('mailwarden.toml') ? 'mailwarden.toml' : undefined);
  if (!candidate) return { config: validateConfig({}, 'built-in defaults', process.cwd(), env), path: undefined };
  const file = resolve(candidate);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new ConfigError(file, [`cannot read the file: ${(e as Error).message}`]);
  }
  let raw: unknown;
  try {
    raw = parseToml(text);
  } catch (e) {
    throw new ConfigError(file, [`not valid TOML: ${(e as Error).message.split('\n')[0]}`]);
  }
  return { config: validateConfig(raw, file, dirname(file), env), path: file };
}
