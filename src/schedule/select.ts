import { PlError } from '../errors.js';
import { pathsConflict } from './globs.js';
import { compareIds } from './graph.js';

/** What `pickNext` reads of a queued task. */
export interface Candidate {
  id: string;
  /** Higher runs first. */
  priority: number;
  /** Globs of paths the task may change; empty means unknown and conflicts with nothing. */
  touches: readonly string[];
  dependsOn: readonly string[];
  /** When the task entered the inbox (ms since the epoch); older runs first among equal priorities. Unknown sorts last. */
  enqueuedAt?: number;
  /** Last tie-breaker, such as the file name; defaults to the id. */
  name?: string;
  /** True once the task's pipeline has begun: it holds its touches between stages, like a running task. */
  started?: boolean;
}

/** A task an agent is working on now. */
export interface RunningTask {
  id: string;
  touches: readonly string[];
}

/** The snapshot `pickNext` decides on. */
export interface PickContext {
  running: readonly RunningTask[];
  done: ReadonlySet<string>;
  failed: ReadonlySet<string>;
  /** Current time in ms, compared with `firstSeen`. */
  now: number;
  /**
   * When each task was first held back by a conflict (ms). The caller records
   * it from `blocked` entries of kind `conflict` or `reserved` and forgets the
   * task once it starts. A task missing here is never promoted.
   */
  firstSeen: ReadonlyMap<string, number>;
  /** Tasks between two stages of their pipeline, waiting in the inbox: new work keeps clear of their touches too. */
  inFlight?: readonly RunningTask[];
  /** How long a task may be held back by conflicts before it is promoted. Default 600000 (10 minutes). */
  starveAfterMs?: number;
}

/** Why a candidate was not picked. With `fail: true` the caller should move it to failed. */
export interface Held {
  id: string;
  kind: 'failed-dependency' | 'dependency' | 'conflict' | 'reserved' | 'running';
  why: string;
  fail?: true;
}

export type PickResult<T extends Candidate> = { task: T; reason: string; blocked: Held[] } | { task: undefined; blocked: Held[] };

export const DEFAULT_STARVE_AFTER_MS = 10 * 60_000;

/** Priority descending, then enqueue time ascending, then name ascending: the inbox order. */
export function compareCandidates(a: Candidate, b: Candidate): number {
  if (a.priority !== b.priority) return b.priority - a.priority;
  const ageA = a.enqueuedAt ?? Number.POSITIVE_INFINITY;
  const ageB = b.enqueuedAt ?? Number.POSITIVE_INFINITY;
  if (ageA !== ageB) return ageA < ageB ? -1 : 1;
  return compareIds(a.name ?? a.id, b.name ?? b.id) || compareIds(a.id, b.id);
}

/** A sorted copy of `list` in inbox order (see `compareCandidates`). */
export function orderCandidates<T extends Candidate>(list: readonly T[]): T[] {
  return [...list].sort(compareCandidates);
}

/**
 * The next task to start, from candidates already in inbox order. A task runs
 * when every dependency is done and its touches overlap no running task's.
 * A dependency in `failed` fails the dependent (and, within this call, whatever
 * depends on that). A task held back by conflicts for longer than
 * `starveAfterMs` is promoted: no task that overlaps it starts, whatever its
 * priority, so its area drains and it runs next. `blocked` lists the tasks
 * passed over before the pick, plus every task that should fail.
 */
export function pickNext<T extends Candidate>(candidates: readonly T[], ctx: PickContext): PickResult<T> {
  const starveAfterMs = ctx.starveAfterMs ?? DEFAULT_STARVE_AFTER_MS;
  if (!(starveAfterMs >= 0)) {
    throw new PlError('BAD_OPTION', `Expected the \`starveAfterMs\` option to be a non-negative number, got \`${String(starveAfterMs)}\` (${typeof starveAfterMs})`);
  }
  const failing = failingDependents(candidates, ctx.failed);
  const runningIds = new Set(ctx.running.map((r) => r.id));
  const queuedIds = new Set(candidates.map((c) => c.id));
  const ready = candidates.filter((c) => !failing.has(c.id) && !runningIds.has(c.id) && c.dependsOn.every((d) => ctx.done.has(d)));
  const promoted = ready.filter((c) => ctx.now - (ctx.firstSeen.get(c.id) ?? Number.POSITIVE_INFINITY) > starveAfterMs);
  const blocked: Held[] = [];
  for (const [index, task] of candidates.entries()) {
    const held = holdReason(task, ctx, { failing, runningIds, queuedIds, promoted });
    if (held !== undefined) {
      blocked.push(held);
      continue;
    }
    for (const later of candidates.slice(index + 1)) {
      const dep = failing.get(later.id);
      if (dep !== undefined) blocked.push(failedHold(later.id, dep));
    }
    const waited = ctx.now - (ctx.firstSeen.get(task.id) ?? ctx.now);
    const reason = promoted.includes(task)
      ? `promoted after ${formatMinutes(waited)} held back by conflicting work`
      : 'first in priority order with its dependencies done and its paths free';
    return { task, reason, blocked };
  }
  return { task: undefined, blocked };
}

interface Lookups {
  failing: Map<string, string>;
  runningIds: Set<string>;
  queuedIds: Set<string>;
  promoted: Candidate[];
}

function holdReason(task: Candidate, ctx: PickContext, look: Lookups): Held | undefined {
  const failedDep = look.failing.get(task.id);
  if (failedDep !== undefined) return failedHold(task.id, failedDep);
  if (look.runningIds.has(task.id)) return { id: task.id, kind: 'running', why: 'already running' };
  const waitingFor = task.dependsOn.find((d) => !ctx.done.has(d));
  if (waitingFor !== undefined) {
    const where = look.runningIds.has(waitingFor) ? 'running' : look.queuedIds.has(waitingFor) ? 'queued' : 'not in the queue';
    return { id: task.id, kind: 'dependency', why: `waiting for dependency ${waitingFor} (${where})` };
  }
  for (const other of ctx.running) {
    const { conflict, pair } = pathsConflict(task.touches, other.touches);
    if (conflict) return { id: task.id, kind: 'conflict', why: `conflicts with running task ${other.id}: ${pair![0]} overlaps ${pair![1]}` };
  }
  if (!task.started) {
    for (const other of ctx.inFlight ?? []) {
      if (other.id === task.id) continue;
      const { conflict, pair } = pathsConflict(task.touches, other.touches);
      if (conflict) return { id: task.id, kind: 'conflict', why: `conflicts with task ${other.id}, between stages: ${pair![0]} overlaps ${pair![1]}` };
    }
  }
  // A promoted task keeps its area clear; among promoted tasks the earlier in order goes first.
  const mine = look.promoted.indexOf(task);
  const reservedBy = mine === -1 ? look.promoted : look.promoted.slice(0, mine);
  for (const holder of reservedBy) {
    const { conflict, pair } = pathsConflict(task.touches, holder.touches);
    if (conflict) {
      return { id: task.id, kind: 'reserved', why: `held for ${holder.id}, which has waited too long: ${pair![0]} overlaps ${pair![1]}` };
    }
  }
  return undefined;
}

function failedHold(id: string, dep: string): Held {
  return { id, kind: 'failed-dependency', why: `dependency ${dep} failed`, fail: true };
}

/** Candidates with a failed dependency, to the failed dependency; failure spreads through queued dependents. */
function failingDependents(candidates: readonly Candidate[], failed: ReadonlySet<string>): Map<string, string> {
  const failing = new Map<string, string>();
  for (let changed = true; changed; ) {
    changed = false;
    for (const c of candidates) {
      if (failing.has(c.id)) continue;
      const dep = c.dependsOn.find((d) => failed.has(d) || failing.has(d));
      if (dep === undefined) continue;
      failing.set(c.id, dep);
      changed = true;
    }
  }
  return failing;
}

function formatMinutes(ms: number): string {
  return `${Math.round(ms / 60_000)} min`;
}
