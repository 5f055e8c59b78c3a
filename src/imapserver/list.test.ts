// LIST pattern matching (RFC 9051 §6.3.9): "*" any, "%" any but the delimiter, INBOX in any case.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { patternMatcher } from './commands/list.ts';

test('patterns', () => {
  const names = ['INBOX', 'INBOX/Sub', 'Work', 'Work/2024', 'Work/2024/Q1', 'a.b', 'a+b'];
  const table: Array<[string, string, string[]]> = [
    ['', '*', names],
    ['', '%', ['INBOX', 'Work', 'a.b', 'a+b']],
    ['', 'Work/%', ['Work/2024']],
    ['Work/', '*', ['Work/2024', 'Work/2024/Q1']],
    ['', 'inbox', ['INBOX']],
    ['', 'inbox/%', ['INBOX/Sub']],
    ['', 'a.b', ['a.b']], // regex metacharacters are literal
    ['', 'a+b', ['a+b']],
    ['', 'work', []], // only INBOX is case-insensitive
    ['', '*2024', ['Work/2024']],
  ];
  for (const [ref, pat, want] of table) assert.deepEqual(names.filter(patternMatcher(ref, pat)), want, `${ref} ${pat}`);
});
