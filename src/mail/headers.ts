/**
 * RFC 5322 header section helpers: find the end of the header section, unfold fields (§2.2.3),
 * and read the originator addresses (§3.6.2 From/Sender) for the sender-address restriction.
 * Address lists are parsed with nodemailer's addressparser (well-kept, handles groups, comments
 * and display names with "@" in them); we only decide what to do with the result.
 */
import addressparser from 'nodemailer/lib/addressparser';

/** Index just past the blank line that ends the header section (CRLF CRLF), or -1. */
export function headerEnd(buf: Buffer, from = 0): number {
  if (buf.length >= 2 && from === 0 && buf[0] === 13 && buf[1] === 10) return 2; // empty header section
  const i = buf.indexOf('\r\n\r\n', Math.max(0, from - 3));
  return i < 0 ? -1 : i + 4;
}

export interface HeaderField {
  name: string;
  /** Unfolded value, without the leading space. */
  value: string;
}

/** Parses a header section (bytes up to the blank line). Lines that are not fields are reported. */
export function parseHeaderSection(section: Buffer): { fields: HeaderField[]; malformed: string[] } {
  const text = section.toString('utf8');
  const fields: HeaderField[] = [];
  const malformed: string[] = [];
  for (const line of text.split('\r\n')) {
    if (line === '') continue;
    if ((line[0] === ' ' || line[0] === '\t') && fields.length) {
      fields[fields.length - 1]!.value += line; // §2.2.3 unfolding: remove the CRLF only
      continue;
    }
    const colon = line.indexOf(':');
    const name = colon > 0 ? line.slice(0, colon) : '';
    // §3.6.8 field-name = 1*ftext, printable US-ASCII except ":"
    if (!name || !/^[\x21-\x39\x3b-\x7e]+$/.test(name)) {
      malformed.push(line.slice(0, 60));
      continue;
    }
    fields.push({ name, value: line.slice(colon + 1).replace(/^[ \t]+/, '') });
  }
  return { fields, malformed };
}

export function getFields(fields: readonly HeaderField[], name: string): HeaderField[] {
  const lower = name.toLowerCase();
  return fields.filter((f) => f.name.toLowerCase() === lower);
}

export interface HeaderAddress {
  name: string;
  address: string;
}

/** All mailbox addresses in an address-list field value, groups flattened. */
export function parseAddressList(value: string): HeaderAddress[] {
  const out: HeaderAddress[] = [];
  const walk = (list: ReturnType<typeof addressparser>) => {
    for (const a of list) {
      if ('group' in a && a.group) walk(a.group);
      else if ('address' in a) out.push({ name: a.name ?? '', address: a.address ?? '' });
    }
  };
  walk(addressparser(value));
  return out;
}
