/**
 * The lab transcript: every line a lab client sends (C:) and receives (S:), what the wire between
 * two servers carried (W:), and the lab's own notes (*:), each with a one-line explanation for
 * teaching (`mailwarden lab --transcript`). Explanations come from explain.ts.
 *
 * Polling (waiting for a message to arrive) would repeat the same lines many times: `quiet()`
 * runs a block without recording, and the caller records the attempt that succeeded.
 */

export type Who = 'C' | 'S' | 'W' | '*';

export interface TranscriptLine {
  /** Which connection: "client 127.0.0.1 -> mx.gmail.test 127.0.0.2:5870 (SMTP submission)". */
  channel: string;
  who: Who;
  text: string;
  /** One-line explanation ('' when the line needs none, e.g. a continuation line). */
  why: string;
}

export class Transcript {
  readonly lines: TranscriptLine[] = [];
  private muted = 0;

  add(channel: string, who: Who, text: string, why = ''): void {
    if (this.muted) return;
    this.lines.push({ channel, who, text, why });
  }

  /** Records what happens elsewhere meanwhile (the wire between servers), even inside quiet(). */
  event(channel: string, who: Who, text: string, why = ''): void {
    this.lines.push({ channel, who, text, why });
  }

  note(text: string): void {
    this.add('lab', '*', text);
  }

  /** Runs `fn` without recording anything. */
  async quiet<T>(fn: () => Promise<T>): Promise<T> {
    this.muted++;
    try {
      return await fn();
    } finally {
      this.muted--;
    }
  }
}

/** Text form: a heading per connection, then "C: line   <- why". */
export function formatTranscript(lines: readonly TranscriptLine[], indent = '    '): string {
  const out: string[] = [];
  let channel = '';
  for (const l of lines) {
    // the lab's own notes do not interrupt the connection they are about
    if (l.channel !== channel && l.channel !== 'lab') {
      channel = l.channel;
      out.push(`${indent}-- ${channel} --`);
    }
    const shown = l.text.length > 120 ? `${l.text.slice(0, 117)}...` : l.text;
    const head = `${indent}${l.who}: ${shown}`;
    out.push(l.why ? `${head.padEnd(Math.max(head.length + 2, 64))}# ${l.why}` : head);
  }
  return out.join('\n');
}
