/** Longest task id, in UTF-8 bytes: ids become file, folder and branch names, and file systems limit names by bytes. */
export const MAX_TASK_ID_BYTES = 100;

/** Extensions of task files (lower case), and the format each is read as. */
export const TASK_FILE_FORMATS = {
  '.md': 'markdown',
  '.markdown': 'markdown',
  '.json': 'json',
} as const satisfies Record<string, 'markdown' | 'json'>;

// C0 controls, DEL and C1 controls: invisible in `ls`, and some of them end or reshape a line in a terminal.
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/u;

// Names an editor, downloader or writer uses while a file is still being written.
const IGNORED_SUFFIXES = ['.tmp', '~', '.swp', '.swx', '.part', '.crdownload'];

/**
 * Checks that `id` can name a task. Ids become file names (`running/<id>.md`), folder names
 * (`claims/<id>/`) and part of branch names, so anything that could escape a folder, hide a file or
 * break a terminal line is refused. Spaces and non-ASCII letters are fine.
 * @returns undefined when the id is fine, else a sentence that says what is wrong and why.
 */
export function checkTaskId(id: string): string | undefined {
  const shown = showId(id);
  if (id === '') return 'The task id is empty; an id names files and folders, so it needs at least one character.';
  if (id.includes('/') || id.includes('\\')) {
    return `The task id ${shown} contains \`${id.includes('/') ? '/' : '\\'}\`; an id becomes a file name, so it may not contain \`/\` or \`\\\`.`;
  }
  if (id.includes('..')) return `The task id ${shown} contains \`..\`, which could name a parent folder; use another separator, e.g. \`-\`.`;
  if (id.startsWith('.')) return `The task id ${shown} starts with \`.\`; files named so are hidden and ignored by the queue.`;
  const control = CONTROL.exec(id);
  if (control) {
    return `The task id ${shown} contains the control character ${escapeChar(control[0])}; ids may hold only printable characters.`;
  }
  if (id.trim() !== id) return `The task id ${shown} starts or ends with a space; remove it, such spaces are invisible in file names.`;
  const bytes = Buffer.byteLength(id, 'utf8');
  if (bytes > MAX_TASK_ID_BYTES) {
    return `The task id ${shown} is ${bytes} bytes long in UTF-8; the limit is ${MAX_TASK_ID_BYTES} bytes (letters outside ASCII take 2 to 4 bytes each). Use a shorter id.`;
  }
  return undefined;
}

/**
 * True for names a writer uses while it is still writing, which the queue must not pick up:
 * dotfiles (`.tmp/`, `.foo.md`, emacs `.#foo`), `*.tmp`, `*~`, `*.swp`, `*.swx`, `*.part`,
 * `*.crdownload`, and emacs autosave files `#foo#`.
 */
export function isIgnoredName(name: string): boolean {
  const base = name.replace(/\/+$/, '');
  if (base === '' || base.startsWith('.')) return true;
  if (base.length > 1 && base.startsWith('#') && base.endsWith('#')) return true;
  const lower = base.toLowerCase();
  return IGNORED_SUFFIXES.some((suffix) => lower.endsWith(suffix));
}

/**
 * True for a file the queue reads as a task: `.md`, `.markdown` or `.json` (any case), not an
 * ignored name, and not the README that the queue folder ships for people.
 */
export function isTaskFileName(name: string): boolean {
  if (isIgnoredName(name)) return false;
  const format = taskFileFormat(name);
  if (format === undefined) return false;
  return !(format === 'markdown' && fileStem(name).toLowerCase() === 'readme');
}

/** The format of a task file, from its extension (any case); undefined for any other extension. */
export function taskFileFormat(name: string): 'markdown' | 'json' | undefined {
  const ext = extensionOf(name).toLowerCase();
  return Object.hasOwn(TASK_FILE_FORMATS, ext) ? TASK_FILE_FORMATS[ext as keyof typeof TASK_FILE_FORMATS] : undefined;
}

/** The extension of a file name, with its dot (`.md`), or '' when it has none. A leading dot starts no extension. */
export function extensionOf(name: string): string {
  const base = baseName(name);
  const dot = base.lastIndexOf('.');
  return dot > 0 ? base.slice(dot) : '';
}

/** The file name without its folder and its extension: the default task id. */
export function fileStem(name: string): string {
  const base = baseName(name);
  const ext = extensionOf(base);
  return ext === '' ? base : base.slice(0, -ext.length);
}

/** A value as it appears in a message: JSON-quoted, control characters escaped. */
function showId(id: string): string {
  return `\`${JSON.stringify(id).replace(/[\u007f-\u009f]/gu, escapeChar)}\``;
}

function escapeChar(char: string): string {
  return `\\u${char.codePointAt(0)!.toString(16).padStart(4, '0')}`;
}

// Only `/` separates folders here: a `\` in a name on a POSIX system is part of the name, and checkTaskId refuses it.
function baseName(name: string): string {
  return name.slice(name.lastIndexOf('/') + 1);
}
