/**
 * Paths named in a task's prompt, used as its `touches` when the task names
 * none (the caller then sets `touchesInferred: true`).
 *
 * A token counts when it contains a `/` (`src/auth/`, `docs/guide/a.md`) or
 * ends in an extension of one to six letters or digits starting with a letter
 * (`README.md`, `video.mp4`); a lowercase dotfile (`.env`, `.gitignore`) counts
 * too, and inside backticks so do well-known extensionless files (`Makefile`).
 * Left out: URLs, emails, bare domains, npm scopes (`@types/node`), version
 * numbers (`1.2.3`, `v2.0`), abbreviations (`e.g.`, `i.e.`), method calls
 * (`user.save()`), paths outside the repository (`/etc/hosts`, `~/x`, `../x`)
 * and a few words written with a slash (`and/or`, `I/O`).
 */

// Separators: whitespace, quotes, angle brackets, parentheses, `=` (as in --out=dist/x.js).
const TOKEN_RE = /[^\s`'"<>()=]+/g;
const EXTENSION_RE = /^[^/]*[^/.]\.[A-Za-z][A-Za-z0-9]{0,5}$/;
const DOTFILE_RE = /^\.[a-z0-9][a-z0-9_.-]*$/;
const VERSION_RE = /^v?\d+(?:\.\d+)+(?:[-+][\w.]*)?$/i;
const ABBREVIATION_RE = /^(?:[a-z]\.)+[a-z]?$/i;
const NUMERIC_RE = /^[\d./:-]+$/;
const DOMAIN_RE = /^(?:www\.)?[a-z0-9-]+(?:\.[a-z0-9-]+)*\.(?:com|org|net|io|dev|ai|app|co|gov|edu|info|me|us|uk|de)$/i;
const SLASH_WORDS = new Set(['and/or', 'i/o', 'w/o', 'n/a', 'y/n', 'yes/no', 'a/b', 'on/off', 'true/false', 'read/write', 'input/output', 'client/server']);
// Names that look like files but are almost always product names in prose.
const PRODUCT_NAMES = new Set(['node.js', 'vue.js', 'next.js', 'nuxt.js', 'react.js', 'express.js', 'three.js', 'd3.js', 'chart.js', 'socket.io', 'asp.net', 'ext.js']);
const EXTENSIONLESS_FILES = new Set(['Makefile', 'Dockerfile', 'Containerfile', 'Procfile', 'Gemfile', 'Rakefile', 'Jenkinsfile', 'Vagrantfile', 'LICENSE', 'CODEOWNERS']);

/** Repository paths named in `prompt`, deduplicated, in order of first mention. */
export function inferTouches(prompt: string): string[] {
  const backticked = backtickedRanges(prompt);
  const found = new Set<string>();
  for (const match of prompt.matchAll(TOKEN_RE)) {
    const end = match.index + match[0].length;
    if (prompt[end] === '(' && !match[0].includes('/')) continue; // a call such as user.save()
    const path = toPath(match[0], backticked.some(([from, to]) => match.index >= from && end <= to));
    if (path !== undefined) found.add(path);
  }
  return [...found];
}

/** Start and end offsets of `inline code` spans, contents only. */
function backtickedRanges(text: string): Array<[number, number]> {
  const ranges: Array<[number, number]> = [];
  for (const m of text.matchAll(/`([^`\n]+)`/g)) ranges.push([m.index + 1, m.index + 1 + m[1]!.length]);
  return ranges;
}

function toPath(raw: string, inBackticks: boolean): string | undefined {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(raw) || /^mailto:/i.test(raw) || raw.includes('@')) return undefined; // URL, email, npm scope
  const token = trim(raw);
  if (token === '' || ABBREVIATION_RE.test(token) || token.startsWith('/') || token.startsWith('~') || token.split('/').includes('..')) return undefined;
  if (VERSION_RE.test(token) || NUMERIC_RE.test(token)) return undefined;
  if (SLASH_WORDS.has(token.toLowerCase()) || PRODUCT_NAMES.has(token.toLowerCase())) return undefined;
  if (DOMAIN_RE.test(token.split('/')[0]!)) return undefined; // github.com/owner/repo without a scheme
  const path = token.replace(/^(?:\.\/)+/, '');
  if (path.includes('/') && /[\w*]/.test(path)) return path;
  if (EXTENSION_RE.test(path) || DOTFILE_RE.test(path)) return path;
  if (inBackticks && EXTENSIONLESS_FILES.has(path)) return path;
  return undefined;
}

/** Strip Markdown emphasis, wrapping brackets, sentence punctuation and a `:line:col` suffix. */
function trim(token: string): string {
  let t = token;
  if (t.startsWith('[') && t.endsWith(']') && !t.slice(1, -1).includes('[')) t = t.slice(1, -1); // [link text]
  for (let prev = ''; prev !== t; ) {
    prev = t;
    t = t.replace(/[.,;:!?]+$/, '').replace(/^[[,;:]+/, '');
    if (/^\*\*[^/*].*[^/*]\*\*$/.test(t)) t = t.slice(2, -2); // **bold**, but not **/x/**
    if (t.endsWith(']') && !t.includes('[')) t = t.slice(0, -1);
    if (t.endsWith('}') && !t.includes('{')) t = t.slice(0, -1);
    t = t.replace(/:\d+(?::\d+)?$/, '');
  }
  return t;
}
