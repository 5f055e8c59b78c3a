/**
 * Passwords out of URLs before they are printed or logged: `mailwarden config check`, the start
 * banner, and the log lines and errors about the spam statistics database ([spam] statistics,
 * e.g. postgresql://user:password@host/db).
 *
 * Sources: WHATWG URL Standard (the authority ends at the first "/", "?" or "#" — also "\" in a
 * special scheme such as https —; the LAST "@" in it ends the user-info, whose first ":" starts
 * the password); RFC 3986 §3.2.1 (user-info); node-postgres reads a password from the user-info
 * and from a `password` query parameter (pg-connection-string), so both are redacted.
 *
 * Everything but the password stays byte for byte (the query is not re-encoded). Never returns a
 * string that still carries a password the URL parser would find: when the surgery cannot be
 * checked, the whole user-info and query go.
 */

/** What a password is replaced with. */
export const REDACTED = '***';

const SCHEME = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//;
const SPECIAL = new Set(['http', 'https', 'ws', 'wss', 'ftp', 'file']);

/** True for a value that looks like a URL with an authority (scheme://...). */
export function looksLikeUrl(s: string): boolean {
  return SCHEME.test(s);
}

function decodeKey(k: string): string {
  try {
    return decodeURIComponent(k.replace(/\+/g, ' '));
  } catch {
    return k;
  }
}

/** The query `q` (without "?") with every `password` parameter's value replaced. */
function redactQuery(q: string): string {
  return q
    .split('&')
    .map((part) => {
      const eq = part.indexOf('=');
      const key = eq < 0 ? part : part.slice(0, eq);
      return decodeKey(key) === 'password' ? `${key}=${REDACTED}` : part;
    })
    .join('&');
}

/** True when the URL parser still finds a password other than REDACTED in `s`. */
function stillCarriesPassword(s: string): boolean {
  let u: URL;
  try {
    u = new URL(s);
  } catch {
    return false;
  }
  return (u.password !== '' && u.password !== REDACTED) || u.searchParams.getAll('password').some((p) => p !== REDACTED);
}

/**
 * `s` with the password of its user-info (`user:PASSWORD@`) and of any `password` query parameter
 * replaced by REDACTED; anything that is not a URL with an authority is returned unchanged.
 */
export function redactUrlPassword(s: string): string {
  const m = SCHEME.exec(s);
  if (!m) return s;
  const scheme = m[1]!.toLowerCase();
  const start = m[0].length;
  const rest = s.slice(start);
  const end = rest.search(SPECIAL.has(scheme) ? /[/?#\\]/ : /[/?#]/);
  let authority = end < 0 ? rest : rest.slice(0, end);
  let tail = end < 0 ? '' : rest.slice(end);
  const at = authority.lastIndexOf('@');
  if (at >= 0) {
    const colon = authority.indexOf(':');
    if (colon >= 0 && colon < at) authority = `${authority.slice(0, colon + 1)}${REDACTED}${authority.slice(at)}`;
  }
  const q = tail.indexOf('?');
  if (q >= 0) {
    const hash = tail.indexOf('#', q);
    const query = hash < 0 ? tail.slice(q + 1) : tail.slice(q + 1, hash);
    tail = `${tail.slice(0, q + 1)}${redactQuery(query)}${hash < 0 ? '' : tail.slice(hash)}`;
  }
  const out = `${s.slice(0, start)}${authority}${tail}`;
  if (!stillCarriesPassword(out)) return out;
  // The parser reads the URL otherwise than the surgery above: keep only what cannot hold a password.
  const host = authority.slice(authority.lastIndexOf('@') + 1);
  return `${s.slice(0, start)}${REDACTED}@${host}`;
}

/**
 * A copy of a plain value (a configuration: objects, arrays, strings, numbers...) with every
 * string that is a URL passed through redactUrlPassword.
 */
export function redactUrls<T>(value: T): T {
  if (typeof value === 'string') return (looksLikeUrl(value) ? redactUrlPassword(value) : value) as T;
  if (Array.isArray(value)) return value.map((v: unknown) => redactUrls(v)) as T;
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = redactUrls(v);
    return out as T;
  }
  return value;
}
