/** Runs the store contract against every engine available here (PostgreSQL joins in a later issue). */
import { join } from 'node:path';
import { storeContract, scratch } from '../../src/store/contract/contract.ts';
import { SqliteStore } from '../../src/store/sqlite/store.ts';

storeContract('sqlite', {
  async create() {
    const dir = scratch('mw-store-');
    const open = () => new SqliteStore({ dataDir: join(dir, 'data') });
    return { store: open(), reopen: async () => open(), scratchDir: dir };
  },
});
