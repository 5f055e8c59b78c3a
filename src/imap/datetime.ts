/**
 * IMAP dates: RFC 9051 §9 (RFC 3501 §9 is identical)
 *
 *   date        = date-text / DQUOTE date-text DQUOTE          ; SEARCH SINCE/BEFORE/ON...
 *   date-text   = date-day "-" date-month "-" date-year         ; "1-Feb-1994"
 *   date-day    = 1*2DIGIT
 *   date-time   = DQUOTE date-day-fixed "-" date-month "-" date-year SP time SP zone DQUOTE
 *   date-day-fixed = (SP DIGIT) / 2DIGIT                         ; " 1-Feb-1994" or "01-Feb-1994"
 *   time        = 2DIGIT ":" 2DIGIT ":" 2DIGIT
 *   zone        = ("+" / "-") 4DIGIT                             ; offset from UTC
 *
 * Pure functions; parse results carry the calendar date or the instant plus the written zone so
 * INTERNALDATE can be echoed in the zone the client used.
 */

export const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'] as const;

/** A calendar date without time or zone (SEARCH keys compare whole days). month is 1..12. */
export interface ImapDate {
  year: number;
  month: number;
  day: number;
}

/** An instant and the zone offset it was written in (minutes east of UTC). */
export interface ImapDateTime {
  date: Date;
  offsetMinutes: number;
}

function monthIndex(name: string): number {
  const lower = name.toLowerCase();
  return MONTHS.findIndex((m) => m.toLowerCase() === lower);
}

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

function validDate(year: number, month: number, day: number): boolean {
  return month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth(year, month);
}

/** Parse date-text ("1-Feb-1994"; month case-insensitive). */
export function parseImapDate(text: string): ImapDate | null {
  const m = /^([0-9]{1,2})-([A-Za-z]{3})-([0-9]{4})$/.exec(text);
  if (m === null) return null;
  const day = Number(m[1]);
  const month = monthIndex(m[2]!) + 1;
  const year = Number(m[3]);
  return validDate(year, month, day) ? { year, month, day } : null;
}

/** Format date-text: "1-Feb-1994". */
export function formatImapDate(d: ImapDate): string {
  return `${d.day}-${MONTHS[d.month - 1]}-${String(d.year).padStart(4, '0')}`;
}

/** Parse the inside of a date-time (without the DQUOTEs): "17-Jul-1996 02:44:25 -0700". */
export function parseDateTime(text: string): ImapDateTime | null {
  const m = /^( [0-9]|[0-9]{1,2})-([A-Za-z]{3})-([0-9]{4}) ([0-9]{2}):([0-9]{2}):([0-9]{2}) ([+-])([0-9]{2})([0-9]{2})$/.exec(text);
  if (m === null) return null;
  const day = Number(m[1]!.trim());
  const month = monthIndex(m[2]!) + 1;
  const year = Number(m[3]);
  const [hh, mm, ss] = [Number(m[4]), Number(m[5]), Number(m[6])];
  const zh = Number(m[8]);
  const zm = Number(m[9]);
  if (!validDate(year, month, day) || hh > 23 || mm > 59 || ss > 60 || zm > 59) return null;
  const offsetMinutes = (m[7] === '-' ? -1 : 1) * (zh * 60 + zm);
  // A leap second (:60) is folded into the next second, as Date cannot hold it.
  const utc = Date.UTC(year, month - 1, day, hh, mm, ss) - offsetMinutes * 60_000;
  return { date: new Date(utc), offsetMinutes };
}

/** Format a date-time (without DQUOTEs), e.g. "17-Jul-1996 02:44:25 -0700". Two-digit day. */
export function formatDateTime(date: Date, offsetMinutes = 0): string {
  const local = new Date(date.getTime() + offsetMinutes * 60_000);
  const pad = (n: number) => String(n).padStart(2, '0');
  const sign = offsetMinutes < 0 ? '-' : '+';
  const abs = Math.abs(offsetMinutes);
  return (
    `${pad(local.getUTCDate())}-${MONTHS[local.getUTCMonth()]}-${String(local.getUTCFullYear()).padStart(4, '0')} ` +
    `${pad(local.getUTCHours())}:${pad(local.getUTCMinutes())}:${pad(local.getUTCSeconds())} ` +
    `${sign}${pad(Math.floor(abs / 60))}${pad(abs % 60)}`
  );
}

/** The calendar date of an instant as seen at a zone offset (for SEARCH ON/SINCE/BEFORE). */
export function dateAtOffset(date: Date, offsetMinutes = 0): ImapDate {
  const local = new Date(date.getTime() + offsetMinutes * 60_000);
  return { year: local.getUTCFullYear(), month: local.getUTCMonth() + 1, day: local.getUTCDate() };
}

/** Compare two calendar dates: negative, zero or positive. */
export function compareImapDates(a: ImapDate, b: ImapDate): number {
  return a.year - b.year || a.month - b.month || a.day - b.day;
}
