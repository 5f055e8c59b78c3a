/**
 * checkSpf() unit cases on the MockResolver (the suites are in conformance.test.ts): the RFC 7208
 * §4.6.4 limits, temperror on DNS failure (§2.6.6), the HELO identity (§2.3/§2.4), exp= (§6.2).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MockResolver } from '../../dns/mock.ts';
import { checkSpf, checkSpfHelo, SPF_MAX_DNS_TERMS } from './spf.ts';

const ip = '192.0.2.10';

test('pass, fail with the owner explanation, and the Received-SPF header (§2.6, §6.2, §9.1)', async () => {
  const dns = new MockResolver({
    'example.com': { TXT: ['v=spf1 ip4:192.0.2.0/24 -all exp=why.example.com'] },
    'why.example.com': { TXT: ['%{i} is not one of %{d}\'s servers'] },
  });
  const pass = await checkSpf({ ip, mailFrom: 'a@example.com', helo: 'mail.example.com', resolver: dns, receiver: 'mx.test' });
  assert.equal(pass.result, 'pass');
  assert.equal(pass.identity, 'mailfrom');
  assert.equal(pass.domain, 'example.com');
  assert.match(pass.receivedSpf, /^Received-SPF: pass /);
  const fail = await checkSpf({ ip: '198.51.100.7', mailFrom: 'a@example.com', helo: 'x', resolver: dns });
  assert.equal(fail.result, 'fail');
  assert.equal(fail.explanation, "198.51.100.7 is not one of example.com's servers");
});

test('more than 10 DNS-querying terms is permerror (§4.6.4)', async () => {
  const terms = Array.from({ length: SPF_MAX_DNS_TERMS + 1 }, (_, i) => `a:h${i}.example.com`).join(' ');
  const data: Record<string, { TXT?: string[]; A?: string[] }> = { 'example.com': { TXT: [`v=spf1 ${terms} -all`] } };
  for (let i = 0; i <= SPF_MAX_DNS_TERMS; i++) data[`h${i}.example.com`] = { A: ['198.51.100.1'] };
  const r = await checkSpf({ ip, mailFrom: 'a@example.com', helo: 'x', resolver: new MockResolver(data) });
  assert.equal(r.result, 'permerror');
});

test('more than 2 void lookups is permerror (§4.6.4)', async () => {
  const dns = new MockResolver({ 'example.com': { TXT: ['v=spf1 a:n1.example.com a:n2.example.com a:n3.example.com -all'] } });
  const r = await checkSpf({ ip, mailFrom: 'a@example.com', helo: 'x', resolver: dns });
  assert.equal(r.result, 'permerror');
});

test('a DNS failure is temperror, never a pass (§2.6.6, §4.4)', async () => {
  const dns = new MockResolver({ 'example.com': { temperror: true } });
  const r = await checkSpf({ ip, mailFrom: 'a@example.com', helo: 'x', resolver: dns });
  assert.equal(r.result, 'temperror');
});

test('null reverse-path checks the HELO identity as postmaster@helo (§2.4); no record is none', async () => {
  const dns = new MockResolver({ 'mail.example.com': { TXT: ['v=spf1 ip4:192.0.2.10 -all'] } });
  const helo = await checkSpfHelo({ ip, helo: 'mail.example.com', resolver: dns });
  assert.equal(helo.result, 'pass');
  assert.equal(helo.identity, 'helo');
  assert.equal(helo.sender, 'postmaster@mail.example.com');
  const none = await checkSpf({ ip, mailFrom: 'a@nospf.example', helo: 'x', resolver: new MockResolver({ 'nospf.example': { A: [ip] } }) });
  assert.equal(none.result, 'none');
});
