import path from 'node:path';
import { withRepoLock } from '../git/lock.js';
import { git, runGit } from '../git/repo.js';
import { checkoutLockName, recordIndexTree } from './checkout.js';

/** What happened to one checkout of the target after its ref moved. */
export interface CheckoutReport {
  worktree: string;
  /** `updated`: fast-forwarded; `up-to-date`: nothing to do; `behind`: left alone, see `reason`; `skipped`: no longer on the target. */
  state: 'updated' | 'up-to-date' | 'behind' | 'skipped';
  reason?: string;
}

/** Where the checkout locks live when the caller names no folder: inside the repository's git dir, never in a checkout. */
export async function defaultLockDir(repo: string): Promise<string> {
  let dir = lockDirs.get(repo);
  if (!dir) {
    dir = path.resolve(repo, await git(repo, ['rev-parse', '--git-common-dir']), 'parallel-loop', 'locks');
    lockDirs.set(repo, dir);
  }
  return dir;
}

// A repository's git dir does not move while a run lasts: asked once per process.
const lockDirs = new Map<string, string>();

/**
 * Hold the locks of these checkouts while `fn` runs. Landings of several processes inspect, move and
 * fast-forward a checkout one at a time, so none of them sees another's fast-forward half done (files
 * newer than the index look like the user's unstaged changes). Correctness of the landing itself does not
 * depend on it: the compare-and-swap decides that.
 */
export async function withCheckoutLocks<T>(worktrees: string[], lockDir: string, fn: () => Promise<T>): Promise<T> {
  const names = [...new Set(worktrees.map(checkoutLockName))].sort();
  const nest = (i: number): Promise<T> => (i === names.length ? fn() : withRepoLock(lockDir, names[i] as string, () => nest(i + 1)));
  return nest(0);
}

async function readTreeWithRetry(worktree: string, from: string, to: string): Promise<{ ok: boolean; stderr: string }> {
  let stderr = '';
  let refresh = false;
  for (let i = 0; i < 5; i++) {
    // Stale stat data would make read-tree call clean files "not uptodate": refreshed only when read-tree says so
    // (the index our own last fast-forward wrote is fresh, so the common case needs one git call, not two).
    if (refresh) await runGit(worktree, ['update-index', '-q', '--refresh'], { okCodes: [0, 1, 128] });
    const result = await runGit(worktree, ['read-tree', '-m', '-u', from, to], { okCodes: [0, 128] });
    if (result.exitCode === 0) return { ok: true, stderr: '' };
    stderr = result.stderr.trim();
    if (/not uptodate/i.test(stderr) && !refresh) {
      refresh = true;
      continue;
    }
    // The user's own git (or an editor's) may hold index.lock for a moment.
    if (!stderr.includes('index.lock')) break;
    refresh = true;
    await new Promise((r) => setTimeout(r, 20 + Math.random() * 80));
  }
  return { ok: false, stderr };
}

/**
 * Fast-forward a checkout whose index holds `indexTree` (just found clean by inspectCheckout, under its lock)
 * to `next`, with the two-tree `git read-tree -m -u <indexTree> <next>`, the fast-forward primitive:
 * `git merge --ff-only` would be a no-op, since HEAD already names the moved ref; read-tree checks the index
 * against the old tree, carries unrelated edits forward and, without --exclude-per-directory, refuses to
 * overwrite any untracked file, ignored ones too. A refusal leaves the checkout as it was, reported behind.
 */
export async function moveCheckout(worktree: string, indexTree: string, next: string, lockDir?: string): Promise<CheckoutReport> {
  const result = await readTreeWithRetry(worktree, indexTree, next);
  if (!result.ok) return { worktree, state: 'behind', reason: `git read-tree refused: ${result.stderr}` };
  if (lockDir) await recordIndexTree(worktree, lockDir, next);
  return { worktree, state: 'updated' };
}
