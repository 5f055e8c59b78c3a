// The X-Mailwarden-Attachments field (header.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { attachmentsHeaderField } from './header.ts';

test('outcome, count, clamd, findings; folded; ASCII', () => {
  assert.equal(attachmentsHeaderField({ outcome: 'clean', scanned: 2, clamd: null, findings: [] }), 'X-Mailwarden-Attachments: clean; scanned=2\r\n');
  assert.equal(attachmentsHeaderField({ outcome: 'clean', scanned: 0, clamd: 'ok', findings: [] }), 'X-Mailwarden-Attachments: clean; scanned=0; clamd=ok\r\n');
  const f = attachmentsHeaderField({ outcome: 'flag', scanned: 1, clamd: null, findings: [{ kind: 'macro', path: ['report\u202E.docm'], why: 'macro-enabled format .docm' }, { kind: 'encrypted', path: ['s.zip'] }] });
  assert.equal(f, 'X-Mailwarden-Attachments: flag; scanned=1; "report<U+202E>.docm": Office\r\n macros (macro-enabled format .docm); "s.zip": encrypted archive: its content\r\n cannot be checked\r\n');
  assert.ok(f.split('\r\n').every((l) => l.length <= 78 && /^[\x20-\x7e]*$/.test(l)));
});
