import type { EnvironmentFailure } from './env-failure.js';

/**
 * The circuit breaker of one host, as kept in `.parallel-loop/breaker.json`: environment failures
 * since the last attempt that did work, and, once they reach the threshold, the open breaker. An
 * open breaker stays open until the next run starts (a later attempt that worked does not close
 * it: the workers that saw it open have stopped already).
 */
export interface HostBreaker {
  failures: Array<EnvironmentFailure & { task: string; gen: number; agent: string; at: string }>;
  open?: OpenBreaker;
}

export interface OpenBreaker {
  at: string;
  kind: string;
  line: string;
  attempts: number;
  tasks: string[];
}

/** The whole file: one breaker per host, since hosts sharing a queue need not share a set-up. */
export interface BreakerFile {
  hosts: Record<string, HostBreaker>;
}

const EMPTY: HostBreaker = { failures: [] };

export function hostBreaker(file: BreakerFile | undefined, host: string): HostBreaker {
  const entry = file?.hosts?.[host];
  return entry && Array.isArray(entry.failures) ? entry : EMPTY;
}

/**
 * Add one environment failure. The breaker opens when failures of one kind come from `threshold`
 * different tasks, or from one task `threshold` times (a queue of fewer tasks). Pure.
 */
export function withFailure(state: HostBreaker, failure: HostBreaker['failures'][number], threshold: number): { state: HostBreaker; opened: boolean } {
  const failures = [...state.failures, failure];
  if (state.open) return { state: { ...state, failures }, opened: false };
  const same = failures.filter((f) => f.kind === failure.kind);
  const tasks = [...new Set(same.map((f) => f.task))];
  const ofThisTask = same.filter((f) => f.task === failure.task).length;
  if (tasks.length < threshold && ofThisTask < threshold) return { state: { failures }, opened: false };
  const open: OpenBreaker = { at: failure.at, kind: failure.kind, line: failure.line, attempts: same.length, tasks };
  return { state: { failures, open }, opened: true };
}

/** An attempt did work: the environment works, so earlier failures no longer add up. Pure. */
export function withWork(state: HostBreaker): HostBreaker {
  return state.open ? { failures: [], open: state.open } : { failures: [] };
}

/** What a person is told when the breaker is open. Pure. */
export function breakerMessage(open: OpenBreaker): string {
  const of = open.tasks.length > 1 ? `of ${open.tasks.length} different tasks (${open.tasks.join(', ')})` : `of task ${open.tasks[0]}`;
  return `agent environment is broken: ${open.attempts} attempts ${of} failed the same way before doing any work: ${open.line}. Fix it and run again; the tasks are still queued (these attempts did not count).`;
}
