import type { Task } from '../task/types.js';
import type { LandOutcome, Lease } from '../lifecycle/records.js';
import { revParse } from '../git/repo.js';
import type { Worker } from './loop.js';
import { runAttempt, type AttemptResult } from './attempt.js';
import { priorState, type PriorState } from './history.js';
import { finish, type Held } from './finish.js';
import { retryDelayMs } from './decide.js';
import { landStep } from './land-step.js';
import { readCancelRequest } from '../queue/cancel.js';
import { taskOverBudget } from '../governance/budget-checks.js';
import { attemptWorktree } from '../queue/layout.js';
import type { EnvironmentFailure } from '../governance/env-failure.js';
import { breakerStep, noteWorked, spawnErrno } from './env-breaker.js';

export type TaskOutcome = 'done' | 'failed' | 'retry' | 'requeued' | 'held' | 'superseded';

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
  const maxAttempts = task.maxAttempts ?? options.maxAttempts;
  const target = options.target ?? 'main';

  if (prior.pendingLanding) {
    // The agent already finished in an earlier generation; only its landing was held.
    state.set({ task: task.id, gen, attempt: prior.pendingLanding.attempt, phase: 'landing', taskStartedAt: new Date().toISOString() });
    const landing = await landStep(worker, task, { branch: prior.pendingLanding.branch, base: prior.pendingLanding.base, attempt: prior.pendingLanding.attempt, worktree: undefined, gen });
    return settleLanding(worker, held, task, landing, prior, { attempt: prior.pendingLanding.attempt, branch: prior.pendingLanding.branch, base: prior.pendingLanding.base });
  }

  const overBudget = taskOverBudget(worker.layout, task);
  if (overBudget) {
    finish(store, held, { outcome: 'failed', attempted: false, reason: overBudget });
    worker.emit({ type: 'failed', task: task.id, gen, reason: overBudget });
    return 'failed';
  }
  const attempt = prior.attemptsUsed + 1;
  const base = options.inPlace ? '' : ((prior.resumeBranch && (await revParse(config.repo, prior.resumeBranch))) || (await tipOf(config.repo, target)));
  const startHead = options.inPlace ? ((await revParse(config.repo, 'HEAD')) ?? '') : base;
  const adapter = task.agent ?? options.agent;
  state.set({ task: task.id, gen, attempt, phase: 'worktree', taskStartedAt: new Date().toISOString(), note: undefined });
  worker.emit({ type: 'attempt-started', task: task.id, gen, attempt, base });

  let result: AttemptResult;
  try {
    result = await runAttempt({ layout: worker.layout, options, agentId: config.agentId, slot: config.slot, task, gen, attempt, base, notes: prior.notes, state, claims: store.claims, signal, fault });
  } catch (err) {
    // A superseded attempt (see the fencing check in runAttempt, or a clash with the reclaimer's WIP commit) is not a failure.
    if (store.claims.isSuperseded(task.id, gen)) {
      worker.emit({ type: 'requeued', task: task.id, gen, attempt, reason: 'superseded by a later claim' });
      return 'superseded';
    }
    const message = err instanceof Error ? err.message : String(err);
    const spawnError = spawnErrno(err);
    if (spawnError) {
      const worktree = options.inPlace ? config.repo : attemptWorktree(worker.layout, task.id, gen);
      const end = { adapter, timedOut: false, aborted: false, durationMs: 0, tail: [], spawnError };
      const env = await breakerStep(worker, { task: task.id, gen, attempt, end, worktree, startHead });
      if (env) return requeueEnvironmentFailure(worker, held, env, { attempted: false, attempt, reason: message });
    }
    // Worktree or set-up failed: that is this attempt's failure, not the worker's.
    const exhausted = attempt >= maxAttempts;
    worker.emit({ type: exhausted ? 'failed' : 'retry', task: task.id, gen, attempt, reason: message });
    finish(store, held, {
      outcome: exhausted ? 'failed' : 'retry',
      attempted: true, attempt, reason: message,
      note: { attempt, kind: 'failed', text: message },
      retryAfter: new Date(Date.now() + retryDelayMs(attempt, options.retryBackoffMs)).toISOString(),
    });
    return exhausted ? 'failed' : 'retry';
  }
  const exit = { exitCode: result.exitCode, signal: result.signal };
  // Search for landings from the first attempt's base: a resumed branch may carry work of earlier attempts.
  const landBase = prior.firstBase ?? base;
  const record = { attempted: true, attempt, branch: result.branch, base: landBase, log: result.log, usage: result.usage, durationMs: result.durationMs, ...exit };
  worker.emit({ type: 'attempt-finished', task: task.id, gen, attempt, next: result.next.action, durationMs: result.durationMs, usage: result.usage });

  if (store.claims.isSuperseded(task.id, gen)) {
    // Fencing: another worker reclaimed this task while we ran. Do nothing irreversible.
    worker.emit({ type: 'requeued', task: task.id, gen, attempt, reason: 'superseded by a later claim' });
    return 'superseded';
  }
  const next = result.next;
  if (next.action === 'cancel') {
    // The partial work stays on its branch (WIP commit); failed/<id>.error.json says it was cancelled.
    const request = readCancelRequest(store, task.id);
    finish(store, held, { outcome: 'failed', ...record, cancelled: true, cancelRequest: request, reason: next.reason });
    worker.emit({ type: 'failed', task: task.id, gen, attempt, cancelled: true, reason: next.reason });
    return 'failed';
  }
  if (next.action === 'requeue') {
    finish(store, held, { outcome: 'requeued', ...record, attempted: false, reason: next.reason });
    worker.emit({ type: 'requeued', task: task.id, gen, attempt, reason: next.reason });
    return 'requeued';
  }
  if (next.action !== 'land') {
    const end = { adapter, exitCode: result.exitCode, signal: result.signal, timedOut: next.kind === 'timeout', aborted: false, durationMs: result.durationMs, tail: result.tail };
    const env = await breakerStep(worker, { task: task.id, gen, attempt, end, worktree: result.worktree, startHead, leftoverCommit: result.leftoverCommit });
    if (env) return requeueEnvironmentFailure(worker, held, env, { ...record, tail: result.tail });
    const text = `${next.reason}\n\nLast lines of the log (${result.log}):\n${result.tail.join('\n')}`;
    const retry = next.action === 'retry';
    fault('before-release');
    finish(store, held, {
      outcome: retry ? 'retry' : 'failed',
      ...record,
      reason: next.reason,
      tail: result.tail,
      note: { attempt, kind: next.kind, text },
      retryAfter: new Date(Date.now() + retryDelayMs(attempt, options.retryBackoffMs)).toISOString(),
    });
    worker.emit({ type: retry ? 'retry' : 'failed', task: task.id, gen, attempt, reason: next.reason });
    return retry ? 'retry' : 'failed';
  }
  noteWorked(worker);
  state.set({ phase: 'landing' });
  const landing = await landStep(worker, task, { branch: result.branch, base: landBase, attempt, worktree: result.worktree, gen });
  fault('before-release');
  return settleLanding(worker, held, task, landing, prior, record);
}

/**
 * An attempt that failed before doing any work because of the agent's environment goes back to the
 * queue without counting, after the retry back-off so the next claims try other tasks.
 */
function requeueEnvironmentFailure(worker: Worker, held: Held, env: EnvironmentFailure, record: Record<string, unknown> & { attempt: number }): TaskOutcome {
  const reason = `the agent's environment failed before any work (${env.kind}: ${env.line}); this attempt does not count`;
  const retryAfter = new Date(Date.now() + retryDelayMs(1, worker.config.options.retryBackoffMs)).toISOString();
  finish(worker.store, held, { outcome: 'requeued', ...record, attempted: false, reason, environment: env, retryAfter });
  worker.emit({ type: 'requeued', task: held.id, gen: held.gen, attempt: record.attempt, reason });
  return 'requeued';
}

async function tipOf(repo: string, target: string): Promise<string> {
  const tip = await revParse(repo, `refs/heads/${target}`);
  if (!tip) throw new Error(`target branch \`${target}\` does not exist in ${repo}`);
  return tip;
}

/** Turn a landing outcome into the task's next state. */
function settleLanding(worker: Worker, held: Held, task: Task, landing: LandOutcome, prior: PriorState, record: Record<string, unknown> & { attempt: number }): TaskOutcome {
  const { store } = worker;
  const { options } = worker.config;
  const attempt = record.attempt;
  const maxAttempts = task.maxAttempts ?? options.maxAttempts;
  const retryAfter = new Date(Date.now() + retryDelayMs(attempt, options.retryBackoffMs)).toISOString();
  switch (landing.status) {
    case 'landed':
    case 'already-landed':
    case 'nothing-to-land':
    case 'kept': {
      if (!finish(store, held, { outcome: 'done', ...record, landing })) return 'superseded';
      if (landing.status === 'landed') worker.emit({ type: 'landed', task: task.id, gen: held.gen, attempt, commit: landing.commit, target: options.target });
      worker.emit({ type: landing.status === 'already-landed' ? 'already-landed' : 'done', task: task.id, gen: held.gen, attempt, landing });
      return 'done';
    }
    case 'held': {
      // Waiting on a person: look again after 2 s, doubling up to a minute, not every rescan.
      const waitMs = Math.min(2000 * 2 ** prior.heldInARow, 60_000);
      finish(store, held, { outcome: 'held', ...record, reason: landing.reason, retryAfter: new Date(Date.now() + waitMs).toISOString() });
      worker.emit({ type: 'held', task: task.id, gen: held.gen, attempt, reason: landing.reason });
      return 'held';
    }
    case 'conflict': {
      const text = `Landing on \`${options.target}\` conflicted in: ${landing.files.join(', ')}\n${landing.details ?? ''}`;
      worker.emit({ type: 'conflict', task: task.id, gen: held.gen, attempt, files: landing.files });
      if (prior.hadConflict) {
        const reason = `conflicts with ${options.target} in ${landing.files.join(', ')}; branch ${record.branch} kept`;
        finish(store, held, { outcome: 'failed', ...record, reason, files: landing.files });
        worker.emit({ type: 'failed', task: task.id, gen: held.gen, attempt, reason });
        return 'failed';
      }
      // Once, whatever maxAttempts says: the agent redoes the change on top of the current target.
      finish(store, held, { outcome: 'retry', ...record, restart: 'target', reason: 'conflict', files: landing.files, note: { attempt, kind: 'conflict', text } });
      worker.emit({ type: 'retry', task: task.id, gen: held.gen, attempt, reason: `conflict in ${landing.files.join(', ')}; trying again from the current ${options.target}` });
      return 'retry';
    }
    case 'verify-failed': {
      const exhausted = attempt >= maxAttempts;
      const text = `The verify command failed on the merged result:\n${landing.output}`;
      finish(store, held, {
      outcome: exhausted ? 'failed' : 'retry', ...record, reason: 'verify failed', output: landing.output.slice(-8000), note: { attempt, kind: 'verify-failed', text }, retryAfter });
      worker.emit({ type: 'verify-failed', task: task.id, gen: held.gen, attempt });
      if (exhausted) worker.emit({ type: 'failed', task: task.id, gen: held.gen, attempt, reason: `verify failed; ${attempt} of ${maxAttempts} attempts used` });
      return exhausted ? 'failed' : 'retry';
    }
  }
}
