/**
 * Untagged server data: RFC 9051 §7.2 (CAPABILITY, ENABLED, ID, LIST, NAMESPACE, STATUS, ESEARCH,
 * FLAGS), §7.4 (EXISTS, EXPUNGE), RFC 3501 §7.2.5/§7.3.2 (SEARCH, RECENT, LSUB), RFC 4731 §3.2
 * (ESEARCH), RFC 7162 §3.1.5/§3.2.10 (MODSEQ in SEARCH, VANISHED), RFC 2971 (ID), RFC 5161 (ENABLED),
 * RFC 5258 §3.5 (LIST extended data: CHILDINFO, OLDNAME).
 *
 * Each builder returns one complete line ("* ...\r\n"). Mailbox names are given as they go on
 * the wire: callers encode them to modified UTF-7 first for clients without UTF8=ACCEPT.
 */
import { encodeAstring, encodeFlags, encodeList, encodeNString, encodeString, quote, untagged, type StringOptions } from './encoder.ts';
import type { StatusItem } from './parser/types.ts';

export const capabilityResponse = (caps: readonly string[]): string => untagged(`CAPABILITY ${caps.join(' ')}`);
export const enabledResponse = (caps: readonly string[]): string => untagged(caps.length > 0 ? `ENABLED ${caps.join(' ')}` : 'ENABLED');
export const existsResponse = (n: number): string => untagged(`${n} EXISTS`);
export const recentResponse = (n: number): string => untagged(`${n} RECENT`);
export const expungeResponse = (seq: number): string => untagged(`${seq} EXPUNGE`);
export const flagsResponse = (flags: readonly string[]): string => untagged(`FLAGS ${encodeFlags(flags)}`);

/** RFC 2971 §3.2: * ID ("name" "value" ...) / * ID NIL */
export function idResponse(params: ReadonlyArray<readonly [string, string | null]> | null): string {
  if (params === null || params.length === 0) return untagged('ID NIL');
  return untagged(`ID (${params.map(([k, v]) => `${encodeString(k)} ${encodeNString(v)}`).join(' ')})`);
}

/** One namespace: prefix and hierarchy delimiter (null when flat). */
export interface Namespace {
  prefix: string;
  delimiter: string | null;
}

function delimiter(d: string | null): string {
  return d === null ? 'NIL' : quote(d);
}

/** RFC 9051 §7.2.7: * NAMESPACE personal other shared ; each nil or a list of namespaces. */
export function namespaceResponse(personal: readonly Namespace[], other: readonly Namespace[], shared: readonly Namespace[], opts: StringOptions = {}): string {
  const ns = (list: readonly Namespace[]) =>
    list.length === 0 ? 'NIL' : `(${list.map((n) => `(${encodeString(n.prefix, opts)} ${delimiter(n.delimiter)})`).join('')})`;
  return untagged(`NAMESPACE ${ns(personal)} ${ns(other)} ${ns(shared)}`);
}

export interface ListEntry {
  /** Name attributes: \HasChildren, \Noselect, \Subscribed, \Sent, ... */
  attributes: readonly string[];
  delimiter: string | null;
  /** The wire name (modified UTF-7 for IMAP4rev1 clients). */
  name: string;
  /** RFC 5258 §3.5 CHILDINFO ("SUBSCRIBED") for RECURSIVEMATCH matches. */
  childInfo?: readonly string[];
  /** RFC 9051 §6.3.9 OLDNAME after a RENAME, for clients that asked. */
  oldName?: string;
}

/** RFC 9051 §7.3.1 mailbox-list: * LIST (attrs) "delim" name [(extended data)] */
export function listResponse(entry: ListEntry, opts: StringOptions = {}, kind: 'LIST' | 'LSUB' = 'LIST'): string {
  const ext: string[] = [];
  if (entry.childInfo !== undefined && entry.childInfo.length > 0) ext.push(`"CHILDINFO" (${entry.childInfo.map((c) => quote(c)).join(' ')})`);
  if (entry.oldName !== undefined) ext.push(`"OLDNAME" (${encodeAstring(entry.oldName, opts)})`);
  const tail = ext.length > 0 ? ` (${ext.join(' ')})` : '';
  return untagged(`${kind} ${encodeList(entry.attributes)} ${delimiter(entry.delimiter)} ${encodeAstring(entry.name, opts)}${tail}`);
}

/** RFC 9051 §7.3.4: * STATUS name (item value ...) ; MAILBOXID's value is parenthesised (RFC 8474). */
export function statusResponse(name: string, values: ReadonlyArray<readonly [StatusItem, number | bigint | string]>, opts: StringOptions = {}): string {
  const items = values.map(([k, v]) => (k === 'MAILBOXID' ? `${k} (${v})` : `${k} ${v}`));
  return untagged(`STATUS ${encodeAstring(name, opts)} (${items.join(' ')})`);
}

/** RFC 3501 §7.2.5: * SEARCH n... ; RFC 7162 §3.1.5 adds (MODSEQ n) when MODSEQ was searched. */
export function searchResponse(numbers: readonly number[], modseq: bigint | null = null): string {
  const list = numbers.length > 0 ? ` ${numbers.join(' ')}` : '';
  const ms = modseq !== null && numbers.length > 0 ? ` (MODSEQ ${modseq})` : '';
  return untagged(`SEARCH${list}${ms}`);
}

/** RFC 4731 §3.2 / RFC 9051 §7.3.4 ESEARCH data; a result item is omitted when undefined. */
export interface EsearchResult {
  min?: number;
  max?: number;
  count?: number;
  /** A sequence set, already compacted (compactNumbers in sequence.ts); omitted when empty. */
  all?: string;
  /** RFC 7162 §3.1.5 */
  modseq?: bigint;
}

/** * ESEARCH (TAG "A282") [UID] MIN 2 COUNT 3 ... */
export function esearchResponse(tag: string | null, uid: boolean, r: EsearchResult): string {
  let out = 'ESEARCH';
  if (tag !== null) out += ` (TAG ${quote(tag)})`;
  if (uid) out += ' UID';
  if (r.min !== undefined) out += ` MIN ${r.min}`;
  if (r.max !== undefined) out += ` MAX ${r.max}`;
  if (r.count !== undefined) out += ` COUNT ${r.count}`;
  if (r.all !== undefined && r.all.length > 0) out += ` ALL ${r.all}`;
  if (r.modseq !== undefined) out += ` MODSEQ ${r.modseq}`;
  return untagged(out);
}

/** RFC 7162 §3.2.10: * VANISHED [(EARLIER)] uid-set */
export function vanishedResponse(uids: string, earlier: boolean): string {
  return untagged(`VANISHED ${earlier ? '(EARLIER) ' : ''}${uids}`);
}
