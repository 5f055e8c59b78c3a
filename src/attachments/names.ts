/**
 * Attachment file names as the recipient's system will treat them, and the tricks played with
 * them:
 *
 *   - the extension is what Windows, macOS and desktop Linux use to decide how a file opens; it is
 *     taken after NFKC (a full-width "．ｅｘｅ" is ".exe"), from the base name (a path in the name
 *     is ignored), without the trailing dots, spaces and NULs that Windows strips
 *     ("invoice.exe." opens as "invoice.exe")
 *   - double extension: "invoice.pdf.exe" shows a harmless type first; reported with both
 *   - bidirectional overrides (Unicode UAX #9 explicit formatting characters U+202A..U+202E and
 *     isolates U+2066..U+2069): "invoice\u202Efdp.exe" is displayed "invoiceexe.pdf". A file
 *     name has no business holding them, so their presence alone is blocked.
 *
 * Pure; names longer than MAX_NAME characters are judged on their last MAX_NAME (where the
 * extension is).
 */

export const MAX_NAME = 512;

/** Explicit directional embeddings, overrides and isolates (UAX #9 §2.1-§2.4). */
const BIDI = /[\u202a-\u202e\u2066-\u2069]/;

/** The default blocked extensions: executables, scripts, shortcuts, installers, disk images. */
export const DEFAULT_BLOCKED_EXTENSIONS: readonly string[] = [
  // Windows programs and libraries
  'exe', 'com', 'scr', 'pif', 'cpl', 'dll', 'sys', 'drv', 'ocx', 'msc', 'gadget', 'xll',
  // scripts (Windows Script Host, PowerShell, batch, HTML applications, macOS, Java)
  'js', 'jse', 'vbs', 'vbe', 'vb', 'wsf', 'wsh', 'wsc', 'ws', 'sct', 'hta', 'bat', 'cmd',
  'ps1', 'ps1xml', 'ps2', 'psc1', 'psm1', 'psd1', 'command', 'jar', 'jnlp', 'class',
  // shortcuts and settings that run something
  'lnk', 'url', 'scf', 'inf', 'ins', 'isp', 'reg', 'settingcontent-ms', 'application', 'appref-ms',
  // installers and packages
  'msi', 'msp', 'mst', 'msix', 'msixbundle', 'appx', 'appxbundle', 'appinstaller', 'apk',
  // disk images (they carry the other types past filters that do not open them)
  'iso', 'img', 'vhd', 'vhdx',
  // help files and shell handlers that execute content
  'chm', 'hlp', 'shb', 'shs', 'mde', 'ade', 'adp',
];

/** Office formats whose very type says "contains macros" (the "m" formats of OOXML). */
export const MACRO_EXTENSIONS: ReadonlySet<string> = new Set(['docm', 'dotm', 'xlsm', 'xltm', 'xlam', 'pptm', 'potm', 'ppsm', 'ppam', 'sldm']);

/** Extensions of ZIP-based containers opened by the scanner (besides any ZIP found by magic). */
export const ARCHIVE_EXTENSIONS: ReadonlySet<string> = new Set(['zip', 'jar', 'apk', 'docx', 'docm', 'xlsx', 'xlsm', 'pptx', 'pptm', 'odt', 'ods', 'odp']);

export interface NameInfo {
  /** The name as received (decoded). */
  name: string;
  /** Base name as it will be saved: NFKC, no path, no trailing dots/spaces/NULs. */
  base: string;
  /** Last extension, lower case, without the dot ('' when none). */
  ext: string;
  /** The extension before it ("pdf" of "invoice.pdf.exe"), '' when none. */
  previousExt: string;
  /** The name holds bidirectional override/isolate characters. */
  bidi: boolean;
}

export function nameInfo(raw: string): NameInfo {
  const name = raw.length > MAX_NAME ? raw.slice(raw.length - MAX_NAME) : raw;
  const bidi = BIDI.test(name);
  let base = name.normalize('NFKC');
  base = base.slice(Math.max(base.lastIndexOf('/'), base.lastIndexOf('\\')) + 1);
  base = base.replace(/[\s.\u0000]+$/u, '');
  // The bidi characters are invisible; the file system keeps them but they are not part of the extension's letters.
  const plain = base.replace(/[\u202a-\u202e\u2066-\u2069\u200e\u200f]/g, '');
  const parts = plain.split('.');
  const ext = parts.length > 1 ? parts[parts.length - 1]!.trim().toLowerCase() : '';
  const previousExt = parts.length > 2 ? parts[parts.length - 2]!.trim().toLowerCase() : '';
  return { name, base, ext, previousExt, bidi };
}

/** A name for an SMTP reply or a log line: printable ASCII, others as <U+XXXX>, at most 80 characters. */
export function displayName(name: string): string {
  let out = '';
  for (const ch of name) {
    const c = ch.codePointAt(0)!;
    out += c >= 0x20 && c < 0x7f && ch !== '"' && ch !== '\\' ? ch : `<U+${c.toString(16).toUpperCase().padStart(4, '0')}>`;
    if (out.length > 80) return `${out.slice(0, 77)}...`;
  }
  return out;
}
