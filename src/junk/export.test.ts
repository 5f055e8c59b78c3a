// The portable statistics format (export.ts): a round trip keeps every record exactly (unicode,
// lone surrogates, lines split across chunks anywhere), and every malformed file is refused with
// an error naming its line. Export and import over real stores (transfer.ts): users by address,
// missing users skipped, importing twice changes nothing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EXPORT_LIMITS, ExportFormatError, headerLine, readExport, recordLine, splitLines, trailerLine, type PortableRecord } from './export.ts';
import { exportStatistics, importStatistics, type UserDirectory } from './transfer.ts';
import { MemoryJunkStore } from './memory.ts';
import { GLOBAL, userScope, type JunkStore, type Scope } from './ports.ts';

const rec = (owner: PortableRecord['owner'], key: string, label: 'ham' | 'spam', tokens: string[], trainedAt = 1): PortableRecord => ({ owner, record: { key, label, tokens, trainedAt } });
const G = { kind: 'global' } as const;
const alice = { kind: 'user', address: 'alice@example.org' } as const;

async function readAll(chunks: Iterable<string | Uint8Array> | AsyncIterable<string | Uint8Array>, maxLineBytes?: number): Promise<PortableRecord[]> {
  const out: PortableRecord[] = [];
  for await (const r of readExport(chunks, maxLineBytes)) out.push(r);
  return out;
}

const file = (lines: string[]) => [headerLine(), ...lines.map((l) => `${l}\n`), trailerLine(lines.length)].join('');
const line = (o: Record<string, unknown>) => JSON.stringify({ scope: 'global', key: 'k', label: 'spam', tokens: ['a'], trainedAt: 1, ...o });

test('round trip: records come back exactly (tokens sorted), whatever the chunking', async () => {
  const records = [
    rec(G, 'sha256:00', 'spam', ['cheap', 'pills'], 1700000000000),
    rec(G, 'k\u00e9y "quoted"\n', 'ham', [], 0),
    rec(alice, 'sha256:01', 'ham', ['Grüße', '東京', '🎉', 'nul\u0000', 'lone\ud83d', 'line\u2028sep'], 5),
    rec({ kind: 'user', address: 'bob@example.org' }, 'm', 'spam', ['x'], Number.MAX_SAFE_INTEGER),
  ];
  const text = headerLine() + records.map(recordLine).join('') + trailerLine(records.length);
  assert.equal(text.split('\n').length, records.length + 3, 'one line each (and the last newline)');
  assert.equal(headerLine(), '{"format":"mailwarden-spam-statistics","version":1}\n');
  assert.equal(recordLine(records[0]!), '{"scope":"global","key":"sha256:00","label":"spam","tokens":["cheap","pills"],"trainedAt":1700000000000}\n');
  assert.equal(recordLine(rec(alice, 'k', 'ham', ['z', 'a'])), '{"scope":"user","user":"alice@example.org","key":"k","label":"ham","tokens":["a","z"],"trainedAt":1}\n');
  const expected = records.map((r) => ({ ...r, record: { ...r.record, tokens: [...r.record.tokens].sort() } }));
  const bytes = Buffer.from(text);
  assert.deepEqual(await readAll([text]), expected);
  // every byte its own chunk: lines and UTF-8 sequences split everywhere
  assert.deepEqual(await readAll([...bytes].map((b) => Uint8Array.of(b))), expected);
  for (const size of [2, 7, 64]) {
    const chunks: Uint8Array[] = [];
    for (let i = 0; i < bytes.length; i += size) chunks.push(bytes.subarray(i, i + size));
    assert.deepEqual(await readAll(chunks), expected, `chunks of ${size}`);
  }
  assert.deepEqual(await readAll([text.replaceAll('\n', '\r\n')]), expected, 'CRLF line ends are read too');
  assert.deepEqual(await readAll([file([])]), [], 'an export of empty statistics');
  assert.deepEqual(await readAll([text.slice(0, -1)]), expected, 'the last newline may be missing');
});

test('splitLines: bounded lines, counted from 1', async () => {
  const lines: Array<[number, string]> = [];
  for await (const l of splitLines(['ab\nc', 'd\n\ne'], 10)) lines.push([l.line, l.text]);
  assert.deepEqual(lines, [[1, 'ab'], [2, 'cd'], [3, ''], [4, 'e']]);
  await assert.rejects(async () => {
    for await (const _ of splitLines(['12345\n', '123', '456', '7'], 6)) void _;
  }, /^ExportFormatError: line 2: longer than 6 bytes$/);
});

// Each bad file: [why, text, error]. The line number is where the problem is.
const BAD: Array<[string, string | Uint8Array, RegExp]> = [
  ['empty', '', /^line 1: the file is empty \(no header\)$/],
  ['not JSON', 'format=mailwarden\n', /^line 1: not JSON/],
  ['a JSON array', '[1]\n', /^line 1: not a JSON object$/],
  ['another format', '{"format":"spamassassin-bayes","version":1}\n', /^line 1: not a mailwarden spam statistics file/],
  ['header missing: a record first', `${line({})}\n`, /^line 1: not a mailwarden spam statistics file/],
  ['a newer version', '{"format":"mailwarden-spam-statistics","version":2}\n{"end":true,"records":0}\n', /^line 1: format version 2 is newer than the version this mailwarden reads \(1\): upgrade mailwarden$/],
  ['version not a number', '{"format":"mailwarden-spam-statistics","version":"1"}\n', /^line 1: "version" must be a positive integer$/],
  ['unknown header field', '{"format":"mailwarden-spam-statistics","version":1,"x":1}\n', /^line 1: unknown field "x" in the header$/],
  ['a byte order mark', `\ufeff${headerLine()}`, /^line 1: not JSON/],
  ['not UTF-8', Buffer.concat([Buffer.from(headerLine()), Buffer.from([0x7b, 0xff, 0x7d, 0x0a])]), /^line 2: not UTF-8$/],
  ['an empty line', `${headerLine()}\n${trailerLine(0)}`, /^line 2: an empty line$/],
  ['unknown field', file([line({ count: 3 })]), /^line 2: unknown field "count"$/],
  ['bad scope', file([line({ scope: 'site' })]), /^line 2: "scope" must be "global" or "user"$/],
  ['a user id, not an address', file([line({ scope: 'user', user: 7 })]), /^line 2: "user" must be the address of the user/],
  ['user missing', file([line({ scope: 'user' })]), /^line 2: "user" must be the address/],
  ['not an address', file([line({ scope: 'user', user: 'alice' })]), /^line 2: "user" is not an address: "alice"$/],
  ['an address with a space', file([line({ scope: 'user', user: 'a b@example.org' })]), /^line 2: "user" is not an address/],
  ['an address too long', file([line({ scope: 'user', user: `${'a'.repeat(320)}@x` })]), /^line 2: "user" is not an address/],
  ['a global record naming a user', file([line({ user: 'alice@example.org' })]), /^line 2: a global record has no "user"$/],
  ['empty key', file([line({ key: '' })]), /^line 2: "key" must be a string of 1 to 1024 characters$/],
  ['key too long', file([line({ key: 'k'.repeat(1025) })]), /^line 2: "key" must be a string/],
  ['bad label', file([line({ label: 'junk' })]), /^line 2: "label" must be "ham" or "spam"$/],
  ['tokens not an array', file([line({ tokens: 'a b c' })]), /^line 2: "tokens" must be an array of strings$/],
  ['a token not a string', file([line({ tokens: ['a', 1] })]), /^line 2: "tokens" must be an array of strings$/],
  ['a token twice', file([line({ tokens: ['a', 'b', 'a'] })]), /^line 2: token "a" twice/],
  ['a token too long', file([line({ tokens: ['x'.repeat(4097)] })]), /^line 2: a token longer than 4096 characters$/],
  ['too many tokens', file([line({ tokens: Array.from({ length: 50_001 }, (_, i) => `t${i}`) })]), /^line 2: more than 50000 tokens$/],
  ['trainedAt a string', file([line({ trainedAt: '2026-01-01' })]), /^line 2: "trainedAt" must be milliseconds/],
  ['trainedAt negative', file([line({ trainedAt: -1 })]), /^line 2: "trainedAt" must be/],
  ['trainedAt a fraction', file([line({ trainedAt: 1.5 })]), /^line 2: "trainedAt" must be/],
  ['the third line bad', file([line({}), line({ label: 'HAM' })]), /^line 3: "label"/],
  ['no end line: cut short', `${headerLine()}${line({})}\n`, /^line 3: the file ends without its end line: cut short\?$/],
  ['the end line miscounts', `${headerLine()}${line({})}\n${trailerLine(2)}`, /^line 3: the end line counts 2 records, the file holds 1$/],
  ['a bad end line', `${headerLine()}{"end":"yes","records":0}\n`, /^line 2: the end line must be/],
  ['text after the end line', `${file([])}${line({})}\n`, /^line 3: text after the end line$/],
  ['a line longer than the bound', `${headerLine()}${line({ tokens: Array.from({ length: 30_000 }, (_, i) => `token-number-${i}-${'x'.repeat(300)}`) })}\n`, /^line 2: longer than 8388608 bytes$/],
];

test('every malformed file is refused with the line that is wrong', async () => {
  for (const [why, text, error] of BAD) {
    const err = await readAll([text]).then(() => null, (e: unknown) => e);
    assert.ok(err instanceof ExportFormatError, `${why}: ${String(err)}`);
    assert.match(err.message, error, why);
  }
  assert.equal(EXPORT_LIMITS.maxLineBytes, 8388608);
});

test('an export never holds a record the import would refuse', () => {
  assert.throws(() => recordLine(rec(G, 'k'.repeat(2000), 'spam', ['a'])), /^Error: training record "k{40}…" cannot be exported: "key" must be/);
  assert.throws(() => recordLine(rec(G, 'k', 'spam', ['a'], 1.5)), /"trainedAt" must be/);
  assert.throws(() => recordLine(rec({ kind: 'user', address: 'nobody' }, 'k', 'spam', ['a'])), /"user" is not an address/);
});

/** A user directory over a fixed table (what the CLI builds from the store). */
function directory(users: Record<string, number>): UserDirectory {
  return {
    addressOf: async (id) => Object.entries(users).find(([, i]) => i === id)?.[0] ?? null,
    idOf: async (address) => users[address] ?? null,
  };
}

async function exported(junk: JunkStore, users: UserDirectory) {
  let text = '';
  const sum = await exportStatistics(junk, users, (t) => void (text += t));
  return { text, sum };
}

const state = async (j: JunkStore, scope: Scope, tokens: string[]) => ({ totals: await j.getTotals(scope), counts: Object.fromEntries(await j.getCounts(scope, tokens)) });

test('export and import: users by address across different ids, missing users skipped and counted, twice changes nothing, the other label relabelled', async () => {
  const source = new MemoryJunkStore();
  const c = (s: Scope, key: string, label: 'ham' | 'spam', tokens: string[], at: number) => source.commit(s, key, { remove: null, add: { key, label, tokens, trainedAt: at } });
  await c(GLOBAL, 'g1', 'spam', ['cheap', 'pills'], 10);
  await c(GLOBAL, 'g2', 'ham', ['meeting', 'cheap'], 11);
  await c(userScope(1), 'a1', 'spam', ['prize'], 12); // alice
  await c(userScope(2), 'c1', 'ham', ['lunch'], 13); // carol: not on the target
  await c(userScope(2), 'c2', 'ham', ['tea'], 14);
  await c(userScope(9), 'x1', 'spam', ['ghost'], 15); // a user the source store no longer has
  const { text, sum } = await exported(source, directory({ 'alice@example.org': 1, 'carol@example.org': 2 }));
  assert.deepEqual(sum, { records: 5, global: 2, users: 2, skipped: { records: 1, userIds: [9] } });
  assert.match(text, /^\{"format":"mailwarden-spam-statistics","version":1\}\n\{"scope":"global","key":"g1",/);
  assert.ok(text.endsWith('{"end":true,"records":5}\n'));
  assert.ok(!text.includes('ghost'));

  const target = new MemoryJunkStore();
  const here = directory({ 'bob@example.org': 1, 'alice@example.org': 2 }); // alice under another id, no carol
  const first = await importStatistics(target, here, readExport([text]));
  assert.deepEqual(first, { records: 5, added: 3, relabelled: 0, unchanged: 0, skipped: { records: 2, users: ['carol@example.org'] } });
  const vocabulary = ['cheap', 'pills', 'meeting', 'prize', 'lunch', 'tea', 'ghost'];
  assert.deepEqual(await state(target, GLOBAL, vocabulary), await state(source, GLOBAL, vocabulary));
  assert.deepEqual(await state(target, userScope(2), vocabulary), await state(source, userScope(1), vocabulary), "alice's statistics under her id here");
  assert.deepEqual(await state(target, userScope(1), vocabulary), { totals: { ham: 0, spam: 0 }, counts: {} }, "bob's untouched");
  assert.deepEqual(await target.getRecord(userScope(2), 'a1'), await source.getRecord(userScope(1), 'a1'), 'trainedAt kept');
  // the target's export is the source's without the skipped user's lines
  const back = await exported(target, here);
  assert.equal(back.text, text.split('\n').filter((l) => !l.includes('carol@')).join('\n').replace('"records":5', '"records":3'));

  const again = await importStatistics(target, here, readExport([text]));
  assert.deepEqual(again, { records: 5, added: 0, relabelled: 0, unchanged: 3, skipped: { records: 2, users: ['carol@example.org'] } });
  assert.equal((await exported(target, here)).text, back.text, 'importing twice changes nothing');

  // a file where g2 is spam: relabelled (the stored ham undone exactly), the rest unchanged
  const relabelled = text.replace('"key":"g2","label":"ham"', '"key":"g2","label":"spam"');
  const third = await importStatistics(target, here, readExport([relabelled]));
  assert.deepEqual({ ...third, skipped: undefined }, { records: 5, added: 0, relabelled: 1, unchanged: 2, skipped: undefined });
  assert.deepEqual(await state(target, GLOBAL, vocabulary), { totals: { ham: 0, spam: 2 }, counts: { cheap: { ham: 0, spam: 2 }, pills: { ham: 0, spam: 1 }, meeting: { ham: 0, spam: 1 } } });

  // a bad line stops the import there: what came before it is in
  const fresh = new MemoryJunkStore();
  const broken = text.replace('"key":"a1","label":"spam"', '"key":"a1","label":"junk"');
  const seen: number[] = [];
  await assert.rejects(importStatistics(fresh, here, readExport([broken]), (s) => seen.push(s.added)), /^ExportFormatError: line 4: "label" must be "ham" or "spam"$/);
  assert.deepEqual(seen, [0, 0, 2], 'a batch is counted when it is committed: at the bad line, with the records before it');
  assert.deepEqual((await fresh.getTotals(GLOBAL)), { ham: 1, spam: 1 });
});
