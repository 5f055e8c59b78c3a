// Framing and the command reader: RFC 9051 §2.2.1, §4.3 literals, §7.5 continuation requests;
// RFC 7888 LITERAL+/LITERAL-; RFC 3516 literal8; RFC 2177 IDLE; RFC 9051 §6.2.2 AUTHENTICATE lines.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CommandReader, isIdleDone, type ReaderEvent } from './reader.ts';
import { events, streamedOctets } from './parser/fixtures.ts';

function drain(r: CommandReader): ReaderEvent[] {
  const out: ReaderEvent[] = [];
  for (let ev = r.next(); ev.kind !== 'need-more'; ev = r.next()) out.push(ev);
  return out;
}

const kinds = (evs: ReaderEvent[]) => evs.map((e) => e.kind);

test('RFC 9051 §7.5: a synchronizing literal is announced before its octets are read', () => {
  const r = new CommandReader();
  r.push(Buffer.from('A001 LOGIN {11}\r\n'));
  const evs = drain(r);
  assert.deepEqual(evs, [{ kind: 'literal', tag: 'A001', command: 'LOGIN', size: 11, binary: false }]);
  r.push(Buffer.from('FRED FOOBAR {7}\r\n'));
  assert.deepEqual(kinds(drain(r)), ['literal']);
  r.push(Buffer.from('fat man\r\n'));
  const [ev] = drain(r);
  assert.ok(ev?.kind === 'command' && ev.command.name === 'LOGIN');
  assert.equal(ev.command.username, 'FRED FOOBAR');
  assert.equal(ev.command.password, 'fat man');
});

test('literals split across every possible chunk boundary (fed byte by byte)', () => {
  const input = 'a1 LOGIN {4}\r\nf\r\nd {3+}\r\n}{)\r\na2 APPEND INBOX (\\Seen) ~{6}\r\n\0\r\n\0\r\n\r\na3 NOOP\r\n';
  const framed = (evs: ReaderEvent[]) => evs.filter((e) => e.kind !== 'literal' && e.kind !== 'literal-data');
  const whole = framed(events(input));
  const bytewise = framed(events(input, { byteByByte: true }));
  assert.deepEqual(bytewise, whole);
  // APPEND's message is streamed in whatever pieces arrive, the same octets either way
  assert.deepEqual(streamedOctets(events(input, { byteByByte: true })), Buffer.from('\0\r\n\0\r\n'));
  assert.deepEqual(streamedOctets(events(input)), Buffer.from('\0\r\n\0\r\n'));
  assert.deepEqual(
    whole.map((e) => (e.kind === 'command' ? e.command.name : e.kind)),
    ['LOGIN', 'APPEND', 'NOOP'],
  );
  const login = whole[0];
  assert.ok(login?.kind === 'command' && login.command.name === 'LOGIN');
  assert.equal(login.command.username, 'f\r\nd');
  assert.equal(login.command.password, '}{)');
  const append = whole[1];
  assert.ok(append?.kind === 'command' && append.command.name === 'APPEND');
  assert.equal(append.command.size, 6);
  assert.equal(append.command.binary, true);
});

test('every split point of a command with two literals gives the same command', () => {
  const input = Buffer.from('x SEARCH CHARSET UTF-8 SUBJECT {4}\r\nt\u00e9t BODY {2+}\r\nab\r\n');
  const expected = events(input).filter((e) => e.kind !== 'literal');
  for (let cut = 1; cut < input.length; cut++) {
    const r = new CommandReader();
    r.push(input.subarray(0, cut));
    const evs = drain(r);
    r.push(input.subarray(cut));
    evs.push(...drain(r));
    assert.deepEqual(evs.filter((e) => e.kind !== 'literal'), expected, `cut at ${cut}`);
  }
});

test('an oversize synchronizing literal is refused before any of it is read', () => {
  const r = new CommandReader({ maxLiteralSize: 100 });
  r.push(Buffer.from('A1 LOGIN {101}\r\n'));
  const evs = drain(r);
  assert.equal(evs.length, 1);
  const ev = evs[0]!;
  assert.ok(ev.kind === 'bad');
  assert.equal(ev.error.tag, 'A1');
  assert.equal(ev.error.code, 'TOOBIG');
  // The client got BAD instead of "+", so it sends a new command next.
  r.push(Buffer.from('A2 NOOP\r\n'));
  const next = drain(r);
  assert.ok(next[0]?.kind === 'command' && next[0].command.tag === 'A2');
});

test('APPEND literals use the message size limit, not the small literal limit', () => {
  const r = new CommandReader({ maxLiteralSize: 10, maxAppendSize: 1000 });
  r.push(Buffer.from('A1 APPEND INBOX {500}\r\n'));
  assert.deepEqual(drain(r), [{ kind: 'literal', tag: 'A1', command: 'APPEND', size: 500, binary: false }]);
  r.refuseLiteral(); // e.g. over quota: the server answers "A1 NO [OVERQUOTA]"
  r.push(Buffer.from('A2 APPEND INBOX {1001}\r\n'));
  const [ev] = drain(r);
  assert.ok(ev?.kind === 'bad' && ev.error.code === 'TOOBIG' && ev.error.tag === 'A2');
});

test("APPEND's message is streamed: each pushed piece comes out at once as literal-data, nothing is kept", () => {
  const r = new CommandReader({ maxAppendSize: 10 * 1024 * 1024 });
  r.push(Buffer.from('A1 APPEND INBOX (\\Seen) {3000000}\r\n'));
  assert.deepEqual(drain(r), [{ kind: 'literal', tag: 'A1', command: 'APPEND', size: 3_000_000, binary: false }]);
  const piece = Buffer.alloc(100_000, 0x61);
  let seen = 0;
  for (let i = 0; i < 30; i++) {
    r.push(piece);
    const evs = drain(r);
    // one event per pushed piece, the very octets pushed (a slice, not a copy), and no backlog
    assert.equal(evs.length, 1);
    const ev = evs[0]!;
    assert.ok(ev.kind === 'literal-data');
    assert.equal(ev.data.length, piece.length);
    assert.equal(ev.data.buffer, piece.buffer);
    assert.equal(r.bufferedBytes, 0);
    seen += ev.data.length;
  }
  assert.equal(seen, 3_000_000);
  r.push(Buffer.from('\r\nA2 NOOP\r\n'));
  const [append, noop] = drain(r);
  assert.ok(append?.kind === 'command' && append.command.name === 'APPEND');
  assert.equal(append.command.size, 3_000_000);
  assert.deepEqual(append.command.flags, ['\\Seen']);
  assert.ok(noop?.kind === 'command' && noop.command.tag === 'A2');
});

test('a message literal that shares a chunk with the next command is cut exactly at its end', () => {
  const evs = events('A1 APPEND INBOX {5+}\r\nhello\r\nA2 NOOP\r\n');
  assert.deepEqual(evs.map((e) => e.kind), ['literal-data', 'command', 'command']);
  assert.deepEqual(streamedOctets(evs), Buffer.from('hello'));
});

test("APPEND's mailbox name and any second literal are small literals, kept and limited as such", () => {
  const r = new CommandReader({ maxLiteralSize: 10, maxAppendSize: 1000 });
  // a literal right after the command name is the mailbox: the small limit, not streamed
  r.push(Buffer.from('A1 APPEND {11}\r\n'));
  const [big] = drain(r);
  assert.ok(big?.kind === 'bad' && big.error.code === 'TOOBIG');
  const evs = events('A2 APPEND {5}\r\nINBOX {3}\r\nabc\r\n');
  assert.deepEqual(evs.map((e) => e.kind), ['literal', 'literal', 'literal-data', 'command']);
  const cmd = evs[3]!;
  assert.ok(cmd.kind === 'command' && cmd.command.name === 'APPEND' && cmd.command.mailbox === 'INBOX' && cmd.command.size === 3);
  // MULTIAPPEND's second message would be a second literal: not streamed, small limit
  r.push(Buffer.from('A3 APPEND INBOX {3+}\r\nabc {500}\r\n'));
  const second = drain(r);
  assert.equal(second[0]?.kind, 'literal-data');
  assert.ok(second[1]?.kind === 'bad' && second[1].error.code === 'TOOBIG' && second[1].error.tag === 'A3');
});

test('RFC 9051 §4.3: NUL in a streamed plain literal is BAD, in a streamed literal8 it is fine', () => {
  const plain = events('A1 APPEND INBOX {3+}\r\na\0b\r\n');
  assert.ok(plain[1]?.kind === 'bad' && /NUL/.test(plain[1].error.reason));
  const bin = events('A1 APPEND INBOX ~{3+}\r\na\0b\r\n');
  assert.ok(bin[1]?.kind === 'command' && bin[1].command.name === 'APPEND' && bin[1].command.binary);
});

test('refuseLiteral drops the command; the next line is a new command', () => {
  const r = new CommandReader();
  r.push(Buffer.from('A1 APPEND INBOX {5}\r\n'));
  assert.deepEqual(kinds(drain(r)), ['literal']);
  r.refuseLiteral();
  r.push(Buffer.from('A2 NOOP\r\n'));
  const [ev] = drain(r);
  assert.ok(ev?.kind === 'command' && ev.command.tag === 'A2');
});

test('RFC 7888 §4: an oversize non-synchronizing literal is answered TOOBIG and skipped unbuffered', () => {
  const r = new CommandReader({ maxLiteralSize: 10 });
  r.push(Buffer.from('A1 LOGIN fred {20+}\r\n'));
  const [ev] = drain(r);
  assert.ok(ev?.kind === 'bad' && ev.error.code === 'TOOBIG' && ev.error.tag === 'A1');
  r.push(Buffer.from('x'.repeat(20)));
  assert.deepEqual(drain(r), []);
  assert.equal(r.bufferedBytes, 0);
  // the rest of the skipped command, including a further non-synchronizing literal
  r.push(Buffer.from(' more {3+}\r\nabc tail\r\nA2 NOOP\r\n'));
  const after = drain(r);
  assert.equal(after.length, 1);
  assert.ok(after[0]?.kind === 'command' && after[0].command.tag === 'A2');
});

test('RFC 7888 §5: with LITERAL- a non-synchronizing literal over 4096 octets is TOOBIG', () => {
  const r = new CommandReader({ literalMinus: true, maxAppendSize: 10_000 });
  r.push(Buffer.from('A1 APPEND INBOX {4097+}\r\n'));
  const [ev] = drain(r);
  assert.ok(ev?.kind === 'bad' && ev.error.code === 'TOOBIG');
  const ok = events('A1 APPEND INBOX {4096+}\r\n' + 'x'.repeat(4096) + '\r\n', { limits: { literalMinus: true } });
  assert.ok(ok[ok.length - 1]?.kind === 'command');
  assert.equal(streamedOctets(ok).length, 4096);
});

test('a line over maxLineLength is BAD with its tag, discarded without buffering', () => {
  const r = new CommandReader({ maxLineLength: 100 });
  r.push(Buffer.from('T7 SEARCH ' + 'X'.repeat(200)));
  const [ev] = drain(r);
  assert.ok(ev?.kind === 'bad' && ev.error.tag === 'T7' && ev.error.code === 'LIMIT');
  for (let i = 0; i < 100; i++) r.push(Buffer.from('Y'.repeat(1000)));
  assert.deepEqual(drain(r), []);
  assert.equal(r.bufferedBytes, 0);
  r.push(Buffer.from('\r\nT8 NOOP\r\n'));
  const [next] = drain(r);
  assert.ok(next?.kind === 'command' && next.command.tag === 'T8');
});

test('a whole command is bounded (many small literals)', () => {
  const r = new CommandReader({ maxCommandSize: 1000, maxLiteralSize: 500 });
  r.push(Buffer.from('A1 SEARCH TEXT {400+}\r\n' + 'a'.repeat(400) + ' TEXT {400+}\r\n' + 'b'.repeat(400) + ' TEXT {400+}\r\n'));
  const evs = drain(r);
  assert.ok(evs[0]?.kind === 'bad' && evs[0].error.tag === 'A1');
  r.push(Buffer.from('c'.repeat(400) + '\r\nA2 NOOP\r\n'));
  const after = drain(r);
  assert.ok(after.at(-1)?.kind === 'command');
});

test('pipelined commands come out one per next() call, in order', () => {
  const evs = events('a NOOP\r\nb CAPABILITY\r\nc LOGOUT\r\n');
  assert.deepEqual(evs.map((e) => (e.kind === 'command' ? e.command.tag : '?')), ['a', 'b', 'c']);
});

test('bare LF line endings are tolerated', () => {
  const evs = events('a NOOP\nb NOOP\r\n');
  assert.deepEqual(kinds(evs), ['command', 'command']);
});

test('RFC 2177 IDLE: DONE arrives as a raw continuation line', () => {
  const r = new CommandReader();
  r.push(Buffer.from('A1 IDLE\r\n'));
  const [idle] = drain(r);
  assert.ok(idle?.kind === 'command' && idle.command.name === 'IDLE');
  r.expectLine(); // server sent "+ idling"
  r.push(Buffer.from('DO'));
  assert.deepEqual(drain(r), []);
  r.push(Buffer.from('NE\r\nA2 NOOP\r\n'));
  const evs = drain(r);
  assert.deepEqual(evs[0], { kind: 'line', text: 'DONE' });
  assert.ok(isIdleDone('done'));
  assert.ok(evs[1]?.kind === 'command' && evs[1].command.tag === 'A2');
});

test('RFC 9051 §6.2.2 AUTHENTICATE: client responses are raw lines, even if they look like literals', () => {
  const r = new CommandReader();
  r.push(Buffer.from('A1 AUTHENTICATE PLAIN\r\n'));
  const [auth] = drain(r);
  assert.ok(auth?.kind === 'command' && auth.command.name === 'AUTHENTICATE');
  r.expectLine();
  r.push(Buffer.from('AGZyZWQAc2VjcmV0{5}\r\n'));
  assert.deepEqual(drain(r), [{ kind: 'line', text: 'AGZyZWQAc2VjcmV0{5}' }]);
});

test('literal8 outside APPEND is refused by the grammar; the octets are still consumed', () => {
  const evs = events('a LOGIN ~{3}\r\nabc x\r\nb NOOP\r\n').filter((e) => e.kind !== 'literal');
  assert.ok(evs[0]?.kind === 'bad' && evs[0].error.tag === 'a');
  assert.ok(evs[1]?.kind === 'command' && evs[1].command.tag === 'b');
});

test('a {0} literal is an empty string', () => {
  const evs = events('a LOGIN {0}\r\n {0}\r\n\r\n').filter((e) => e.kind !== 'literal');
  assert.ok(evs[0]?.kind === 'command' && evs[0].command.name === 'LOGIN');
  assert.equal(evs[0].command.username, '');
});

test('fuzz: random bytes never throw, and the reader recovers on the next good line', () => {
  let seed = 12345;
  const rand = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
  const alphabet = Buffer.from('aA1 ()[]<>{}~+*%$"\\\r\n:,.-\0\xff');
  for (let round = 0; round < 300; round++) {
    const len = Math.floor(rand() * 200);
    const junk = Buffer.alloc(len);
    for (let i = 0; i < len; i++) junk[i] = alphabet[Math.floor(rand() * alphabet.length)]!;
    const r = new CommandReader({ maxLiteralSize: 64, maxLineLength: 256 });
    r.push(junk);
    drain(r); // must not throw
    r.refuseLiteral(); // a server would refuse or satisfy an open literal; refuse to resync
    r.push(Buffer.from('\r\nZ9 NOOP\r\n'));
    const evs = drain(r);
    assert.ok(evs.some((e) => e.kind === 'command' && e.command.tag === 'Z9') || r.bufferedBytes === 0, `round ${round}`);
  }
});
