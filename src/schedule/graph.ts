import { editDistance } from '../util/edit-distance.js';
import type { Problem } from '../task/types.js';

/** The part of a task the dependency checks read. */
export interface DependencyNode {
  id: string;
  dependsOn: readonly string[];
}

/**
 * A dependency that can never be satisfied. `path` is the task id (the file to
 * edit); `ids` names the tasks involved: `[task, missing]` for an unknown
 * dependency, `[task]` for a self-dependency, and for a cycle every task on it
 * in dependency order with the first repeated at the end (`a, b, c, a`).
 */
export interface DependencyProblem extends Problem {
  kind: 'unknown-dependency' | 'self-dependency' | 'cycle';
  ids: string[];
}

/**
 * Every dependency problem in a set of tasks: unknown ids (with a suggestion
 * when one is close), self-dependencies, and cycles. Cycles are found per
 * strongly connected component, and each component is reported as enough
 * cycles to name every task in it. `knownIds` are ids that exist outside
 * `tasks` (done or failed tasks), so depending on them is not a problem.
 * Output is sorted by task id, cycles last.
 */
export function checkDependencies(tasks: readonly DependencyNode[], knownIds: ReadonlySet<string> = new Set()): DependencyProblem[] {
  const sorted = [...tasks].sort((a, b) => compareIds(a.id, b.id));
  const ids = new Set(sorted.map((t) => t.id));
  const everyId = [...new Set([...ids, ...knownIds])].sort(compareIds);
  const problems: DependencyProblem[] = [];
  const edges = new Map<string, string[]>();
  for (const task of sorted) {
    const deps = [...new Set(task.dependsOn)].sort(compareIds);
    if (deps.includes(task.id)) {
      problems.push({ kind: 'self-dependency', ids: [task.id], path: task.id, message: `dependsOn names the task itself ("${task.id}"), so it can never run; remove that entry` });
    }
    for (const dep of deps) {
      if (ids.has(dep) || knownIds.has(dep)) continue;
      const guess = didYouMean(dep, everyId);
      // `--depends-on a,b` and `dependsOn: "a, b"` are one id with a comma: name the list form when its parts are tasks.
      const parts = dep.split(',').map((p) => p.trim());
      const listed = parts.length > 1 && parts.every((p) => ids.has(p) || knownIds.has(p));
      const hint = listed
        ? `ids are listed apart: \`dependsOn: [${parts.join(', ')}]\`, or \`--depends-on ${parts.join(' ')}\``
        : guess === undefined ? 'check the id or add that task' : `did you mean "${guess}"?`;
      problems.push({ kind: 'unknown-dependency', ids: [task.id, dep], path: task.id, message: `dependsOn names "${dep}", which is not a known task; ${hint}` });
    }
    edges.set(task.id, deps.filter((d) => d !== task.id && ids.has(d)));
  }
  for (const component of stronglyConnected(sorted.map((t) => t.id), edges)) {
    if (component.length < 2) continue;
    for (const cycle of coveringCycles(component, edges)) {
      problems.push({ kind: 'cycle', ids: cycle, path: cycle[0]!, message: `tasks depend on each other in a cycle: ${cycle.join(' -> ')}; none of them can run until one of these dependsOn entries is removed` });
    }
  }
  return problems;
}

/** Ids compared by code unit, so the order does not depend on the locale. */
export function compareIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Strongly connected components (Tarjan), iterative so a long chain cannot overflow the stack. */
function stronglyConnected(nodes: string[], edges: Map<string, string[]>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const out: string[][] = [];
  const visit = (node: string) => {
    index.set(node, index.size);
    low.set(node, index.get(node)!);
    stack.push(node);
    onStack.add(node);
  };
  for (const root of nodes) {
    if (index.has(root)) continue;
    visit(root);
    const work = [{ node: root, next: 0 }];
    while (work.length > 0) {
      const frame = work.at(-1)!;
      const successors = edges.get(frame.node) ?? [];
      if (frame.next < successors.length) {
        const next = successors[frame.next++]!;
        if (!index.has(next)) {
          visit(next);
          work.push({ node: next, next: 0 });
        } else if (onStack.has(next)) low.set(frame.node, Math.min(low.get(frame.node)!, index.get(next)!));
        continue;
      }
      work.pop();
      const parent = work.at(-1);
      if (parent !== undefined) low.set(parent.node, Math.min(low.get(parent.node)!, low.get(frame.node)!));
      if (low.get(frame.node) !== index.get(frame.node)) continue;
      const component: string[] = [];
      for (let member = ''; member !== frame.node; ) {
        member = stack.pop()!;
        onStack.delete(member);
        component.push(member);
      }
      out.push(component.sort(compareIds));
    }
  }
  return out;
}

/** Shortest cycles through the lowest uncovered member, until every member of the component is named. */
function coveringCycles(component: string[], edges: Map<string, string[]>): string[][] {
  const members = new Set(component);
  const covered = new Set<string>();
  const cycles: string[][] = [];
  for (const start of component) {
    if (covered.has(start)) continue;
    const cycle = shortestCycle(start, members, edges);
    cycle.forEach((id) => covered.add(id));
    cycles.push(cycle);
  }
  return cycles;
}

/** Breadth-first from `start` back to itself; within a strongly connected component one always exists. */
function shortestCycle(start: string, members: Set<string>, edges: Map<string, string[]>): string[] {
  const cameFrom = new Map<string, string>();
  const queue = [start];
  for (let head = 0; head < queue.length; head++) {
    const node = queue[head]!;
    for (const next of edges.get(node) ?? []) {
      if (!members.has(next)) continue;
      if (next === start) {
        const path = [start];
        for (let at = node; at !== start; at = cameFrom.get(at)!) path.push(at);
        return [start, ...path.slice(1).reverse(), start];
      }
      if (cameFrom.has(next)) continue;
      cameFrom.set(next, node);
      queue.push(next);
    }
  }
  return [start, start]; // unreachable for a real component
}

/** The closest id within a few edits, for "did you mean". */
export function didYouMean(name: string, candidates: readonly string[]): string | undefined {
  const limit = Math.max(1, Math.floor(name.length / 3));
  let best: { id: string; distance: number } | undefined;
  for (const id of candidates) {
    const distance = id.toLowerCase() === name.toLowerCase() ? 0 : editDistance(name, id);
    if (distance <= limit && (best === undefined || distance < best.distance)) best = { id, distance };
  }
  return best?.id;
}
