/**
 * Wiring of the content-policy stages from the configuration: "attachments" ([attachments],
 * src/attachments) and "phishing" ([phishing], src/phishing). Part of the composition root.
 */
import type { Config } from '../config/schema.ts';
import type { Store } from '../store/ports.ts';
import { durationMs } from '../lib/duration.ts';
import { parseClamdTarget } from '../attachments/clamd.ts';
import type { ContentKind } from '../attachments/sniff.ts';
import type { AttachmentsOptions } from '../inbound/stages/attachments.ts';
import { phishingContextSource, type PhishingOptions } from '../inbound/stages/phishing.ts';

/** Stage "attachments" options, or undefined when [attachments] is disabled. */
export function attachmentsOptions(config: Config): AttachmentsOptions | undefined {
  const a = config.attachments;
  if (!a.enabled) return undefined;
  const target = parseClamdTarget(a.clamd);
  return {
    scan: {
      blockedExtensions: new Set(a.blocked_extensions.map((e) => e.toLowerCase())),
      blockedContent: new Set<ContentKind>(a.blocked_content),
      maxDepth: a.max_archive_depth,
      maxEntries: a.max_archive_entries,
      maxScanBytes: a.max_scan_bytes,
    },
    policy: { action: a.action, macros: a.macros, encryptedArchives: a.encrypted_archives, unscannable: a.unscannable },
    maxInflateBytes: a.max_inflate_bytes,
    clamd: target ? { target, timeoutMs: durationMs(a.clamd_timeout), onError: a.clamd_on_error } : null,
  };
}

/** Stage "phishing" options, or undefined when [phishing] is disabled. */
export function phishingOptions(config: Config, store: Store): PhishingOptions | undefined {
  const p = config.phishing;
  if (!p.enabled) return undefined;
  return {
    context: phishingContextSource(store, { brands: p.protected_brands, protectedDomains: p.protected_domains, protectedNames: p.protected_names }),
    correspondents: store.correspondents,
    firstContact: p.first_contact,
    junk: p.junk,
    junkThreshold: config.spam.junk_threshold,
  };
}
