/** Address helpers with no mail knowledge: "host:port" listen specs and loopback tests. */
import { isIP } from 'node:net';

export interface HostPort {
  host: string;
  port: number;
}

/** Parses "127.0.0.1:25", "[::1]:25" or "localhost:25". Returns an error text instead of throwing. */
export function parseHostPort(spec: string): HostPort | string {
  const m = /^\[([^\]]+)\]:(\d+)$/.exec(spec) ?? /^([^:[\]]+):(\d+)$/.exec(spec);
  if (!m) return `"${spec}" is not host:port (IPv6 goes in brackets: "[::1]:25")`;
  const port = Number(m[2]);
  if (!Number.isInteger(port) || port < 0 || port > 65535) return `port ${m[2]} is out of range 0-65535`;
  return { host: m[1]!, port };
}

/** True for 127.0.0.0/8, ::1 and IPv4-mapped loopback (::ffff:127.x.y.z). */
export function isLoopback(ip: string): boolean {
  const v4 = ip.startsWith('::ffff:') ? ip.slice(7) : ip;
  if (isIP(v4) === 4) return v4.startsWith('127.');
  return ip === '::1';
}

/** Normalises an IPv4-mapped IPv6 address to plain IPv4 for logs and throttling keys. */
export function normalizeIp(ip: string): string {
  return ip.startsWith('::ffff:') && isIP(ip.slice(7)) === 4 ? ip.slice(7) : ip;
}
