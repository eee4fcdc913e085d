import type { EnvironmentFailure } from '../governance/env-failure.js';
import type { AfterAgent } from './agent-exit.js';
import type { AgentEventInput } from './events.js';
import type { TaskPolicy } from './policy.js';
import type { LandOutcome, RetryNote } from './records.js';
import { stageAfter, type Stage, type Verdict } from './stages.js';

/** What a review or test stage said (worker/verdict.ts); absent when it said nothing. */
export interface StageVerdict {
  verdict: Verdict;
  notes: string;
}

/** How an attempt (or the landing of one) ended: what the lifecycle decides on. */
export type StepOutcome =
  /** The task spent its own `budgetUsd` before this attempt could start. */
  | { kind: 'over-budget'; reason: string }
  /** The attempt failed before its agent ran (worktree, set-up). */
  | { kind: 'attempt-error'; message: string }
  /** The agent's environment failed before any work (governance/env-failure.ts). */
  | { kind: 'environment'; env: EnvironmentFailure }
  /** The agent exited; `next` is how its exit was classified (agent-exit.ts). */
  | { kind: 'agent'; next: AfterAgent; log: string; tail: string[]; verdict?: StageVerdict }
  /** The test stage's command failed after its agent finished. */
  | { kind: 'test-failed'; output: string }
  /** Merging the current target into the branch, first thing in the test stage, conflicted. */
  | { kind: 'test-conflict'; files: string[]; details?: string }
  /** The finished attempt was landed, or tried to be. */
  | { kind: 'landing'; landing: LandOutcome; branch?: string }
  /** The attempt finished its stages and its landing is left to the lander of the landing queue. */
  | { kind: 'ready'; branch: string }
  /**
   * Fetching a remote target's tip, the attempt's base, failed before anything ran: nothing counts. `stopped`:
   * the remote refused the credentials (landing stops on this host); otherwise it is tried again after the back-off.
   */
  | { kind: 'remote-failed'; reason: string; stopped: boolean };

export interface StepInput {
  outcome: StepOutcome;
  /** From the task's history (worker/history.ts); the stage counts and notes matter to pipelines only. */
  prior: { heldInARow: number; hadConflict: boolean; stageFailures?: Partial<Record<Stage, number>>; changesAsked?: number; notes?: RetryNote[] };
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
  stage?: Stage;
  nextStage?: Stage;
  verdict?: Verdict;
  escalated?: boolean;
  notes?: RetryNote[];
}

/** An event of a step; the task, generation and attempt are filled in when it is recorded. */
export type StepEvent = AgentEventInput extends infer E ? (E extends AgentEventInput ? Omit<E, 'task' | 'gen' | 'attempt'> : never) : never;

interface Settle {
  release: StepRelease;
  events: StepEvent[];
}

/**
 * What happens next. `land`: land the attempt's branch. The others settle the task: `done` (done/),
 * `fail` (failed/), and back to the inbox as `retry` (counts as an attempt), `advance` (the next stage
 * of a pipeline), `requeue` (does not count), `hold` (the landing waits) or `ready` (the lander lands it); see docs/PROTOCOL.md, "Lifecycle".
 */
export type Step =
  | { kind: 'land' }
  | ({ kind: 'done' } & Settle)
  | ({ kind: 'fail' } & Settle)
  | ({ kind: 'retry' } & Settle)
  | ({ kind: 'advance' } & Settle)
  | ({ kind: 'requeue' } & Settle)
  | ({ kind: 'hold' } & Settle)
  | ({ kind: 'ready' } & Settle);

/** The release outcome of each settling step. */
export const RELEASE_OUTCOME = { done: 'done', fail: 'failed', retry: 'retry', advance: 'advance', requeue: 'requeued', hold: 'held', ready: 'ready' } as const;

/** Retry back-off: base, doubling per attempt, capped at 5 minutes. */
export function retryDelayMs(attempt: number, baseMs: number): number {
  return Math.min(baseMs * 2 ** Math.max(0, attempt - 1), 5 * 60_000);
}

/** The next step of a task from how its attempt ended, its history, its policy and `now`. Pure. */
export function nextStep(input: StepInput): Step {
  const step = decide(input);
  if (step.kind === 'land' || !input.policy.pipeline) return step;
  // A pipeline's records say which stage ran and, unless the stage runs again after a requeue, what comes next.
  const release = { stage: input.policy.stage, ...step.release };
  if (step.kind === 'fail' && !release.cancelled && input.outcome.kind !== 'over-budget') return escalate(input, { ...step, release });
  return { ...step, release };
}

function decide(input: StepInput): Step {
  const { outcome } = input;
  switch (outcome.kind) {
    case 'over-budget':
      return { kind: 'fail', release: { attempted: false, reason: outcome.reason }, events: [{ type: 'failed', reason: outcome.reason }] };
    case 'attempt-error': {
      const { message } = outcome;
      const kind = tries(input) >= input.policy.maxAttempts ? 'fail' : 'retry';
      const release = { attempted: true, reason: message, note: note(input, 'failed', message), retryAfter: backoff(input), ...again(input) };
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
      return input.policy.pipeline && outcome.next.action === 'land' ? afterStage(input, outcome.verdict) : afterExit(input, outcome);
    case 'test-failed':
    case 'test-conflict': {
      const files = outcome.kind === 'test-conflict' ? outcome.files : undefined;
      const text = files
        ? `Merging the current ${input.policy.target} into the branch conflicted in: ${files.join(', ')}\n${outcome.kind === 'test-conflict' ? (outcome.details ?? '') : ''}`
        : `The test command failed:\n${outcome.kind === 'test-failed' ? outcome.output : ''}`;
      const reason = files ? `test stage: merging ${input.policy.target} conflicted in ${files.join(', ')}` : 'test stage: the test command failed';
      const kind = tries(input) >= input.policy.maxAttempts ? 'fail' : 'retry';
      const output = outcome.kind === 'test-failed' ? { output: outcome.output.slice(-8000) } : {};
      const release = { attempted: true, reason, ...(files ? { files } : {}), ...output, note: note(input, files ? 'conflict' : 'test-failed', text), retryAfter: backoff(input), ...again(input) };
      return { kind, release, events: [{ type: kind === 'fail' ? 'failed' : 'retry', reason }] };
    }
    case 'landing':
      return afterLanding(input, outcome.landing, outcome.branch);
    case 'ready': {
      const release = input.policy.pipeline ? { nextStage: 'land' as const } : {};
      return { kind: 'ready', release, events: [{ type: 'ready', branch: outcome.branch }] };
    }
    case 'remote-failed': {
      const retryAfter = outcome.stopped ? {} : { retryAfter: iso(input.now + retryDelayMs(1, input.policy.retryBackoffMs)) };
      return { kind: 'requeue', release: { attempted: false, reason: outcome.reason, ...retryAfter }, events: [{ type: 'requeued', reason: outcome.reason }] };
    }
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
      const release = { reason: next.reason, tail: outcome.tail, note: note(input, next.kind, text), retryAfter: backoff(input), ...again(input) };
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
    case 'kept':
    case 'pr': {
      const events: StepEvent[] = landing.status === 'landed' ? [{ type: 'landed', commit: landing.commit, target, ...(landing.changelog ? { changelog: landing.changelog } : {}) }] : [];
      if (landing.status === 'pr') events.push({ type: 'pr-opened', url: landing.url, branch: landing.branch, opened: landing.opened !== false });
      events.push({ type: landing.status === 'already-landed' ? 'already-landed' : 'done', landing });
      return { kind: 'done', release: { landing }, events };
    }
    case 'held': {
      // Landing stopped on this host: this run claims nothing more, and the next lands it at once.
      if (landing.stopped) return { kind: 'hold', release: { reason: landing.reason, ...again(input) }, events: [{ type: 'held', reason: landing.reason }] };
      // Waiting on a person: look again after 2 s, doubling up to a minute, not every rescan.
      const waitMs = Math.min(2000 * 2 ** prior.heldInARow, 60_000);
      return { kind: 'hold', release: { reason: landing.reason, retryAfter: iso(input.now + waitMs), ...again(input) }, events: [{ type: 'held', reason: landing.reason }] };
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
      const release = { restart: 'target' as const, reason: 'conflict', files: landing.files, note: note(input, 'conflict', text), ...fromStart(input) };
      return { kind: 'retry', release, events: [conflict, { type: 'retry', reason: `conflict in ${files}; trying again from the current ${target}` }] };
    }
    case 'verify-failed': {
      const exhausted = (policy.pipeline ? tries(input) : attempt) >= policy.maxAttempts;
      const text = `The verify command failed on the merged result:\n${landing.output}`;
      const release = { reason: 'verify failed', output: landing.output.slice(-8000), note: note(input, 'verify-failed', text), retryAfter: backoff(input), ...fromStart(input) };
      const events: StepEvent[] = [{ type: 'verify-failed' }];
      if (exhausted) events.push({ type: 'failed', reason: `verify failed; ${attempt} of ${policy.maxAttempts} attempts used` });
      return { kind: exhausted ? 'fail' : 'retry', release, events };
    }
  }
}

/**
 * A pipeline stage whose agent exited 0: a review or test verdict of `reject` escalates, `changes` sends
 * the task back to its first stage once (the second escalates), otherwise on to the next stage, or land.
 */
function afterStage(input: StepInput, verdict: StageVerdict | undefined): Step {
  const { policy, prior } = input;
  const judged = policy.stage === 'review' || policy.stage === 'test' ? verdict : undefined;
  const notes = judged?.notes.trim() || '(no notes)';
  if (judged?.verdict === 'reject') {
    const reason = `${policy.stage} rejected the change: ${firstLine(notes)}`;
    return { kind: 'fail', release: { verdict: 'reject', reason, note: note(input, 'rejected', notes) }, events: [{ type: 'failed', reason }] };
  }
  if (judged?.verdict === 'changes') {
    const reason = `${policy.stage} asked for changes: ${firstLine(notes)}`;
    const release = { verdict: 'changes' as const, reason, note: note(input, 'changes', notes), nextStage: policy.stages[0] };
    if ((prior.changesAsked ?? 0) >= 1) return { kind: 'fail', release, events: [{ type: 'failed', reason: `${reason} (the second time)` }] };
    return { kind: 'retry', release, events: [{ type: 'retry', reason }] };
  }
  const nextStage = stageAfter(policy.stages, policy.stage);
  if (nextStage === 'land') return { kind: 'land' };
  const release = { nextStage, ...(judged ? { verdict: judged.verdict, reason: firstLine(notes) } : {}) };
  return { kind: 'advance', release, events: [{ type: 'advanced', stage: policy.stage, nextStage }] };
}

/** A failed pipeline stage a person must look at: every stage's notes go into the record. */
function escalate(input: StepInput, step: Extract<Step, { kind: 'fail' }>): Step {
  const { nextStage: _next, retryAfter: _after, ...release } = step.release as StepRelease & { retryAfter?: string };
  const notes = [...(input.prior.notes ?? []), ...(release.note ? [release.note] : [])];
  const reason = release.reason ?? 'escalated';
  const events: StepEvent[] = [...step.events.filter((e) => e.type !== 'failed'), { type: 'escalated', stage: input.policy.stage, reason }, { type: 'failed', reason, escalated: true }];
  return { kind: 'fail', release: { ...release, escalated: true, notes }, events };
}

/** The try of this stage the step decides on: a pipeline counts each stage's failures, otherwise attempts count. */
function tries(input: StepInput): number {
  return input.policy.pipeline ? (input.prior.stageFailures?.[input.policy.stage] ?? 0) + 1 : input.attempt;
}

/** A pipeline stage that failed runs again in place. */
function again(input: StepInput): { nextStage?: Stage } {
  return input.policy.pipeline ? { nextStage: input.policy.stage } : {};
}

/** A landing that must be redone goes back to the pipeline's first stage. */
function fromStart(input: StepInput): { nextStage?: Stage } {
  return input.policy.pipeline ? { nextStage: input.policy.stages[0] } : {};
}

function firstLine(text: string): string {
  const line = text.trim().split('\n')[0] ?? '';
  return line.length > 200 ? `${line.slice(0, 199)}…` : line;
}

function note(input: StepInput, kind: RetryNote['kind'], text: string): RetryNote {
  return { attempt: input.attempt, kind, text, ...(input.policy.pipeline ? { stage: input.policy.stage } : {}) };
}

function backoff(input: StepInput): string {
  return iso(input.now + retryDelayMs(input.attempt, input.policy.retryBackoffMs));
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}
