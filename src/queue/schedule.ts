/**
 * The retry schedule (pure): when the next attempt is due, when a message has been retried long
 * enough (RFC 5321 §4.5.4.1: give up after 4-5 days), and when the sender gets a delay warning.
 */

export interface ScheduleOptions {
  /** Waits between attempts: the n-th retry waits scheduleMs[n-1]; the last value repeats. */
  scheduleMs: readonly number[];
  /** Give up this long after the message arrived. */
  expireMs: number;
  /** Warn the sender this long after arrival; 0 = never. */
  delayWarningMs: number;
}

/** When attempt number `attemptsDone + 1` is due, never later than the expiry (one last try then). */
export function nextAttemptAt(o: ScheduleOptions, createdAt: number, attemptsDone: number, now: number): number {
  const i = Math.min(Math.max(attemptsDone, 0), o.scheduleMs.length - 1);
  const wait = o.scheduleMs[i] ?? 300_000;
  return Math.min(now + wait, Math.max(createdAt + o.expireMs, now));
}

export function isExpired(o: ScheduleOptions, createdAt: number, now: number): boolean {
  return now >= createdAt + o.expireMs;
}

export function delayWarningDue(o: ScheduleOptions, createdAt: number, now: number): boolean {
  return o.delayWarningMs > 0 && now >= createdAt + o.delayWarningMs;
}
