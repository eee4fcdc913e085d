import type { AfterAgent } from '../worker/decide.js';
import { taskBudgetReached } from './budget.js';

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

/** `memory limit of 100 MB exceeded (used 212 MB)`: the reason a memory kill gives, in records and retry notes. */
export function memoryLimitReason(limitMb: number, usedMb: number): string {
  return `memory limit of ${limitMb} MB exceeded (used ${Math.round(usedMb)} MB)`;
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
