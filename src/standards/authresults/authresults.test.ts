/**
 * Authentication-Results (RFC 8601): building ours, reading others (§2.2 grammar, with the RFC's
 * own Appendix B examples), and removing forged fields that claim our authserv-id (§5).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { arPvalue, arValue, collectAuthResults, formatAuthResults, parseAuthResults, stripAuthResults } from './authresults.ts';

const msg = (s: string) => Buffer.from(s.replace(/\r?\n/g, '\r\n'), 'utf8');

test('our header: every method, one resinfo per line, parseable back (§2.2, §2.7)', () => {
  const field = formatAuthResults({
    authservId: 'mx.mailwarden.test',
    spf: { result: 'pass', identity: 'mailfrom', sender: 'bounce@example.com', domain: 'example.com' },
    dkim: [
      { result: 'pass', domain: 'example.com', selector: 's1', algorithm: 'rsa-sha256', headerB: 'abcdefgh' },
      { result: 'fail', domain: 'other.example', selector: 's2', algorithm: 'ed25519-sha256', headerB: 'zyxwvuts', reason: 'body hash did not verify' },
    ],
    dmarc: { result: 'pass', fromDomain: 'example.com', policy: 'reject', disposition: 'none', record: {} },
    arc: { chain: 'none' },
    remoteIp: '192.0.2.1',
  });
  assert.equal(
    field,
    'Authentication-Results: mx.mailwarden.test;\r\n\tspf=pass smtp.mailfrom=bounce@example.com;\r\n' +
      '\tdkim=pass header.d=example.com header.s=s1 header.a=rsa-sha256 header.b=abcdefgh;\r\n' +
      '\tdkim=fail reason="body hash did not verify" header.d=other.example header.s=s2 header.a=ed25519-sha256 header.b=zyxwvuts;\r\n' +
      '\tdmarc=pass (p=REJECT dis=NONE) header.from=example.com;\r\n\tarc=none smtp.remote-ip=192.0.2.1',
  );
  const back = parseAuthResults(field.slice(field.indexOf(':') + 1));
  assert.ok(back);
  assert.equal(back.authservId, 'mx.mailwarden.test');
  assert.deepEqual(back.results.map((r) => `${r.method}=${r.result}`), ['spf=pass', 'dkim=pass', 'dkim=fail', 'dmarc=pass', 'arc=none']);
  assert.equal(back.results[2]?.reason, 'body hash did not verify');
});

test('no methods → "none"; HELO identity uses smtp.helo; unsigned → dkim=none (§2.2, §2.7.1, §2.7.2)', () => {
  assert.equal(formatAuthResults({ authservId: 'mx.test' }), 'Authentication-Results: mx.test; none');
  assert.equal(
    formatAuthResults({ authservId: 'mx.test', helo: { result: 'none', identity: 'helo', sender: 'postmaster@h.example', helo: 'h.example', domain: 'h.example' }, dkim: [] }),
    'Authentication-Results: mx.test;\r\n\tspf=none smtp.helo=h.example;\r\n\tdkim=none',
  );
});

test('values that are not tokens are quoted; addresses and domains stay bare (§2.2 pvalue)', () => {
  assert.equal(arValue('rsa-sha256'), 'rsa-sha256');
  assert.equal(arValue('a b;c'), '"a b;c"');
  assert.equal(arPvalue('user@example.com'), 'user@example.com');
  assert.equal(arPvalue('"odd user"@example.com'), '"\\"odd user\\"@example.com"');
  assert.equal(arPvalue('@example.com'), '@example.com');
});

test('parser: RFC 8601 Appendix B examples and malformed input', () => {
  const b2 = parseAuthResults(' example.org 1; none');
  assert.deepEqual(b2, { authservId: 'example.org', version: '1', results: [] });
  const b3 = parseAuthResults(' example.com; spf=pass smtp.mailfrom=example.net');
  assert.deepEqual(b3?.results, [{ method: 'spf', result: 'pass', properties: [{ ptype: 'smtp', property: 'mailfrom', value: 'example.net' }] }]);
  const b4 = parseAuthResults(
    ' example.com;\r\n auth=pass (cram-md5) smtp.auth=sender@example.net;\r\n spf=pass smtp.mailfrom=example.net (comment); sender-id=pass header.from=example.net',
  );
  assert.deepEqual(b4?.results.map((r) => r.method), ['auth', 'spf', 'sender-id']);
  const quoted = parseAuthResults(' "mx (x); id"; dkim=fail reason="bad; sig" header.d=example.com');
  assert.equal(quoted?.authservId, 'mx (x); id');
  assert.equal(quoted?.results[0]?.reason, 'bad; sig');
  assert.equal(parseAuthResults(' example.com; spf'), undefined);
  assert.equal(parseAuthResults(' example.com; spf=pass (unclosed'), undefined);
});

test('strip (§5): every field claiming our authserv-id goes, whatever its case; others stay', () => {
  const input = msg(
    'Authentication-Results: MX.Mailwarden.TEST; dkim=pass header.d=bank.example\n' +
      'Received: from x\n' +
      'Authentication-Results: (forged) mx.mailwarden.test;\n  spf=pass\n' +
      'Authentication-Results: other.example; spf=fail\n' +
      'Authentication-Results: "mx.mailwarden.test"; dmarc=pass\n' +
      'Subject: hi\n\nAuthentication-Results: mx.mailwarden.test; body text stays\n',
  );
  const { message, removed } = stripAuthResults(input, 'mx.mailwarden.test');
  assert.equal(removed.length, 3);
  assert.equal(
    message.toString(),
    'Received: from x\r\nAuthentication-Results: other.example; spf=fail\r\nSubject: hi\r\n\r\nAuthentication-Results: mx.mailwarden.test; body text stays\r\n',
  );
  const untouched = msg('Subject: x\n\nbody\n');
  assert.equal(stripAuthResults(untouched, 'mx.test').message, untouched);
});

test('collect: the merged payload of one authserv-id, for the AAR (RFC 8617 §4.1.1)', () => {
  const input = msg(
    'Authentication-Results: lists.example.org; arc=none\n' +
      'Authentication-Results: lists.example.org; spf=pass smtp.mfrom=jqd@d1.example\n' +
      'Authentication-Results: lists.example.org; dkim=pass (1024-bit; key) header.i=@d1.example\n' +
      'Authentication-Results: nobody.example.org; something=ignored\n\nbody\n',
  );
  assert.equal(
    collectAuthResults(input, 'lists.example.org'),
    'lists.example.org; arc=none; spf=pass smtp.mfrom=jqd@d1.example; dkim=pass (1024-bit; key) header.i=@d1.example',
  );
  assert.equal(collectAuthResults(input, 'mx.test'), 'mx.test; none');
});
