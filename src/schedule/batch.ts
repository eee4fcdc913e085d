import { pathsConflict } from './globs.js';

/** A task waiting in the landing queue, as the lander sees it. */
export interface ReadyTask {
  id: string;
  /** When it became ready (ISO): the queue's order. */
  since: string;
  touches: readonly string[];
  /** Tasks land together only when they land the same way (target and verify command). */
  key: string;
}

/** The landing queue in order: oldest ready first, then by id. */
export function landingOrder<T extends ReadyTask>(ready: readonly T[]): T[] {
  return [...ready].sort((a, b) => (a.since < b.since ? -1 : a.since > b.since ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/**
 * The next batch: from the front of the queue, up to `size` tasks of the first task's key, never two whose
 * `touches` overlap (such a pair would likely conflict, and one conflict costs the batch a merge). A task
 * left out waits for the next batch in its place. Pure.
 */
export function chooseBatch<T extends ReadyTask>(ready: readonly T[], size: number): T[] {
  const ordered = landingOrder(ready);
  const first = ordered[0];
  if (!first) return [];
  const batch: T[] = [];
  for (const task of ordered) {
    if (batch.length >= size) break;
    if (task.key !== first.key) continue;
    if (batch.some((b) => pathsConflict(b.touches, task.touches).conflict)) continue;
    batch.push(task);
  }
  return batch;
}
