import fs from 'node:fs';
import path from 'node:path';
import { PlError } from '../errors.js';
import { attemptBranch, attemptWorktree, type Layout } from '../queue/layout.js';
import { withRepoLock, type RepoLockOptions } from './lock.js';
import { git, revParse, runGit } from './repo.js';
import { findWorktree, listWorktrees, type WorktreeEntry } from './worktree-list.js';

// Worktree set-up and the state-folder exclude live in their own files; callers find them here too.
export { prepareWorktree, type PrepareOptions, type PreparedWorktree } from './prepare.js';
export { ensureStateIgnored } from './exclude.js';

/** The lock every add/remove/prune of one repository's worktrees takes: `<locks>/worktree.lock` (layout.locks). */
export function lockWorktrees<T>(layout: Layout, fn: () => Promise<T>, lock?: RepoLockOptions): Promise<T> {
  return withRepoLock(layout.locks, 'worktree', fn, lock);
}

export interface AttemptWorktreeOptions {
  repo: string;
  layout: Layout;
  taskId: string;
  gen: number;
  lock?: RepoLockOptions;
}

export interface AddedWorktree {
  path: string;
  branch: string;
  /** The commit checked out in the worktree. */
  head: string;
  /** `new`: created now; `worktree`: an earlier try had already made it; `branch`: a stray branch of an earlier try was checked out again. */
  reused: 'new' | 'worktree' | 'branch';
}

// `git worktree add` marks a worktree "initializing" until its checkout is complete; found by the folder's owner
// (no one else adds it), it is the remains of a process that died mid-add, and its checkout cannot be trusted.
function isCrashedAdd(entry: WorktreeEntry): boolean {
  return entry.locked === 'initializing' || entry.prunable !== undefined;
}

async function discardCrashedAdd(repo: string, dir: string): Promise<void> {
  if (fs.existsSync(dir)) {
    await git(repo, ['worktree', 'remove', '--force', '--force', dir]);
  } else {
    await runGit(repo, ['worktree', 'unlock', dir], { okCodes: [0, 128] });
    await git(repo, ['worktree', 'prune']);
  }
}

/**
 * Create the worktree of one attempt, `attemptWorktree(layout, taskId, gen)`, on the new branch
 * `attemptBranch(taskId, gen)` starting at `base` (a commit-ish: the target tip, or an earlier attempt's branch).
 * Idempotent, so a crashed try can be repeated: an existing worktree on that branch is reused as it is,
 * and a stray branch without a worktree is checked out again (its commits are kept; `base` is then ignored).
 * The common case, a fresh attempt from a full commit id with nothing at `dir`, is one `git worktree add` and
 * runs beside other workers' adds: git keeps each worktree's files apart and marks one "initializing" until its
 * checkout is done, and `dir` has one owner (the attempt, or the slot under its lock). Adds one after another
 * held the last of 8 workers on a fresh clone 8 checkouts long before its first agent (the whole checkout of a
 * big repository, each). Anything else (the branch or `dir` left by an earlier try) is looked at under the
 * repository's worktree lock, `<locks>/worktree.lock`, which removing and pruning take too. `dir`: another
 * folder than the attempt's own (an agent slot's warm worktree, made by its first attempt).
 */
export async function addAttemptWorktree(options: AttemptWorktreeOptions & { base: string; dir?: string }): Promise<AddedWorktree> {
  const { repo, layout, taskId, gen, base } = options;
  const dir = options.dir ?? attemptWorktree(layout, taskId, gen);
  const branch = attemptBranch(taskId, gen);
  fs.mkdirSync(layout.worktrees, { recursive: true });
  // git refuses when the branch exists or `dir` is still registered, and then the careful path below runs.
  if (/^[0-9a-f]{40}$/.test(base) && !fs.existsSync(dir)) {
    const added = await runGit(repo, ['worktree', 'add', '--quiet', '--no-track', '-b', branch, dir, base], { okCodes: [0, 128] });
    if (added.exitCode === 0) return { path: dir, branch, head: base, reused: 'new' as const };
  }
  return lockWorktrees(
    layout,
    async () => {
      let entry = findWorktree(await listWorktrees(repo), dir);
      if (entry && isCrashedAdd(entry)) {
        await discardCrashedAdd(repo, dir);
        entry = undefined;
      }
      if (entry) {
        if (entry.branch !== `refs/heads/${branch}`) {
          throw new PlError('WORKTREE_CONFLICT', `The worktree ${dir} is checked out on ${entry.branch ?? 'a detached HEAD'}, expected ${branch}.`);
        }
        return { path: dir, branch, head: entry.head ?? (await git(dir, ['rev-parse', 'HEAD'])), reused: 'worktree' as const };
      }
      clearEmptyFolder(dir);
      const branchTip = await revParse(repo, `refs/heads/${branch}`);
      if (branchTip) {
        await git(repo, ['worktree', 'add', '--quiet', dir, branch]);
        return { path: dir, branch, head: branchTip, reused: 'branch' as const };
      }
      const baseSha = await revParse(repo, base);
      if (!baseSha) throw new PlError('BAD_BASE', `Cannot start ${branch}: "${base}" does not name a commit in ${repo}.`);
      await git(repo, ['worktree', 'add', '--quiet', '--no-track', '-b', branch, dir, baseSha]);
      return { path: dir, branch, head: baseSha, reused: 'new' as const };
    },
    options.lock,
  );
}

// An empty folder (a crash after mkdir) is harmless to remove; anything with content is not ours to judge.
function clearEmptyFolder(dir: string): void {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return;
  }
  if (names.length > 0) {
    throw new PlError('WORKTREE_CONFLICT', `${dir} exists, is not a git worktree and is not empty; move it away and try again.`);
  }
  fs.rmdirSync(dir);
}

export interface RemoveWorktreeOptions extends AttemptWorktreeOptions {
  /** Delete the attempt branch too. Default false. Without `force` it is deleted only when `mergedInto` contains it. */
  deleteBranch?: boolean;
  /** The branch (e.g. the target) that must contain the attempt branch for it to be deleted. */
  mergedInto?: string;
  /** Remove even with uncommitted changes to tracked files, and delete the branch even when unmerged. Default false. */
  force?: boolean;
}

export interface RemovedWorktree {
  worktreeRemoved: boolean;
  branchDeleted: boolean;
  /** Why the branch was kept, when `deleteBranch` was asked and it was not deleted. */
  branchKept?: string;
}

/**
 * Remove the worktree of one attempt, and optionally its branch. Untracked files in it (copied `.env`,
 * build output) go with it; changes to tracked files stop the removal (PlError `WORKTREE_DIRTY`) unless `force`.
 */
export async function removeAttemptWorktree(options: RemoveWorktreeOptions): Promise<RemovedWorktree> {
  const { repo, layout, taskId, gen, force = false } = options;
  const dir = attemptWorktree(layout, taskId, gen);
  const branch = attemptBranch(taskId, gen);
  return lockWorktrees(
    layout,
    async () => {
      const entry = findWorktree(await listWorktrees(repo), dir);
      let worktreeRemoved = false;
      if (entry?.prunable !== undefined) {
        await git(repo, ['worktree', 'prune']);
        worktreeRemoved = true;
      } else if (entry) {
        if (!force) await refuseDirty(dir);
        await git(repo, ['worktree', 'remove', '--force', ...(entry.locked !== undefined ? ['--force'] : []), dir]);
        worktreeRemoved = true;
      }
      if (!options.deleteBranch) return { worktreeRemoved, branchDeleted: false };
      const kept = await branchKeepReason(repo, branch, options.mergedInto, force);
      if (kept === 'gone') return { worktreeRemoved, branchDeleted: false };
      if (kept) return { worktreeRemoved, branchDeleted: false, branchKept: kept };
      await git(repo, ['branch', '-D', '--', branch]);
      return { worktreeRemoved, branchDeleted: true };
    },
    options.lock,
  );
}

/**
 * Cleanup right after this process landed the attempt: its leftovers were committed and `branchTip` was just merged
 * into `target`, whose tip is `landedAt`. Then one forced `worktree remove` (nothing uncommitted is left to lose) and
 * one ref transaction that deletes the branch only while it still points at `branchTip` and the target still points at
 * `landedAt` (so the target contains it): two git calls instead of six. Anything unexpected (the worktree locked, gone
 * or moved on, the branch or the target moved) falls back to removeAttemptWorktree with its checks.
 */
export async function removeLandedWorktree(options: AttemptWorktreeOptions & { target: string; targetRef?: string; landedAt: string; branchTip: string }): Promise<RemovedWorktree> {
  const { repo, layout, taskId, gen } = options;
  // A remote target's landing is checked against the private ref its fetch and push keep (merge/target.ts).
  const targetRef = options.targetRef ?? `refs/heads/${options.target}`;
  const dir = attemptWorktree(layout, taskId, gen);
  const branch = attemptBranch(taskId, gen);
  const fast = await lockWorktrees(
    layout,
    async () => {
      if (!fs.existsSync(path.join(dir, '.git'))) return 'no';
      // Without a second --force, git refuses a locked worktree, and it refuses a folder that is no worktree.
      const removed = await runGit(repo, ['worktree', 'remove', '--force', dir], { okCodes: [0, 128] });
      if (removed.exitCode !== 0) return 'no';
      const deleted = await runGit(repo, ['update-ref', '--stdin'], {
        input: `verify ${targetRef} ${options.landedAt}\ndelete refs/heads/${branch} ${options.branchTip}\n`,
        okCodes: [0, 1, 128],
      });
      return deleted.exitCode === 0 ? 'both' : 'worktree';
    },
    options.lock,
  );
  if (fast === 'both') return { worktreeRemoved: true, branchDeleted: true };
  const slow = await removeAttemptWorktree({ ...options, deleteBranch: true, mergedInto: targetRef });
  return fast === 'worktree' ? { ...slow, worktreeRemoved: true } : slow;
}

async function refuseDirty(dir: string): Promise<void> {
  const status = await git(dir, ['--no-optional-locks', 'status', '--porcelain', '-z', '--untracked-files=no']);
  if (status !== '') {
    throw new PlError('WORKTREE_DIRTY', `The worktree ${dir} has uncommitted changes to tracked files; commit them first or remove it with force.`, {
      details: { status: status.split('\0').filter(Boolean) },
    });
  }
}

async function branchKeepReason(repo: string, branch: string, mergedInto: string | undefined, force: boolean): Promise<string | undefined> {
  const tip = await revParse(repo, `refs/heads/${branch}`);
  if (!tip) return 'gone';
  if (force) return undefined;
  if (!mergedInto) return 'no branch to check it is merged into was given';
  const { exitCode } = await runGit(repo, ['merge-base', '--is-ancestor', tip, mergedInto], { okCodes: [0, 1] });
  return exitCode === 0 ? undefined : `it has commits that ${mergedInto} does not contain`;
}

/** `git worktree prune`, under the same lock as add and remove. */
export async function pruneWorktrees(repo: string, layout: Layout, lock?: RepoLockOptions): Promise<void> {
  await lockWorktrees(layout, () => git(repo, ['worktree', 'prune']), lock);
}
