/**
 * MX host validation (RFC 8461 §4.1): an MX host is allowed by a policy when it equals one of the
 * policy's mx patterns, or when the pattern is "*.<rest>" and the host is exactly one label
 * followed by ".<rest>" (the wildcard covers the left-most label only). Case-insensitive; a
 * trailing dot on the host name is ignored.
 *
 * Pure.
 */

/** Whether `host` matches one mx `pattern` (§4.1). */
export function mxMatches(pattern: string, host: string): boolean {
  const h = host.toLowerCase().replace(/\.$/, '');
  const p = pattern.toLowerCase().replace(/\.$/, '');
  if (!p.startsWith('*.')) return h === p;
  // §4.1: "*.example.com" matches "mail.example.com" but not "example.com" or "foo.bar.example.com".
  const rest = p.slice(1); // ".example.com"
  if (!h.endsWith(rest)) return false;
  const label = h.slice(0, h.length - rest.length);
  return label.length > 0 && !label.includes('.');
}

/** Whether `host` matches any of the policy's mx patterns (§4.1). */
export function mxAllowed(patterns: readonly string[], host: string): boolean {
  return patterns.some((p) => mxMatches(p, host));
}
