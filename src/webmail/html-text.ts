/**
 * HTML mail as plain text, the webmail's default view of an HTML-only message (nothing in it is
 * rendered, fetched or run). htmlparser2 (the forgiving streaming parser the phishing link check
 * uses) decodes character references; we keep the visible text, turn block elements into line
 * breaks, drop script/style/head content, and show every link with its REAL target after its text
 * ("Your bank [-> https://attacker.test/login]") and every image as its alt text. The result is
 * text to escape, never markup. Bounded: at most `maxChars` characters out.
 */
import { Parser } from 'htmlparser2';

const BLOCK = new Set(['p', 'div', 'br', 'tr', 'li', 'ul', 'ol', 'table', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'blockquote', 'pre', 'hr', 'section', 'article', 'header', 'footer', 'address', 'dd', 'dt', 'dl', 'form', 'center']);
const HIDDEN = new Set(['script', 'style', 'head', 'title', 'template', 'noscript', 'iframe', 'object', 'svg', 'math']);

export function htmlToText(html: string, maxChars = 512 * 1024): string {
  let out = '';
  let hidden = 0;
  const anchors: Array<{ href: string; start: number }> = [];
  const push = (s: string) => {
    if (hidden === 0 && out.length < maxChars) out += s;
  };
  const parser = new Parser(
    {
      onopentag(name, attribs) {
        if (HIDDEN.has(name)) hidden++;
        if (BLOCK.has(name)) push('\n');
        if (name === 'li') push('* ');
        if (name === 'td' || name === 'th') push('\t');
        if (name === 'a') anchors.push({ href: (attribs.href ?? '').trim(), start: out.length });
        if (name === 'img') push(attribs.alt ? `[image: ${attribs.alt}]` : '[image]');
      },
      ontext(text) {
        push(text);
      },
      onclosetag(name) {
        if (HIDDEN.has(name) && hidden > 0) hidden--;
        if (name === 'a') {
          const a = anchors.pop();
          if (a && a.href !== '') {
            const shown = out.slice(a.start).trim();
            if (shown !== a.href) push(` [-> ${a.href.slice(0, 2048)}]`);
          }
        }
        if (BLOCK.has(name) && name !== 'br' && name !== 'li' && name !== 'tr') push('\n');
      },
    },
    { decodeEntities: true, lowerCaseTags: true },
  );
  parser.write(html);
  parser.end();
  return out
    .replace(/\u00a0/g, ' ')
    .replace(/[ \t\r\f\v]*\n[ \t\r\f\v]*/g, '\n')
    .replace(/[ \t\r\f\v]{2,}/g, ' ')
    .replace(/\n{3,}/g, '\n\n')
    .trim()
    .slice(0, maxChars);
}
