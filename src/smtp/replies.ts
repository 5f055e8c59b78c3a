/**
 * The SMTP reply catalogue: every reply mailwarden sends comes from here, with its basic code
 * (RFC 5321 §4.2), enhanced status code (RFC 3463, RFC 5248 registry) and a human-readable text.
 * Handlers return `replies.x(...)`; no reply literals live anywhere else.
 */

export interface Reply {
  code: number;
  /** Enhanced status code "class.subject.detail", or null where RFC 2034 §3 forbids one (greeting, EHLO). */
  enhanced: string | null;
  text: string | string[];
}

const r = (code: number, enhanced: string | null, text: string | string[]): Reply => ({ code, enhanced, text });

export const replies = {
  // --- connection --------------------------------------------------------------------
  greeting: (host: string) => r(220, null, `${host} ESMTP mailwarden ready`),
  bye: (host: string) => r(221, '2.0.0', `${host} closing connection, goodbye`),
  tooManyConnections: (host: string) => r(421, '4.7.0', `${host} too many connections, try again later`),
  tooManyConnectionsFromIp: (host: string) => r(421, '4.7.0', `${host} too many connections from your address, try again later`),
  timeout: (host: string) => r(421, '4.4.2', `${host} idle for too long, closing connection`),
  tooManyErrors: (host: string) => r(421, '4.7.0', `${host} too many errors, closing connection`),
  shuttingDown: (host: string) => r(421, '4.3.2', `${host} shutting down, try again later`),
  earlyTalker: () => r(554, '5.5.0', 'you talked before the greeting; SMTP clients must wait for it (RFC 5321 §4.3.1)'),
  localError: () => r(451, '4.3.0', 'local error while processing, message not accepted; try again later'),

  // --- greetings and basics ----------------------------------------------------------
  helo: (host: string, client: string) => r(250, null, `${host} hello ${client}`),
  ehlo: (lines: string[]) => r(250, null, lines),
  ok: () => r(250, '2.0.0', 'OK'),
  resetOk: () => r(250, '2.0.0', 'reset: transaction cleared'),
  noop: () => r(250, '2.0.0', 'OK, nothing done'),
  vrfy: () => r(252, '2.5.0', 'cannot VRFY users; send mail and the server will try its best (RFC 5321 §3.5.3)'),
  help: () => r(214, '2.0.0', ['commands: EHLO HELO STARTTLS AUTH MAIL RCPT DATA RSET NOOP QUIT VRFY HELP', 'a message: MAIL FROM:<you@example.org>, RCPT TO:<them@example.org>, DATA, text, "." alone on a line']),
  heloRequired: () => r(503, '5.5.1', 'send EHLO (or HELO) first'),
  badHeloArgument: () => r(501, '5.5.4', 'EHLO/HELO needs your host name or address literal, e.g. "EHLO client.example.org"'),

  // --- syntax ------------------------------------------------------------------------
  unknownCommand: (cmd: string) => r(500, '5.5.1', `command "${cmd}" not recognized`),
  lineTooLong: (max: number) => r(500, '5.5.2', `line too long: the limit is ${max} octets including CRLF (RFC 5321 §4.5.3.1)`),
  syntax: (what: string) => r(501, '5.5.4', `syntax error: ${what}`),
  badSequence: (what: string) => r(503, '5.5.1', `bad sequence of commands: ${what}`),
  notImplemented: (cmd: string) => r(502, '5.5.1', `${cmd} is not implemented`),
  badParameter: (p: string) => r(555, '5.5.4', `MAIL/RCPT parameter ${p} is not recognized or not implemented`),
  binaryGarbage: () => r(500, '5.5.2', 'command contains NUL or non-text bytes'),

  // --- TLS ---------------------------------------------------------------------------
  startTls: () => r(220, '2.0.0', 'ready to start TLS'),
  tlsUnavailable: () => r(454, '4.7.0', 'TLS not available'),
  alreadyTls: () => r(503, '5.5.1', 'TLS already active'),
  startTlsPipelined: () => r(501, '5.5.4', 'no commands may follow STARTTLS before the TLS handshake (RFC 3207 §4.2)'),

  // --- AUTH (RFC 4954) -------------------------------------------------------------
  authChallenge: (b64: string) => r(334, null, b64),
  authOk: () => r(235, '2.7.0', 'authentication successful'),
  authFailed: () => r(535, '5.7.8', 'authentication credentials invalid'),
  authCancelled: () => r(501, '5.7.0', 'authentication cancelled'),
  authMalformed: (why: string) => r(501, '5.5.2', `cannot decode AUTH response: ${why}`),
  authNeedsTls: () => r(538, '5.7.11', 'encryption required: use STARTTLS (or port 465) before AUTH (RFC 4954 §4)'),
  authUnsupported: (m: string) => r(504, '5.5.4', `AUTH mechanism ${m} is not available`),
  authAlready: () => r(503, '5.5.1', 'already authenticated'),
  authInTransaction: () => r(503, '5.5.1', 'AUTH is not allowed during a mail transaction'),
  authNotOnMx: () => r(503, '5.5.1', 'AUTH is not offered on this port (MX); submit mail on port 587 or 465'),
  authRequired: () => r(530, '5.7.0', 'authentication required: this is a submission port, AUTH first'),
  authLocked: (secs: number) => r(454, '4.7.0', `too many failed logins, try again in ${Math.ceil(secs)} seconds`),
  authTempFail: () => r(454, '4.7.0', 'temporary authentication failure, try again later'),

  // --- MAIL / RCPT -------------------------------------------------------------------
  senderOk: (addr: string) => r(250, '2.1.0', `sender <${addr}> OK`),
  recipientOk: (addr: string) => r(250, '2.1.5', `recipient <${addr}> OK`),
  nestedMail: () => r(503, '5.5.1', 'nested MAIL command: one transaction at a time, RSET first'),
  needMail: () => r(503, '5.5.1', 'need MAIL before RCPT'),
  needRcpt: () => r(503, '5.5.1', 'need RCPT before DATA'),
  badAddress: (why: string) => r(501, '5.1.3', `bad address syntax: ${why}`),
  needsSmtpUtf8: () => r(553, '5.6.7', 'non-ASCII address requires the SMTPUTF8 parameter (RFC 6531)'),
  sizeExceeded: (max: number) => r(552, '5.3.4', `message size exceeds the limit of ${max} bytes`),
  tooManyRecipients: (max: number) => r(452, '4.5.3', `too many recipients: at most ${max} per message, send the rest in another transaction`),
  mailboxUnknown: (addr: string) => r(550, '5.1.1', `<${addr}>: no such user here`),
  relayDenied: (addr: string) => r(550, '5.7.1', `<${addr}>: relay denied: this server only accepts mail for its own domains`),
  srsBouncesOnly: (addr: string) => r(550, '5.7.1', `<${addr}>: this forwarding (SRS) address only accepts bounces with the null sender <>`),
  srsInvalid: (addr: string, reason: string) => r(550, '5.1.1', `<${addr}>: ${reason}`),
  listLoop: (list: string) => r(554, '5.4.6', `<${list}>: mail loop: this message was already distributed by this list`),
  listNoSpam: (list: string) => r(550, '5.7.1', `<${list}>: the list does not distribute mail that failed our checks or looks like spam`),
  listPostingRefused: (list: string, author: string) => r(550, '5.7.1', `<${list}>: only members may post to this list, and <${author}> is not one`),
  relayTrick: (addr: string, trick: string) => r(550, '5.7.1', `<${addr}>: relay denied: ${trick} is never routed`),
  nullSenderNotAllowed: () => r(550, '5.7.1', 'the null sender <> is not allowed on submission'),
  senderNotOwned: (addr: string, user: string) => r(550, '5.7.1', `sender address <${addr}> is not yours: ${user} may only send as its own addresses`),
  headerSenderNotOwned: (field: string, addr: string, user: string) => r(550, '5.7.1', `${field}: header address <${addr}> is not yours: ${user} may only send as its own addresses`),
  noRecipientsAccepted: () => r(554, '5.5.1', 'no valid recipients'),

  // --- sender authentication (RFC 7489, RFC 7372 codes) ------------------------------
  dmarcReject: (domain: string, summary: string) => r(550, '5.7.1', `message refused: DMARC policy of ${domain} is reject and the message failed it (${summary})`),
  dmarcNoAuthor: (why: string) => r(550, '5.7.1', `message refused: DMARC needs exactly one author domain in From: (${why})`),
  spfTempError: (domain: string) => r(451, '4.7.24', `temporary DNS error while checking SPF for ${domain}; try again later`),
  authTempError: (what: string) => r(451, '4.7.5', `temporary error while authenticating the message (${what}); try again later`),
  spamReject: (score: string) => r(550, '5.7.1', `message refused: content filter scored it as spam (${score})`),

  // --- attachment policy (docs/phishing.md; RFC 3463 §3.8 X.7.1: refused for security policy) ---
  attachmentRefused: (what: string) => r(550, '5.7.1', `message refused: ${what}`),
  virusFound: (signature: string) => r(550, '5.7.1', `message refused: virus ${signature} found by the virus scanner`),
  virusScanUnavailable: () => r(451, '4.3.0', 'the virus scanner is not available; try again later'),

  // --- DATA --------------------------------------------------------------------------
  dataGo: () => r(354, null, 'start mail input; end with <CRLF>.<CRLF>'),
  queued: (id: string) => r(250, '2.0.0', `message accepted, queued as ${id}`),
  bareLineEnding: () => r(550, '5.6.11', 'message contains a bare CR or LF; lines must end with CRLF (RFC 5321 §2.3.8), message refused'),
  nulInMessage: () => r(550, '5.6.0', 'message contains a NUL octet, which text and 8BITMIME content may not (RFC 6152 §3); message refused'),
  messageLineTooLong: (max: number) => r(550, '5.6.0', `message has a line longer than ${max} octets (RFC 5321 §4.5.3.1.6), message refused`),
  headerTooBig: (max: number) => r(552, '5.3.4', `message header section larger than ${max} bytes`),
  badHeader: (why: string) => r(550, '5.6.0', `malformed message header: ${why}`),
} as const;

/** Serialises a reply: multi-line replies use "code-" continuation lines (RFC 5321 §4.2.1). */
export function formatReply(reply: Reply): string {
  const lines = Array.isArray(reply.text) ? reply.text : [reply.text];
  return lines
    .map((line, i) => `${reply.code}${i === lines.length - 1 ? ' ' : '-'}${reply.enhanced ? `${reply.enhanced} ` : ''}${line}\r\n`)
    .join('');
}
