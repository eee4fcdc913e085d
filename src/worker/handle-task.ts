import type { Task } from '../task/types.js';
import type { Lease } from '../lifecycle/records.js';
import { revParse } from '../git/repo.js';
import type { Worker } from './loop.js';
import { runAttempt, type AttemptResult } from './attempt.js';
import { priorState, type PriorState } from './history.js';
import { landStep } from './land-step.js';
import { readCancelRequest } from '../queue/cancel.js';
import { taskOverBudget } from '../governance/budget-checks.js';
import { attemptWorktree } from '../queue/layout.js';
import { breakerStep, noteWorked, spawnErrno } from './env-breaker.js';
import { resolvePolicy, type TaskPolicy } from '../lifecycle/policy.js';
import { nextStep, type StepOutcome } from '../lifecycle/decide.js';
import { applyTransition, stepTransition, type Held } from '../lifecycle/transition.js';

export type TaskOutcome = 'done' | 'failed' | 'retry' | 'requeued' | 'held' | 'superseded';

/** What one attempt recorded, carried into its release whatever the step. */
type AttemptRecord = Record<string, unknown> & { attempt?: number };

/** Everything after a successful claim: attempt, then land, retry or fail. */
export async function handleTask(
  worker: Worker,
  taken: { gen: number; lease: Lease; file: string; task: Task },
  signal: AbortSignal,
  fault: (step: string) => void,
): Promise<TaskOutcome> {
  const { store, state, config } = worker;
  const { options } = config;
  const { task, gen } = taken;
  const held: Held = { id: task.id, gen, file: taken.file, agentId: config.agentId };
  const prior = priorState(store.claims.history(task.id).filter((h) => h.gen < gen));
  const policy = resolvePolicy(task, options);
  const settle = (outcome: StepOutcome, attempt: number, record: AttemptRecord) => settleStep(worker, held, { outcome, prior, policy, attempt, record });

  if (prior.pendingLanding) {
    // The agent already finished in an earlier generation; only its landing was held.
    const { branch, base, attempt } = prior.pendingLanding;
    state.set({ task: task.id, gen, attempt, phase: 'landing', taskStartedAt: new Date().toISOString() });
    const landing = await landStep(worker, task, policy, { branch, base, attempt, worktree: undefined, gen });
    return settle({ kind: 'landing', landing, branch }, attempt, { attempt, branch, base });
  }

  const overBudget = taskOverBudget(worker.layout, task);
  if (overBudget) return settle({ kind: 'over-budget', reason: overBudget }, prior.attemptsUsed + 1, {});
  const attempt = prior.attemptsUsed + 1;
  const base = options.inPlace ? '' : ((prior.resumeBranch && (await revParse(config.repo, prior.resumeBranch))) || (await tipOf(config.repo, policy.target)));
  const startHead = options.inPlace ? ((await revParse(config.repo, 'HEAD')) ?? '') : base;
  state.set({ task: task.id, gen, attempt, phase: 'worktree', taskStartedAt: new Date().toISOString(), note: undefined });
  worker.emit({ type: 'attempt-started', task: task.id, gen, attempt, base });

  let result: AttemptResult;
  try {
    result = await runAttempt({ layout: worker.layout, options, policy, agentId: config.agentId, slot: config.slot, task, gen, attempt, base, notes: prior.notes, state, claims: store.claims, signal, fault });
  } catch (err) {
    // A superseded attempt (see the fencing check in runAttempt, or a clash with the reclaimer's WIP commit) is not a failure.
    if (store.claims.isSuperseded(task.id, gen)) return superseded(worker, held, attempt);
    const message = err instanceof Error ? err.message : String(err);
    const spawnError = spawnErrno(err);
    if (spawnError) {
      const worktree = options.inPlace ? config.repo : attemptWorktree(worker.layout, task.id, gen);
      const end = { adapter: policy.agent, timedOut: false, aborted: false, durationMs: 0, tail: [], spawnError };
      const env = await breakerStep(worker, { task: task.id, gen, attempt, end, worktree, startHead });
      if (env) return settle({ kind: 'environment', env }, attempt, { attempted: false, attempt, reason: message });
    }
    // Worktree or set-up failed: that is this attempt's failure, not the worker's.
    return settle({ kind: 'attempt-error', message }, attempt, { attempted: true, attempt });
  }
  const exit = { exitCode: result.exitCode, signal: result.signal };
  // Search for landings from the first attempt's base: a resumed branch may carry work of earlier attempts.
  const landBase = prior.firstBase ?? base;
  const record = { attempted: true, attempt, branch: result.branch, base: landBase, log: result.log, usage: result.usage, durationMs: result.durationMs, ...exit };
  worker.emit({ type: 'attempt-finished', task: task.id, gen, attempt, next: result.next.action, durationMs: result.durationMs, usage: result.usage });

  // Fencing: another worker reclaimed this task while we ran. Do nothing irreversible.
  if (store.claims.isSuperseded(task.id, gen)) return superseded(worker, held, attempt);
  const next = result.next;
  if (next.action === 'cancel') return settle({ kind: 'agent', next, log: result.log, tail: result.tail }, attempt, { ...record, cancelRequest: readCancelRequest(store, task.id) });
  if (next.action === 'retry' || next.action === 'fail') {
    const end = { adapter: policy.agent, exitCode: result.exitCode, signal: result.signal, timedOut: next.kind === 'timeout', aborted: false, durationMs: result.durationMs, tail: result.tail };
    const env = await breakerStep(worker, { task: task.id, gen, attempt, end, worktree: result.worktree, startHead, leftoverCommit: result.leftoverCommit });
    if (env) return settle({ kind: 'environment', env }, attempt, { ...record, tail: result.tail });
    fault('before-release');
  }
  if (next.action !== 'land') return settle({ kind: 'agent', next, log: result.log, tail: result.tail }, attempt, record);
  noteWorked(worker);
  state.set({ phase: 'landing' });
  const landing = await landStep(worker, task, policy, { branch: result.branch, base: landBase, attempt, worktree: result.worktree, gen });
  fault('before-release');
  return settle({ kind: 'landing', landing, branch: result.branch }, attempt, record);
}

/** Decide the task's next state from how the attempt ended, then move it there. */
function settleStep(worker: Worker, held: Held, input: { outcome: StepOutcome; prior: PriorState; policy: TaskPolicy; attempt: number; record: AttemptRecord }): TaskOutcome {
  const step = nextStep({ ...input, now: Date.now() });
  if (step.kind === 'land') throw new Error('a landing was asked for where the attempt is settled');
  const { applied } = applyTransition(worker.store, held, stepTransition(held, step, input.record), (e) => worker.emit(e));
  if (!applied) return 'superseded';
  return ({ done: 'done', fail: 'failed', retry: 'retry', requeue: 'requeued', hold: 'held' } as const)[step.kind];
}

function superseded(worker: Worker, held: Held, attempt: number): TaskOutcome {
  worker.emit({ type: 'requeued', task: held.id, gen: held.gen, attempt, reason: 'superseded by a later claim' });
  return 'superseded';
}

async function tipOf(repo: string, target: string): Promise<string> {
  const tip = await revParse(repo, `refs/heads/${target}`);
  if (!tip) throw new Error(`target branch \`${target}\` does not exist in ${repo}`);
  return tip;
}
