import { PlError } from '../errors.js';
import { checkTaskId } from '../task/id.js';
import { layoutFor, type Layout } from '../queue/layout.js';
import { QueueStore } from '../queue/store.js';
import type { CommonArgs } from './common-options.js';

/** The folders the common options name. */
export function layoutOf(argv: CommonArgs): Layout {
  return layoutFor(argv.repo, { queue: argv.queue, state: argv.state, worktrees: argv.worktrees });
}

/** The queue the common options name. */
export function storeFor(argv: CommonArgs): QueueStore {
  return new QueueStore(layoutOf(argv));
}

/** A task id from the command line; it becomes a path under claims/, so `..` and `/` never pass. */
export function taskIdArg(id: string): string {
  const problem = checkTaskId(id);
  if (problem) throw new PlError('BAD_TASK_ID', problem);
  return id;
}

/** `--wait-ms`: how long a command waits for agents to act on it. */
export function waitMsOption(value: number | undefined, fallback = 30_000): number {
  const ms = value ?? fallback;
  if (!Number.isInteger(ms) || ms < 0) throw new PlError('BAD_OPTION', `Expected --wait-ms to be a non-negative integer of milliseconds, got \`${value}\``);
  return ms;
}
