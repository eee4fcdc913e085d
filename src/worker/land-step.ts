import type { Task } from '../task/types.js';
import { landAttempt } from '../merge/land.js';
import { removeAttemptWorktree, removeLandedWorktree } from '../git/worktree.js';
import type { Worker } from './loop.js';
import { verifyInWorktree } from './verify.js';
import type { LandOutcome } from '../lifecycle/records.js';
import type { TaskPolicy } from '../lifecycle/policy.js';

/**
 * Land a finished attempt according to `--land`: merge onto the target (lock-free, exactly once),
 * or keep the branch. Cleans up the worktree (and branch, once merged) when configured; that cleanup runs on
 * after this returns (`Worker.deferCleanup`), so it never delays the task's release or the next claim.
 */
export async function landStep(
  worker: Worker,
  task: Task,
  policy: TaskPolicy,
  attempt: { branch: string; base: string; attempt: number; worktree: string | undefined; gen: number },
): Promise<LandOutcome> {
  const { options, repo } = worker.config;
  if (options.inPlace) return { status: 'kept', branch: '', mode: 'none' };
  if (options.land !== 'merge') return { status: 'kept', branch: attempt.branch, mode: options.land };
  const verifyCommand = policy.verify;
  const worktree = attempt.worktree;
  const verify =
    verifyCommand && worktree
      ? async (merged: string) => {
          worker.state.set({ phase: 'verifying' });
          return verifyInWorktree(worktree, attempt.branch, merged, verifyCommand, { timeoutMs: policy.timeoutSec * 1000, killGraceMs: options.killGraceMs });
        }
      : undefined;
  let result: Awaited<ReturnType<typeof landAttempt>>;
  try {
    result = await landAttempt({
      repo,
      target: policy.target,
      branch: attempt.branch,
      base: attempt.base,
      taskId: task.id,
      title: task.title,
      prompt: task.prompt,
      attempt: attempt.attempt,
      style: options.landStyle,
      verify,
      dirtyPolicy: options.dirtyTarget,
      changelog: options.changelog ? { file: options.changelog, entry: task.changelog ?? task.title } : undefined,
    });
  } catch (err) {
    // The agent's work is committed on its branch; a landing that could not finish now (the target
    // kept moving, git failed) is held and tried again later, without running the agent again.
    return { status: 'held', reason: `landing did not finish: ${err instanceof Error ? err.message : String(err)}` };
  }
  const landed = result.status === 'landed' || result.status === 'already-landed' || result.status === 'nothing-to-land';
  if (landed && options.cleanup) {
    const { target } = policy;
    const cleanup =
      // The fast path is for an attempt this process ran and committed just now (its worktree is the attempt's own).
      result.status === 'landed' && worktree
        ? removeLandedWorktree({ repo, layout: worker.layout, taskId: task.id, gen: attempt.gen, target, landedAt: result.commit, branchTip: result.branchTip })
        : removeAttemptWorktree({ repo, layout: worker.layout, taskId: task.id, gen: attempt.gen, deleteBranch: true, mergedInto: `refs/heads/${target}` });
    // Not awaited: the task is settled and the next one claimed while git removes what this attempt used.
    worker.deferCleanup(cleanup);
  }
  return result as LandOutcome;
}
