// POP3 command parser: good and bad tables, seeded with RFC 1939 §7-9, RFC 2449 and RFC 5034 examples.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseCommand, type Pop3Command } from './parser.ts';
import { LineFramer } from './framer.ts';

const good: Array<[string, Pop3Command]> = [
  ['USER mrose', { verb: 'USER', name: 'mrose' }], // RFC 1939 §7
  ['user alice@example.test', { verb: 'USER', name: 'alice@example.test' }], // keywords are case-insensitive (§3)
  ['PASS secret', { verb: 'PASS', password: 'secret' }],
  ['PASS correct horse battery', { verb: 'PASS', password: 'correct horse battery' }], // spaces belong to the password
  ['PASS  lead', { verb: 'PASS', password: ' lead' }], // everything after the first space
  ['STAT', { verb: 'STAT' }],
  ['LIST', { verb: 'LIST', msg: null }],
  ['LIST 2', { verb: 'LIST', msg: 2 }],
  ['list  3', { verb: 'LIST', msg: 3 }], // runs of spaces tolerated
  ['RETR 1', { verb: 'RETR', msg: 1 }],
  ['DELE 1', { verb: 'DELE', msg: 1 }],
  ['DELE 0', { verb: 'DELE', msg: 0 }], // syntactically a number; "no such message" is the session's answer
  ['NOOP', { verb: 'NOOP' }],
  ['RSET', { verb: 'RSET' }],
  ['QUIT', { verb: 'QUIT' }],
  ['TOP 1 10', { verb: 'TOP', msg: 1, lines: 10 }], // RFC 1939 §7
  ['TOP 1 0', { verb: 'TOP', msg: 1, lines: 0 }],
  ['UIDL', { verb: 'UIDL', msg: null }],
  ['UIDL 2', { verb: 'UIDL', msg: 2 }],
  ['CAPA', { verb: 'CAPA' }], // RFC 2449 §5
  ['STLS', { verb: 'STLS' }], // RFC 2595 §4
  ['AUTH', { verb: 'AUTH', mechanism: null, initial: null }], // list mechanisms (RFC 1734 usage)
  ['AUTH PLAIN', { verb: 'AUTH', mechanism: 'PLAIN', initial: null }],
  ['AUTH plain dGVzdAB0ZXN0AHRlc3Q=', { verb: 'AUTH', mechanism: 'PLAIN', initial: 'dGVzdAB0ZXN0AHRlc3Q=' }], // RFC 5034 §6 example
  ['AUTH PLAIN =', { verb: 'AUTH', mechanism: 'PLAIN', initial: '=' }], // empty initial response (RFC 5034 §4)
  ['AUTH SCRAM-SHA-256', { verb: 'AUTH', mechanism: 'SCRAM-SHA-256', initial: null }],
];

const bad: Array<[string, 'unknown' | 'unsupported' | 'syntax']> = [
  ['', 'unknown'], // an empty line is no command
  ['HELO x', 'unknown'], // an SMTP client on the wrong port
  ['RETRX 1', 'unknown'],
  ['APOP mrose c4c9334bac560ecc979e58001b3e22fb', 'unsupported'], // needs a plaintext-equivalent secret
  ['STAT 1', 'syntax'], // STAT takes no arguments
  ['QUIT now', 'syntax'],
  ['USER', 'syntax'], // missing name
  ['USER two words', 'syntax'],
  ['PASS', 'syntax'], // missing password
  ['RETR', 'syntax'],
  ['RETR one', 'syntax'], // not a number
  ['RETR -1', 'syntax'],
  ['RETR 1 2', 'syntax'],
  ['DELE 99999999999', 'syntax'], // beyond any maildrop; bounded so it stays a safe integer
  ['LIST 1 2', 'syntax'],
  ['TOP 1', 'syntax'], // the line count is required (§7)
  ['TOP 1 -1', 'syntax'],
  ['UIDL x', 'syntax'],
  ['AUTH PLAIN !!!', 'syntax'], // initial response not base64
  ['AUTH PLAIN a b', 'syntax'],
  ['AUTH PL@IN', 'syntax'],
];

test('parseCommand: good commands', () => {
  for (const [line, expected] of good) {
    const r = parseCommand(line);
    assert.ok(r.ok, `${line}: ${JSON.stringify(r)}`);
    assert.deepEqual(r.command, expected, line);
  }
});

test('parseCommand: bad commands, each with a readable reason', () => {
  for (const [line, kind] of bad) {
    const r = parseCommand(line);
    assert.ok(!r.ok, `${line} should fail`);
    assert.equal(r.kind, kind, line);
    if (r.kind !== 'unknown') assert.ok(r.why.length > 5, line);
  }
});

test('parseCommand: unknown verbs are made printable before they reach a reply', () => {
  const r = parseCommand('\u00ff\u0001XYZ');
  assert.ok(!r.ok && r.kind === 'unknown' && /^[\x21-\x7e]*$/.test(r.verb));
});

test('LineFramer: CRLF and bare LF, split anywhere', () => {
  const f = new LineFramer(100);
  f.push(Buffer.from('STAT\r\nLI'));
  assert.deepEqual(f.next(), { kind: 'line', line: Buffer.from('STAT') });
  assert.equal(f.next(), null);
  f.push(Buffer.from('ST\nNOOP\r'));
  assert.deepEqual(f.next(), { kind: 'line', line: Buffer.from('LIST') });
  assert.equal(f.next(), null);
  f.push(Buffer.from('\n'));
  assert.deepEqual(f.next(), { kind: 'line', line: Buffer.from('NOOP') });
  assert.equal(f.pending, 0);
});

test('LineFramer: an overlong line is reported once, while still arriving, and its rest skipped', () => {
  const f = new LineFramer(20);
  f.push(Buffer.from('x'.repeat(25)));
  assert.deepEqual(f.next(), { kind: 'too-long' });
  f.push(Buffer.from('y'.repeat(50)));
  assert.equal(f.next(), null);
  f.push(Buffer.from('zz\r\nNOOP\r\n'));
  assert.deepEqual(f.next(), { kind: 'line', line: Buffer.from('NOOP') });
  // exactly at the limit (18 + CRLF = 20) passes; one more is too long
  f.push(Buffer.from(`${'a'.repeat(18)}\r\n${'b'.repeat(19)}\r\n`));
  assert.equal(f.next()?.kind, 'line');
  assert.deepEqual(f.next(), { kind: 'too-long' });
  assert.equal(f.next(), null);
});

test('LineFramer: clear() drops pipelined input (STLS)', () => {
  const f = new LineFramer(100);
  f.push(Buffer.from('USER x\r\nPASS y\r\n'));
  f.clear();
  assert.equal(f.next(), null);
});
