/**
 * The demo bootstrap behind `npm start`: on an empty store, create the domain example.test and the
 * user postmaster@example.test with a generated password, printed once and saved (mode 0600) in
 * data_dir/demo-credentials.txt so later starts can show it again.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Store } from '../store/ports.ts';
import { addDomain, addUser } from '../directory/accounts.ts';
import { generatePassword } from '../directory/password.ts';
import { ensureDkimKeys } from '../directory/dkim-keys.ts';
import { dkimTxtValue } from '../standards/dkim/keys.ts';
import { formatZone, recordsToPublish } from '../dns/publish.ts';

export const DEMO_DOMAIN = 'example.test';
export const DEMO_USER = `postmaster@${DEMO_DOMAIN}`;

export interface DemoAccount {
  address: string;
  password: string | null;
  created: boolean;
  file: string;
}

export async function ensureDemo(store: Store, dataDir: string, cramMd5: boolean): Promise<DemoAccount | null> {
  const file = join(dataDir, 'demo-credentials.txt');
  if ((await store.listDomains()).length === 0) {
    const password = generatePassword();
    await addDomain(store, DEMO_DOMAIN);
    await addUser(store, DEMO_USER, password, { cramMd5, displayName: 'Postmaster' });
    writeFileSync(file, `# mailwarden demo account, created ${new Date().toISOString()}\nuser=${DEMO_USER}\npassword=${password}\n`, { mode: 0o600 });
    return { address: DEMO_USER, password, created: true, file };
  }
  if (existsSync(file) && (await store.getUser(DEMO_USER))) {
    const m = /^password=(.*)$/m.exec(readFileSync(file, 'utf8'));
    return { address: DEMO_USER, password: m?.[1] ?? null, created: false, file };
  }
  return null;
}

/**
 * The demo's DNS: a zone file with the records `mailwarden dns records` would have the operator
 * publish for every local domain (MX, SPF for 127.0.0.1, both DKIM keys, DMARC), so the demo's
 * SPF/DKIM/DMARC checks work with no network DNS. Rewritten at every demo start.
 */
export async function writeDemoZone(store: Store, dataDir: string, hostname: string): Promise<string> {
  let text = '; mailwarden demo zone: what `mailwarden dns records` prints for each local domain\n';
  for (const d of await store.listDomains()) {
    const keys = await ensureDkimKeys(store, d.name);
    const published = recordsToPublish({
      domain: d.name,
      mxHost: hostname.toLowerCase(),
      ips: ['127.0.0.1'],
      dkim: keys.map((k) => ({ selector: k.selector, txt: dkimTxtValue(k.algorithm, k.publicKey) })),
    });
    text += `\n${formatZone(published)}`;
  }
  const file = join(dataDir, 'demo.zone');
  writeFileSync(file, text);
  return file;
}
