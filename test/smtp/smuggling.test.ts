/**
 * SMTP smuggling against the live MX: every end-of-data sequence used by the public smuggling
 * tools (shared/conformance/smtp-smuggling), framed as The-Login/SMTP-Smuggling-Tools sends it.
 * Only <CRLF>.<CRLF> may end DATA; the smuggled MAIL/RCPT/DATA must never run as commands.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { RawSmtp } from '../helpers/smtp-client.ts';

interface Sequence {
  id: string;
  hex: string;
  rfc5321_end_of_data: boolean;
}
const data = JSON.parse(readFileSync(new URL('../../../shared/conformance/smtp-smuggling/end-of-data-sequences.json', import.meta.url), 'utf8')) as { sequences: Sequence[] };

let srv: TestServer;
before(async () => {
  srv = await startTestServer();
});
after(() => srv.close());

for (const seq of data.sequences.filter((s) => !s.rfc5321_end_of_data)) {
  test(`smuggling sequence "${seq.id}" does not end DATA and smuggles nothing`, async () => {
    const c = await RawSmtp.open(srv.port('mx'));
    await c.cmd('EHLO attacker.test');
    await c.cmd('MAIL FROM:<attacker@attacker.test>');
    await c.cmd('RCPT TO:<alice@example.test>');
    assert.equal((await c.cmd('DATA')).code, 354);
    c.write(
      Buffer.concat([
        Buffer.from(`From: attacker@attacker.test\r\nTo: alice@example.test\r\nSubject: CHECK ${seq.id}\r\n\r\nfake end-of-data follows!\r\n`),
        Buffer.from(seq.hex, 'hex'),
        Buffer.from(`\r\nmail FROM:<ceo@example.test>\r\nrcpt TO:<alice@example.test>\r\ndata\r\nFrom: ceo@example.test\r\nSubject: SMUGGLED ${seq.id}\r\n\r\nx\r\n.\r\n`),
      ]),
    );
    const r = await c.read();
    // One reply for the whole thing: the message is refused (bare CR/LF, or NUL).
    assert.match(r.text, /^550 5\.6\.(11|0) message contains (a bare CR or LF|a NUL octet)/);
    assert.equal((await c.cmd('NOOP')).text.slice(0, 3), '250', 'no stray replies: nothing ran as a command');
    c.close();
    const box = await srv.mailbox('alice@example.test');
    assert.ok(!box.some((m) => m.startsWith('Received') && /\r\nSubject: SMUGGLED/.test(m.slice(0, m.indexOf('\r\n\r\n') + 2))), 'no message whose own header is the smuggled one');
    assert.ok(!box.some((m) => m.includes(`Subject: CHECK ${seq.id}`)), 'the carrier message is refused too');
  });
}
