// Untagged responses: RFC 9051 §6/§7 examples, RFC 2971, RFC 4731, RFC 5258, RFC 7162.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  capabilityResponse, enabledResponse, esearchResponse, existsResponse, expungeResponse, flagsResponse, idResponse, listResponse,
  namespaceResponse, recentResponse, searchResponse, statusResponse, vanishedResponse,
} from './responses.ts';

test('RFC examples', () => {
  const cases: Array<[string, string]> = [
    [capabilityResponse(['IMAP4rev2', 'STARTTLS', 'AUTH=GSSAPI', 'LOGINDISABLED']), '* CAPABILITY IMAP4rev2 STARTTLS AUTH=GSSAPI LOGINDISABLED'], // §6.1.1
    [enabledResponse(['CONDSTORE']), '* ENABLED CONDSTORE'], // RFC 5161 §3.2
    [enabledResponse([]), '* ENABLED'],
    [existsResponse(172), '* 172 EXISTS'], // §7.4.1
    [recentResponse(1), '* 1 RECENT'],
    [expungeResponse(3), '* 3 EXPUNGE'], // §7.5.1
    [flagsResponse(['\\Answered', '\\Flagged', '\\Deleted', '\\Seen', '\\Draft']), '* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)'], // §6.3.2
    [idResponse([['name', 'Cyrus'], ['version', '1.5'], ['os', 'sunos'], ['os-version', '5.5'], ['support-url', 'mailto:cyrus-bugs+@andrew.cmu.edu']]),
      '* ID ("name" "Cyrus" "version" "1.5" "os" "sunos" "os-version" "5.5" "support-url" "mailto:cyrus-bugs+@andrew.cmu.edu")'], // RFC 2971 §3.2
    [idResponse(null), '* ID NIL'],
    [namespaceResponse([{ prefix: '', delimiter: '/' }], [], []), '* NAMESPACE (("" "/")) NIL NIL'], // §6.3.10
    [namespaceResponse([{ prefix: '', delimiter: '/' }], [{ prefix: '~', delimiter: '/' }], [{ prefix: '#shared/', delimiter: '/' }, { prefix: '#news.', delimiter: '.' }]),
      '* NAMESPACE (("" "/")) (("~" "/")) (("#shared/" "/")("#news." "."))'],
    [listResponse({ attributes: ['\\Noselect'], delimiter: '/', name: '' }), '* LIST (\\Noselect) "/" ""'], // §6.3.9
    [listResponse({ attributes: [], delimiter: '.', name: '#news.comp.mail.misc' }), '* LIST () "." #news.comp.mail.misc'],
    [listResponse({ attributes: ['\\HasNoChildren'], delimiter: '\\', name: 'a b' }), '* LIST (\\HasNoChildren) "\\\\" "a b"'],
    [listResponse({ attributes: [], delimiter: null, name: 'INBOX' }), '* LIST () NIL INBOX'],
    [listResponse({ attributes: [], delimiter: '/', name: 'Foo', childInfo: ['SUBSCRIBED'] }), '* LIST () "/" Foo ("CHILDINFO" ("SUBSCRIBED"))'], // RFC 5258 §5 ex.8
    [listResponse({ attributes: [], delimiter: '/', name: 'NewName', oldName: 'OldName' }), '* LIST () "/" NewName ("OLDNAME" (OldName))'], // §6.3.9
    [listResponse({ attributes: ['\\Subscribed'], delimiter: '/', name: 'x' }, {}, 'LSUB'), '* LSUB (\\Subscribed) "/" x'],
    [listResponse({ attributes: [], delimiter: '/', name: '日本語' }, { utf8: true }), '* LIST () "/" "日本語"'], // RFC 6855
    [statusResponse('blurdybloop', [['MESSAGES', 231], ['UIDNEXT', 44292]]), '* STATUS blurdybloop (MESSAGES 231 UIDNEXT 44292)'], // §6.3.11
    [statusResponse('INBOX', [['HIGHESTMODSEQ', 7011231777n], ['MAILBOXID', 'F2212ea87']]), '* STATUS INBOX (HIGHESTMODSEQ 7011231777 MAILBOXID (F2212ea87))'],
    [searchResponse([2, 84, 882]), '* SEARCH 2 84 882'], // RFC 3501 §7.2.5
    [searchResponse([]), '* SEARCH'],
    [searchResponse([2, 5, 6], 917162500n), '* SEARCH 2 5 6 (MODSEQ 917162500)'], // RFC 7162 §3.1.5
    [esearchResponse('A282', false, { min: 2, count: 3 }), '* ESEARCH (TAG "A282") MIN 2 COUNT 3'], // §6.4.4
    [esearchResponse('A283', false, { all: '2,10:11' }), '* ESEARCH (TAG "A283") ALL 2,10:11'],
    [esearchResponse('A284', true, { count: 0, all: '' }), '* ESEARCH (TAG "A284") UID COUNT 0'],
    [vanishedResponse('300:310,405,411', true), '* VANISHED (EARLIER) 300:310,405,411'], // RFC 7162 §3.2.10
    [vanishedResponse('405', false), '* VANISHED 405'],
  ];
  for (const [actual, expected] of cases) assert.equal(actual, `${expected}\r\n`);
});
