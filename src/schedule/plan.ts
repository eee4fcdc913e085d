import { PlError } from '../errors.js';
import { isPipeline, type AgentStage } from '../lifecycle/stages.js';
import type { Task } from '../task/types.js';
import type { StageHistory } from './history.js';
import { pathsConflict } from './globs.js';
import { checkDependencies, compareIds, type DependencyProblem } from './graph.js';
import { orderCandidates, pickNext, type RunningTask } from './select.js';

/** The part of a task the plan reads. */
export type PlanTask = Pick<Task, 'id' | 'priority' | 'touches' | 'dependsOn'> & Partial<Pick<Task, 'estimate' | 'agent'>> & {
  /** The agent stages it goes through (the task's or the run's); undefined or `[implement]`: no pipeline. */
  stages?: readonly AgentStage[];
};

export interface PlanOptions {
  /** Agents working at once in the simulation; a positive integer. */
  agents: number;
  /** Median minutes of past runs, keyed by task id or by agent name; a task id entry wins over its agent's. */
  history?: ReadonlyMap<string, number>;
  /** Median minutes of past pipeline stages, per task and over all tasks. */
  stageHistory?: StageHistory;
  /** Minutes assumed for a task with neither an estimate nor history. Default 10. */
  defaultEstimateMin?: number;
  /** Ids done outside `tasks`: a dependency on one is already satisfied. */
  done?: ReadonlySet<string>;
}

export interface EstimateUsed {
  minutes: number;
  source: 'estimate' | 'history' | 'default';
  /** A pipeline task's estimate per stage, in order; `minutes` is their sum. Absent outside a pipeline. */
  stages?: StageEstimate[];
}

export interface StageEstimate {
  stage: AgentStage;
  minutes: number;
  source: EstimateUsed['source'];
}

/** Two tasks that may change the same paths and so never run at the same time. */
export interface PlanConflict {
  a: string;
  b: string;
  /** The overlapping globs: one of `a`'s, one of `b`'s. */
  globs: [string, string];
}

export interface Plan {
  agents: number;
  /**
   * Dependency levels: wave k holds the tasks whose longest chain of
   * dependencies has k links, so each depends only on earlier waves. Conflicts
   * do not split waves; they are listed in `conflicts`. Each wave is sorted by
   * priority (highest first), then id.
   */
  waves: string[][];
  /** Pairs that may overlap and could otherwise run together (no dependency path between them), sorted. */
  conflicts: PlanConflict[];
  /** The longest estimate-weighted chain of dependencies, first task first. */
  criticalPath: { ids: string[]; minutes: number };
  /** Finish time of a simulation that starts tasks as `pickNext` would, with `agents` agents. */
  expectedWallMinutes: number;
  /** Sum of the estimates of the tasks that can run: the time one agent would take. */
  serialMinutes: number;
  /** Minutes used for each task and where they came from, by id. */
  estimates: Record<string, EstimateUsed>;
  /** Tasks that can never run (a cycle or unknown dependency on the way), sorted; left out of everything above. */
  unschedulable: string[];
  problems: DependencyProblem[];
}

/** Plan a set of tasks: waves, conflicts, critical path and expected wall time. Deterministic. */
export function makePlan(tasks: readonly PlanTask[], options: PlanOptions): Plan {
  const { agents, history = new Map(), stageHistory, defaultEstimateMin = 10, done = new Set<string>() } = options;
  if (!Number.isInteger(agents) || agents < 1) throw invalidOption('agents', 'a positive integer', agents);
  if (!(defaultEstimateMin >= 0) || !Number.isFinite(defaultEstimateMin)) throw invalidOption('defaultEstimateMin', 'a non-negative number', defaultEstimateMin);

  const sorted = [...tasks].sort((a, b) => compareIds(a.id, b.id));
  const estimates: Record<string, EstimateUsed> = {};
  for (const t of sorted) {
    const own = estimateFor(t, history, defaultEstimateMin);
    estimates[t.id] = t.stages && isPipeline(t.stages) ? pipelineEstimate(t.id, t.stages, own, stageHistory, defaultEstimateMin) : own;
  }
  const problems = checkDependencies(sorted, done);
  const blocked = unschedulable(sorted, problems);
  const runnable = sorted.filter((t) => !blocked.has(t.id));
  const order = topologicalOrder(runnable);
  const minutes = (id: string) => estimates[id]!.minutes;

  return {
    agents,
    waves: dependencyWaves(order),
    conflicts: conflictingPairs(runnable, ancestors(order)),
    criticalPath: criticalPath(order, minutes),
    expectedWallMinutes: simulate(runnable, agents, minutes, done),
    serialMinutes: runnable.reduce((sum, t) => sum + minutes(t.id), 0),
    estimates,
    unschedulable: [...blocked].sort(compareIds),
    problems,
  };
}

function invalidOption(name: string, expected: string, got: unknown): PlError {
  return new PlError('BAD_OPTION', `Expected the \`${name}\` option to be ${expected}, got \`${String(got)}\` (${typeof got})`);
}

function estimateFor(task: PlanTask, history: ReadonlyMap<string, number>, fallback: number): EstimateUsed {
  if (task.estimate !== undefined) return { minutes: task.estimate, source: 'estimate' };
  const past = history.get(task.id) ?? (task.agent === undefined ? undefined : history.get(task.agent));
  return past === undefined ? { minutes: fallback, source: 'default' } : { minutes: past, source: 'history' };
}

/**
 * A pipeline task takes the sum of its stages. Each stage: this task's median for it, else the median
 * of that stage over all tasks, else (implement) the task's own estimate or history, or the default.
 */
function pipelineEstimate(id: string, stages: readonly AgentStage[], own: EstimateUsed, history: StageHistory | undefined, fallback: number): EstimateUsed {
  const parts = stages.map((stage): StageEstimate => {
    const past = history?.byTask.get(id)?.get(stage) ?? history?.all.get(stage);
    if (past !== undefined) return { stage, minutes: past, source: 'history' };
    return stage === 'implement' ? { stage, minutes: own.minutes, source: own.source } : { stage, minutes: fallback, source: 'default' };
  });
  const sources = new Set(parts.map((p) => p.source));
  // The whole counts as a default when any stage does, as `plan` reports tasks without an estimate.
  const source = sources.has('default') ? 'default' : sources.has('history') ? 'history' : 'estimate';
  return { minutes: parts.reduce((sum, p) => sum + p.minutes, 0), source, stages: parts };
}

/** Tasks named by a problem, and every task that depends on one of them, however indirectly. */
function unschedulable(tasks: readonly PlanTask[], problems: readonly DependencyProblem[]): Set<string> {
  const out = new Set<string>();
  for (const p of problems) (p.kind === 'cycle' ? p.ids : [p.ids[0]!]).forEach((id) => out.add(id));
  for (let changed = true; changed; ) {
    changed = false;
    for (const t of tasks) {
      if (out.has(t.id) || !t.dependsOn.some((d) => out.has(d))) continue;
      out.add(t.id);
      changed = true;
    }
  }
  return out;
}

/** A node in dependency order with its dependencies inside the plan (those done elsewhere are dropped). */
interface Placed {
  task: PlanTask;
  deps: string[];
}

/** Kahn's algorithm over acyclic tasks; ties taken in id order so the result is stable. */
function topologicalOrder(tasks: readonly PlanTask[]): Placed[] {
  const ids = new Set(tasks.map((t) => t.id));
  const placed = tasks.map((task) => ({ task, deps: [...new Set(task.dependsOn)].filter((d) => ids.has(d)).sort(compareIds) }));
  const waiting = new Map(placed.map((p) => [p.task.id, p.deps.length]));
  const dependents = new Map<string, Placed[]>();
  for (const p of placed) for (const d of p.deps) dependents.set(d, [...(dependents.get(d) ?? []), p]);
  const queue = placed.filter((p) => p.deps.length === 0);
  for (let head = 0; head < queue.length; head++) {
    for (const next of dependents.get(queue[head]!.task.id) ?? []) {
      const left = waiting.get(next.task.id)! - 1;
      waiting.set(next.task.id, left);
      if (left === 0) queue.push(next);
    }
  }
  return queue;
}

function dependencyWaves(order: readonly Placed[]): string[][] {
  const level = new Map<string, number>();
  const waves: PlanTask[][] = [];
  for (const { task, deps } of order) {
    const k = deps.reduce((max, d) => Math.max(max, level.get(d)! + 1), 0);
    level.set(task.id, k);
    (waves[k] ??= []).push(task);
  }
  return waves.map((wave) => wave.sort((a, b) => b.priority - a.priority || compareIds(a.id, b.id)).map((t) => t.id));
}

/** Every task's transitive dependencies inside the plan. */
function ancestors(order: readonly Placed[]): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const { task, deps } of order) {
    const all = new Set<string>();
    for (const d of deps) {
      all.add(d);
      out.get(d)!.forEach((a) => all.add(a));
    }
    out.set(task.id, all);
  }
  return out;
}

/** Overlapping pairs not already kept apart by a dependency path between them. */
function conflictingPairs(tasks: readonly PlanTask[], before: Map<string, Set<string>>): PlanConflict[] {
  const out: PlanConflict[] = [];
  for (const [i, a] of tasks.entries()) {
    for (const b of tasks.slice(i + 1)) {
      if (before.get(a.id)!.has(b.id) || before.get(b.id)!.has(a.id)) continue;
      const { conflict, pair } = pathsConflict(a.touches, b.touches);
      if (conflict) out.push({ a: a.id, b: b.id, globs: pair! });
    }
  }
  return out; // `tasks` is in id order, so pairs come out sorted by a, then b
}

/** Longest path by summed minutes; a tie at a step back goes to the smaller id. */
function criticalPath(order: readonly Placed[], minutes: (id: string) => number): { ids: string[]; minutes: number } {
  const finish = new Map<string, number>();
  const via = new Map<string, string>();
  const steps = new Map<string, number>();
  // Equal finishes: the path with more tasks (so zero-minute tasks are not dropped), then the smaller id.
  const longer = (x: string, y: string) =>
    finish.get(x)! - finish.get(y)! || steps.get(x)! - steps.get(y)! || compareIds(y, x);
  let end: string | undefined;
  for (const { task, deps } of order) {
    let start = 0;
    let from: string | undefined;
    for (const d of deps) {
      if (from === undefined || finish.get(d)! > start) [start, from] = [finish.get(d)!, d];
    }
    if (from !== undefined) via.set(task.id, from);
    finish.set(task.id, start + minutes(task.id));
    steps.set(task.id, from === undefined ? 1 : steps.get(from)! + 1);
    if (end === undefined || longer(task.id, end) > 0) end = task.id;
  }
  const ids: string[] = [];
  for (let at = end; at !== undefined; at = via.get(at)) ids.unshift(at);
  return { ids, minutes: end === undefined ? 0 : finish.get(end)! };
}

/** List scheduling: whenever an agent is free, start what `pickNext` would pick (priority, then id). */
function simulate(tasks: readonly PlanTask[], agents: number, minutes: (id: string) => number, alreadyDone: ReadonlySet<string>): number {
  let queue = orderCandidates(tasks.map((t) => ({ ...t, name: t.id })));
  const done = new Set(alreadyDone);
  let running: Array<RunningTask & { end: number }> = [];
  let now = 0;
  for (;;) {
    while (running.length < agents) {
      const { task } = pickNext(queue, { running, done, failed: new Set(), now, firstSeen: new Map() });
      if (task === undefined) break;
      running.push({ id: task.id, touches: task.touches, end: now + minutes(task.id) });
      queue = queue.filter((t) => t !== task);
    }
    if (running.length === 0) return now;
    now = Math.min(...running.map((r) => r.end));
    for (const r of running) if (r.end === now) done.add(r.id);
    running = running.filter((r) => r.end !== now);
  }
}
