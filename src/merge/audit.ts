import path from 'node:path';
import { git } from '../git/repo.js';
import type { QueueStore } from '../queue/store.js';
import { REVERT_TRAILER, TASK_TRAILER } from './trailers.js';

/** Where the audit found "done" and "landed" disagree, one line per task. */
export interface AuditViolation {
  task: string;
  problem: 'done-not-landed' | 'landed-twice' | 'landed-not-done';
  message: string;
}

/** Landing outcomes that leave nothing on the target by design: the task is done without a trailer. */
const NO_TRAILER = new Set(['nothing-to-land', 'kept', 'pr']);

/**
 * Count each task's landing trailers on the target's first-parent line (an `undo` takes one back).
 * Pure: takes the messages as `git log --first-parent --format=%B%x00` prints them.
 */
export function countLandings(log: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const message of log.split('\0')) {
    for (const line of message.split('\n')) {
      const m = /^(Parallel-Loop-Task|Parallel-Loop-Revert): (.+?)\r?$/.exec(line);
      if (!m) continue;
      const delta = m[1] === TASK_TRAILER ? 1 : m[1] === REVERT_TRAILER ? -1 : 0;
      counts.set(m[2]!, (counts.get(m[2]!) ?? 0) + delta);
    }
  }
  return counts;
}

/**
 * The promise of `done/`, checked against the target: every task in done/ has its trailer on the target
 * exactly once (unless its landing said there was nothing to land, or the branch was kept), and every
 * task with a trailer there is in done/. Pure: takes the done ids, how each was settled, and the counts.
 */
export function auditFrom(done: Map<string, string | undefined>, landed: Map<string, number>, target: string): AuditViolation[] {
  const found: AuditViolation[] = [];
  for (const [task, status] of done) {
    const n = landed.get(task) ?? 0;
    if (status !== undefined && NO_TRAILER.has(status)) continue;
    if (n === 0) found.push({ task, problem: 'done-not-landed', message: `${task} is in done/ but its trailer is not on ${target}` });
    if (n > 1) found.push({ task, problem: 'landed-twice', message: `${task} landed ${n} times on ${target}` });
  }
  for (const [task, n] of landed) {
    if (n > 0 && !done.has(task)) found.push({ task, problem: 'landed-not-done', message: `${task} has its trailer on ${target} but is not in done/` });
  }
  return found;
}

/** How the last release of a done task says it landed (`landed`, `nothing-to-land`, …), when it says. */
function settledAs(store: QueueStore, id: string): string | undefined {
  const done = store.claims.history(id).map((h) => h.release).filter((r) => r?.outcome === 'done').pop();
  const landing = done?.landing as { status?: unknown } | undefined;
  return typeof landing?.status === 'string' ? landing.status : undefined;
}

/**
 * Read the queue and the target's history, then audit them (see auditFrom). `from.repo`: the repository
 * whose branch `target` is, when it is not the queue's own (a remote target: the bare repository, or a clone
 * fetched from the remote).
 */
export async function auditLandings(store: QueueStore, target: string, from: { repo?: string } = {}): Promise<AuditViolation[]> {
  const done = new Map<string, string | undefined>();
  // From running/ on, a task file is named by its id.
  for (const file of store.taskFiles('done')) {
    const id = path.basename(file, path.extname(file));
    done.set(id, settledAs(store, id));
  }
  const log = await git(from.repo ?? store.layout.repo, ['log', '--first-parent', '--format=%B%x00', `refs/heads/${target}`, '--']);
  return auditFrom(done, countLandings(log), target);
}
