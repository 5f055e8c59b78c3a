import { test } from 'node:test';
import assert from 'node:assert/strict';
import { listHead, listIdOf, parseListId, phrase } from './headers.ts';
import { unsubscribeUrl, verifyUnsubscribe } from './unsubscribe.ts';
import type { MailingList } from '../store/ports.ts';

const list: MailingList = { id: 1, address: 'team@lists.test', name: 'Team', subjectTag: '[team]', posting: 'members', fromRewrite: 'never', owner: 'owner@lists.test', createdAt: 0 };
const head = Buffer.from('From: Alice <alice@a.test>\r\nTo: team@lists.test\r\nSubject: hello\r\n  world\r\nList-Id: other <other.up.test>\r\nList-Unsubscribe: <mailto:x@up.test>\r\nPrecedence: bulk\r\n\r\n', 'latin1');
const author = { name: 'Alice', address: 'alice@a.test' };
const text = (b: Buffer) => b.toString('latin1');

test('RFC 2919 list-id from the address; parse it back', () => {
  assert.equal(listIdOf('team@lists.test'), 'team.lists.test');
  assert.equal(listIdOf('Odd.Name+x@Lists.Test'), 'odd.name+x.lists.test');
  assert.equal(parseListId('Team <team.lists.test>'), 'team.lists.test');
  assert.equal(parseListId('no brackets'), null);
});

test('list fields first; upstream List-* and Precedence replaced; subject tagged once; ends with the blank line', () => {
  const h = text(listHead(head, { list, unsubscribeUrl: 'https://mx.lists.test/lists/unsubscribe?x=1', rewriteFrom: false, author }));
  assert.ok(h.startsWith('List-Id: Team <team.lists.test>\r\nList-Post: <mailto:team@lists.test>\r\nList-Owner: <mailto:team-owner@lists.test>\r\nList-Unsubscribe: <https://mx.lists.test/lists/unsubscribe?x=1>\r\nList-Unsubscribe-Post: List-Unsubscribe=One-Click\r\nPrecedence: list\r\n'));
  assert.doesNotMatch(h, /other\.up\.test|mailto:x@up\.test|bulk/);
  assert.match(h, /\r\nSubject: \[team\] hello\r\n  world\r\n/);
  assert.match(h, /\r\nFrom: Alice <alice@a\.test>\r\n/);
  assert.ok(h.endsWith('\r\n\r\n'));
  const again = text(listHead(Buffer.from(h, 'latin1'), { list, unsubscribeUrl: null, rewriteFrom: false, author }));
  assert.equal(again.match(/\[team\]/g)?.length, 1, 'a reply keeps one tag');
  assert.match(again, /List-Unsubscribe: <mailto:team-owner@lists\.test\?subject=unsubscribe>/, 'without https: mailto to the owner, and no one-click field');
  assert.doesNotMatch(again, /List-Unsubscribe-Post/);
});

test('From rewriting: "Name via List" <list>, author to Reply-To (kept if present)', () => {
  const h = text(listHead(head, { list, unsubscribeUrl: null, rewriteFrom: true, author }));
  assert.match(h, /\r\nFrom: Alice via Team <team@lists\.test>\r\nReply-To: Alice <alice@a\.test>\r\n/);
  const withReply = Buffer.from('From: alice@a.test\r\nReply-To: desk@a.test\r\nSubject: s\r\n\r\n');
  const h2 = text(listHead(withReply, { list, unsubscribeUrl: null, rewriteFrom: true, author: { name: '', address: 'alice@a.test' } }));
  assert.match(h2, /From: "alice@a\.test via Team" <team@lists\.test>/);
  assert.equal(h2.match(/^Reply-To:/gm)?.length, 1);
  assert.match(h2, /Reply-To: desk@a\.test/);
});

test('phrase: atoms, quoting, RFC 2047 for non-ASCII, no header injection', () => {
  assert.equal(phrase('Team A'), 'Team A');
  assert.equal(phrase('a.b "q"'), '"a.b \\"q\\""');
  assert.equal(phrase('Café'), `=?UTF-8?B?${Buffer.from('Café').toString('base64')}?=`);
  assert.doesNotMatch(phrase('x\r\nBcc: evil@x'), /\r|\n/);
});

test('one-click unsubscribe tokens: bound to list and member', () => {
  const key = { secret: Buffer.from('k'.repeat(32)), baseUrl: 'https://mx.lists.test/' };
  const u = new URL(unsubscribeUrl(key, 'team@lists.test', 'bob@b.test'));
  assert.equal(u.origin + u.pathname, 'https://mx.lists.test/lists/unsubscribe');
  const token = u.searchParams.get('token')!;
  assert.equal(verifyUnsubscribe(key.secret, 'team@lists.test', 'bob@b.test', token), true);
  assert.equal(verifyUnsubscribe(key.secret, 'team@lists.test', 'carol@b.test', token), false);
  assert.equal(verifyUnsubscribe(key.secret, 'other@lists.test', 'bob@b.test', token), false);
  assert.equal(verifyUnsubscribe(Buffer.from('other'), 'team@lists.test', 'bob@b.test', token), false);
});
