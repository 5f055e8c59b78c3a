/**
 * The lab DNS server's brain, sans-I/O: a query message in, a response message (or nothing)
 * out. server.ts only moves bytes.
 *
 * Implements RFC 1034 §4.3.2 (authoritative lookup: AA set, CNAME chain in the answer,
 * NXDOMAIN for a name that does not exist in the zone), RFC 2308 §2.2/§3 (NODATA: NOERROR with
 * an empty answer; negative answers carry the zone's SOA in the authority section with TTL
 * min(SOA TTL, MINIMUM)), RFC 6604 §3 (the RCODE describes the last name of a CNAME chain),
 * RFC 1035 §4.1.1 (FORMERR for undecodable queries, NOTIMP for opcodes other than QUERY,
 * REFUSED for names we are not authoritative for, never an answer to a response: QR=1 is
 * dropped), RFC 9619 (QDCOUNT must be 1, else FORMERR), RFC 1035 §4.2.1 + RFC 2181 §9 (a UDP
 * reply larger than 512 octets, or the requester's EDNS size, is sent with TC=1 and no records,
 * so the requester retries over TCP), RFC 6891 §6.1.3/§7 (EDNS: echo an OPT; BADVERS for
 * versions other than 0), RFC 5936 §2.2 (no zone transfers: AXFR/IXFR are REFUSED). A name with a
 * zone-file failure rule gets SERVFAIL, or no reply at all (TIMEOUT), for the labs.
 *
 * Trusts: nothing in the request; dns-packet decoding errors are caught here and nowhere else.
 */
import { Buffer } from 'node:buffer';
import dnsPacket, { type Answer, type DecodedPacket, type OptAnswer, type Packet, type Question } from 'dns-packet';
import { normalizeName } from './names.ts';
import { toWire } from './records.ts';
import type { Zone } from './zone.ts';

export const RCODES = { NOERROR: 0, FORMERR: 1, SERVFAIL: 2, NXDOMAIN: 3, NOTIMP: 4, REFUSED: 5 } as const;
/** RFC 1035 §4.2.1: without EDNS, UDP replies are at most 512 octets. */
export const CLASSIC_UDP_SIZE = 512;
/** The largest UDP reply we send whatever the requester advertises (RFC 6891 §6.2.5 leaves it to us). */
export const MAX_UDP_SIZE = 4096;
/** What our OPT advertises. */
export const SERVER_EDNS_SIZE = 1232;
/** RFC 1035 §4.2.2: the TCP length prefix is two octets. */
export const MAX_TCP_MESSAGE = 0xffff;

const KNOWN_CLASSES = new Set(['IN', 'CS', 'CH', 'HS', 'ANY']);
const QR = 0x8000;

/** A header-only reply (we could not, or will not, echo the question). */
function headerOnly(id: number, requestFlags: number, rcode: number): Buffer {
  const buf = Buffer.alloc(12);
  buf.writeUInt16BE(id, 0);
  // Keep opcode (bits 11-14) and RD (bit 8) from the request, RFC 1035 §4.1.1.
  buf.writeUInt16BE(QR | (requestFlags & 0x7800) | (requestFlags & dnsPacket.RECURSION_DESIRED) | rcode, 2);
  return buf;
}

function ourOpt(extendedRcode = 0): OptAnswer {
  return { type: 'OPT', name: '.', udpPayloadSize: SERVER_EDNS_SIZE, extendedRcode, ednsVersion: 0, flags: 0, flag_do: false, options: [] };
}

type Reply = { rcode: number; aa: boolean; answers: Answer[]; authorities: Answer[]; ednsExtendedRcode?: number; drop?: true };

/** Decide the reply to one well-formed question. */
function decide(zone: Zone, q: Question): Reply {
  const refused: Reply = { rcode: RCODES.REFUSED, aa: false, answers: [], authorities: [] };
  if (q.class !== 'IN' && q.class !== undefined) return refused;
  if (q.type === 'AXFR' || q.type === 'IXFR') return refused; // RFC 5936 §2.2: transfers not offered
  const name = normalizeName(q.name === '.' ? '' : q.name);
  if (name === undefined) return { ...refused, rcode: RCODES.FORMERR };
  if (zone.apexOf(name) === undefined) return refused;

  const result = zone.lookup(name, q.type);
  // The zone file's failure rules (zone.ts): SERVFAIL, or no answer at all (the client times out).
  if (result.kind === 'fail') return { rcode: RCODES.SERVFAIL, aa: false, answers: [], authorities: [], ...(result.failure === 'timeout' ? { drop: true as const } : {}) };
  const answers = [...result.chain, ...(result.kind === 'answer' ? result.records : [])].map(toWire);
  if (result.kind === 'answer') return { rcode: RCODES.NOERROR, aa: true, answers, authorities: [] };
  // The chain left our zones: hand back what we have and let the resolver chase (RFC 1034 §4.3.2 3c).
  if (zone.apexOf(result.name) === undefined) return { rcode: RCODES.NOERROR, aa: true, answers, authorities: [] };
  const soa = zone.soaFor(result.name);
  const authorities = soa === undefined ? [] : [toWire({ ...soa, ttl: Math.min(soa.ttl, soa.data.minimum) })];
  const rcode = result.kind === 'nxdomain' ? RCODES.NXDOMAIN : RCODES.NOERROR;
  return { rcode, aa: true, answers, authorities };
}

/**
 * Answer one DNS message. `transport` decides the size limit (UDP: 512, or the requester's
 * EDNS size capped at MAX_UDP_SIZE; TCP: 65535). Returns undefined when the message must be
 * dropped (shorter than a header, itself a response, or a question a TIMEOUT rule covers).
 */
export function respond(zone: Zone, request: Buffer, transport: 'udp' | 'tcp'): Buffer | undefined {
  if (request.length < 12) return undefined;
  const id = request.readUInt16BE(0);
  const flags = request.readUInt16BE(2);
  if ((flags & QR) !== 0) return undefined;
  let query: DecodedPacket;
  try {
    query = dnsPacket.decode(request);
  } catch {
    return headerOnly(id, flags, RCODES.FORMERR);
  }
  const opcode = (flags >> 11) & 0xf;
  if (opcode !== 0) return headerOnly(id, flags, RCODES.NOTIMP);
  const questions = query.questions ?? [];
  const q = questions[0];
  if (questions.length !== 1 || q === undefined) return headerOnly(id, flags, RCODES.FORMERR);
  if (!KNOWN_CLASSES.has(q.class ?? 'IN')) return headerOnly(id, flags, RCODES.REFUSED);

  const opt = (query.additionals ?? []).find((a): a is OptAnswer => a.type === 'OPT');
  let reply: Reply;
  if (opt !== undefined && opt.ednsVersion !== 0) {
    // RFC 6891 §6.1.3: BADVERS is extended RCODE 16 = upper 8 bits 1, header RCODE 0.
    reply = { rcode: 0, aa: false, answers: [], authorities: [], ednsExtendedRcode: 1 };
  } else {
    reply = decide(zone, q);
    if (reply.drop) return undefined;
  }
  const base: Packet = {
    type: 'response',
    id,
    flags: (reply.aa ? dnsPacket.AUTHORITATIVE_ANSWER : 0) | (flags & dnsPacket.RECURSION_DESIRED) | reply.rcode,
    questions: [q],
    additionals: opt === undefined ? [] : [ourOpt(reply.ednsExtendedRcode)],
  };
  let bytes: Buffer;
  try {
    bytes = dnsPacket.encode({ ...base, answers: reply.answers, authorities: reply.authorities });
  } catch {
    return headerOnly(id, flags, RCODES.SERVFAIL);
  }
  const limit =
    transport === 'tcp'
      ? MAX_TCP_MESSAGE
      : opt === undefined
        ? CLASSIC_UDP_SIZE
        : Math.min(Math.max(opt.udpPayloadSize, CLASSIC_UDP_SIZE), MAX_UDP_SIZE);
  if (bytes.length <= limit) return bytes;
  if (transport === 'tcp') return headerOnly(id, flags, RCODES.SERVFAIL);
  // RFC 2181 §9: set TC and send no partial RRsets; the requester will ask again over TCP.
  return dnsPacket.encode({ ...base, flags: (base.flags ?? 0) | dnsPacket.TRUNCATED_RESPONSE, answers: [], authorities: [] });
}
