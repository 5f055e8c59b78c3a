/**
 * Address lists for IMAP ENVELOPE: RFC 5322 §3.4 (address, mailbox, group, angle-addr,
 * obs-route §4.4) mapped to RFC 9051 §7.5.2 address structures (name, adl, mailbox, host).
 *
 *   group start: (NIL NIL "group name" NIL) ... group end: (NIL NIL NIL NIL)
 *
 * Values stay raw: encoded-words are not decoded (IMAP returns them as written); quoted strings
 * lose their quotes and quoted-pairs. Without a display name, a comment gives the name
 * ("foo@bar (Foo Bar)"). Malformed input is tolerated: a missing domain or local part becomes
 * the placeholder used by Dovecot ("MISSING_DOMAIN" / "MISSING_MAILBOX") so a host of NIL never
 * turns a mailbox into a group marker.
 */

/** RFC 9051 §7.5.2 address: all four fields nstrings. */
export interface Address {
  name: string | null;
  adl: string | null;
  mailbox: string | null;
  host: string | null;
}

export const MISSING_DOMAIN = 'MISSING_DOMAIN';
export const MISSING_MAILBOX = 'MISSING_MAILBOX';
/** Entries kept from one address list (a bound against hostile headers). */
export const MAX_ADDRESSES = 5000;

type Token =
  | { t: 'word'; v: string } // atom (dots included) or quoted string, unquoted
  | { t: 'literal'; v: string } // domain literal "[...]"
  | { t: 'comment'; v: string }
  | { t: 'special'; v: '<' | '>' | ':' | ';' | '@' | ',' };

function tokenize(text: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < text.length && out.length < MAX_ADDRESSES * 8) {
    const ch = text[i]!;
    if (ch === ' ' || ch === '\t' || ch === '\r' || ch === '\n') {
      i++;
    } else if (ch === '"') {
      let v = '';
      i++;
      while (i < text.length && text[i] !== '"') {
        if (text[i] === '\\' && i + 1 < text.length) i++;
        v += text[i];
        i++;
      }
      i++;
      out.push({ t: 'word', v });
    } else if (ch === '(') {
      let depth = 1;
      let v = '';
      i++;
      while (i < text.length && depth > 0) {
        const c = text[i]!;
        if (c === '\\' && i + 1 < text.length) {
          v += text[i + 1];
          i += 2;
          continue;
        }
        if (c === '(') depth++;
        if (c === ')') depth--;
        if (depth > 0) v += c;
        i++;
      }
      out.push({ t: 'comment', v: v.trim() });
    } else if (ch === '[') {
      const close = text.indexOf(']', i);
      const end = close < 0 ? text.length : close + 1;
      out.push({ t: 'literal', v: text.slice(i, end) });
      i = end;
    } else if (ch === '<' || ch === '>' || ch === ':' || ch === ';' || ch === '@' || ch === ',') {
      out.push({ t: 'special', v: ch });
      i++;
    } else if (ch === ')' || ch === ']' || ch === '\\') {
      i++; // stray special: ignore
    } else {
      const m = /^[^\s"()<>[\]:;@,\\]+/.exec(text.slice(i, i + 1000));
      const v = m?.[0] ?? ch;
      out.push({ t: 'word', v });
      i += v.length;
    }
  }
  return out;
}

function phrase(tokens: readonly Token[]): string | null {
  const words = tokens.filter((t) => t.t === 'word').map((t) => t.v);
  const s = words.join(' ').trim();
  return s.length > 0 ? s : null;
}

/** addr-spec (and optional obs-route) from the tokens of one address. */
function addrSpec(tokens: readonly Token[]): { adl: string | null; mailbox: string; host: string } | null {
  let toks = tokens.filter((t) => t.t !== 'comment');
  let adl: string | null = null;
  // RFC 5322 §4.4 obs-route = obs-domain-list ":" ; e.g. "@route1,@route2:user@host"
  const colon = toks.findIndex((t) => t.t === 'special' && t.v === ':');
  if (colon >= 0 && toks[0]?.t === 'special' && toks[0].v === '@') {
    adl = toks.slice(0, colon).map((t) => t.v).join('');
    toks = toks.slice(colon + 1);
  }
  if (toks.length === 0) return null;
  let at = -1;
  toks.forEach((t, i) => {
    if (t.t === 'special' && t.v === '@') at = i;
  });
  const join = (ts: readonly Token[]) => ts.filter((t) => t.t !== 'special').map((t) => t.v).join('');
  const local = join(at < 0 ? toks : toks.slice(0, at));
  const domain = at < 0 ? '' : join(toks.slice(at + 1));
  return {
    adl,
    mailbox: local.length > 0 ? local : MISSING_MAILBOX,
    host: domain.length > 0 ? domain : MISSING_DOMAIN,
  };
}

function mailboxFrom(tokens: readonly Token[]): Address | null {
  if (!tokens.some((t) => t.t !== 'comment')) return null;
  const lt = tokens.findIndex((t) => t.t === 'special' && t.v === '<');
  if (lt >= 0) {
    let gt = tokens.findIndex((t, i) => i > lt && t.t === 'special' && t.v === '>');
    if (gt < 0) gt = tokens.length;
    const spec = addrSpec(tokens.slice(lt + 1, gt));
    if (spec === null) return null; // "<>" (null reverse-path) has no address
    return { name: phrase(tokens.slice(0, lt)), ...spec };
  }
  const spec = addrSpec(tokens);
  if (spec === null) return null;
  const comment = tokens.find((t) => t.t === 'comment' && t.v.length > 0);
  return { name: comment?.v ?? null, ...spec };
}

/**
 * Parse an address-list header value into ENVELOPE addresses (with group markers);
 * null when it holds no address at all (the ENVELOPE field is then NIL).
 */
export function parseAddressList(value: string): Address[] | null {
  const out: Address[] = [];
  let cur: Token[] = [];
  let angle = 0;
  let inGroup = false;
  const finish = () => {
    const a = mailboxFrom(cur);
    if (a !== null && out.length < MAX_ADDRESSES) out.push(a);
    cur = [];
  };
  for (const tok of tokenize(value)) {
    if (tok.t === 'special') {
      if (tok.v === '<') angle++;
      else if (tok.v === '>' && angle > 0) angle--;
      else if (angle === 0 && tok.v === ',') {
        finish();
        continue;
      } else if (angle === 0 && tok.v === ':' && !inGroup && !cur.some((t) => t.t === 'special' && t.v === '@')) {
        // RFC 5322 §3.4 group = display-name ":" [group-list] ";"
        out.push({ name: null, adl: null, mailbox: phrase(cur) ?? '', host: null });
        inGroup = true;
        cur = [];
        continue;
      } else if (angle === 0 && tok.v === ';' && inGroup) {
        finish();
        out.push({ name: null, adl: null, mailbox: null, host: null });
        inGroup = false;
        continue;
      }
    }
    cur.push(tok);
  }
  finish();
  if (inGroup) out.push({ name: null, adl: null, mailbox: null, host: null }); // unterminated group
  return out.length > 0 ? out : null;
}
