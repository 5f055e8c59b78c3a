/**
 * Sample messages for the ENVELOPE / BODYSTRUCTURE / section tests (RFC 9051 §6.4.5, §7.5.2;
 * RFC 2046 §5.1). Lines are joined with CRLF. Imported by *.test.ts files only.
 */

export const crlf = (...lines: string[]): Buffer => Buffer.from(lines.join('\r\n'));

/**
 * RFC 9051 §7.5.2's FETCH example: ENVELOPE as printed there, BODY ("TEXT" "PLAIN" ("CHARSET"
 * "US-ASCII") NIL NIL "7BIT" 3028 92) and RFC822.SIZE 4286 (padded with an X- header).
 */
export function rfcExample(): Buffer {
  const body: string[] = [];
  for (let i = 0; i < 92; i++) body.push((i < 88 ? `Minutes line ${String(i).padStart(2, '0')} ` : 'Closing line ').padEnd(i < 88 ? 31 : 29, '.'));
  const header = [
    'Date: Wed, 17 Jul 1996 02:23:25 -0700 (PDT)',
    'From: Terry Gray <gray@cac.washington.edu>',
    'Subject: IMAP4rev2 WG mtg summary and minutes',
    'To: imap@cac.washington.edu',
    'cc: minutes@CNRI.Reston.VA.US, John Klensin <KLENSIN@MIT.EDU>',
    'Message-Id: <B27397-0100000@cac.washington.edu>',
    'MIME-Version: 1.0',
    'Content-Type: TEXT/PLAIN; CHARSET=US-ASCII',
    'Content-Transfer-Encoding: 7BIT',
  ];
  const bodyText = body.join('\r\n') + '\r\n';
  const headerText = header.join('\r\n') + '\r\n';
  const pad = 4286 - bodyText.length - headerText.length - 2 - 'X-Pad: \r\n'.length;
  return Buffer.from(`${headerText}X-Pad: ${'x'.repeat(pad)}\r\n\r\n${bodyText}`);
}

export const alternative = crlf(
  'From: Alice <alice@example.org>',
  'To: bob@example.com',
  'Subject: Lunch?',
  'Date: Mon, 1 Jan 2024 12:00:00 +0000',
  'Message-ID: <alt-1@example.org>',
  'MIME-Version: 1.0',
  'Content-Type: multipart/alternative; boundary="=_alt"',
  '',
  '--=_alt',
  'Content-Type: text/plain; charset=utf-8',
  'Content-Transfer-Encoding: quoted-printable',
  '',
  'Lunch at noon?',
  '--=_alt',
  'Content-Type: text/html; charset=utf-8',
  '',
  '<p>Lunch at <b>noon</b>?</p>',
  '--=_alt--',
  '',
);

export const mixedWithAttachment = crlf(
  'From: "Carol C." <carol@example.net>',
  'To: Dave <dave@example.com>',
  'Cc: undisclosed-recipients:;',
  'Subject: Report',
  'Date: Tue, 2 Jan 2024 09:30:00 +0100',
  'Message-ID: <mixed-1@example.net>',
  'MIME-Version: 1.0',
  'Content-Type: multipart/mixed; boundary=XYZ',
  '',
  'This is a multi-part message in MIME format.',
  '--XYZ',
  'Content-Type: text/plain; charset=us-ascii',
  '',
  'See attached.',
  '',
  '--XYZ',
  'Content-Type: application/pdf; name="report.pdf"',
  'Content-Transfer-Encoding: base64',
  'Content-Disposition: attachment; filename="report.pdf"',
  '',
  'JVBERi0xLjQK',
  '--XYZ--',
  '',
);

export const forwarded = crlf(
  'From: eve@example.org',
  'To: frank@example.com',
  'Subject: Fwd: Hello',
  'Content-Type: multipart/mixed; boundary="outer"',
  '',
  '--outer',
  'Content-Type: text/plain',
  '',
  'Forwarded message below.',
  '--outer',
  'Content-Type: message/rfc822',
  '',
  'From: Grace <grace@example.com>',
  'To: eve@example.org',
  'Subject: Hello',
  'Content-Type: multipart/alternative; boundary="inner"',
  '',
  '--inner',
  'Content-Type: text/plain',
  '',
  'Hi!',
  '--inner',
  'Content-Type: text/html',
  '',
  '<p>Hi!</p>',
  '--inner--',
  '--outer--',
  '',
);

/** No header fields at all: an empty header, then the body. */
export const noHeaders = crlf('', 'Just a body', '');

/** Header only: no blank line, no body. */
export const headerOnly = crlf('Subject: only headers', 'From: a@b.c', '');

/**
 * The part layout of RFC 9051 §6.4.5's section example:
 *   1 TEXT/PLAIN, 2 APPLICATION/OCTET-STREAM, 3 MESSAGE/RFC822 (3.1 TEXT/PLAIN,
 *   3.2 APPLICATION/OCTET-STREAM), 4 MULTIPART/MIXED (4.1 IMAGE/GIF, 4.2 MESSAGE/RFC822
 *   (4.2.1 TEXT/PLAIN, 4.2.2 MULTIPART/ALTERNATIVE (4.2.2.1 TEXT/PLAIN, 4.2.2.2 TEXT/RICHTEXT))))
 */
export const sectionExample = crlf(
  'Subject: top',
  'Content-Type: MULTIPART/MIXED; boundary=a',
  '',
  '--a',
  'Content-Type: TEXT/PLAIN',
  '',
  'part1',
  '--a',
  'Content-Type: APPLICATION/OCTET-STREAM',
  '',
  'part2',
  '--a',
  'Content-Type: MESSAGE/RFC822',
  '',
  'Subject: three',
  'Content-Type: MULTIPART/MIXED; boundary=b',
  '',
  '--b',
  'Content-Type: TEXT/PLAIN',
  '',
  'part3.1',
  '--b',
  'Content-Type: APPLICATION/OCTET-STREAM',
  '',
  'part3.2',
  '--b--',
  '--a',
  'Content-Type: MULTIPART/MIXED; boundary=c',
  '',
  '--c',
  'Content-Type: IMAGE/GIF',
  '',
  'part4.1',
  '--c',
  'Content-Type: MESSAGE/RFC822',
  '',
  'Subject: four-two',
  'Content-Type: MULTIPART/MIXED; boundary=d',
  '',
  '--d',
  'Content-Type: TEXT/PLAIN',
  '',
  'part4.2.1',
  '--d',
  'Content-Type: MULTIPART/ALTERNATIVE; boundary=e',
  '',
  '--e',
  'Content-Type: TEXT/PLAIN',
  '',
  'part4.2.2.1',
  '--e',
  'Content-Type: TEXT/RICHTEXT',
  '',
  'part4.2.2.2',
  '--e--',
  '--d--',
  '--c--',
  '--a--',
  '',
);
