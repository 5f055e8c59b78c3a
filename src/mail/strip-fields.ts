/**
 * Removing header fields by name from a raw header section (RFC 5322 §2.2: a field is its first
 * line and every continuation line that starts with WSP, §2.2.3). Used to drop verdict fields a
 * sender forged (X-Mailwarden-Phishing, X-Mailwarden-Attachments) before we add ours.
 * Bytes outside the removed fields are kept exactly as received.
 */

/** The header section without the named fields (case-insensitive names). */
export function stripFields(head: Buffer, names: readonly string[]): Buffer {
  const lower = names.map((n) => n.toLowerCase());
  const text = head.toString('latin1');
  const low = text.toLowerCase();
  if (!lower.some((n) => low.includes(n))) return head;
  const out: string[] = [];
  let dropping = false;
  for (const line of text.split(/(?<=\n)/)) {
    if (dropping && (line.startsWith(' ') || line.startsWith('\t'))) continue;
    const m = /^([^:\s]+)[ \t]*:/.exec(line);
    dropping = m !== null && lower.includes(m[1]!.toLowerCase());
    if (!dropping) out.push(line);
  }
  return Buffer.from(out.join(''), 'latin1');
}
