import { createRequire } from 'node:module';
import { extensionOf, taskFileFormat, TASK_FILE_FORMATS } from './id.js';
import { locateJsonError } from './json-error.js';
import type { ParseResult, Problem } from './types.js';
import { validateTask } from './validate.js';

/** Largest task file read, in bytes (1 MiB). A prompt is text a person wrote; anything larger is a mistake. */
export const MAX_TASK_FILE_BYTES = 1024 * 1024;

// The YAML parser is loaded on the first Markdown task: it takes ~100 ms to load, which a queue of
// JSON tasks (and every worker before its first claim) need not pay. Parsing stays synchronous.
type Yaml = typeof import('yaml');
let yamlModule: Yaml | undefined;
const loadYaml = (): Yaml => (yamlModule ??= createRequire(import.meta.url)('yaml') as Yaml);

// More YAML errors than this are almost always one mistake echoed down the file.
const MAX_SYNTAX_PROBLEMS = 5;

type Fields = { fields: Record<string, unknown>; body?: string; warnings: Problem[] };

/**
 * Parses and validates one task file. Pure: takes the file name (for the format and the default
 * id) and its bytes, touches no file. Returns every problem at once, each as `{ path, message }`.
 */
export function parseTaskFile(fileName: string, content: Buffer): ParseResult {
  const format = taskFileFormat(fileName);
  const problems = [...checkBytes(content)];
  if (format === undefined) {
    const ext = extensionOf(fileName);
    const accepted = Object.keys(TASK_FILE_FORMATS).map((e) => `\`${e}\``).join(', ');
    problems.unshift(file(`${ext === '' ? 'The file name has no extension' : `The extension \`${ext}\` is not a task format`}; a task file must end in one of ${accepted}. Rename it, e.g. to \`${fileName.replace(/\.[^./]*$/, '')}.md\`.`));
  }
  if (problems.length > 0 || format === undefined) return { ok: false, problems, warnings: [] };

  // Files written on Windows may start with a byte order mark (the decoder drops it) and end lines with CRLF.
  const text = new TextDecoder('utf-8').decode(content).replace(/\r\n?/g, '\n');
  if (text.trim() === '') return { ok: false, problems: [file('The file is empty (or holds only whitespace). Write the task: a Markdown prompt, optionally with frontmatter, or a JSON object with a `prompt`.')], warnings: [] };

  const read = format === 'json' ? readJson(text) : readMarkdown(text);
  if ('problems' in read) return { ok: false, problems: read.problems, warnings: [] };
  const result = validateTask({ fileName, format, fields: read.fields, body: read.body });
  result.warnings.unshift(...read.warnings);
  return result;
}

/** Size, binary content and encoding: problems that make the bytes unreadable as text. */
function checkBytes(content: Buffer): Problem[] {
  if (content.length > MAX_TASK_FILE_BYTES) {
    return [file(`The file is ${content.length} bytes; a task file may be at most ${MAX_TASK_FILE_BYTES} bytes (1 MiB). Put large material in the repository and name it in the prompt.`)];
  }
  const nul = content.indexOf(0);
  if (nul !== -1) return [file(`The file holds a NUL byte (at byte ${nul}), so it is binary, not text. A task file is UTF-8 text: Markdown or JSON.`)];
  const bad = firstInvalidUtf8(content);
  if (bad !== undefined) {
    return [file(`The file is not valid UTF-8 (first bad byte 0x${content[bad]!.toString(16).padStart(2, '0')} at byte ${bad}, line ${countLines(content, bad)}). Save it as UTF-8 in your editor.`)];
  }
  return [];
}

/** Byte offset of the first byte that does not decode as UTF-8, or undefined when all do. */
function firstInvalidUtf8(content: Buffer): number | undefined {
  const text = new TextDecoder('utf-8', { ignoreBOM: true }).decode(content);
  // Every decoded character before a U+FFFD re-encodes to the same bytes, so its byte offset is exact;
  // a U+FFFD that the file really holds (EF BF BD) is skipped.
  for (let at = text.indexOf('\uFFFD'); at !== -1; at = text.indexOf('\uFFFD', at + 1)) {
    const offset = Buffer.byteLength(text.slice(0, at), 'utf8');
    if (!(content[offset] === 0xef && content[offset + 1] === 0xbf && content[offset + 2] === 0xbd)) return offset;
  }
  return undefined;
}

function readJson(source: string): Fields | { problems: Problem[] } {
  let value: unknown;
  try {
    value = JSON.parse(source);
  } catch (err) {
    const spot = locateJsonError(source);
    const where = spot ? `at line ${spot.line}, column ${spot.column}: ${spot.message}` : `: ${(err as Error).message}`;
    return { problems: [file(`Malformed JSON ${where}. Common causes: a trailing or missing comma, a name without double quotes, a line break inside a string.`)] };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { problems: [file(`Expected the JSON file to hold an object such as \`{ "prompt": "..." }\`, got ${describeKind(value)}.`)] };
  }
  return { fields: value as Record<string, unknown>, warnings: [] };
}

function readMarkdown(source: string): Fields | { problems: Problem[] } {
  const lines = source.split('\n');
  if (lines[0]!.trimEnd() !== '---') return { fields: {}, body: source, warnings: [] };
  const close = lines.findIndex((line, index) => index > 0 && /^(---|\.\.\.)\s*$/.test(line));
  if (close === -1) {
    return { problems: [file('The frontmatter opened by `---` on line 1 is never closed. Add a line `---` after the last field; the prompt follows it.')] };
  }
  const body = lines.slice(close + 1).join('\n');
  const plain = plainFields(lines.slice(1, close));
  if (plain) return { fields: plain, body, warnings: [] };
  const yaml = lines.slice(1, close).join('\n');
  const { LineCounter, parseDocument } = loadYaml();
  const lineCounter = new LineCounter();
  const doc = parseDocument(yaml, { lineCounter, prettyErrors: false, uniqueKeys: true });
  // Frontmatter line n is file line n + 1: the opening `---` comes first.
  const at = (pos: number): string => {
    const { line, col } = lineCounter.linePos(pos);
    return `line ${line + 1}, column ${col}`;
  };
  if (doc.errors.length > 0) {
    return {
      problems: doc.errors.slice(0, MAX_SYNTAX_PROBLEMS).map((err) =>
        file(`Malformed YAML frontmatter at ${at(err.pos[0])}: ${err.message.split('\n')[0]!.replace(/[.:]$/, '')}. Check the indentation, and quote values that contain \`: \` or start with \`[\`, \`{\`, \`*\`, \`&\`, \`!\`, \`|\`, \`>\`, \`%\` or \`@\`.`),
      ),
    };
  }
  const warnings = doc.warnings.map((w) => file(`YAML frontmatter at ${at(w.pos[0])}: ${w.message.split('\n')[0]}`));
  const value: unknown = doc.toJS();
  if (value === null || value === undefined) return { fields: {}, body, warnings };
  if (typeof value !== 'object' || Array.isArray(value)) {
    return { problems: [file(`Expected the frontmatter to be a mapping of \`field: value\` lines, got ${describeKind(value)}. Write one field per line, e.g. \`priority: 2\`.`)] };
  }
  return { fields: value as Record<string, unknown>, body, warnings };
}

// A line of the plainest frontmatter: a field name, `: `, and a value YAML reads as the same string or integer.
const PLAIN_LINE = /^([A-Za-z][A-Za-z0-9_-]*):[ ]+(\S(?:.*\S)?)[ ]*$/;
// First characters YAML gives a meaning (indicators, quotes, numbers and signs, which may be floats or other bases).
const NOT_PLAIN_START = /^[-?:,[\]{}#&*!|>'"%@`+.0-9~]/;
const SCALAR_WORDS = /^(?:true|false|null|yes|no|on|off|y|n)$/i;

/**
 * The fields of a frontmatter made only of `field: value` lines whose values are plain strings or
 * integers, as YAML reads them; undefined for anything else (lists, quotes, comments, blocks, repeated
 * fields, values YAML may read as another type), which the YAML parser reads. Most task files are of this
 * kind, and a worker reading its inbox at start spared loading the parser (~80 ms of CPU for the first files).
 */
export function plainFields(lines: readonly string[]): Record<string, unknown> | undefined {
  const fields: Record<string, unknown> = {};
  for (const raw of lines) {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line.trim() === '') continue;
    const m = PLAIN_LINE.exec(line);
    if (!m) return undefined;
    const [, key, value] = m as unknown as [string, string, string];
    if (Object.hasOwn(fields, key)) return undefined;
    if (/^(?:0|[1-9][0-9]{0,14})$/.test(value)) {
      fields[key] = Number(value);
      continue;
    }
    if (NOT_PLAIN_START.test(value) || SCALAR_WORDS.test(value) || value.includes(': ') || value.includes(' #') || value.endsWith(':') || value.includes('\t')) return undefined;
    fields[key] = value;
  }
  return fields;
}

function describeKind(value: unknown): string {
  if (Array.isArray(value)) return 'a list';
  if (value === null) return '`null`';
  const shown = JSON.stringify(value);
  return `${typeof value === 'string' ? 'a string' : `a ${typeof value}`} \`${shown.length > 40 ? `${shown.slice(0, 37)}...` : shown}\``;
}

function file(message: string): Problem {
  return { path: 'file', message };
}

function countLines(content: Buffer, end: number): number {
  let lines = 1;
  for (let at = content.indexOf(0x0a); at !== -1 && at < end; at = content.indexOf(0x0a, at + 1)) lines++;
  return lines;
}
