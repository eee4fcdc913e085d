import type { RunOptions } from '../config/options.js';
import type { Task } from '../task/types.js';

/**
 * What governs one task's attempts, resolved once per claim from the task's own fields and the run's
 * options: a task's `maxAttempts`, `timeout`, `verify` and `agent` win over the run's.
 */
export interface TaskPolicy {
  /** Attempts before the task fails. */
  maxAttempts: number;
  /** Time limit of one attempt's agent (and of its verify command), in seconds. */
  timeoutSec: number;
  /** Branch the task lands on. */
  target: string;
  /** The target as the run named it, undefined when it named none (event records keep it that way). */
  namedTarget?: string;
  /** Command that must pass on the merged result before landing. */
  verify?: string;
  /** Adapter that runs the task. */
  agent: string;
  /** Base of the retry back-off (doubling per attempt, capped at 5 minutes). */
  retryBackoffMs: number;
  /** The task's own spending limit. */
  budgetUsd?: number;
}

type PolicyTask = Pick<Task, 'maxAttempts' | 'timeout' | 'verify' | 'agent' | 'budgetUsd'>;
type PolicyOptions = Pick<RunOptions, 'maxAttempts' | 'timeoutSec' | 'target' | 'verify' | 'agent' | 'retryBackoffMs'>;

/** The policy of one task under a run's options. Pure. */
export function resolvePolicy(task: Partial<PolicyTask>, options: PolicyOptions): TaskPolicy {
  return {
    maxAttempts: task.maxAttempts ?? options.maxAttempts,
    timeoutSec: task.timeout ?? options.timeoutSec,
    target: options.target ?? 'main',
    namedTarget: options.target,
    verify: task.verify ?? options.verify,
    agent: task.agent ?? options.agent,
    retryBackoffMs: options.retryBackoffMs,
    budgetUsd: task.budgetUsd,
  };
}
