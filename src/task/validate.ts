import { editDistance } from '../util/edit-distance.js';
import { checkTaskId, fileStem } from './id.js';
import {
  duration, envMap, expected, globList, idList, integer, nonEmptyString, nonNegativeNumber, positiveInteger,
  type FieldCheck,
} from './fields.js';
import type { ParseResult, Problem, Task } from './types.js';
import { stagesProblem, type AgentStage } from '../lifecycle/stages.js';
import { adapterNames } from '../agents/registry.js';

/** The fields of a task file before validation, as the Markdown or JSON reader found them. */
export interface TaskInput {
  fileName: string;
  format: 'markdown' | 'json';
  /** The frontmatter mapping or the JSON object. */
  fields: Record<string, unknown>;
  /** Markdown only: the text after the frontmatter (the whole file without one). */
  body?: string;
}

/** Longest title taken from the prompt; a title is one line in `status` and on the board. */
export const MAX_DERIVED_TITLE_CHARS = 80;

const taskId: FieldCheck<string> = (value, field, report) => {
  const id = nonEmptyString(value, field, report);
  const wrong = id === undefined ? undefined : checkTaskId(id);
  if (wrong !== undefined) return void report(`${wrong} Set another \`${field}\`.`);
  return id;
};

const promptText: FieldCheck<string> = (value, field, report) => {
  if (typeof value === 'string') return value;
  return void report(expected(field, 'a string', value, 'Write what the agent should do.'));
};

// An adapter this build has: a misspelt one would otherwise be tried (and fail) maxAttempts times.
const agentName: FieldCheck<string> = (value, field, report) => {
  const name = nonEmptyString(value, field, report);
  if (name === undefined || adapterNames.includes(name)) return name;
  const near = adapterNames.find((known) => editDistance(known, name.toLowerCase()) <= 2);
  return void report(expected(field, `one of ${adapterNames.join(', ')}`, value, near ? `Did you mean \`${near}\`?` : ''));
};

const stageList: FieldCheck<AgentStage[]> = (value, field, report) => {
  const wrong = stagesProblem(value);
  if (wrong !== undefined) return void report(expected(field, wrong, value, 'e.g. `stages: [implement, review, test]`.'));
  return value as AgentStage[];
};

// Exact camelCase names only: one spelling per field keeps task files greppable.
const CHECKS = {
  id: taskId,
  title: nonEmptyString,
  prompt: promptText,
  priority: integer,
  agent: agentName,
  timeout: duration('seconds'),
  maxAttempts: positiveInteger,
  touches: globList,
  dependsOn: idList,
  verify: nonEmptyString,
  stages: stageList,
  test: nonEmptyString,
  changelog: nonEmptyString,
  env: envMap,
  run: nonEmptyString,
  estimate: duration('minutes'),
  budgetUsd: nonNegativeNumber,
} satisfies Record<string, FieldCheck<unknown>>;

type Known = keyof typeof CHECKS;
type Checked = { [K in Known]?: Exclude<ReturnType<(typeof CHECKS)[K]>, undefined> };

// Names people reach for that mean a known field; matched after lower-casing and dropping `-`/`_`.
const ALIASES: Record<string, Known> = {
  depends: 'dependsOn', deps: 'dependsOn', after: 'dependsOn', needs: 'dependsOn', requires: 'dependsOn',
  files: 'touches', paths: 'touches', budget: 'budgetUsd', cost: 'budgetUsd', retries: 'maxAttempts',
  attempts: 'maxAttempts', command: 'run', cmd: 'run', script: 'run', check: 'verify',
  environment: 'env', name: 'title', body: 'prompt', description: 'prompt',
};

/**
 * Validates the fields of one task file and fills in defaults: id from the file name, title from
 * the first heading or line of the prompt, a shell task's prompt from its title or `run` command.
 * Every problem is collected; unknown fields are warnings.
 */
export function validateTask(input: TaskInput): ParseResult {
  const problems: Problem[] = [];
  const warnings: Problem[] = [];
  const values: Record<string, unknown> = {};
  for (const [name, raw] of Object.entries(input.fields)) {
    if (!Object.hasOwn(CHECKS, name)) {
      warnings.push({ path: name, message: unknownFieldMessage(name) });
      continue;
    }
    const report = (message: string, path = name): void => void problems.push({ path, message });
    const value = (CHECKS[name as Known] as FieldCheck<unknown>)(raw, name, report);
    if (value !== undefined) values[name] = value;
  }
  const v = values as Checked;
  const id = v.id ?? (Object.hasOwn(input.fields, 'id') ? undefined : idFromFileName(input, problems));
  const prompt = promptOf(input, v, problems);
  if (id !== undefined && v.dependsOn?.includes(id)) {
    problems.push({ path: 'dependsOn', message: `\`dependsOn\` lists the task's own id \`${id}\`; a task cannot wait for itself. Remove it.` });
  }
  if (problems.length > 0 || id === undefined || prompt === undefined) return { ok: false, problems, warnings };

  const task: Task = {
    id,
    title: v.title?.trim() ?? titleFrom(prompt) ?? titleFrom(v.run ?? '') ?? id,
    prompt,
    priority: v.priority ?? 0,
    touches: v.touches ?? [],
    dependsOn: v.dependsOn ?? [],
    env: v.env ?? {},
  };
  for (const key of ['agent', 'timeout', 'maxAttempts', 'verify', 'stages', 'test', 'changelog', 'run', 'estimate', 'budgetUsd'] as const) {
    if (v[key] !== undefined) Object.assign(task, { [key]: v[key] });
  }
  return { ok: true, task, warnings };
}

function idFromFileName(input: TaskInput, problems: Problem[]): string | undefined {
  const stem = fileStem(input.fileName);
  const wrong = checkTaskId(stem);
  if (wrong === undefined) return stem;
  const setId = input.format === 'json' ? '"id" in the JSON object' : '`id:` in the frontmatter';
  problems.push({ path: 'id', message: `${wrong} The id comes from the file name \`${input.fileName}\`: rename the file, or set ${setId}.` });
  return undefined;
}

/** The prompt, or undefined after reporting why there is none. */
function promptOf(input: TaskInput, v: Checked, problems: Problem[]): string | undefined {
  const body = input.body === undefined ? '' : input.body.replace(/^\s*\n/, '').trimEnd();
  if (body !== '' && v.prompt !== undefined && v.prompt.trim() !== '') {
    problems.push({ path: 'prompt', message: 'The prompt is given twice: in `prompt:` and as the text after the frontmatter. Keep one of them.' });
    return undefined;
  }
  const prompt = body !== '' ? body : (v.prompt ?? '').trim();
  if (prompt !== '') return prompt;
  // A shell task says everything in `run`; its prompt only labels it in logs.
  if (v.run !== undefined) return v.title?.trim() ?? v.run;
  if (Object.hasOwn(input.fields, 'prompt') && v.prompt === undefined) return undefined;
  problems.push({
    path: 'prompt',
    message: input.format === 'json'
      ? 'Expected `prompt` to be a non-empty string, got nothing. Add `"prompt": "what the agent should do"`, or a `"run"` command for a shell task.'
      : 'The task has no prompt: the text after the frontmatter is empty. Write what the agent should do below the closing `---`, or add `run:` with a command for a shell task.',
  });
  return undefined;
}

/** The first Markdown heading outside code blocks, else the first non-empty line; clipped to one short line. */
export function titleFrom(text: string): string | undefined {
  let inFence = false;
  let firstLine: string | undefined;
  for (const line of text.split('\n')) {
    if (/^\s{0,3}(```|~~~)/.test(line)) inFence = !inFence;
    else if (!inFence) {
      const heading = /^\s{0,3}#{1,6}\s+(.*?)(?:\s+#+)?\s*$/.exec(line);
      if (heading?.[1]) return clip(heading[1]);
    }
    if (firstLine === undefined && line.trim() !== '') firstLine = line.trim();
  }
  return firstLine === undefined ? undefined : clip(firstLine);
}

function clip(text: string): string {
  const chars = Array.from(text.trim());
  return chars.length <= MAX_DERIVED_TITLE_CHARS ? chars.join('') : `${chars.slice(0, MAX_DERIVED_TITLE_CHARS - 1).join('').trimEnd()}…`;
}

function unknownFieldMessage(name: string): string {
  const guess = suggestField(name);
  if (guess !== undefined) return `Unknown field \`${name}\` is ignored; did you mean \`${guess}\`? Field names are exact camelCase.`;
  return `Unknown field \`${name}\` is ignored. Known fields: ${Object.keys(CHECKS).join(', ')}.`;
}

/** The known field a misspelt or differently cased name most likely means, if any. */
export function suggestField(name: string): Known | undefined {
  const normal = (text: string): string => text.toLowerCase().replace(/[-_\s]/g, '');
  const wanted = normal(name);
  const known = Object.keys(CHECKS) as Known[];
  const exact = known.find((field) => normal(field) === wanted) ?? (Object.hasOwn(ALIASES, wanted) ? ALIASES[wanted] : undefined);
  if (exact !== undefined) return exact;
  const allowed = wanted.length <= 2 ? 0 : wanted.length <= 5 ? 1 : 2;
  let best: { field: Known; distance: number } | undefined;
  for (const field of known) {
    const distance = editDistance(wanted, normal(field));
    if (distance <= allowed && (best === undefined || distance < best.distance)) best = { field, distance };
  }
  return best?.field;
}
