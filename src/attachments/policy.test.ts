// The attachment policy (policy.ts): actions per finding, strongest wins, submission never junks.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decide, describeFinding, describePath, type PolicyFinding, type PolicyOptions } from './policy.ts';

const P: PolicyOptions = { action: 'reject', macros: 'flag', encryptedArchives: 'flag', unscannable: 'reject' };
const exe: PolicyFinding = { kind: 'blocked-extension', path: ['a.zip', 'x.exe'], ext: 'exe', double: null };
const macro: PolicyFinding = { kind: 'macro', path: ['q.docm'], why: 'macro-enabled format .docm' };
const enc: PolicyFinding = { kind: 'encrypted', path: ['s.zip'] };

test('outcomes: clean, flag, junk, reject; the decisive finding is the first strongest', () => {
  assert.equal(decide([], P, 'mx').outcome, 'clean');
  assert.equal(decide([macro, enc], P, 'mx').outcome, 'flag');
  assert.deepEqual(decide([macro, exe], P, 'mx').decisive, exe);
  assert.equal(decide([exe], { ...P, action: 'junk' }, 'mx').outcome, 'junk');
  assert.equal(decide([macro], { ...P, macros: 'reject' }, 'mx').outcome, 'reject');
  assert.equal(decide([{ kind: 'virus', path: [], signature: 'Eicar' }], P, 'mx').outcome, 'reject');
});

test('submission: what would go to Junk is refused', () => {
  assert.equal(decide([exe], { ...P, action: 'junk' }, 'submission').outcome, 'reject');
  assert.equal(decide([macro], P, 'submission').outcome, 'flag');
});

test('descriptions name the file and why, ASCII only', () => {
  assert.equal(describePath(['a.zip', 'x\u202E.exe']), '"a.zip" > "x<U+202E>.exe"');
  assert.equal(describeFinding({ kind: 'blocked-extension', path: [], ext: 'exe', double: 'pdf.exe' }), 'blocked file type .exe (double extension .pdf.exe)');
  assert.equal(describeFinding({ kind: 'blocked-content', path: [], content: 'lnk' }), 'content is a Windows shortcut (LNK)');
  assert.equal(describeFinding(enc), 'encrypted archive: its content cannot be checked');
});
