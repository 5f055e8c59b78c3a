// Modified UTF-7 mailbox names: RFC 3501 §5.1.3.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeMailboxName, encodeMailboxName } from './mutf7.ts';

const pairs: Array<[string, string]> = [
  ['~peter/mail/台北/日本語', '~peter/mail/&U,BTFw-/&ZeVnLIqe-'], // RFC 3501 §5.1.3 example
  ['INBOX', 'INBOX'],
  ['Tom & Jerry', 'Tom &- Jerry'],
  ['&', '&-'],
  ['Entwürfe', 'Entw&APw-rfe'],
  ['Отправленные', '&BB4EQgQ,BEAEMAQyBDsENQQ9BD0ESwQ1-'],
  ['emoji 😀', 'emoji &2D3eAA-'], // surrogate pair
  ['tab\there', 'tab&AAk-here'], // controls are encoded
  ['~/Mail/:+,-', '~/Mail/:+,-'],
];

for (const [name, wire] of pairs) {
  test(`round-trip ${JSON.stringify(name)}`, () => {
    assert.equal(encodeMailboxName(name), wire);
    assert.equal(decodeMailboxName(wire), name);
  });
}

const bad: Array<[string, string]> = [
  ['&U,BTFw', 'unterminated shift'],
  ['&AGE-', 'printable ASCII "a" must not be encoded'],
  ['&U,BTF-', 'non-zero padding bits / odd length'],
  ['&2D0-', 'lone high surrogate'],
  ['&3gA-', 'lone low surrogate'],
  ['&U/BTFw-', '"/" is not modified BASE64 ("," is)'],
  ['caf\u00e9', '8-bit octets are never direct'],
];
for (const [wire, why] of bad) test(`reject ${JSON.stringify(wire)} — ${why}`, () => assert.equal(decodeMailboxName(wire), null));
