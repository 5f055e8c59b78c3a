/**
 * Durations in configuration files: "30s", "5m", "4h", "5d", "250ms", or "0" (off).
 * Kept as strings in the config (so the generated docs show what the operator writes) and
 * turned into milliseconds by the composition root.
 */

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

export const DURATION_PATTERN = /^(0|\d+(?:\.\d+)?(ms|s|m|h|d))$/;

/** Milliseconds for a duration string, or undefined when it is not one. */
export function parseDuration(s: string): number | undefined {
  const m = DURATION_PATTERN.exec(s.trim());
  if (!m) return undefined;
  if (m[1] === '0') return 0;
  return Math.round(Number.parseFloat(m[1]!) * UNITS[m[2]!]!);
}

/** Like parseDuration, for values the config schema already validated. */
export function durationMs(s: string): number {
  const ms = parseDuration(s);
  if (ms === undefined) throw new Error(`not a duration: ${JSON.stringify(s)}`);
  return ms;
}

/** "1h30m"-style text for logs and the CLI. */
export function formatDuration(ms: number): string {
  if (ms <= 0) return '0s';
  const parts: string[] = [];
  let rest = Math.round(ms / 1000);
  for (const [unit, size] of [['d', 86400], ['h', 3600], ['m', 60], ['s', 1]] as const) {
    if (rest >= size) {
      parts.push(`${Math.floor(rest / size)}${unit}`);
      rest %= size;
    }
  }
  return parts.join('') || `${ms}ms`;
}
