/**
 * ENVELOPE, BODY and BODYSTRUCTURE wire forms: RFC 9051 §7.5.2 and §9 (envelope, body,
 * body-type-1part, body-type-mpart, body-ext-1part, body-ext-mpart, body-fld-*).
 *
 *   body-type-basic = media-basic SP body-fields
 *   body-type-msg   = media-message SP body-fields SP envelope SP body SP body-fld-lines
 *   body-type-text  = media-text SP body-fields SP body-fld-lines
 *   body-fields     = body-fld-param SP body-fld-id SP body-fld-desc SP body-fld-enc SP body-fld-octets
 *   body-ext-1part  = body-fld-md5 SP body-fld-dsp SP body-fld-lang SP body-fld-loc
 *   body-type-mpart = 1*body SP media-subtype [SP body-ext-mpart]
 *   body-ext-mpart  = body-fld-param SP body-fld-dsp SP body-fld-lang SP body-fld-loc
 *
 * BODY is the non-extensible form (no extension data); BODYSTRUCTURE carries it. Renders the
 * structure stored by src/mail/mime (built once at delivery); mail/ stays free of IMAP syntax.
 */
import { encodeNString, encodeString, type StringOptions } from './encoder.ts';
import type { Address, BodyNode, Envelope, Params } from '../mail/mime/structure.ts';

function addressList(list: readonly Address[] | null, o: StringOptions): string {
  if (list === null || list.length === 0) return 'NIL';
  const one = (a: Address) => `(${encodeNString(a.name, o)} ${encodeNString(a.adl, o)} ${encodeNString(a.mailbox, o)} ${encodeNString(a.host, o)})`;
  return `(${list.map(one).join('')})`;
}

/** envelope = "(" date SP subject SP from SP sender SP reply-to SP to SP cc SP bcc SP in-reply-to SP message-id ")" */
export function renderEnvelope(env: Envelope, opts: StringOptions = {}): string {
  const s = (v: string | null) => encodeNString(v, opts);
  const a = (v: readonly Address[] | null) => addressList(v, opts);
  return `(${s(env.date)} ${s(env.subject)} ${a(env.from)} ${a(env.sender)} ${a(env.replyTo)} ${a(env.to)} ${a(env.cc)} ${a(env.bcc)} ${s(env.inReplyTo)} ${s(env.messageId)})`;
}

/** body-fld-param = "(" string SP string *(SP string SP string) ")" / NIL */
function params(p: Params, o: StringOptions): string {
  if (p.length === 0) return 'NIL';
  return `(${p.map(([k, v]) => `${encodeString(k, o)} ${encodeString(v, o)}`).join(' ')})`;
}

/** body-fld-dsp SP body-fld-lang SP body-fld-loc */
function dspLangLoc(node: BodyNode, o: StringOptions): string {
  const dsp = node.disposition === null ? 'NIL' : `(${encodeString(node.disposition.type, o)} ${params(node.disposition.params, o)})`;
  const lang = node.language === null ? 'NIL' : `(${node.language.map((l) => encodeString(l, o)).join(' ')})`;
  return `${dsp} ${lang} ${encodeNString(node.location, o)}`;
}

export interface BodyStructureOptions extends StringOptions {
  /** true for BODYSTRUCTURE (extension data), false for BODY. */
  extended: boolean;
}

/** The parenthesised `body` for FETCH BODY / BODYSTRUCTURE. */
export function renderBodyStructure(node: BodyNode, opts: BodyStructureOptions): string {
  const s = (v: string) => encodeString(v, opts);
  const ns = (v: string | null) => encodeNString(v, opts);
  if (node.kind === 'multipart') {
    const children = node.parts.map((p) => renderBodyStructure(p, opts)).join('');
    const ext = opts.extended ? ` ${params(node.params, opts)} ${dspLangLoc(node, opts)}` : '';
    return `(${children} ${s(node.subtype)}${ext})`;
  }
  let out = `(${s(node.type)} ${s(node.subtype)} ${params(node.params, opts)} ${ns(node.id)} ${ns(node.description)} ${s(node.encoding)} ${node.size}`;
  if (node.kind === 'message') out += ` ${renderEnvelope(node.envelope, opts)} ${renderBodyStructure(node.body, opts)} ${node.lines}`;
  else if (node.kind === 'text') out += ` ${node.lines}`;
  if (opts.extended) out += ` ${ns(node.md5)} ${dspLangLoc(node, opts)}`;
  return `${out})`;
}
