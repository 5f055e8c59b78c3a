/**
 * One-click unsubscribe links (RFC 8058): the https URL in a member's List-Unsubscribe names the
 * list and the member and carries an HMAC over both, so a POST to it needs no login and no state,
 * and nobody can unsubscribe an address they did not receive list mail for. Pure.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export interface UnsubscribeKey {
  secret: Buffer;
  /** Base of the public URL, e.g. "https://mail.example.org" (no trailing slash needed). */
  baseUrl: string;
}

export function unsubscribeToken(secret: Buffer, list: string, member: string): string {
  return createHmac('sha256', secret).update(`unsubscribe\0${list.toLowerCase()}\0${member.toLowerCase()}`).digest('base64url').slice(0, 32);
}

export function unsubscribeUrl(key: UnsubscribeKey, list: string, member: string): string {
  const q = new URLSearchParams({ list, member, token: unsubscribeToken(key.secret, list, member) });
  return `${key.baseUrl.replace(/\/+$/, '')}/lists/unsubscribe?${q.toString()}`;
}

export function verifyUnsubscribe(secret: Buffer, list: string, member: string, token: string): boolean {
  const want = Buffer.from(unsubscribeToken(secret, list, member));
  const got = Buffer.from(token);
  return want.length === got.length && timingSafeEqual(want, got);
}
