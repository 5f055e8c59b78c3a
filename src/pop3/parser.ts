/**
 * Sans-I/O POP3 command parser: one line (without CRLF) in, a typed command or a readable error
 * out. Covers RFC 1939 (USER, PASS, STAT, LIST, RETR, DELE, NOOP, RSET, QUIT, TOP, UIDL), RFC 2449
 * (CAPA), RFC 2595 (STLS) and RFC 5034 (AUTH with an optional initial response).
 *
 * RFC 1939 §3: keywords are case-insensitive, arguments are separated by a single space; we also
 * accept runs of spaces. Which commands are valid in which state is the session's business.
 * Never throws on client input.
 */

/** One member per verb (distributes over the union), so `switch (c.verb)` narrows. */
type Each<V extends string, Rest = object> = V extends string ? { verb: V } & Rest : never;

export type Pop3Command =
  | Each<'USER', { name: string }>
  | Each<'PASS', { password: string }>
  | Each<'AUTH', { mechanism: string | null; initial: string | null }>
  | Each<'CAPA' | 'STLS' | 'STAT' | 'NOOP' | 'RSET' | 'QUIT'>
  | Each<'LIST' | 'UIDL', { msg: number | null }>
  | Each<'RETR' | 'DELE', { msg: number }>
  | Each<'TOP', { msg: number; lines: number }>;

export type Pop3Verb = Pop3Command['verb'];

export type ParseResult =
  | { ok: true; command: Pop3Command }
  | { ok: false; kind: 'unknown'; verb: string }
  | { ok: false; kind: 'unsupported'; verb: string; why: string }
  | { ok: false; kind: 'syntax'; verb: string; why: string };

/** A message number or line count: decimal digits, bounded so it stays a safe integer. */
const NUMBER = /^\d{1,9}$/;

/** RFC 4648 base64, or "=" for an empty initial response (RFC 5034 §4). */
const INITIAL_RESPONSE = /^(=|[A-Za-z0-9+/]+={0,2})$/;

const NO_ARGS = ['CAPA', 'STLS', 'STAT', 'NOOP', 'RSET', 'QUIT'] as const;
const takesNoArgs = (verb: string): verb is (typeof NO_ARGS)[number] => (NO_ARGS as readonly string[]).includes(verb);

function syntax(verb: string, why: string): ParseResult {
  return { ok: false, kind: 'syntax', verb, why };
}

/** Printable form of a client-sent keyword, for error texts. */
export function printableVerb(verb: string): string {
  return verb.replace(/[^\x21-\x7e]/g, '?').slice(0, 20);
}

export function parseCommand(line: string): ParseResult {
  const sp = line.indexOf(' ');
  const verb = (sp < 0 ? line : line.slice(0, sp)).toUpperCase();
  const rest = sp < 0 ? '' : line.slice(sp + 1);
  const args = rest.split(' ').filter(Boolean);

  if (takesNoArgs(verb)) {
    if (args.length) return syntax(verb, `${verb} takes no arguments`);
    return { ok: true, command: { verb } };
  }
  switch (verb) {
    case 'USER': {
      // RFC 1939 §7: USER name
      if (args.length !== 1) return syntax(verb, 'USER takes one argument, your user name (e.g. USER alice@example.org)');
      return { ok: true, command: { verb, name: args[0]! } };
    }
    case 'PASS': {
      // RFC 1939 §7: the password is the rest of the line, and may contain spaces.
      if (!rest) return syntax(verb, 'PASS takes your password as its argument');
      return { ok: true, command: { verb, password: rest } };
    }
    case 'AUTH': {
      // RFC 5034 §4: AUTH mechanism [initial-response]; bare AUTH lists mechanisms (RFC 1734 usage).
      if (args.length > 2) return syntax(verb, 'AUTH mechanism [initial-response]');
      const [mechanism = null, initial = null] = args;
      if (mechanism !== null && !/^[A-Za-z0-9_-]{1,20}$/.test(mechanism)) return syntax(verb, 'bad SASL mechanism name');
      if (initial !== null && !INITIAL_RESPONSE.test(initial)) return syntax(verb, 'the initial response is not base64');
      return { ok: true, command: { verb, mechanism: mechanism?.toUpperCase() ?? null, initial } };
    }
    case 'LIST':
    case 'UIDL': {
      if (args.length > 1) return syntax(verb, `${verb} [message-number]`);
      if (!args.length) return { ok: true, command: { verb, msg: null } };
      if (!NUMBER.test(args[0]!)) return syntax(verb, `"${printableVerb(args[0]!)}" is not a message number`);
      return { ok: true, command: { verb, msg: Number(args[0]) } };
    }
    case 'RETR':
    case 'DELE': {
      if (args.length !== 1) return syntax(verb, `${verb} message-number`);
      if (!NUMBER.test(args[0]!)) return syntax(verb, `"${printableVerb(args[0]!)}" is not a message number`);
      return { ok: true, command: { verb, msg: Number(args[0]) } };
    }
    case 'TOP': {
      // RFC 1939 §7: TOP msg n, n non-negative
      if (args.length !== 2) return syntax(verb, 'TOP message-number number-of-lines');
      if (!NUMBER.test(args[0]!)) return syntax(verb, `"${printableVerb(args[0]!)}" is not a message number`);
      if (!NUMBER.test(args[1]!)) return syntax(verb, `"${printableVerb(args[1]!)}" is not a non-negative number of lines`);
      return { ok: true, command: { verb, msg: Number(args[0]), lines: Number(args[1]) } };
    }
    case 'APOP':
      // RFC 1939 §7: APOP needs a plaintext-equivalent secret per user; we keep none.
      return { ok: false, kind: 'unsupported', verb, why: 'use USER/PASS or AUTH over TLS' };
    default:
      return { ok: false, kind: 'unknown', verb: printableVerb(verb) };
  }
}
