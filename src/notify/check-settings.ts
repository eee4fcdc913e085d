import { NOTIFY_KINDS, type NotifySettings } from './kinds.js';

/** The first field of a `notify` value that is wrong: its path below `notify`, what it should be, and what it is. */
export interface FieldProblem {
  field: string;
  expected: string;
  got: unknown;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isPositiveInteger = (v: unknown) => Number.isInteger(v) && (v as number) >= 1;

const FIELDS: Record<keyof NotifySettings, (v: unknown, field: string) => FieldProblem | undefined> = {
  on: (v, field) => eachOf(v, field, 'an array of kinds', (x) => (NOTIFY_KINDS as readonly unknown[]).includes(x), `one of ${NOTIFY_KINDS.join(', ')}`),
  commands: (v, field) => eachOf(v, field, 'an array of commands', isArgv, 'an argument array: the program, then its arguments (strings, no shell)'),
  webhooks: (v, field) => eachOf(v, field, 'an array of URLs', isHttpUrl, 'an http:// or https:// URL'),
  timeoutMs: (v, field) => (isPositiveInteger(v) ? undefined : { field, expected: 'a positive integer', got: v }),
  maxInFlight: (v, field) => (isPositiveInteger(v) ? undefined : { field, expected: 'a positive integer', got: v }),
  maxQueued: (v, field) => (isPositiveInteger(v) ? undefined : { field, expected: 'a positive integer', got: v }),
};

/** What is wrong with a `notify` setting, naming the field (e.g. `.commands[1]`), or undefined when it is good. */
export function notifyProblem(value: unknown): FieldProblem | undefined {
  if (!isObject(value)) return { field: '', expected: 'an object with on, commands, webhooks, timeoutMs', got: value };
  for (const [key, v] of Object.entries(value)) {
    const check = Object.hasOwn(FIELDS, key) ? FIELDS[key as keyof NotifySettings] : undefined;
    if (!check) return { field: `.${key}`, expected: `absent: known fields are ${Object.keys(FIELDS).join(', ')}`, got: v };
    const problem = check(v, `.${key}`);
    if (problem) return problem;
  }
  return undefined;
}

function eachOf(v: unknown, field: string, whole: string, ok: (x: unknown) => boolean, one: string): FieldProblem | undefined {
  if (!Array.isArray(v)) return { field, expected: whole, got: v };
  const bad = v.findIndex((x) => !ok(x));
  return bad < 0 ? undefined : { field: `${field}[${bad}]`, expected: one, got: v[bad] };
}

function isArgv(v: unknown): boolean {
  return Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === 'string') && v[0] !== '';
}

function isHttpUrl(v: unknown): boolean {
  if (typeof v !== 'string') return false;
  try {
    const url = new URL(v);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}
