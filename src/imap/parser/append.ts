/**
 * APPEND: RFC 9051 §6.3.12, RFC 3516 §4.4 (literal8 for BINARY), RFC 6855 §4 (UTF8 (literal8)).
 * MULTIAPPEND (RFC 3502) is not served: one message per command. The message's octets never
 * reach the parser: the reader streams them to the session (tokenizer.ts), the command carries
 * only their size.
 *
 *   append = "APPEND" SP mailbox [SP flag-list] [SP date-time] SP append-data
 *   append-data = literal / literal8 / "UTF8" SP "(" literal8 ")"
 */
import { parseDateTime, type ImapDateTime } from '../datetime.ts';
import type { ImapCommand } from './types.ts';
import type { Scanner } from './scanner.ts';

export function parseAppend(s: Scanner, tag: string): ImapCommand {
  s.sp();
  const mailbox = s.mailbox();
  s.sp();
  let flags: string[] = [];
  if (s.peek() === 0x28) {
    flags = s.flagList();
    s.sp();
  }
  let date: ImapDateTime | null = null;
  if (s.peek() === 0x22) {
    const text = s.quoted();
    date = parseDateTime(text);
    if (date === null) s.fail(`Invalid date-time "${text.slice(0, 40)}"`);
    s.sp();
  }
  let utf8 = false;
  if (s.tryKeyword('UTF8')) {
    // RFC 6855 §4: the message is a literal8 inside parentheses.
    utf8 = true;
    s.sp();
    s.expect('(');
  }
  const literal = s.literal(true);
  if (utf8) {
    if (!literal.binary) s.fail('UTF8 APPEND data must be a literal8');
    s.expect(')');
  }
  // The reader streamed the message's octets (tokenizer.ts); only an empty literal is not streamed.
  const size = literal.streamed?.size ?? literal.data.length;
  // RFC 9051 §4.3: a plain literal is CHAR8, never NUL; NUL needs literal8 (RFC 3516 §4.4).
  if (!literal.binary && (literal.streamed?.nul ?? literal.data.includes(0))) s.fail('NUL octet in literal (literal8 required)');
  if (!s.atEnd()) s.fail('Only one message per APPEND (MULTIAPPEND is not supported)');
  return { tag, name: 'APPEND', mailbox, flags, date, size, binary: literal.binary, utf8 };
}
