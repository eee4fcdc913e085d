import type { RunOptions } from '../config/options.js';
import type { Layout } from '../queue/layout.js';
import { runBudgetReached, taskBudgetReached } from './budget.js';
import { ledgerFor } from './ledger.js';

/**
 * Why a task may not start another attempt under its own `budgetUsd`, from the ledger; undefined
 * when it has no budget or room left. Checked before every attempt, so a task sent back for any
 * reason (a rate limit, a landing conflict, a reclaim) never spends past its budget.
 */
export function taskOverBudget(layout: Layout, task: { id: string; budgetUsd?: number }): string | undefined {
  if (task.budgetUsd === undefined) return undefined;
  return taskBudgetReached(task, ledgerFor(layout.ledger).taskUsd(task.id));
}

/**
 * The message a run ends with when `--budget-usd` stopped it: the budget is spent and work was left
 * (tasks still waiting, or a run without --once that would otherwise have gone on waiting for more).
 * A --once run whose queue drained just as the budget ran out ended for that reason, not this one.
 */
export function runStoppedByBudget(layout: Layout, options: Pick<RunOptions, 'budgetUsd' | 'once'>, tasksLeft: number): string | undefined {
  if (options.budgetUsd === undefined) return undefined;
  const reason = runBudgetReached(options.budgetUsd, ledgerFor(layout.ledger).totalUsd());
  return reason === undefined || (options.once && tasksLeft === 0) ? undefined : reason;
}
