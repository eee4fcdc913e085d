/**
 * The changelog entries the lander writes (option `changelog`): agents never edit the file, so tasks
 * landing in parallel never conflict on it; each landing adds its own line on the tip it lands on.
 */

const UNRELEASED = /^##\s+\[?unreleased\]?\s*$/i;
// A section ends at the next heading of its level or above; `### Added` and the like stay inside it.
const SECTION_END = /^#{1,2}\s/;

/** Why `file` cannot be the changelog (a path from the top of the repository, inside it), or undefined. */
export function changelogPathProblem(file: unknown): string | undefined {
  if (typeof file !== 'string' || file.trim() === '') return 'not a path';
  if (file.startsWith('/') || file.split(/[\\/]/).some((part) => part === '..' || part === '.git')) return 'outside the repository';
  return undefined;
}

/** The list item of an entry: one line, whatever the task's title held. */
export function changelogItem(entry: string): string {
  return `- ${entry.replace(/\s+/g, ' ').trim()}`;
}

function splitLines(text: string): { lines: string[]; eol: string } {
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const lines = text.split(/\r?\n/);
  // A final newline leaves an empty last field; it comes back on joining.
  if (lines[lines.length - 1] === '') lines.pop();
  return { lines, eol };
}

function dropLeadingBlanks(lines: string[]): string[] {
  const first = lines.findIndex((l) => l.trim() !== '');
  return first === -1 ? [] : lines.slice(first);
}

/** The Unreleased section opened where there is none: at the top, after a leading `# ` title if any. */
function withNewSection(lines: string[], item: string): string[] {
  const title = lines[0] !== undefined && /^#\s/.test(lines[0]) ? [lines[0], ''] : [];
  const rest = dropLeadingBlanks(lines.slice(title.length === 0 ? 0 : 1));
  return [...title, '## Unreleased', '', item, ...(rest.length > 0 ? ['', ...rest] : [])];
}

/**
 * `text` with `- <entry>` added as the last item under `## Unreleased` (entries then read in landing
 * order), the heading created when missing. Keeps CRLF line ends when the file has them; the result
 * ends with a newline. `undefined` stands for a file that does not exist yet. Pure.
 */
export function addChangelogEntry(text: string | undefined, entry: string): string {
  const item = changelogItem(entry);
  const { lines, eol } = splitLines(text ?? '');
  const heading = lines.findIndex((l) => UNRELEASED.test(l));
  if (heading === -1) return withNewSection(lines, item).join(eol) + eol;
  let end = lines.findIndex((l, i) => i > heading && SECTION_END.test(l));
  if (end === -1) end = lines.length;
  let last = end - 1;
  while (last > heading && lines[last]!.trim() === '') last--;
  if (last === heading) lines.splice(heading + 1, end - heading - 1, '', item, ...(end < lines.length ? [''] : []));
  else lines.splice(last + 1, 0, item);
  return lines.join(eol) + eol;
}

/**
 * `text` without the entries a landing added to the changelog (list items in `after` and not in `before`,
 * each once, the newest first): how an undo takes a task's entry out when later entries sit next to it.
 * Headings and blank lines the landing added stay: later entries may sit under them. Pure.
 */
export function removeChangelogEntries(text: string, before: string | undefined, after: string): string {
  const { lines, eol } = splitLines(text);
  const old = splitLines(before ?? '').lines;
  const added = splitLines(after).lines.filter((line) => {
    if (!line.startsWith('- ')) return false;
    const i = old.indexOf(line);
    if (i === -1) return true;
    old.splice(i, 1);
    return false;
  });
  for (const line of added) {
    const i = lines.lastIndexOf(line);
    if (i !== -1) lines.splice(i, 1);
  }
  return lines.length === 0 ? '' : lines.join(eol) + eol;
}
