// Mailbox names and flags (RFC 9051 §5.1, §2.3.2), as tables.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isWithin, normalizeName, parentNames, validateName } from './names.ts';
import { checkFlags } from './flags.ts';

test('INBOX is case-insensitive, also as the first level', () => {
  for (const [input, out] of [['inbox', 'INBOX'], ['InBoX/Sub', 'INBOX/Sub'], ['Inboxes', 'Inboxes'], ['Work/inbox', 'Work/inbox']] as const) {
    assert.equal(normalizeName(input), out, input);
  }
});

test('validateName: good names pass; bad ones say why', () => {
  for (const good of ['Work', 'Work/2024/Q1', 'Entwürfe', 'Tom & Jerry', 'a.b', '日本語']) assert.equal(validateName(good), null, good);
  const bad: Array<[string, RegExp]> = [
    ['', /empty/],
    ['/lead', /empty level/],
    ['trail/', /empty level/],
    ['a//b', /empty level/],
    ['a*b', /wildcard/], // would be unlistable: LIST patterns use * and %
    ['a%b', /wildcard/],
    ['tab\there', /control/],
    ['x'.repeat(600), /longer than/],
    [Array.from({ length: 40 }, () => 'l').join('/'), /nested/],
  ];
  for (const [name, why] of bad) assert.match(validateName(name) ?? '', why, name);
});

test('parentNames and isWithin', () => {
  assert.deepEqual(parentNames('a/b/c'), ['a', 'a/b']);
  assert.deepEqual(parentNames('a'), []);
  assert.equal(isWithin('a/b', 'a'), true);
  assert.equal(isWithin('ab', 'a'), false);
  assert.equal(isWithin('a', 'a'), false);
});

test('checkFlags: canonical system flags, valid keywords, duplicates dropped; \\Recent and unknown system flags refused', () => {
  assert.deepEqual(checkFlags(['\\seen', '\\SEEN', '$Work', '$work', 'NonJunk']), { ok: true, flags: ['\\Seen', '$Work', 'NonJunk'] });
  assert.deepEqual(checkFlags(['\\Recent']), { ok: false, reason: '\\Recent cannot be stored' });
  assert.deepEqual(checkFlags(['\\Important']), { ok: false, reason: 'Unknown system flag \\Important' });
  assert.equal(checkFlags(['bad]keyword']).ok, false);
  assert.equal(checkFlags(['x'.repeat(200)]).ok, false);
});
