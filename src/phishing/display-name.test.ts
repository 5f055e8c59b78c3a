// Display-name tricks (display-name.ts): one positive and one negative case per signal.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { displayNameSignals, nameKeys, type DisplayNameContext } from './display-name.ts';

const names = new Map<string, string>();
for (const n of ['Alice Smith', 'Bob']) for (const k of nameKeys(n)) names.set(k, n);
const ctx = (senderDomain: string): DisplayNameContext => ({
  senderDomain,
  localDomains: new Set(['example.test']),
  brandDomains: new Set(['seccampbank.test']),
  brands: ['Seccamp Bank'],
  names,
});
const kinds = (name: string, domain: string) => displayNameSignals(name, ctx(domain)).map((s) => s.kind);

test('display-name-address: an address or domain in the name that is not the sender\'s', () => {
  assert.deepEqual(displayNameSignals('paypal.com', ctx('attacker.test')), [{ kind: 'display-name-address', shown: 'paypal.com', sender: 'attacker.test' }]);
  assert.deepEqual(kinds('service@paypal.com', 'attacker.test'), ['display-name-address']);
  assert.deepEqual(kinds('PayPal (paypal.com) Support', 'attacker.test'), ['display-name-address']);
  // negatives: the sender's own domain (any subdomain), no domain at all
  assert.deepEqual(kinds('alice@partner.test', 'mail.partner.test'), []);
  assert.deepEqual(kinds('Partner.test Support', 'partner.test'), []);
  assert.deepEqual(kinds('Dr. Who', 'attacker.test'), []);
});

test('display-name-brand: a protected brand from outside, as whole words, confusables folded', () => {
  assert.deepEqual(displayNameSignals('Seccamp Bank Official', ctx('attacker.test')), [{ kind: 'display-name-brand', brand: 'Seccamp Bank', sender: 'attacker.test' }]);
  assert.deepEqual(kinds('SECCAMP  BANK', 'attacker.test'), ['display-name-brand']);
  assert.deepEqual(kinds('Seccamp Bаnk', 'attacker.test'), ['display-name-brand'], 'Cyrillic а');
  assert.deepEqual(kinds('seccamp-bank', 'attacker.test'), ['display-name-brand'], 'punctuation folded');
  // negatives: the brand's own domain, a local domain, a name that merely contains the letters
  assert.deepEqual(kinds('Seccamp Bank', 'seccampbank.test'), []);
  assert.deepEqual(kinds('Seccamp Bank', 'mail.seccampbank.test'), []);
  assert.deepEqual(kinds('Seccamp Bank', 'example.test'), []);
  assert.deepEqual(kinds('Seccamp Banking Club', 'attacker.test'), []);
});

test('display-name-user: a local user\'s name from outside', () => {
  assert.deepEqual(displayNameSignals('Alice Smith', ctx('attacker.test')), [{ kind: 'display-name-user', name: 'Alice Smith', sender: 'attacker.test' }]);
  assert.deepEqual(kinds('alice  smith', 'attacker.test'), ['display-name-user']);
  assert.deepEqual(kinds('BOB', 'attacker.test'), ['display-name-user']);
  // negatives: from a local domain, a different name, a name that only contains it
  assert.deepEqual(kinds('Alice Smith', 'example.test'), []);
  assert.deepEqual(kinds('Alice Jones', 'attacker.test'), []);
  assert.deepEqual(kinds('Alice Smith via LinkedIn', 'attacker.test'), []);
  assert.deepEqual(kinds('', 'attacker.test'), []);
});
