/**
 * DKIM signing (RFC 6376 §5, RFC 8463 Ed25519-SHA256, RFC 8301 algorithms): one streaming pass
 * over the message computes the relaxed body hash shared by every signature, then each key signs
 * the relaxed-canonicalized header fields.
 *
 * Our own code rather than mailauth's dkimSign because mailauth cannot oversign (its h= lists
 * only the fields present), and From must be oversigned (RFC 6376 §8.15). mailauth and Debian's
 * python3-dkim verify what this module signs (test/outbound, src/standards/dkim/sign.test.ts),
 * and the RFC 8463 Appendix A signatures are reproduced byte for byte.
 *
 * Must never: sign a message without a From field (RFC 6376 §5.4), or see a key it was not given.
 */
import { createHash, createPrivateKey, sign as cryptoSign } from 'node:crypto';
import { RelaxedBodyHash, relaxedHeader, selectFields, splitFields, type RawField } from './canonical.ts';
import type { DkimAlgorithm } from './keys.ts';

export interface SigningKey {
  domain: string;
  selector: string;
  algorithm: DkimAlgorithm;
  /** PEM (PKCS#8 or PKCS#1). */
  privateKey: string;
}

/**
 * Signed when present (RFC 6376 §5.4.1's list, less the trace and list-manager fields a forwarder
 * may legitimately add).
 */
export const SIGNED_FIELDS: readonly string[] = [
  'from', 'sender', 'reply-to', 'to', 'cc', 'subject', 'date', 'message-id', 'in-reply-to', 'references',
  'mime-version', 'content-type', 'content-transfer-encoding', 'content-disposition', 'content-id', 'content-description',
  'list-unsubscribe', 'list-unsubscribe-post', 'autocrypt', 'openpgp',
];

/**
 * Listed once more than they occur (RFC 6376 §8.15): nobody can add a second one without breaking
 * the signature. From is the field DMARC and the reader act on; the others are what a reader sees.
 */
export const OVERSIGNED_FIELDS: readonly string[] = ['from', 'reply-to', 'to', 'cc', 'subject', 'date'];

/** The header section must end within this many bytes (our SMTP limit is far smaller). */
const MAX_HEADER = 1024 * 1024;

export type SignResult = { ok: true; headers: string } | { ok: false; error: string };

/** The h= list for these fields: each signed name once per occurrence, +1 when oversigned. */
export function headerList(fields: readonly RawField[], signed = SIGNED_FIELDS, oversigned = OVERSIGNED_FIELDS): string[] {
  const out: string[] = [];
  for (const name of signed) {
    const n = fields.filter((f) => f.name.trim().toLowerCase() === name).length + (oversigned.includes(name) ? 1 : 0);
    for (let i = 0; i < n; i++) out.push(name);
  }
  return out;
}

/**
 * The b= value for a signature header whose text (after "DKIM-Signature:") ends in "b=".
 * RFC 6376 §3.7: hash the selected fields, then the signature field itself without its CRLF.
 */
export function signatureValue(fields: readonly RawField[], names: readonly string[], unsignedValue: string, key: Pick<SigningKey, 'algorithm' | 'privateKey'>): string {
  const parts: string[] = [];
  for (const f of selectFields(fields, names)) if (f) parts.push(`${relaxedHeader(f.name, f.value)}\r\n`);
  parts.push(relaxedHeader('DKIM-Signature', unsignedValue));
  const data = Buffer.from(parts.join(''), 'latin1');
  const pkey = createPrivateKey(key.privateKey);
  if (key.algorithm === 'ed25519-sha256') {
    // RFC 8463 §3: PureEdDSA over the SHA-256 hash of the canonicalized data.
    return cryptoSign(null, createHash('sha256').update(data).digest(), pkey).toString('base64');
  }
  return cryptoSign('sha256', data, pkey).toString('base64'); // RSASSA-PKCS1-v1_5 (RFC 6376 §3.3.1)
}

/** Folds "a:b:c" and base64 so no line passes ~76 characters (FWS is allowed there, §3.5). */
function fold(prefix: string, items: string[], sep: string): string {
  const lines: string[] = [];
  let cur = prefix;
  items.forEach((it, i) => {
    const piece = it + (i < items.length - 1 ? sep : '');
    if (cur.length + piece.length > 74 && cur.trim() !== '') {
      lines.push(cur);
      cur = ' ';
    }
    cur += piece;
  });
  lines.push(cur);
  return lines.join('\r\n\t');
}

function chunks(s: string, n: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < s.length; i += n) out.push(s.slice(i, i + n));
  return out;
}

/** Splits a message into its header section (latin1 text) and feeds the body to `body`. */
async function readMessage(message: AsyncIterable<Buffer> | Buffer, body: RelaxedBodyHash): Promise<string | null> {
  let head = '';
  let inBody = false;
  const src = Buffer.isBuffer(message) ? [message] : message;
  for await (const chunk of src) {
    if (inBody) {
      body.update(chunk);
      continue;
    }
    const before = head.length;
    head += chunk.toString('latin1');
    const end = head.startsWith('\r\n') ? 0 : head.indexOf('\r\n\r\n', Math.max(0, before - 3));
    if (end >= 0) {
      const split = end === 0 ? 2 : end + 4;
      body.update(Buffer.from(head.slice(split), 'latin1'));
      head = head.slice(0, end === 0 ? 0 : end + 2);
      inBody = true;
    } else if (head.length > MAX_HEADER) return null;
  }
  return head; // without a blank line the whole message is header and the body is empty
}

/**
 * Signs `message` with every key (one DKIM-Signature field each, relaxed/relaxed), returning the
 * fields to prepend, each ending in CRLF.
 */
export async function dkimSign(message: AsyncIterable<Buffer> | Buffer, keys: readonly SigningKey[], opts: { time?: Date; signed?: readonly string[] } = {}): Promise<SignResult> {
  const body = new RelaxedBodyHash();
  const head = await readMessage(message, body);
  if (head === null) return { ok: false, error: 'header section too large to sign' };
  const fields = splitFields(head);
  if (!fields.some((f) => f.name.trim().toLowerCase() === 'from')) return { ok: false, error: 'no From field (RFC 6376 §5.4)' };
  const bh = body.digest();
  const names = headerList(fields, opts.signed ?? SIGNED_FIELDS);
  const t = Math.floor((opts.time ?? new Date()).getTime() / 1000);
  let out = '';
  for (const key of keys) {
    const value =
      ` v=1; a=${key.algorithm}; c=relaxed/relaxed; d=${key.domain}; s=${key.selector};\r\n\tt=${t}; ` +
      `${fold('h=', names, ':')};\r\n\tbh=${bh};\r\n\tb=`;
    const b = signatureValue(fields, names, value, key);
    out += `DKIM-Signature:${value}${chunks(b, 70).join('\r\n\t ')}\r\n`;
  }
  return { ok: true, headers: out };
}
