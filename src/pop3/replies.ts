/**
 * The POP3 reply catalogue: every status line the POP3 server sends comes from here.
 *
 * RFC 1939 §3: a reply is "+OK" or "-ERR" and a text. RFC 2449 §8 (RESP-CODES) puts a bracketed
 * response code first in the text so clients can tell failures apart without parsing prose:
 * [IN-USE] and [LOGIN-DELAY] (RFC 2449 §8.1), [SYS/TEMP], [SYS/PERM] (RFC 3206 §4) and [AUTH]
 * (RFC 3206 §5, advertised by AUTH-RESP-CODE). Texts never echo unchecked client input.
 */

export type RespCode = 'AUTH' | 'IN-USE' | 'LOGIN-DELAY' | 'SYS/TEMP' | 'SYS/PERM';

export interface Pop3Reply {
  ok: boolean;
  code: RespCode | null;
  text: string;
}

const ok = (text: string): Pop3Reply => ({ ok: true, code: null, text });
const err = (text: string, code: RespCode | null = null): Pop3Reply => ({ ok: false, code, text });

const octets = (n: number, size: number) => `${n} message${n === 1 ? '' : 's'} (${size} octets)`;

export const replies = {
  // --- connection ------------------------------------------------------------------------
  greeting: (host: string) => ok(`${host} POP3 mailwarden ready`),
  bye: (host: string) => ok(`${host} closing connection, goodbye`),
  byeUpdated: (host: string, deleted: number, left: number) => ok(`${host} ${deleted} message${deleted === 1 ? '' : 's'} deleted, ${left} left; goodbye`),
  // RFC 1939 §6: "-ERR some deleted messages not removed"
  updateFailed: () => err('some deleted messages not removed (storage error); they are still in your maildrop', 'SYS/TEMP'),
  tooManyConnections: (host: string) => err(`${host} too many connections, try again later`, 'SYS/TEMP'),
  tooManyConnectionsFromIp: (host: string) => err(`${host} too many connections from your address, try again later`, 'SYS/TEMP'),
  tooManyErrors: () => err('too many errors, closing connection'),
  shuttingDown: (host: string) => err(`${host} shutting down, try again later (nothing was deleted)`, 'SYS/TEMP'),
  localError: () => err('local error while processing the command, try again later', 'SYS/TEMP'),

  // --- syntax and state ------------------------------------------------------------------
  unknownCommand: (verb: string) => err(`command "${verb}" not recognized`),
  syntax: (why: string) => err(`syntax error: ${why}`),
  lineTooLong: (max: number) => err(`line too long: the limit is ${max} octets including CRLF`),
  binaryGarbage: () => err('command contains NUL or other control bytes'),
  notInAuthorization: (verb: string) => err(`${verb} is not allowed before login; log in with USER/PASS or AUTH first`),
  notInTransaction: (verb: string) => err(`${verb} is only allowed before login (AUTHORIZATION state)`),
  notSupported: (verb: string, why: string) => err(`${verb} is not supported: ${why}`),

  // --- capabilities and TLS (RFC 2449, RFC 2595) ----------------------------------------
  capa: () => ok('capability list follows'),
  stls: () => ok('begin TLS negotiation'),
  alreadyTls: () => err('TLS is already active'),
  tlsUnavailable: () => err('TLS is not available', 'SYS/TEMP'),
  stlsPipelined: () => err('nothing may follow STLS before the TLS handshake (RFC 2595 §4); the pipelined input was discarded'),

  // --- authorization (RFC 1939 §7, RFC 5034) --------------------------------------------
  userOk: () => ok('send your password with PASS'),
  passWithoutUser: () => err('send USER first'),
  loggedIn: (n: number, size: number) => ok(`logged in; maildrop has ${octets(n, size)}`),
  authFailed: () => err('authentication failed: wrong user name or password', 'AUTH'),
  authNeedsTls: () => err('plaintext authentication is disabled here: send STLS first (or use port 995)', 'AUTH'),
  authLocked: (secs: number) => err(`too many failed logins, try again in ${Math.ceil(secs)} seconds`, 'SYS/TEMP'),
  authUnsupported: (mech: string) => err(`SASL mechanism ${mech} is not available`),
  authCancelled: () => err('authentication cancelled'),
  authMalformed: (why: string) => err(`cannot decode the authentication response: ${why}`),
  authTempFail: () => err('temporary authentication failure, try again later', 'SYS/TEMP'),
  authMechanisms: () => ok('SASL mechanisms follow'),
  alreadyLoggedIn: () => err('already logged in'),
  inUse: () => err('your maildrop is in use by another POP3 session; close it and try again', 'IN-USE'),

  // --- transaction (RFC 1939 §5) --------------------------------------------------------
  stat: (n: number, size: number) => ok(`${n} ${size}`),
  listAll: (n: number, size: number) => ok(octets(n, size)),
  listOne: (msg: number, size: number) => ok(`${msg} ${size}`),
  uidlAll: () => ok('unique-id listing follows'),
  uidlOne: (msg: number, uid: string) => ok(`${msg} ${uid}`),
  retr: (size: number) => ok(`${size} octets`),
  top: () => ok('top of message follows'),
  deleted: (msg: number) => ok(`message ${msg} deleted`),
  reset: (n: number, size: number) => ok(`maildrop has ${octets(n, size)}`),
  noop: () => ok(''),
  noSuchMessage: (msg: number, count: number) => err(`no such message: ${msg} (the maildrop has messages 1 to ${count})`),
  alreadyDeleted: (msg: number) => err(`message ${msg} already deleted`),
  messageGone: (msg: number) => err(`message ${msg} was removed by another session`),
} as const;

/** Serialises a status line: "+OK text" or "-ERR [CODE] text", CRLF-terminated. */
export function formatReply(r: Pop3Reply): string {
  const code = r.code ? `[${r.code}] ` : '';
  const text = `${code}${r.text}`;
  return `${r.ok ? '+OK' : '-ERR'}${text ? ` ${text}` : ''}\r\n`;
}
