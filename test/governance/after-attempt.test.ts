import { describe, expect, it } from 'vitest';
import { governedNext, type AttemptFacts } from '../../src/lifecycle/agent-exit.js';
import { runBudgetReached, taskBudgetReached, usd } from '../../src/governance/budget.js';

const facts = (over: Partial<AttemptFacts> = {}): AttemptFacts => ({ task: { id: 't' }, taskSpentUsd: 0, attempt: 1, maxAttempts: 3, ...over });
const killed = { action: 'retry', kind: 'failed', reason: 'killed by SIGTERM' } as const;

describe('governedNext', () => {
  it('gives a memory kill its own reason, retried while attempts are left', () => {
    const memory = { limitMb: 100, usedMb: 212.4 };
    expect(governedNext(killed, facts({ memory }))).toEqual({ action: 'retry', kind: 'failed', reason: 'memory limit of 100 MB exceeded (used 212 MB)' });
    expect(governedNext({ action: 'fail', kind: 'failed', reason: 'killed by SIGTERM; 3 of 3 attempts used' }, facts({ memory, attempt: 3 }))).toEqual({
      action: 'fail',
      kind: 'failed',
      reason: 'memory limit of 100 MB exceeded (used 212 MB); 3 of 3 attempts used',
    });
  });

  it('requeues a rate-limited attempt that did not finish, and lands one that did', () => {
    const rateLimit = { until: '2030-01-01T00:00:00.000Z', summary: 'usage limit reached' };
    expect(governedNext({ action: 'fail', kind: 'failed', reason: 'exit code 1; 3 of 3 attempts used' }, facts({ rateLimit, attempt: 3 }))).toEqual({
      action: 'requeue',
      reason: 'rate limited (usage limit reached); claiming paused until 2030-01-01T00:00:00.000Z, and this attempt does not count',
    });
    expect(governedNext({ action: 'land' }, facts({ rateLimit }))).toEqual({ action: 'land' });
  });

  it('fails instead of retrying or requeueing a task that spent its budgetUsd', () => {
    const spent = facts({ task: { id: 't', budgetUsd: 1 }, taskSpentUsd: 1.25 });
    const reason = 'task budget of $1.00 reached ($1.25 spent on t); raise its budgetUsd and retry it to continue';
    expect(governedNext(killed, spent)).toEqual({ action: 'fail', kind: 'failed', reason });
    expect(governedNext(killed, { ...spent, rateLimit: { until: 'x', summary: 'y' } })).toEqual({ action: 'fail', kind: 'failed', reason });
    expect(governedNext({ action: 'land' }, spent)).toEqual({ action: 'land' });
  });

  it('leaves a stop or cancel asked for by a person alone', () => {
    const stop = { action: 'requeue', reason: 'stopped' } as const;
    expect(governedNext(stop, facts({ memory: { limitMb: 1, usedMb: 2 } }))).toBe(stop);
    const cancel = { action: 'cancel', reason: 'cancelled' } as const;
    expect(governedNext(cancel, facts({ task: { id: 't', budgetUsd: 0 }, taskSpentUsd: 5 }))).toBe(cancel);
  });
});

describe('budgets', () => {
  it('is reached at the budget, not only above it', () => {
    expect(runBudgetReached(undefined, 1e9)).toBeUndefined();
    expect(runBudgetReached(2, 1.99)).toBeUndefined();
    expect(runBudgetReached(2, 2)).toBe('budget of $2.00 reached ($2.00 spent); raise --budget-usd to continue');
    expect(taskBudgetReached({ id: 'x' }, 100)).toBeUndefined();
  });

  it('shows sub-cent amounts to a hundredth of a cent', () => {
    expect([usd(0), usd(0.0042), usd(12.345)]).toEqual(['$0.00', '$0.0042', '$12.35']);
  });
});
