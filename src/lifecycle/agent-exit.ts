import { taskBudgetReached } from '../governance/budget.js';
import type { TaskPolicy } from './policy.js';

/** How an agent process ended. */
export interface AgentExit {
  exitCode?: number;
  signal?: string;
  timedOut: boolean;
  aborted: boolean;
  /** Aborted because `parallel-loop cancel` asked for it (not a kill or shutdown). */
  cancelled?: boolean;
}

/** What governance learned during one attempt. */
export interface AttemptFacts {
  /** Set when the agent's tree was killed for passing `memoryLimitMb`. */
  memory?: { limitMb: number; usedMb: number };
  /** Set when the agent reported a rate or usage limit; claiming is paused until `until`. */
  rateLimit?: { until: string; summary: string };
  task: { id: string; budgetUsd?: number };
  /** Spent on this task so far, this attempt included. */
  taskSpentUsd: number;
  attempt: number;
  maxAttempts: number;
}

/** What an agent's exit calls for; `action` is what the `attempt-finished` event records as `next`. */
export type AfterAgent =
  | { action: 'land' }
  | { action: 'requeue'; reason: string }
  | { action: 'cancel'; reason: string }
  | { action: 'retry'; kind: 'failed' | 'timeout'; reason: string }
  | { action: 'fail'; kind: 'failed' | 'timeout'; reason: string };

/** Describe how an agent ended, for people: `exit code 3`, `killed by SIGKILL`, `timed out after 30s`. */
export function describeExit(exit: AgentExit, timeoutSec: number): string {
  if (exit.timedOut) return `timed out after ${timeoutSec}s (process tree killed)`;
  if (exit.aborted) return 'stopped by parallel-loop';
  if (exit.signal) return `killed by ${exit.signal}`;
  return `exit code ${exit.exitCode}`;
}

/** `memory limit of 100 MB exceeded (used 212 MB)`: the reason a memory kill gives, in records and retry notes. */
export function memoryLimitReason(limitMb: number, usedMb: number): string {
  return `memory limit of ${limitMb} MB exceeded (used ${Math.round(usedMb)} MB)`;
}

/** What follows an agent's exit, before governance has its say. Pure. */
export function afterAgent(exit: AgentExit, attempt: number, policy: Pick<TaskPolicy, 'maxAttempts' | 'timeoutSec'>): AfterAgent {
  const { maxAttempts } = policy;
  if (exit.aborted && exit.cancelled) return { action: 'cancel', reason: 'cancelled by `parallel-loop cancel`' };
  if (exit.aborted) return { action: 'requeue', reason: 'stopped by parallel-loop (kill or second signal)' };
  if (!exit.timedOut && exit.exitCode === 0 && !exit.signal) return { action: 'land' };
  const kind = exit.timedOut ? 'timeout' : 'failed';
  const reason = describeExit(exit, policy.timeoutSec);
  return attempt < maxAttempts ? { action: 'retry', kind, reason } : { action: 'fail', kind, reason: `${reason}; ${attempt} of ${maxAttempts} attempts used` };
}

/**
 * What follows an attempt once governance has had its say, on top of how the agent exited. Pure.
 * A stop or cancel asked for by the person running it stays as it is. A memory kill is that attempt's
 * failure (retried while attempts are left). An attempt that ended unsuccessfully after a rate limit
 * goes back to the queue without using up an attempt: the account, not the task, was at fault (one
 * that still finished cleanly lands as usual). A task that has spent its own `budgetUsd` is
 * never tried again.
 */
export function governedNext(next: AfterAgent, facts: AttemptFacts): AfterAgent {
  if (next.action === 'requeue' || next.action === 'cancel') return next;
  let out: AfterAgent = next;
  if (facts.memory) {
    const reason = memoryLimitReason(facts.memory.limitMb, facts.memory.usedMb);
    out = facts.attempt < facts.maxAttempts
      ? { action: 'retry', kind: 'failed', reason }
      : { action: 'fail', kind: 'failed', reason: `${reason}; ${facts.attempt} of ${facts.maxAttempts} attempts used` };
  } else if (facts.rateLimit && next.action !== 'land') {
    out = { action: 'requeue', reason: `rate limited (${facts.rateLimit.summary}); claiming paused until ${facts.rateLimit.until}, and this attempt does not count` };
  }
  if (out.action === 'land' || out.action === 'fail') return out;
  const overBudget = taskBudgetReached(facts.task, facts.taskSpentUsd);
  return overBudget ? { action: 'fail', kind: 'failed', reason: overBudget } : out;
}
