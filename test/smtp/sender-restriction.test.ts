/** Sender-address restriction: an authenticated user sends only as addresses they own. */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, PASSWORD, type TestServer } from '../helpers/server.ts';
import { RawSmtp, plain, message } from '../helpers/smtp-client.ts';

let srv: TestServer;
before(async () => {
  srv = await startTestServer();
});
after(() => srv.close());

async function session(user = 'alice@example.test'): Promise<RawSmtp> {
  const c = await RawSmtp.open(srv.port('submissions'), { tls: true });
  await c.cmd('EHLO client.test');
  assert.equal((await c.cmd(`AUTH PLAIN ${plain(user, PASSWORD)}`)).code, 235);
  return c;
}

// [envelope sender, expected reply]
const envelope: Array<[string, RegExp]> = [
  ['<alice@example.test>', /^250 2\.1\.0/],
  ['<ALICE@Example.Test>', /^250 2\.1\.0/], // case does not matter
  ['<alice+lists@example.test>', /^250 2\.1\.0/], // own subaddress
  ['<sales@example.test>', /^250 2\.1\.0/], // an alias that delivers to alice
  ['<bob@example.test>', /^550 5\.7\.1 sender address <bob@example\.test> is not yours: alice@example\.test may only send as its own addresses/],
  ['<alice@other.test>', /^550 5\.7\.1 sender address <alice@other\.test> is not yours/],
  ['<ceo@bank.test>', /^550 5\.7\.1 /],
  ['<>', /^550 5\.7\.1 the null sender/],
];
for (const [from, expected] of envelope) {
  test(`envelope MAIL FROM:${from}`, async () => {
    const c = await session();
    assert.match((await c.cmd(`MAIL FROM:${from}`)).text, expected);
    c.close();
  });
}

// [From/Sender header lines, expected reply at end of DATA]
const headers: Array<[string, string, RegExp]> = [
  ['plain address', 'From: alice@example.test\r\n', /^250 /],
  ['display name', 'From: "Alice A." <alice@example.test>\r\n', /^250 /],
  ['display name claiming to be a bank', 'From: "Seccamp Bank Official" <alice@example.test>\r\n', /^250 /],
  ['display name containing another address', 'From: "bob@example.test" <alice@example.test>\r\n', /^250 /],
  ['alias', 'From: Sales <sales@example.test>\r\n', /^250 /],
  ['someone else', 'From: Bob <bob@example.test>\r\n', /^550 5\.7\.1 From: header address <bob@example\.test> is not yours/],
  ['two authors, one foreign', 'From: alice@example.test, bob@example.test\r\nSender: alice@example.test\r\n', /^550 5\.7\.1 From: header address <bob@example\.test>/],
  ['foreign Sender', 'From: alice@example.test\r\nSender: bob@example.test\r\n', /^550 5\.7\.1 Sender: header address <bob@example\.test>/],
  ['second From field', 'From: alice@example.test\r\nFrom: bob@example.test\r\n', /^550 5\.7\.1 From: header address <bob@example\.test>/],
  ['folded header', 'From: "Alice"\r\n <bob@example.test>\r\n', /^550 5\.7\.1 From: header address <bob@example\.test>/],
  ['From without an address', 'From: Alice\r\n', /^550 5\.6\.0 malformed message header/],
];
for (const [name, hdr, expected] of headers) {
  test(`header: ${name}`, async () => {
    const c = await session();
    await c.cmd('MAIL FROM:<alice@example.test>');
    await c.cmd('RCPT TO:<carol@other.test>');
    assert.equal((await c.cmd('DATA')).code, 354);
    c.write(`${hdr}To: carol@other.test\r\nSubject: ${name}\r\n\r\nbody\r\n`);
    assert.match((await c.cmd('.')).text, expected);
    c.close();
  });
}

test('a refused message is not stored; the session stays usable', async () => {
  const c = await session('bob@example.test');
  await c.cmd('MAIL FROM:<bob@example.test>');
  await c.cmd('RCPT TO:<carol@other.test>');
  await c.cmd('DATA');
  assert.equal((await c.cmd(`${message('alice@example.test', 'carol@other.test', 'forged-by-bob')}.`)).code, 550);
  assert.ok(!(await srv.mailbox('carol@other.test')).some((m) => m.includes('forged-by-bob')));
  await c.cmd('MAIL FROM:<bob@example.test>');
  await c.cmd('RCPT TO:<carol@other.test>');
  await c.cmd('DATA');
  assert.equal((await c.cmd(`${message('bob@example.test', 'carol@other.test', 'honest-bob')}.`)).code, 250);
  c.close();
});
