/**
 * The SQLite side of the mailing-list store (ports.ts ListStore). SqliteStore delegates here;
 * statements and transactions are the store's own (one connection).
 */
import type { StatementSync } from 'node:sqlite';
import { StoreConflict, type ListStore, type MailingList, type NewMailingList } from '../ports.ts';

type Row = Record<string, unknown>;

export interface SqliteListDeps {
  q(sql: string): StatementSync;
  tx<T>(fn: () => T): T;
}

function toList(r: Row): MailingList {
  return {
    id: Number(r.id),
    address: String(r.address),
    name: String(r.name),
    subjectTag: String(r.subject_tag),
    posting: r.posting === 'anyone' ? 'anyone' : 'members',
    fromRewrite: r.from_rewrite === 'always' ? 'always' : r.from_rewrite === 'dmarc' ? 'dmarc' : 'never',
    owner: r.owner === null ? null : String(r.owner),
    createdAt: Number(r.created_at),
  };
}

export class SqliteListStore implements ListStore {
  private readonly d: SqliteListDeps;

  constructor(deps: SqliteListDeps) {
    this.d = deps;
  }

  async add(l: NewMailingList): Promise<MailingList> {
    return this.d.tx(() => {
      const domain = l.address.slice(l.address.lastIndexOf('@') + 1);
      const dom = this.d.q('SELECT id FROM domains WHERE name = ?').get(domain) as Row | undefined;
      if (!dom) throw new StoreConflict(`${domain} is not a local domain`);
      if (this.d.q('SELECT 1 FROM users WHERE address = ?').get(l.address)) throw new StoreConflict(`${l.address} is a user`);
      if (this.d.q('SELECT 1 FROM aliases WHERE source = ?').get(l.address)) throw new StoreConflict(`${l.address} is an alias`);
      if (this.d.q('SELECT 1 FROM lists WHERE address = ?').get(l.address)) throw new StoreConflict(`list ${l.address} already exists`);
      if (l.owner !== null && !this.d.q('SELECT 1 FROM users WHERE address = ?').get(l.owner)) throw new StoreConflict(`list owner ${l.owner} is not a local user`);
      const r = this.d
        .q('INSERT INTO lists (address, domain_id, name, subject_tag, posting, from_rewrite, owner, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)')
        .run(l.address, dom.id as number, l.name, l.subjectTag, l.posting, l.fromRewrite, l.owner, Date.now());
      return toList(this.d.q('SELECT * FROM lists WHERE id = ?').get(r.lastInsertRowid) as Row);
    });
  }

  async get(address: string): Promise<MailingList | null> {
    const r = this.d.q('SELECT * FROM lists WHERE address = ?').get(address) as Row | undefined;
    return r ? toList(r) : null;
  }

  async all(domain?: string): Promise<MailingList[]> {
    const rows = domain
      ? this.d.q('SELECT l.* FROM lists l JOIN domains d ON d.id = l.domain_id WHERE d.name = ? ORDER BY l.address').all(domain)
      : this.d.q('SELECT * FROM lists ORDER BY address').all();
    return (rows as Row[]).map(toList);
  }

  async delete(address: string): Promise<boolean> {
    return Number(this.d.q('DELETE FROM lists WHERE address = ?').run(address).changes) > 0;
  }

  async addMember(listId: number, address: string): Promise<boolean> {
    return Number(this.d.q('INSERT OR IGNORE INTO list_members (list_id, address, added_at) VALUES (?, ?, ?)').run(listId, address, Date.now()).changes) > 0;
  }

  async removeMember(listId: number, address: string): Promise<boolean> {
    return Number(this.d.q('DELETE FROM list_members WHERE list_id = ? AND address = ?').run(listId, address).changes) > 0;
  }

  async members(listId: number): Promise<string[]> {
    return (this.d.q('SELECT address FROM list_members WHERE list_id = ? ORDER BY added_at, rowid').all(listId) as Row[]).map((r) => String(r.address));
  }

  async isMember(listId: number, address: string): Promise<boolean> {
    return this.d.q('SELECT 1 FROM list_members WHERE list_id = ? AND address = ?').get(listId, address) !== undefined;
  }
}
