/**
 * Reading Authentication-Results payloads, RFC 8601 §2.2 (also the ARC-Authentication-Results
 * payload after "i=N;", RFC 8617 §4.1.1), sans-I/O.
 *
 * Grammar: authserv-id [version] ( ";" "none" / 1*( ";" method[/version]=result [reason=value]
 * *(ptype.property=pvalue) ) ), with CFWS (comments, folding) anywhere between tokens. Comments
 * are dropped; quoted strings are unquoted (RFC 5322 §3.2.4).
 *
 * Trusts: nothing; a header another ADMD wrote is only data (RFC 8601 §7.2). Must never: throw;
 * an unreadable payload gives undefined.
 */

export type AuthProperty = { ptype: string; property: string; value: string };
export type AuthResultEntry = { method: string; version?: string; result: string; reason?: string; properties: AuthProperty[] };
export type AuthResultsPayload = { authservId: string; version?: string; results: AuthResultEntry[] };

type Token = { kind: 'word' | 'quoted' | 'sep'; text: string };

/** Tokens of a payload: words, quoted strings, and the separators ; = / (comments removed). */
export function tokenize(value: string): Token[] | undefined {
  const out: Token[] = [];
  let i = 0;
  while (i < value.length) {
    const c = value[i] as string;
    if (c === ' ' || c === '\t' || c === '\r' || c === '\n') {
      i++;
    } else if (c === '(') {
      // RFC 5322 §3.2.2: comments nest and may contain quoted-pairs.
      let depth = 0;
      for (; i < value.length; i++) {
        const d = value[i];
        if (d === '\\') i++;
        else if (d === '(') depth++;
        else if (d === ')' && --depth === 0) break;
      }
      if (depth !== 0) return undefined;
      i++;
    } else if (c === '"') {
      let text = '';
      for (i++; i < value.length && value[i] !== '"'; i++) {
        if (value[i] === '\\') i++;
        text += value[i] ?? '';
      }
      if (i >= value.length) return undefined;
      i++;
      out.push({ kind: 'quoted', text });
    } else if (c === ';' || c === '=' || c === '/') {
      out.push({ kind: 'sep', text: c });
      i++;
    } else {
      let text = '';
      while (i < value.length && !/[\s();="/]/.test(value[i] as string)) text += value[i++];
      out.push({ kind: 'word', text });
    }
  }
  return out;
}

/** Split tokens at ";" separators. */
function split(tokens: Token[]): Token[][] {
  const parts: Token[][] = [[]];
  for (const t of tokens) {
    if (t.kind === 'sep' && t.text === ';') parts.push([]);
    else parts[parts.length - 1]?.push(t);
  }
  return parts;
}

const isWord = (t: Token | undefined): t is Token => t !== undefined && t.kind !== 'sep';
const isSep = (t: Token | undefined, s: string) => t !== undefined && t.kind === 'sep' && t.text === s;

function parseResinfo(tokens: Token[]): AuthResultEntry | undefined {
  let i = 0;
  const method = tokens[i++];
  if (!isWord(method)) return undefined;
  const entry: AuthResultEntry = { method: method.text.toLowerCase(), result: '', properties: [] };
  if (isSep(tokens[i], '/')) {
    const v = tokens[i + 1];
    if (!isWord(v)) return undefined;
    entry.version = v.text;
    i += 2;
  }
  if (!isSep(tokens[i], '=') || !isWord(tokens[i + 1])) return undefined;
  entry.result = (tokens[i + 1] as Token).text.toLowerCase();
  i += 2;
  while (i < tokens.length) {
    const key = tokens[i];
    const value = tokens[i + 2];
    if (!isWord(key) || !isSep(tokens[i + 1], '=') || !isWord(value)) return undefined;
    i += 3;
    const name = key.text.toLowerCase();
    if (name === 'reason') {
      entry.reason = value.text;
      continue;
    }
    const dot = name.indexOf('.');
    if (dot <= 0) return undefined;
    entry.properties.push({ ptype: name.slice(0, dot), property: name.slice(dot + 1), value: value.text });
  }
  return entry;
}

/** Parse an Authentication-Results field value (without the field name). */
export function parseAuthResults(value: string): AuthResultsPayload | undefined {
  const tokens = tokenize(value);
  if (tokens === undefined) return undefined;
  const [head = [], ...rest] = split(tokens);
  const id = head[0];
  if (!isWord(id) || head.length > 2) return undefined;
  const payload: AuthResultsPayload = { authservId: id.text, results: [] };
  if (head[1] !== undefined) {
    if (!isWord(head[1]) || !/^[0-9]+$/.test(head[1].text)) return undefined;
    payload.version = head[1].text;
  }
  // §2.2 no-result: "; none" means no method was applied.
  if (rest.length === 1 && rest[0]?.length === 1 && rest[0][0]?.text.toLowerCase() === 'none') return payload;
  for (const part of rest) {
    if (part.length === 0) continue; // a trailing ";" is tolerated
    const entry = parseResinfo(part);
    if (entry === undefined) return undefined;
    payload.results.push(entry);
  }
  return payload;
}

/** The authserv-id of a field value, or undefined when the value cannot be read. */
export function authservIdOf(value: string): string | undefined {
  const tokens = tokenize(value);
  const first = tokens?.[0];
  return isWord(first) ? first.text : undefined;
}

/** Split a payload at the ";" that are outside quoted strings and comments (text kept as written). */
export function splitResinfo(value: string): string[] {
  const parts: string[] = [];
  let current = '';
  let depth = 0;
  let quoted = false;
  for (let i = 0; i < value.length; i++) {
    const c = value[i] as string;
    if (c === '\\' && (quoted || depth > 0)) {
      current += c + (value[i + 1] ?? '');
      i++;
      continue;
    }
    if (quoted) quoted = c !== '"';
    else if (c === '"' && depth === 0) quoted = true;
    else if (c === '(') depth++;
    else if (c === ')' && depth > 0) depth--;
    else if (c === ';' && depth === 0) {
      parts.push(current);
      current = '';
      continue;
    }
    current += c;
  }
  parts.push(current);
  return parts.map((p) => p.trim());
}
