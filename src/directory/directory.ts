/**
 * The account directory: which domains are local, who a recipient address reaches, which
 * addresses a user may send as, and password checks. Reads the store on every call (no cache), so
 * CLI changes take effect in a running server at once.
 */
import type { MailingList, Store, User } from '../store/ports.ts';
import { canonical, type MailboxAddress } from '../mail/address.ts';
import { isSrsLocalPart, srsReverse, type SrsOptions } from '../standards/srs/srs.ts';
import { verifyPassword } from './password.ts';

export type RecipientResolution =
  /** Local users, plus external addresses an alias forwards to (SRS + ARC, docs/forwarding.md). */
  | { kind: 'local'; users: User[]; forwards: string[]; via: 'user' | 'alias' | 'catch-all' | 'list-owner' }
  /** A mailing list's posting address. */
  | { kind: 'list'; list: MailingList }
  /** An SRS address we issued: a bounce to it goes back to `address` (the original sender). */
  | { kind: 'srs'; address: string }
  | { kind: 'srs-invalid'; reason: string }
  | { kind: 'unknown-user' }
  | { kind: 'not-local' };

export interface DirectoryOptions {
  /** RFC 5233-style subaddress separator ("+"), or '' to disable. */
  subaddressSeparator: string;
  /** SRS key and lifetime; without it SRS addresses are unknown users. */
  srs?: SrsOptions;
}

const domainOf = (address: string) => address.slice(address.lastIndexOf('@') + 1);

export class Directory {
  private readonly store: Store;
  private readonly opts: DirectoryOptions;

  constructor(store: Store, opts: DirectoryOptions) {
    this.store = store;
    this.opts = opts;
  }

  async isLocalDomain(domain: string): Promise<boolean> {
    return (await this.store.getDomain(domain)) !== null;
  }

  /** Strips a subaddress tag: alice+news@x -> alice@x. */
  private base(address: string): string {
    const sep = this.opts.subaddressSeparator;
    if (!sep) return address;
    const at = address.lastIndexOf('@');
    const i = address.indexOf(sep);
    return i > 0 && i < at ? address.slice(0, i) + address.slice(at) : address;
  }

  async resolveRecipient(a: MailboxAddress): Promise<RecipientResolution> {
    if (!(await this.isLocalDomain(a.domain))) return { kind: 'not-local' };
    const addr = canonical(a);
    if (this.opts.srs && isSrsLocalPart(a.local)) {
      const r = srsReverse(a.local, this.opts.srs);
      return r.ok ? { kind: 'srs', address: r.address } : { kind: 'srs-invalid', reason: r.reason };
    }
    for (const candidate of new Set([addr, this.base(addr)])) {
      const user = await this.store.getUser(candidate);
      if (user) return { kind: 'local', users: [user], forwards: [], via: 'user' };
      const alias = await this.store.getAlias(candidate);
      if (alias) return { kind: 'local', ...(await this.targetsOf(alias.targets)), via: 'alias' };
      const list = await this.store.lists.get(candidate);
      if (list) return { kind: 'list', list };
      // <list>-owner@ and <list>-bounces@ (the lists' envelope sender) reach the list's owner
      const m = /^(.+)-(owner|bounces)@/.exec(candidate);
      const owned = m ? await this.store.lists.get(`${m[1]}@${a.domain}`) : null;
      if (owned) {
        const owner = owned.owner ? await this.store.getUser(owned.owner) : null;
        return owner ? { kind: 'local', users: [owner], forwards: [], via: 'list-owner' } : { kind: 'unknown-user' };
      }
    }
    const catchAll = await this.store.getAlias(`@${a.domain}`);
    if (catchAll) return { kind: 'local', ...(await this.targetsOf(catchAll.targets)), via: 'catch-all' };
    return { kind: 'unknown-user' };
  }

  /** Alias targets: local users, and addresses outside our domains (forwarded). */
  private async targetsOf(addresses: string[]): Promise<{ users: User[]; forwards: string[] }> {
    const users: User[] = [];
    const forwards: string[] = [];
    for (const t of addresses) {
      const u = await this.store.getUser(t);
      if (u) users.push(u);
      else if (!(await this.isLocalDomain(domainOf(t)))) forwards.push(t);
    }
    return { users, forwards };
  }

  /**
   * Whether `user` may use `address` as envelope sender or header From/Sender: their own address
   * (with any subaddress tag) or an alias that delivers to them. A catch-all does not grant it.
   */
  async owns(user: User, address: string): Promise<boolean> {
    const a = this.base(address.toLowerCase());
    if (a === user.address) return true;
    const alias = await this.store.getAlias(a);
    return alias !== null && alias.targets.includes(user.address);
  }

  async sendableAddresses(user: User): Promise<string[]> {
    return [user.address, ...(await this.store.aliasesTargeting(user.address)).map((a) => a.source).filter((s) => !s.startsWith('@'))];
  }

  /** Checks a cleartext password; returns the user or null. Always spends a hash on unknown users too. */
  async authenticate(username: string, password: string): Promise<User | null> {
    const user = await this.store.getUser(username.trim().toLowerCase());
    if (!user) {
      await verifyPassword(password, DUMMY_HASH);
      return null;
    }
    return (await verifyPassword(password, user.passwordHash)) ? user : null;
  }
}

// A valid hash of a random password: verifying against it costs the same as a real check, so
// response time does not reveal whether an account exists.
const DUMMY_HASH = '$scrypt$ln=15,r=8,p=1$c29tZXNhbHRzb21lc2FsdA==$0rZNhHdGcuHzwQ9Jt9eI2pq5a5zC3Kq3mvf4mJmWzAs=';
