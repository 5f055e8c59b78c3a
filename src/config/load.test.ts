import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, ConfigError, validateConfig } from './load.ts';
import { exampleConfig } from './docs.ts';

const dir = mkdtempSync(join(tmpdir(), 'mw-config-'));
function load(toml: string) {
  const f = join(dir, `c${Math.random()}.toml`);
  writeFileSync(f, toml);
  return loadConfig(f, {});
}

test('defaults: loopback high ports, TLS required for AUTH, data_dir resolved', () => {
  const c = validateConfig({}, 'x', '/srv', {});
  assert.deepEqual(c.listen, { mx: ['127.0.0.1:2525'], submission: ['127.0.0.1:5870'], submissions: ['127.0.0.1:4650'], pop3: ['127.0.0.1:1100'], pop3s: ['127.0.0.1:9950'], imap: ['127.0.0.1:1430'], imaps: ['127.0.0.1:9930'], https: ['127.0.0.1:8443'] });
  assert.equal(c.auth.plaintext, 'never');
  assert.equal(c.auth.cram_md5, false);
  assert.equal(c.data_dir, '/srv/data');
  assert.equal(c.limits.max_recipients, 100);
});

test('$MAILWARDEN_HOME sets the default data_dir', () => {
  assert.equal(validateConfig({}, 'x', '/srv', { MAILWARDEN_HOME: '/var/lib/mw' }).data_dir, '/var/lib/mw');
});

// [toml, the error must name this key and say this]
const bad: Array<[string, RegExp]> = [
  ['[limits]\nmax_recipients = "x"\n', /limits\.max_recipients: .*expected number/],
  ['[listen]\nmx = ["nonsense"]\n', /listen\.mx\[0\]: "nonsense" is not host:port/],
  ['[auth]\nplaintext = "always"\n', /auth\.plaintext: /],
  ['hostnme = "x"\n', /\(top level\): .*hostnme/],
  ['[tls]\ncert = "a.pem"\n', /tls: cert and key must be set together/],
  ['hostname = "not a host"\n', /hostname: must be a host name/],
  ['[limits]\nmax_line_length = 10\n', /limits\.max_line_length: /],
  ['this is = not toml [', /not valid TOML/],
];
for (const [toml, expected] of bad) {
  test(`invalid config is refused with a message naming the key: ${expected}`, () => {
    assert.throws(() => load(toml), (e: unknown) => e instanceof ConfigError && expected.test(e.message));
  });
}

test('the generated example config is itself valid and equals the defaults', () => {
  const c = load(exampleConfig());
  const d = validateConfig({}, 'x', dir, {});
  assert.deepEqual({ ...c.config, data_dir: '' }, { ...d, data_dir: '' });
});

test('docs/config.md is generated from the schema and current (run `mailwarden config docs > docs/config.md`)', async () => {
  const { readFileSync } = await import('node:fs');
  const { configMarkdown } = await import('./docs.ts');
  assert.equal(readFileSync(new URL('../../docs/config.md', import.meta.url), 'utf8'), configMarkdown());
});
