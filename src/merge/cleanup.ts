import type { Layout } from '../queue/layout.js';
import type { RepoLockOptions } from '../git/lock.js';
import { removeAttemptWorktree, type RemovedWorktree } from '../git/worktree.js';

export interface CleanupOptions {
  repo: string;
  layout: Layout;
  taskId: string;
  gen: number;
  /** The branch the attempt landed on; the attempt branch is deleted only when this branch contains it. */
  target: string;
  /** Delete the attempt branch too. Default true. */
  deleteBranch?: boolean;
  /** Remove the worktree with uncommitted changes and delete an unmerged branch. Default false. */
  force?: boolean;
  lock?: RepoLockOptions;
}

/**
 * After a landing: remove the attempt's worktree and, once the target contains it, its branch.
 * An unmerged branch is kept (reported in `branchKept`) unless `force`: unmerged commits are never deleted silently.
 */
export function cleanupAttempt(options: CleanupOptions): Promise<RemovedWorktree> {
  return removeAttemptWorktree({
    repo: options.repo,
    layout: options.layout,
    taskId: options.taskId,
    gen: options.gen,
    deleteBranch: options.deleteBranch ?? true,
    mergedInto: `refs/heads/${options.target}`,
    force: options.force,
    lock: options.lock,
  });
}
