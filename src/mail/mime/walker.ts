/**
 * One-pass MIME walker: RFC 2045 (MIME headers, §5.2 defaults), RFC 2046 §5.1 (multipart:
 * boundaries, preamble, epilogue; §5.1.5 digest defaults to message/rfc822), §5.2.1
 * (message/rfc822), RFC 6532 §3.7 (message/global), RFC 5322 (the header/body split).
 *
 * Bytes in (any chunking), a MessageStructure out: the MIME tree with ENVELOPEs, sizes, line
 * counts and the byte offsets of every part's header and body. Works line by line and keeps only
 * a bounded prefix of each line (boundary detection) and bounded header blocks, so a message of
 * any size is walked in constant memory, apart from the tree itself (bounded by maxParts).
 *
 * Never throws on content: a missing or invalid Content-Type is text/plain (RFC 2045 §5.2), a
 * multipart without boundary or without parts gets one empty text/plain part, nesting past
 * maxDepth is treated as an opaque application/octet-stream part. Lines end with CRLF or bare LF.
 */
import { buildEnvelope, EMPTY_ENVELOPE } from './envelope.ts';
import { firstField, param, parseContentType, parseDisposition, parseHeaderBlock, parseLanguage, type HeaderField, type Params } from './header.ts';
import { STRUCTURE_VERSION, type BodyNode, type Envelope, type MessageStructure } from './structure.ts';

export interface WalkerLimits {
  /** Nesting of multiparts and encapsulated messages. */
  maxDepth: number;
  /** Body parts in the whole message. */
  maxParts: number;
  /** Octets of one header block kept for parsing (the rest still counts for offsets). */
  maxHeaderBytes: number;
}

export const DEFAULT_WALKER_LIMITS: WalkerLimits = { maxDepth: 50, maxParts: 10_000, maxHeaderBytes: 256 * 1024 };

/** Octets of each line kept for boundary matching (RFC 2046 §5.1.1: boundaries are <= 70). */
const PREFIX_MAX = 256;

type Mode = 'header' | 'leaf' | 'multipart' | 'message';

/** What a part's header says about it. */
interface PartInfo {
  type: string;
  subtype: string;
  params: Params;
  disposition: { type: string; params: Params } | null;
  language: string[] | null;
  location: string | null;
  id: string | null;
  description: string | null;
  encoding: string;
  md5: string | null;
}

interface Frame {
  headerStart: number;
  header: Buffer[];
  headerBytes: number;
  bodyStart: number;
  lfAtBody: number;
  depth: number;
  digestChild: boolean;
  messageRoot: boolean;
  mode: Mode;
  node: PartInfo;
  leafKind: 'text' | 'basic';
  envelope: Envelope | null;
  boundary: Buffer | null;
  digest: boolean;
  phase: 'preamble' | 'parts' | 'epilogue';
  parts: BodyNode[];
  inner: { node: BodyNode; envelope: Envelope } | null;
  attach: (node: BodyNode, envelope: Envelope | null) => void;
}

function newFrame(headerStart: number, depth: number, attach: Frame['attach'], opts: { digestChild?: boolean; messageRoot?: boolean } = {}): Frame {
  return {
    headerStart, header: [], headerBytes: 0, bodyStart: -1, lfAtBody: 0, depth,
    digestChild: opts.digestChild === true, messageRoot: opts.messageRoot === true, mode: 'header',
    node: { type: 'text', subtype: 'plain', params: [], disposition: null, language: null, location: null, id: null, description: null, encoding: '7bit', md5: null },
    leafKind: 'text', envelope: null, boundary: null, digest: false, phase: 'preamble', parts: [], inner: null, attach,
  };
}

export class MimeWalker {
  private readonly limits: WalkerLimits;
  private readonly frames: Frame[] = [];
  private result: { node: BodyNode; envelope: Envelope } | null = null;
  private lf = 0; // LF octets before lineStart
  private lineStart = 0;
  private lineLen = 0;
  private readonly prefix = Buffer.alloc(PREFIX_MAX);
  private prefixLen = 0;
  private lastByte = -1;
  private prevTerm = 0; // terminator length of the previous line
  private parts = 1;
  private truncated = false;
  private ended = false;

  constructor(limits: Partial<WalkerLimits> = {}) {
    this.limits = { ...DEFAULT_WALKER_LIMITS, ...limits };
    this.frames.push(newFrame(0, 0, (node, envelope) => (this.result = { node, envelope: envelope ?? EMPTY_ENVELOPE }), { messageRoot: true }));
  }

  write(chunk: Uint8Array): void {
    if (this.ended) return;
    const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    let i = 0;
    while (i < buf.length) {
      const lf = buf.indexOf(0x0a, i);
      const stop = lf < 0 ? buf.length : lf + 1;
      this.take(buf, i, stop);
      if (lf >= 0) {
        const cr = lf > i ? buf[lf - 1] === 0x0d : this.lastByte === 0x0d;
        this.endLine(cr ? 2 : 1);
      }
      this.lastByte = buf[stop - 1]!;
      i = stop;
    }
  }

  end(): MessageStructure {
    if (!this.ended) {
      if (this.lineLen > 0) this.endLine(0);
      this.ended = true;
      while (this.frames.length > 0) this.closeTop(this.lineStart, this.lf);
    }
    const r = this.result!;
    return { version: STRUCTURE_VERSION, size: this.lineStart, envelope: r.envelope, body: r.node, truncated: this.truncated };
  }

  private take(buf: Buffer, from: number, to: number): void {
    if (this.prefixLen < PREFIX_MAX) {
      const n = Math.min(PREFIX_MAX - this.prefixLen, to - from);
      buf.copy(this.prefix, this.prefixLen, from, from + n);
      this.prefixLen += n;
    }
    const top = this.frames[this.frames.length - 1];
    if (top !== undefined && top.mode === 'header') {
      const n = to - from;
      if (top.headerBytes + n <= this.limits.maxHeaderBytes) top.header.push(Buffer.from(buf.subarray(from, to)));
      else this.truncated = true;
      top.headerBytes += n;
    }
    this.lineLen += to - from;
  }

  private endLine(term: number): void {
    const start = this.lineStart;
    const next = start + this.lineLen;
    const contentLen = this.lineLen - term;
    if (!this.boundaryLine(contentLen, start, next)) {
      const top = this.frames[this.frames.length - 1];
      // RFC 5322 §2.1: the header ends at the first empty line.
      if (top !== undefined && top.mode === 'header' && contentLen === 0) this.startBody(top, next, this.lf + (term > 0 ? 1 : 0), true);
    }
    this.lineStart = next;
    this.lineLen = 0;
    this.prefixLen = 0;
    this.prevTerm = term;
    if (term > 0) this.lf++;
  }

  /** RFC 2046 §5.1.1: "--" boundary ["--"] *LWSP at the start of a line, innermost first. */
  private boundaryLine(contentLen: number, start: number, next: number): boolean {
    if (contentLen < 3 || contentLen > PREFIX_MAX || this.prefix[0] !== 0x2d || this.prefix[1] !== 0x2d) return false;
    const line = this.prefix.subarray(0, contentLen);
    for (let k = this.frames.length - 1; k >= 0; k--) {
      const f = this.frames[k]!;
      if (f.mode !== 'multipart' || f.boundary === null || f.phase === 'epilogue') continue;
      const b = f.boundary;
      if (line.length < b.length || !line.subarray(0, b.length).equals(b)) continue;
      let rest = line.subarray(b.length);
      const close = rest.length >= 2 && rest[0] === 0x2d && rest[1] === 0x2d;
      if (close) rest = rest.subarray(2);
      if (!rest.every((c) => c === 0x20 || c === 0x09)) continue;
      this.onBoundary(k, close, start, next);
      return true;
    }
    return false;
  }

  private onBoundary(k: number, close: boolean, start: number, next: number): void {
    // RFC 2046 §5.1.1: the CRLF before the boundary belongs to the boundary, not to the part.
    const end = start - this.prevTerm;
    const lfEnd = this.lf - (this.prevTerm > 0 ? 1 : 0);
    while (this.frames.length - 1 > k) this.closeTop(end, lfEnd);
    const f = this.frames[k]!;
    if (close) {
      f.phase = 'epilogue';
      return;
    }
    if (this.parts >= this.limits.maxParts) {
      this.truncated = true;
      f.phase = 'epilogue';
      return;
    }
    this.parts++;
    f.phase = 'parts';
    this.frames.push(newFrame(next, f.depth + 1, (node) => f.parts.push(node), { digestChild: f.digest }));
  }

  /** The header of `f` ended: parse it and decide what the body is. */
  private startBody(f: Frame, bodyStart: number, lfAtBody: number, pushInner: boolean): void {
    f.bodyStart = bodyStart;
    f.lfAtBody = lfAtBody;
    const fields = parseHeaderBlock(Buffer.concat(f.header));
    f.header = [];
    if (f.messageRoot) f.envelope = buildEnvelope(fields);
    this.describe(f, fields);
    const type = f.node.type.toLowerCase();
    const subtype = f.node.subtype.toLowerCase();
    const container = type === 'multipart' || (type === 'message' && (subtype === 'rfc822' || subtype === 'global'));
    if (container && f.depth >= this.limits.maxDepth) {
      this.truncated = true;
      Object.assign(f.node, { type: 'application', subtype: 'octet-stream', params: [] });
      f.mode = 'leaf';
      f.leafKind = 'basic';
    } else if (type === 'multipart') {
      f.mode = 'multipart';
      const boundary = param(f.node.params, 'boundary');
      f.boundary = boundary !== null && boundary.length > 0 ? Buffer.from(`--${boundary}`) : null;
      f.digest = subtype === 'digest';
    } else if (container) {
      f.mode = 'message';
      if (pushInner) this.pushInner(f);
    } else {
      f.mode = 'leaf';
      f.leafKind = type === 'text' ? 'text' : 'basic';
    }
  }

  private pushInner(f: Frame): void {
    this.parts++;
    this.frames.push(newFrame(f.bodyStart, f.depth + 1, (node, envelope) => (f.inner = { node, envelope: envelope ?? EMPTY_ENVELOPE }), { messageRoot: true }));
  }

  /** Content-* fields of a part (RFC 2045 §5-§8, RFC 2183, RFC 3282, RFC 2557, RFC 1864). */
  private describe(f: Frame, fields: readonly HeaderField[]): void {
    const ctRaw = firstField(fields, 'Content-Type');
    const parsed = ctRaw === null ? null : parseContentType(ctRaw);
    let type = 'text';
    let subtype = 'plain';
    let params: Params = [];
    if (parsed !== null) ({ type, subtype, params } = parsed);
    else if (ctRaw === null && f.digestChild) [type, subtype] = ['message', 'rfc822']; // RFC 2046 §5.1.5
    if (type.toLowerCase() === 'text' && param(params, 'charset') === null) params.push(['charset', 'us-ascii']); // RFC 2045 §5.2
    const dsp = firstField(fields, 'Content-Disposition');
    const lang = firstField(fields, 'Content-Language');
    const enc = firstField(fields, 'Content-Transfer-Encoding');
    f.node = {
      type, subtype, params,
      disposition: dsp === null ? null : parseDisposition(dsp),
      language: lang === null ? null : parseLanguage(lang),
      location: firstField(fields, 'Content-Location')?.replace(/\s+/g, '') ?? null,
      id: firstField(fields, 'Content-ID'),
      description: firstField(fields, 'Content-Description'),
      encoding: enc !== null && enc.length > 0 ? enc : '7bit',
      md5: firstField(fields, 'Content-MD5'),
    };
  }

  /** Close the innermost frame: its body ends at `end` with `lfEnd` LFs before it. */
  private closeTop(end: number, lfEnd: number): void {
    const f = this.frames[this.frames.length - 1]!;
    if (f.mode === 'header') this.startBody(f, Math.max(end, f.headerStart), lfEnd, false);
    if (f.mode === 'message' && f.inner === null && this.frames[this.frames.length - 1] === f) {
      // The encapsulated message never started (no body): it is an empty message.
      this.pushInner(f);
      this.closeTop(end, lfEnd);
    }
    this.frames.pop();
    const bodyEnd = Math.max(end, f.bodyStart);
    const lines = bodyEnd > f.bodyStart ? Math.max(0, lfEnd - f.lfAtBody) : 0;
    const offsets = { headerStart: f.headerStart, bodyStart: f.bodyStart, end: bodyEnd };
    const { type, subtype, params, disposition, language, location } = f.node;
    let node: BodyNode;
    if (f.mode === 'multipart') {
      if (f.parts.length === 0) f.parts.push(emptyTextPart(bodyEnd));
      node = { kind: 'multipart', type, subtype, params, disposition, language, location, offsets, parts: f.parts };
    } else {
      const single = { ...f.node, offsets, size: bodyEnd - f.bodyStart };
      if (f.mode === 'message') {
        const inner = f.inner!;
        node = { kind: 'message', ...single, lines, envelope: inner.envelope, body: inner.node };
      } else if (f.leafKind === 'text') {
        node = { kind: 'text', ...single, lines };
      } else {
        node = { kind: 'basic', ...single };
      }
    }
    f.attach(node, f.envelope);
  }
}

function emptyTextPart(at: number): BodyNode {
  return {
    kind: 'text', type: 'text', subtype: 'plain', params: [['charset', 'us-ascii']], disposition: null, language: null, location: null,
    id: null, description: null, encoding: '7bit', md5: null, size: 0, lines: 0, offsets: { headerStart: at, bodyStart: at, end: at },
  };
}

/** Walk a whole message held in memory. */
export function parseMessageStructure(message: Uint8Array, limits: Partial<WalkerLimits> = {}): MessageStructure {
  const w = new MimeWalker(limits);
  w.write(message);
  return w.end();
}

/** Walk a message from a stream (e.g. while it is written to the store at delivery). */
export async function parseMessageStructureStream(source: AsyncIterable<Uint8Array>, limits: Partial<WalkerLimits> = {}): Promise<MessageStructure> {
  const w = new MimeWalker(limits);
  for await (const chunk of source) w.write(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  return w.end();
}
