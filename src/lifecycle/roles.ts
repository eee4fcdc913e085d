import type { FieldProblem } from '../notify/check-settings.js';
import { AGENT_STAGES, type AgentStage } from './stages.js';

/** `roles.<stage>` in the config: how the agent of one stage runs. Every field is optional. */
export interface RoleSettings {
  /** Adapter of this stage; default the task's own. */
  adapter?: string;
  /** Model passed to the adapter (its `model` setting). */
  model?: string;
  /** Extra arguments appended to the adapter's own. */
  extraArgs?: string[];
  /** The prompt template; placeholders {task} {id} {title} {stage} {target} {test}. Default the built-in one. */
  prompt?: string;
  /** Seconds one run of this stage may take. Default the task's `timeout`, else 900 (15 minutes) in a pipeline. */
  timeout?: number;
  /** Failures of this stage before the task is escalated. Default 2 in a pipeline (retry once in place). */
  attempts?: number;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const nonEmpty = (v: unknown) => typeof v === 'string' && v.trim() !== '';
const positive = (v: unknown) => typeof v === 'number' && Number.isFinite(v) && v > 0;

const FIELDS: Record<keyof RoleSettings, [(v: unknown) => boolean, string]> = {
  adapter: [nonEmpty, 'an adapter name'],
  model: [nonEmpty, 'a model name'],
  extraArgs: [(v) => Array.isArray(v) && v.every((x) => typeof x === 'string'), 'an array of strings'],
  prompt: [nonEmpty, 'a prompt template (text)'],
  timeout: [positive, 'a positive number of seconds'],
  attempts: [(v) => Number.isInteger(v) && (v as number) >= 1, 'a positive integer'],
};

/** What is wrong with a `roles` setting, naming the field (e.g. `.review.timeout`), or undefined. */
export function rolesProblem(value: unknown): FieldProblem | undefined {
  if (!isObject(value)) return { field: '', expected: `an object keyed by role (${AGENT_STAGES.join(', ')})`, got: value };
  for (const [role, settings] of Object.entries(value)) {
    if (!(AGENT_STAGES as readonly string[]).includes(role)) return { field: `.${role}`, expected: `absent: roles are ${AGENT_STAGES.join(', ')}`, got: settings };
    if (!isObject(settings)) return { field: `.${role}`, expected: 'an object with adapter, model, extraArgs, prompt, timeout, attempts', got: settings };
    for (const [key, v] of Object.entries(settings)) {
      const check = Object.hasOwn(FIELDS, key) ? FIELDS[key as keyof RoleSettings] : undefined;
      if (!check) return { field: `.${role}.${key}`, expected: `absent: known fields are ${Object.keys(FIELDS).join(', ')}`, got: v };
      if (!check[0](v)) return { field: `.${role}.${key}`, expected: check[1], got: v };
    }
  }
  return undefined;
}

/** Built-in prompt templates: what each role does, and what it leaves to others. */
export const ROLE_PROMPTS: Record<AgentStage, string> = {
  implement: '{task}',
  review: [
    '# Review: {title}',
    '',
    'You are the reviewer of task `{id}`. Its implementation is committed on this branch; see `git diff {target}...HEAD`.',
    'Check that it does what the task asks, handles edge cases, adds no bugs and keeps the code style. Fix small',
    'problems yourself and commit the fixes.',
    '',
    'Do not run the full test suite (the test stage runs the tests that matter), and do not merge: landing is',
    'done for you.',
    '',
    'End with a verdict: write `{"verdict": "approve" | "changes" | "reject", "notes": "..."}` to the file named',
    'by `$PL_VERDICT_FILE`. `changes` sends the task back to its implementer with your notes; `reject` means',
    'the approach is wrong and a person must decide.',
    '',
    'The task:',
    '',
    '{task}',
  ].join('\n'),
  test: [
    '# Test: {title}',
    '',
    'You are the tester of task `{id}`. The current `{target}` has been merged into this branch. Run the tests',
    'related to the files this branch changes (not the whole suite), and fix what fails; commit the fixes.',
    'The test command `{test}` runs after you finish, and must pass.',
    '',
    'Do not merge: landing is done for you.',
    '',
    'If the change cannot be made to pass, write `{"verdict": "changes" | "reject", "notes": "..."}` to the file',
    'named by `$PL_VERDICT_FILE`.',
    '',
    'The task:',
    '',
    '{task}',
  ].join('\n'),
};

/** A role's prompt with its placeholders filled in. Pure. */
export function rolePrompt(template: string, values: Record<'task' | 'id' | 'title' | 'stage' | 'target' | 'test', string>): string {
  return template.replace(/\{(task|id|title|stage|target|test)\}/g, (_, name: keyof typeof values) => values[name]);
}
