import type { EnvironmentFailure } from '../governance/env-failure.js';
import type { AfterAgent } from './agent-exit.js';
import type { AgentEventInput } from './events.js';
import type { TaskPolicy } from './policy.js';
import type { LandOutcome, RetryNote } from './records.js';

/** How an attempt (or the landing of one) ended: what the lifecycle decides on. */
export type StepOutcome =
  /** The task spent its own `budgetUsd` before this attempt could start. */
  | { kind: 'over-budget'; reason: string }
  /** The attempt failed before its agent ran (worktree, set-up). */
  | { kind: 'attempt-error'; message: string }
  /** The agent's environment failed before any work (governance/env-failure.ts). */
  | { kind: 'environment'; env: EnvironmentFailure }
  /** The agent exited; `next` is how its exit was classified (agent-exit.ts). */
  | { kind: 'agent'; next: AfterAgent; log: string; tail: string[] }
  /** The finished attempt was landed, or tried to be. */
  | { kind: 'landing'; landing: LandOutcome; branch?: string };

export interface StepInput {
  outcome: StepOutcome;
  /** From the task's history (worker/history.ts). */
  prior: { heldInARow: number; hadConflict: boolean };
  policy: TaskPolicy;
  /** The attempt's number, counted across generations. */
  attempt: number;
  now: number;
}

/** What a step writes into the release record, over what the attempt itself recorded. */
export interface StepRelease {
  attempted?: boolean;
  reason?: string;
  note?: RetryNote;
  retryAfter?: string;
  restart?: 'target';
  files?: string[];
  output?: string;
  tail?: string[];
  cancelled?: boolean;
  environment?: EnvironmentFailure;
  landing?: LandOutcome;
}

/** An event of a step; the task, generation and attempt are filled in when it is recorded. */
export type StepEvent = AgentEventInput extends infer E ? (E extends AgentEventInput ? Omit<E, 'task' | 'gen' | 'attempt'> : never) : never;

interface Settle {
  release: StepRelease;
  events: StepEvent[];
}

/**
 * What happens next. `land`: land the attempt's branch. The others settle the task: `done` (done/),
 * `fail` (failed/), and back to the inbox as `retry` (counts as an attempt), `requeue` (does not) or
 * `hold` (the landing waits); see docs/PROTOCOL.md, "Lifecycle".
 */
export type Step =
  | { kind: 'land' }
  | ({ kind: 'done' } & Settle)
  | ({ kind: 'fail' } & Settle)
  | ({ kind: 'retry' } & Settle)
  | ({ kind: 'requeue' } & Settle)
  | ({ kind: 'hold' } & Settle);

/** The release outcome of each settling step. */
export const RELEASE_OUTCOME = { done: 'done', fail: 'failed', retry: 'retry', requeue: 'requeued', hold: 'held' } as const;

/** Retry back-off: base, doubling per attempt, capped at 5 minutes. */
export function retryDelayMs(attempt: number, baseMs: number): number {
  return Math.min(baseMs * 2 ** Math.max(0, attempt - 1), 5 * 60_000);
}

/** The next step of a task from how its attempt ended, its history, its policy and `now`. Pure. */
export function nextStep(input: StepInput): Step {
  const { outcome } = input;
  switch (outcome.kind) {
    case 'over-budget':
      return { kind: 'fail', release: { attempted: false, reason: outcome.reason }, events: [{ type: 'failed', reason: outcome.reason }] };
    case 'attempt-error': {
      const { message } = outcome;
      const kind = input.attempt >= input.policy.maxAttempts ? 'fail' : 'retry';
      const release = { attempted: true, reason: message, note: note(input, 'failed', message), retryAfter: backoff(input) };
      return { kind, release, events: [{ type: kind === 'fail' ? 'failed' : 'retry', reason: message }] };
    }
    case 'environment': {
      const { env } = outcome;
      const reason = `the agent's environment failed before any work (${env.kind}: ${env.line}); this attempt does not count`;
      // After the retry back-off, so the next claims try other tasks.
      const retryAfter = iso(input.now + retryDelayMs(1, input.policy.retryBackoffMs));
      return { kind: 'requeue', release: { attempted: false, reason, environment: env, retryAfter }, events: [{ type: 'requeued', reason }] };
    }
    case 'agent':
      return afterExit(input, outcome);
    case 'landing':
      return afterLanding(input, outcome.landing, outcome.branch);
  }
}

function afterExit(input: StepInput, outcome: Extract<StepOutcome, { kind: 'agent' }>): Step {
  const { next } = outcome;
  switch (next.action) {
    case 'land':
      return { kind: 'land' };
    case 'cancel':
      // The partial work stays on its branch (WIP commit); failed/<id>.error.json says it was cancelled.
      return { kind: 'fail', release: { cancelled: true, reason: next.reason }, events: [{ type: 'failed', cancelled: true, reason: next.reason }] };
    case 'requeue':
      return { kind: 'requeue', release: { attempted: false, reason: next.reason }, events: [{ type: 'requeued', reason: next.reason }] };
    case 'retry':
    case 'fail': {
      const text = `${next.reason}\n\nLast lines of the log (${outcome.log}):\n${outcome.tail.join('\n')}`;
      const release = { reason: next.reason, tail: outcome.tail, note: note(input, next.kind, text), retryAfter: backoff(input) };
      return next.action === 'retry'
        ? { kind: 'retry', release, events: [{ type: 'retry', reason: next.reason }] }
        : { kind: 'fail', release, events: [{ type: 'failed', reason: next.reason }] };
    }
  }
}

function afterLanding(input: StepInput, landing: LandOutcome, branch: string | undefined): Step {
  const { prior, policy, attempt } = input;
  const target = policy.namedTarget;
  switch (landing.status) {
    case 'landed':
    case 'already-landed':
    case 'nothing-to-land':
    case 'kept': {
      const events: StepEvent[] = landing.status === 'landed' ? [{ type: 'landed', commit: landing.commit, target }] : [];
      events.push({ type: landing.status === 'already-landed' ? 'already-landed' : 'done', landing });
      return { kind: 'done', release: { landing }, events };
    }
    case 'held': {
      // Waiting on a person: look again after 2 s, doubling up to a minute, not every rescan.
      const waitMs = Math.min(2000 * 2 ** prior.heldInARow, 60_000);
      return { kind: 'hold', release: { reason: landing.reason, retryAfter: iso(input.now + waitMs) }, events: [{ type: 'held', reason: landing.reason }] };
    }
    case 'conflict': {
      const files = landing.files.join(', ');
      const conflict: StepEvent = { type: 'conflict', files: landing.files };
      if (prior.hadConflict) {
        const reason = `conflicts with ${target} in ${files}; branch ${branch} kept`;
        return { kind: 'fail', release: { reason, files: landing.files }, events: [conflict, { type: 'failed', reason }] };
      }
      // Once, whatever maxAttempts says: the agent redoes the change on top of the current target.
      const text = `Landing on \`${target}\` conflicted in: ${files}\n${landing.details ?? ''}`;
      const release = { restart: 'target' as const, reason: 'conflict', files: landing.files, note: note(input, 'conflict', text) };
      return { kind: 'retry', release, events: [conflict, { type: 'retry', reason: `conflict in ${files}; trying again from the current ${target}` }] };
    }
    case 'verify-failed': {
      const exhausted = attempt >= policy.maxAttempts;
      const text = `The verify command failed on the merged result:\n${landing.output}`;
      const release = { reason: 'verify failed', output: landing.output.slice(-8000), note: note(input, 'verify-failed', text), retryAfter: backoff(input) };
      const events: StepEvent[] = [{ type: 'verify-failed' }];
      if (exhausted) events.push({ type: 'failed', reason: `verify failed; ${attempt} of ${policy.maxAttempts} attempts used` });
      return { kind: exhausted ? 'fail' : 'retry', release, events };
    }
  }
}

function note(input: StepInput, kind: RetryNote['kind'], text: string): RetryNote {
  return { attempt: input.attempt, kind, text };
}

function backoff(input: StepInput): string {
  return iso(input.now + retryDelayMs(input.attempt, input.policy.retryBackoffMs));
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}
