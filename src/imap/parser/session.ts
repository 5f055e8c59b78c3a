/**
 * Session commands: RFC 9051 §6.1 (CAPABILITY, NOOP, LOGOUT), §6.2 (STARTTLS, AUTHENTICATE,
 * LOGIN), §6.3.1 (ENABLE, RFC 5161), §6.3.10 (NAMESPACE), §6.3.13 (IDLE, RFC 2177),
 * §6.4 (CHECK from RFC 3501 §6.4.1, CLOSE, UNSELECT, EXPUNGE), RFC 2971 (ID), RFC 4959 (SASL-IR).
 */
import type { ImapCommand } from './types.ts';
import type { Scanner } from './scanner.ts';

type NoArgName = 'CAPABILITY' | 'NOOP' | 'LOGOUT' | 'STARTTLS' | 'NAMESPACE' | 'IDLE' | 'CHECK' | 'CLOSE' | 'UNSELECT' | 'EXPUNGE';

/** Commands that take no arguments at all. */
export function parseNoArgs(name: NoArgName) {
  return (s: Scanner, tag: string): ImapCommand => {
    s.end();
    return { tag, name };
  };
}

// RFC 9051 §9: base64 = *(4base64-char) [base64-terminal]
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** authenticate = "AUTHENTICATE" SP auth-type [SP initial-resp] ; initial-resp = base64 / "=" */
export function parseAuthenticate(s: Scanner, tag: string): ImapCommand {
  s.sp();
  const mechanism = s.atom('SASL mechanism').toUpperCase();
  let initialResponse: string | null = null;
  if (s.trySp()) {
    // RFC 4959 §7: "=" stands for an empty initial response.
    const ir = s.atom('initial response');
    if (ir === '=') initialResponse = '';
    else if (BASE64.test(ir)) initialResponse = ir;
    else s.fail('Initial response is not base64');
  }
  s.end();
  return { tag, name: 'AUTHENTICATE', mechanism, initialResponse };
}

/** login = "LOGIN" SP userid SP password ; both astring */
export function parseLogin(s: Scanner, tag: string): ImapCommand {
  s.sp();
  const username = s.astring('user name');
  s.sp();
  const password = s.astring('password');
  s.end();
  return { tag, name: 'LOGIN', username, password };
}

/** RFC 2971 §3.3: at most 30 pairs, fields up to 30 octets, values up to 1024 octets. */
export const ID_MAX_PAIRS = 30;
export const ID_MAX_FIELD = 30;
export const ID_MAX_VALUE = 1024;

/** id = "ID" SP id-params-list ; id-params-list = "(" *(string SP nstring) ")" / nil */
export function parseId(s: Scanner, tag: string): ImapCommand {
  s.sp();
  if (s.tryKeyword('NIL')) {
    s.end();
    return { tag, name: 'ID', params: null };
  }
  const params: Array<[string, string | null]> = [];
  s.expect('(');
  if (!s.tryChar(')')) {
    for (;;) {
      const field = s.string();
      s.sp();
      const value = s.nstring();
      if (Buffer.byteLength(field) > ID_MAX_FIELD) s.fail('ID field name too long');
      if (value !== null && Buffer.byteLength(value) > ID_MAX_VALUE) s.fail('ID value too long');
      params.push([field, value]);
      if (params.length > ID_MAX_PAIRS) s.fail('Too many ID fields');
      if (s.tryChar(')')) break;
      s.sp();
    }
  }
  s.end();
  return { tag, name: 'ID', params };
}

/** enable = "ENABLE" 1*(SP capability) */
export function parseEnable(s: Scanner, tag: string): ImapCommand {
  const capabilities: string[] = [];
  do {
    s.sp();
    capabilities.push(s.atom('capability').toUpperCase());
  } while (!s.atEnd());
  return { tag, name: 'ENABLE', capabilities };
}
