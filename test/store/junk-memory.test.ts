/** The in-memory reference statistics (src/junk/memory.ts) pass the same JunkStore contract as the engines. */
import { junkContract } from '../../src/store/contract/junk.ts';
import { MemoryJunkStore } from '../../src/junk/memory.ts';

junkContract('memory', {
  async create() {
    // Nothing survives a restart in memory: "reopening" hands back the same instance.
    const junk = new MemoryJunkStore();
    const open = { junk, close: async () => undefined };
    return { ...open, reopen: async () => open };
  },
});
