// All signals of a message (analyze.ts + first-contact.ts): From, Reply-To, links, first contact.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyze, type PhishingContext } from './analyze.ts';
import { firstContactSignal } from './first-contact.ts';
import { prepareTargets } from './lookalike.ts';
import { signalName } from './signals.ts';

const ctx: PhishingContext = {
  localDomains: new Set(['gmail.test']),
  brandDomains: new Set(['seccampbank.test']),
  brands: ['Seccamp Bank'],
  names: new Map(),
  targets: prepareTargets([{ domain: 'gmail.test', kind: 'local' }, { domain: 'seccampbank.test', kind: 'brand' }]),
};
const names = (facts: Parameters<typeof analyze>[0]) => analyze(facts, ctx).map((s) => `${signalName(s)}${s.kind === 'lookalike' ? `:${s.where}` : ''}`);

test('first contact: only when checked and unknown', () => {
  assert.deepEqual(firstContactSignal('x@a.test', false), [{ kind: 'first-contact', sender: 'x@a.test' }]);
  assert.deepEqual(firstContactSignal('x@a.test', true), []);
  assert.deepEqual(names({ from: { name: '', address: 'x@a.test' }, replyTo: [], html: [], known: null }), []);
});

test('a message with every signal, and a clean one', () => {
  const html = '<a href="http://gmai1.test/login">www.seccampbank.test</a>';
  assert.deepEqual(names({ from: { name: 'Seccamp Bank', address: 'x@gmai1.test' }, replyTo: ['y@seccampbanc.test', 'z@gmai1.test'], html: [html], known: false }), [
    'display-name-brand', 'lookalike-local:from', 'lookalike-brand:reply-to', 'link-mismatch', 'lookalike-local:link', 'first-contact',
  ]);
  assert.deepEqual(names({ from: { name: 'Paul', address: 'paul@partner.test' }, replyTo: ['paul@partner.test'], html: ['<a href="https://partner.test/">partner.test</a>'], known: true }), []);
  assert.deepEqual(names({ from: null, replyTo: [], html: [], known: false }), []);
});
