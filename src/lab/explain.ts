/**
 * One-line explanations of SMTP and IMAP lines for the lab transcript (teaching). Pure: a line in,
 * a sentence out, citing where the rule lives. Unknown lines get a generic explanation by reply
 * class, never a guess presented as fact.
 */

const SMTP_COMMANDS: Array<[RegExp, string]> = [
  [/^EHLO\b/i, 'client introduces itself and asks for the extensions (RFC 5321 §4.1.1.1)'],
  [/^HELO\b/i, 'old-style hello without extensions (RFC 5321 §4.1.1.1)'],
  [/^STARTTLS$/i, 'switch this connection to TLS before anything secret is sent (RFC 3207)'],
  [/^AUTH PLAIN\b/i, 'log in: base64 of "\\0user\\0password" (RFC 4616) - an encoding, not encryption'],
  [/^AUTH LOGIN\b/i, 'log in with user name and password in base64, one per line (RFC 4954)'],
  [/^AUTH\b/i, 'log in with a SASL mechanism (RFC 4954)'],
  [/^MAIL FROM:\s*<>/i, 'envelope sender: the null sender, used for bounces (RFC 5321 §4.5.5)'],
  [/^MAIL FROM:/i, 'envelope sender: where bounces go, and the identity SPF checks (RFC 5321 §4.1.1.2, RFC 7208)'],
  [/^RCPT TO:<[^>]*%[^>]*>/i, 'the "%-hack": an old way to ask a server to relay to user%otherhost (RFC 2505 §2.6)'],
  [/^RCPT TO:<"[^"]*@[^"]*"@/i, 'a quoted local part hiding a second "@": a relay trick (RFC 2505 §2.7)'],
  [/^RCPT TO:<@/i, 'a source route <@relay:user@host>: obsolete, must not be used to relay (RFC 5321 §4.1.2, App. C)'],
  [/^RCPT TO:/i, 'envelope recipient: who gets the message (RFC 5321 §4.1.1.3)'],
  [/^DATA$/i, 'the message follows, ended by a line with a single "." (RFC 5321 §4.1.1.4)'],
  [/^RSET$/i, 'abort the current transaction (RFC 5321 §4.1.1.5)'],
  [/^NOOP$/i, 'do nothing; a stray reply now would mean something ran as a command (RFC 5321 §4.1.1.9)'],
  [/^QUIT$/i, 'end the session (RFC 5321 §4.1.1.10)'],
];

export function explainSmtpCommand(line: string): string {
  for (const [re, why] of SMTP_COMMANDS) if (re.test(line)) return why;
  return 'a command line';
}

/** Explains a reply by its code (and enhanced status code when it says more). */
export function explainSmtpReply(code: number, text: string): string {
  const enh = /^\d{3}[ -](\d\.\d{1,3}\.\d{1,3})/.exec(text)?.[1];
  if (enh === '5.7.11') return '538: this needs encryption first - no password in clear text (RFC 4954 §4, RFC 5248)';
  if (enh === '5.7.8') return '535: wrong user name or password (RFC 4954 §6)';
  if (code === 454 && enh === '4.7.0') return '454: temporarily refused - too many failed logins from here (throttling)';
  if (enh === '5.7.1') return '550 5.7.1: refused by policy; the text says which defence (RFC 3463 §3.8)';
  if (enh === '5.6.11') return '550 5.6.11: bare CR or LF in the message - refused, so nothing can be smuggled (RFC 5321 §2.3.8)';
  if (enh === '5.1.1') return '550 5.1.1: no such mailbox here (RFC 3463)';
  if (enh === '5.7.0' && code === 530) return '530: log in first (RFC 4954 §6)';
  switch (code) {
    case 220:
      return /TLS|ready to start/i.test(text) ? '220: go ahead with the TLS handshake (RFC 3207)' : '220: the server is ready (greeting, RFC 5321 §4.2)';
    case 221:
      return '221: goodbye, the server closes the connection';
    case 235:
      return '235: logged in (RFC 4954)';
    case 250:
      return /queued|accepted/i.test(text) ? '250 after DATA: the server took responsibility for the message' : '250: OK';
    case 334:
      return '334: the server waits for the next login step (RFC 4954)';
    case 354:
      return '354: send the message now, end with "." on a line of its own';
    case 421:
      return '421: the server is closing this connection';
    case 451:
      return '451: temporary failure, try again later';
  }
  if (code >= 500) return `${code}: permanent refusal - the client must not retry this as it is`;
  if (code >= 400) return `${code}: temporary refusal - the client may retry later`;
  return `${code}`;
}

/** Explains a line of message content sent after DATA. */
export function explainDataLine(line: string, inBody: boolean): string {
  if (line === '.') return 'end of the message: CRLF "." CRLF (RFC 5321 §4.1.1.4)';
  if (inBody) return '';
  if (line === '') return 'empty line: end of the header section, the body follows (RFC 5322 §2.1)';
  const name = /^([!-9;-~]+):/.exec(line)?.[1]?.toLowerCase();
  switch (name) {
    case 'from':
      return 'header From: the author the reader sees - what DMARC protects (RFC 5322 §3.6.2, RFC 7489 §3.1)';
    case 'to':
      return 'header To: for display only; the envelope (RCPT TO) decides delivery';
    case 'subject':
      return 'header Subject';
    case 'sender':
      return 'header Sender: who actually sent it, when not the author (RFC 5322 §3.6.2)';
  }
  return /^[ \t]/.test(line) ? '' : 'a header field';
}

const IMAP_COMMANDS: Array<[RegExp, string]> = [
  [/^\S+ LOGIN\b/i, 'log in with user name and password (RFC 9051 §6.2.3); only over TLS'],
  [/^\S+ STARTTLS$/i, 'switch to TLS (RFC 9051 §6.2.1)'],
  [/^\S+ CAPABILITY$/i, 'ask what the server supports (RFC 9051 §6.1.1)'],
  [/^\S+ EXAMINE\b/i, 'open a folder read-only (RFC 9051 §6.3.3)'],
  [/^\S+ SELECT\b/i, 'open a folder (RFC 9051 §6.3.2)'],
  [/^\S+ UID SEARCH\b/i, 'find messages, answered with their UIDs (RFC 9051 §6.4.4)'],
  [/^\S+ UID FETCH\b.*BODY\.PEEK\[HEADER\]/i, 'read the header section without marking the message seen (RFC 9051 §6.4.5)'],
  [/^\S+ UID FETCH\b/i, 'read the message without marking it seen (RFC 9051 §6.4.5)'],
  [/^\S+ LOGOUT$/i, 'end the session (RFC 9051 §6.1.3)'],
];

export function explainImapCommand(line: string): string {
  for (const [re, why] of IMAP_COMMANDS) if (re.test(line)) return why;
  return 'an IMAP command';
}

export function explainImapResponse(line: string): string {
  if (/^\* OK\b.*\bready/i.test(line) || /^\* OK \[CAPABILITY/i.test(line)) return 'the server greets (RFC 9051 §7.1.1)';
  if (/^\* SEARCH\b|^\* ESEARCH\b/i.test(line)) return 'the matching message UIDs';
  if (/^\* \d+ FETCH\b/i.test(line)) return 'the message data asked for';
  if (/^\* \d+ EXISTS/i.test(line)) return 'how many messages are in the folder';
  if (/^\* BYE/i.test(line)) return 'the server closes the connection';
  if (/^\S+ OK\b/.test(line) && !line.startsWith('*')) return 'the command succeeded';
  if (/^\S+ NO\b/.test(line)) return 'the command was refused';
  if (/^\S+ BAD\b/.test(line)) return 'the command was not understood';
  return '';
}
