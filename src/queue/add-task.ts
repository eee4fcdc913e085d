import { PlError } from '../errors.js';
import { composeTaskFile, slugFromPrompt } from '../task/compose.js';
import { parseTaskFile } from '../task/parse.js';
import { rejectionFor } from '../task/rejection.js';
import type { Problem, Task } from '../task/types.js';
import { checkNewTaskDependencies } from './add-deps.js';
import { InboxIndex } from './inbox.js';
import type { QueueStore } from './store.js';

/** A task given as a prompt and its fields, as `add "<prompt>" --priority 2 ...` takes them. */
export interface PromptTask {
  prompt: string;
  id?: string;
  title?: string;
  /** Numbers as text are fine: a wrong value reaches the task validator as written. */
  priority?: string;
  agent?: string;
  timeout?: string;
  maxAttempts?: string;
  touches?: string[];
  dependsOn?: string[];
  verify?: string;
  run?: string;
  estimate?: string;
  /** `KEY=VALUE` pairs for the agent. */
  env?: string[];
}

/** What `add` put in the inbox. */
export interface Added {
  id: string;
  /** The file name in the inbox. */
  name: string;
  warnings: Problem[];
}

/**
 * Check a task file and put it in the inbox: valid, id unused anywhere in the queue, and dependencies
 * known and without a cycle. Throws INVALID_TASK naming every problem; nothing is written then.
 * What `add` and the dashboard's form both call.
 */
export function addTask(store: QueueStore, fileName: string, content: Buffer): Added {
  const parsed = parseTaskFile(fileName, content);
  if (!parsed.ok) throw invalidTask(fileName, parsed.problems);
  const problems = admissionProblems(store, parsed.task);
  if (problems.length > 0) throw invalidTask(fileName, problems);
  const name = store.enqueue(fileName, content);
  return { id: parsed.task.id, name, warnings: parsed.warnings };
}

/** The task file a prompt and its fields make; the id comes from the prompt when none is given. */
export function taskFromPrompt(store: QueueStore, input: PromptTask): { fileName: string; content: Buffer } {
  const env = Object.fromEntries(
    (input.env ?? []).map((pair) => {
      const eq = pair.indexOf('=');
      if (eq <= 0) throw new PlError('BAD_OPTION', `Expected --env to be KEY=VALUE, got \`${pair}\``);
      return [pair.slice(0, eq), pair.slice(eq + 1)];
    }),
  );
  let id = input.id;
  if (!id) {
    const slug = slugFromPrompt(input.prompt);
    id = slug;
    for (let n = 2; taken(store, id); n++) id = `${slug}-${n}`;
  }
  const text = composeTaskFile(input.prompt, {
    id: input.id,
    title: input.title,
    priority: numberOrText(input.priority),
    agent: input.agent,
    timeout: input.timeout,
    maxAttempts: numberOrText(input.maxAttempts),
    touches: input.touches,
    dependsOn: input.dependsOn,
    verify: input.verify,
    run: input.run,
    estimate: input.estimate,
    env: Object.keys(env).length > 0 ? env : undefined,
  });
  return { fileName: `${id}.md`, content: Buffer.from(text) };
}

/** INVALID_TASK with every problem on its own line, as `add` prints it. */
export function invalidTask(fileName: string, problems: Problem[]): PlError {
  return new PlError('INVALID_TASK', `${fileName} was not added:\n${problems.map((p) => `  ${p.path}: ${p.message}`).join('\n')}`, {
    details: problems,
  });
}

// Options are taken as text so that a wrong value reaches the task validator as written (`"high"`),
// which names it in its message, rather than as the NaN a number option would make of it.
function numberOrText(value: string | undefined): number | string | undefined {
  return value !== undefined && /^-?\d+(\.\d+)?$/.test(value.trim()) ? Number(value) : value;
}

function taken(store: QueueStore, id: string): boolean {
  return store.findById(id) !== undefined || store.list('inbox').some((n) => n.replace(/\.(md|markdown|json)$/i, '') === id);
}

/** An id already used anywhere, or dependencies that are unknown or make a cycle. */
function admissionProblems(store: QueueStore, task: Task): Problem[] {
  const existing = store.findById(task.id);
  if (existing) return [rejectionFor('duplicate', `queue/${existing.state}/${existing.file}`, task.id)];
  const index = new InboxIndex(store);
  store.init();
  index.refresh();
  const twin = index.ordered().find((e) => e.id === task.id);
  if (twin) return [rejectionFor('duplicate', `queue/${twin.file}`, task.id)];
  return checkNewTaskDependencies(store, index, task);
}
