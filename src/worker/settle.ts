import { nextStep, type StepOutcome } from '../lifecycle/decide.js';
import type { TaskPolicy } from '../lifecycle/policy.js';
import { applyTransition, stepTransition, type Held } from '../lifecycle/transition.js';
import type { PriorState } from './history.js';
import type { Worker } from './loop.js';

export type TaskOutcome = 'done' | 'failed' | 'retry' | 'advance' | 'requeued' | 'held' | 'ready' | 'superseded';

/** What one attempt recorded, carried into its release whatever the step. */
export type AttemptRecord = Record<string, unknown> & { attempt?: number };

/** Decide the task's next state from how the attempt (or its landing) ended, then move it there. */
export function settleStep(worker: Worker, held: Held, input: { outcome: StepOutcome; prior: PriorState; policy: TaskPolicy; attempt: number; record: AttemptRecord }): TaskOutcome {
  const step = nextStep({ ...input, now: Date.now() });
  if (step.kind === 'land') throw new Error('a landing was asked for where the attempt is settled');
  const { applied } = applyTransition(worker.store, held, stepTransition(held, step, input.record), (e) => worker.emit(e));
  if (!applied) return 'superseded';
  if (step.kind === 'ready') worker.store.markReady(held.id);
  return ({ done: 'done', fail: 'failed', retry: 'retry', advance: 'advance', requeue: 'requeued', hold: 'held', ready: 'ready' } as const)[step.kind];
}
