/**
 * HTML output shared by the web routes (lists' unsubscribe page, webmail): escaping for text and
 * attribute values. Every value that reaches HTML goes through `esc`, which encodes the five
 * characters that can end a text run or a quoted attribute (&, <, >, ", ') as numeric character
 * references, so untrusted text (a Subject, a display name, a file name) can never become markup.
 * Attributes are always written double-quoted.
 */

/** Text or a double-quoted attribute value, escaped. */
export const esc = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** A tagged template that escapes every interpolated value unless it is already `Html`. */
export class Html {
  readonly html: string;
  constructor(html: string) {
    this.html = html;
  }
  toString(): string {
    return this.html;
  }
}

/** Interpolated values: Html as is, arrays joined, null/undefined/false as nothing, the rest escaped. */
export function html(strings: TemplateStringsArray, ...values: unknown[]): Html {
  let out = strings[0] ?? '';
  values.forEach((v, i) => {
    out += render(v) + (strings[i + 1] ?? '');
  });
  return new Html(out);
}

function render(v: unknown): string {
  if (v instanceof Html) return v.html;
  if (Array.isArray(v)) return v.map(render).join('');
  if (v === null || v === undefined || v === false) return '';
  return esc(String(v));
}
