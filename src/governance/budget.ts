/** Pure budget decisions: the run's `--budget-usd` and a task's own `budgetUsd`. */

/** Dollars as people read them: `$0.50`, `$12.34`, and `$0.0042` for sub-cent amounts. */
export function usd(amount: number): string {
  return `$${amount !== 0 && Math.abs(amount) < 0.01 ? amount.toFixed(4) : amount.toFixed(2)}`;
}

/** Why no new attempt may start under the run's budget, or undefined while there is room. */
export function runBudgetReached(budgetUsd: number | undefined, spentUsd: number): string | undefined {
  if (budgetUsd === undefined || spentUsd < budgetUsd) return undefined;
  return `budget of ${usd(budgetUsd)} reached (${usd(spentUsd)} spent); raise --budget-usd to continue`;
}

/** Why a task may not have another attempt under its own `budgetUsd`, or undefined. */
export function taskBudgetReached(task: { id: string; budgetUsd?: number }, spentUsd: number): string | undefined {
  if (task.budgetUsd === undefined || spentUsd < task.budgetUsd) return undefined;
  return `task budget of ${usd(task.budgetUsd)} reached (${usd(spentUsd)} spent on ${task.id}); raise its budgetUsd and retry it to continue`;
}
